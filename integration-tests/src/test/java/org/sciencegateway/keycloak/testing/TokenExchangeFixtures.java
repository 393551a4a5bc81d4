package org.sciencegateway.keycloak.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clients and audience policies that the token exchange tests add to realm {@code vre} through the admin REST API,
 * next to the lab's {@code jupyterhub}, {@code other-gateway} and {@code rucio} (whose policy the realm export
 * carries). Created once per server; each policy goes through the validating mapper endpoint.
 */
public final class TokenExchangeFixtures {

    public static final String REALM = "vre";

    /** A hub with Keycloak's standard token exchange switched on and no audience policy naming it. */
    public static final HubClient STOCK_HUB = new HubClient(REALM, "te-stock-hub", "te-stock-hub-secret",
            "http://localhost:8002/hub/oauth_callback");
    /** A hub whose access tokens live 2 s, to obtain genuinely expired subject tokens. */
    public static final HubClient SHORT_LIVED_HUB = new HubClient(REALM, "te-short-hub", "te-short-hub-secret",
            "http://localhost:8003/hub/oauth_callback");
    public static final String PUBLIC_CLIENT = "te-public";

    /** Policy: requesters jupyterhub and te-short-hub, any user, scopes openid profile phone, 60 s, no refresh. */
    public static final String LIMITED_AUDIENCE = "te-limited";
    public static final int LIMITED_LIFETIME = 60;
    /** A disabled client with an otherwise valid policy. */
    public static final String DISABLED_AUDIENCE = "te-disabled";
    /** Policy allowing refresh, which a test switches off again. */
    public static final String REFRESH_TOGGLE_AUDIENCE = "te-refresh-toggle";
    /** A client without any policy. */
    public static final String PLAIN_AUDIENCE = "te-plain";

    private static boolean created;

    private TokenExchangeFixtures() {
    }

    public static synchronized void ensure(KeycloakAdmin admin) {
        if (created) {
            return;
        }
        hub(admin, STOCK_HUB, Map.of("standard.token.exchange.enabled", "true"));
        hub(admin, SHORT_LIVED_HUB, Map.of("access.token.lifespan", "2"));
        client(admin, Map.of("clientId", PUBLIC_CLIENT, "publicClient", true, "standardFlowEnabled", true,
                "redirectUris", List.of("http://localhost:8004/*")));
        audience(admin, LIMITED_AUDIENCE, true);
        policy(admin, LIMITED_AUDIENCE, Map.of(
                "allowed.requesters", "jupyterhub##" + SHORT_LIVED_HUB.clientId(),
                "grantable.scopes", "openid##profile##phone",
                "max.lifetime.seconds", String.valueOf(LIMITED_LIFETIME)));
        audience(admin, DISABLED_AUDIENCE, true);
        policy(admin, DISABLED_AUDIENCE, Map.of("allowed.requesters", "jupyterhub", "grantable.scopes", "openid##profile"));
        admin.put("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, DISABLED_AUDIENCE),
                Map.of("clientId", DISABLED_AUDIENCE, "enabled", false)).ok();
        audience(admin, REFRESH_TOGGLE_AUDIENCE, true);
        policy(admin, REFRESH_TOGGLE_AUDIENCE, refreshTogglePolicy(true));
        audience(admin, PLAIN_AUDIENCE, true);
        created = true;
    }

    public static Map<String, String> refreshTogglePolicy(boolean refreshAllowed) {
        return Map.of("allowed.requesters", "jupyterhub", "grantable.scopes", "openid##profile",
                "refresh.allowed", String.valueOf(refreshAllowed));
    }

    /** Representation of an audience exchange policy mapper. */
    public static Map<String, Object> policyMapper(String name, Map<String, String> config) {
        Map<String, Object> mapper = new LinkedHashMap<>();
        mapper.put("name", name);
        mapper.put("protocol", "openid-connect");
        mapper.put("protocolMapper", "audience-exchange-policy");
        mapper.put("config", config);
        return mapper;
    }

    public static String mappersPath(KeycloakAdmin admin, String clientId) {
        return "/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, clientId) + "/protocol-mappers/models";
    }

    private static void hub(KeycloakAdmin admin, HubClient hub, Map<String, String> attributes) {
        Map<String, Object> rep = new LinkedHashMap<>();
        rep.put("clientId", hub.clientId());
        rep.put("publicClient", false);
        rep.put("secret", hub.clientSecret());
        rep.put("standardFlowEnabled", true);
        rep.put("redirectUris", List.of(hub.redirectUri()));
        rep.put("attributes", attributes);
        client(admin, rep);
    }

    private static void audience(KeycloakAdmin admin, String clientId, boolean enabled) {
        client(admin, Map.of("clientId", clientId, "publicClient", false, "secret", clientId + "-secret",
                "standardFlowEnabled", false, "enabled", enabled));
    }

    private static void client(KeycloakAdmin admin, Map<String, Object> rep) {
        KeycloakAdmin.Response response = admin.post("/admin/realms/" + REALM + "/clients", rep);
        if (response.status() != 201 && response.status() != 409) {
            throw new AssertionError("Creating client " + rep.get("clientId") + ": " + response);
        }
    }

    private static void policy(KeycloakAdmin admin, String audience, Map<String, String> config) {
        String path = mappersPath(admin, audience);
        if (admin.get(path).ok().size() > 0) {
            return;
        }
        admin.post(path, policyMapper(audience + " exchange policy", config)).ok();
    }
}
