package org.sciencegateway.keycloak.hubtenants.registration;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * {@link HubRegistrationRules} applied to Keycloak's representation of a hub — a registration, an RFC 7592 update,
 * or a save in the admin console — with the realm's facts: the origins other clients (and this server) already use.
 */
public final class HubRequestCheck {

    /** Client attributes holding URLs (Keycloak's names), judged like the hub's redirect URIs' origin. */
    private static final List<String> URL_ATTRIBUTES = List.of("post.logout.redirect.uris", "backchannel.logout.url",
            "frontchannel.logout.url", "jwks.url", "logoUri", "policyUri", "tosUri", "sector_identifier_uri",
            "ciba.backchannel.client.notification.endpoint", "request.uris");

    private HubRequestCheck() {
    }

    /**
     * @param self the hub itself when it is being updated ({@code null} for a registration)
     */
    public static Optional<HubRegistrationRules.Problem> judge(KeycloakSession session, RealmModel realm,
                                                               ClientRepresentation rep, ClientModel self,
                                                               Set<String> reservedClientIds) {
        List<String> redirectUris = rep.getRedirectUris() != null || self == null ? rep.getRedirectUris()
                : List.copyOf(self.getRedirectUris());
        HubRegistrationRules.Request request = new HubRegistrationRules.Request(
                self == null ? rep.getClientId() : null, rep.getName() != null || self == null ? rep.getName()
                : self.getName(), redirectUris, Boolean.TRUE.equals(rep.isPublicClient()), otherGrants(rep));
        Map<String, String> taken = originsOfOtherClients(realm, self);
        // Keycloak's own origin is no hub's: its pages would receive the codes.
        URI base = session.getContext().getUri().getBaseUri();
        if (base.getHost() != null) {
            // under either scheme: behind a proxy the server's own view may be http while users see https
            int port = base.getPort();
            taken.put(HubRegistrationRules.originOf("https://" + base.getHost() + (port < 0 ? "" : ":" + port)),
                    "this server");
            taken.put(HubRegistrationRules.originOf(base.toString()), "this server");
        }
        Optional<HubRegistrationRules.Problem> problem = HubRegistrationRules.judge(request, reservedClientIds, taken);
        if (problem.isPresent()) {
            return problem;
        }
        return HubRegistrationRules.urlsUnderHubOrigin(redirectUris, urlFields(rep, self));
    }

    /** The hub's URL fields as they will be after the change: the representation's, else the stored ones. */
    static Map<String, String> urlFields(ClientRepresentation rep, ClientModel self) {
        Map<String, String> urls = new LinkedHashMap<>();
        urls.put("rootUrl", rep.getRootUrl() != null || self == null ? rep.getRootUrl() : self.getRootUrl());
        urls.put("baseUrl", rep.getBaseUrl() != null || self == null ? rep.getBaseUrl() : self.getBaseUrl());
        urls.put("adminUrl", rep.getAdminUrl() != null || self == null ? rep.getAdminUrl()
                : self.getManagementUrl());
        List<String> webOrigins = rep.getWebOrigins() != null || self == null ? rep.getWebOrigins()
                : List.copyOf(self.getWebOrigins());
        urls.put("webOrigins", webOrigins == null ? null : String.join("##", webOrigins));
        Map<String, String> attributes = rep.getAttributes() == null ? Map.of() : rep.getAttributes();
        for (String attribute : URL_ATTRIBUTES) {
            String value = attributes.containsKey(attribute) || self == null ? attributes.get(attribute)
                    : self.getAttribute(attribute);
            urls.put(attribute, value);
        }
        return urls;
    }

    /** Grants beyond the authorization code (and refresh tokens) that the representation would enable. */
    public static List<String> otherGrants(ClientRepresentation rep) {
        List<String> grants = new ArrayList<>();
        if (Boolean.TRUE.equals(rep.isImplicitFlowEnabled())) {
            grants.add("implicit");
        }
        if (Boolean.TRUE.equals(rep.isDirectAccessGrantsEnabled())) {
            grants.add("password");
        }
        if (Boolean.TRUE.equals(rep.isServiceAccountsEnabled())) {
            grants.add("client_credentials");
        }
        Map<String, String> attributes = rep.getAttributes() == null ? Map.of() : rep.getAttributes();
        Map<String, String> grantAttributes = Map.of(
                "oauth2.device.authorization.grant.enabled", "urn:ietf:params:oauth:grant-type:device_code",
                "oidc.ciba.grant.enabled", "urn:openid:params:grant-type:ciba",
                "standard.token.exchange.enabled", "urn:ietf:params:oauth:grant-type:token-exchange",
                "oauth2.jwt.authorization.grant.enabled", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        grantAttributes.forEach((attribute, grant) -> {
            if ("true".equals(attributes.get(attribute))) {
                grants.add(grant);
            }
        });
        if (Boolean.TRUE.equals(rep.getAuthorizationServicesEnabled())) {
            grants.add("urn:ietf:params:oauth:grant-type:uma-ticket");
        }
        return grants;
    }

    /** Each origin another client of the realm redirects to (or is rooted at) → that client's id. */
    private static Map<String, String> originsOfOtherClients(RealmModel realm, ClientModel self) {
        Map<String, String> origins = new HashMap<>();
        realm.getClientsStream()
                .filter(client -> self == null || !client.getId().equals(self.getId()))
                .forEach(client -> {
                    List<String> urls = new ArrayList<>(client.getRedirectUris());
                    urls.add(client.getRootUrl());
                    urls.add(client.getBaseUrl());
                    for (String url : urls) {
                        String origin = HubRegistrationRules.originOf(url);
                        if (origin != null) {
                            origins.putIfAbsent(origin, client.getClientId());
                        }
                    }
                });
        return origins;
    }
}
