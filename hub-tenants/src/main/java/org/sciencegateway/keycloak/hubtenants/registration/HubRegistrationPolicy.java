package org.sciencegateway.keycloak.hubtenants.registration;

import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.services.ErrorResponseException;
import org.keycloak.services.clientregistration.ClientRegistrationContext;
import org.keycloak.services.clientregistration.ClientRegistrationProvider;
import org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy;
import org.keycloak.services.clientregistration.policy.ClientRegistrationPolicyException;

/**
 * Applies {@link HubRegistrationRules} to a registration, then stamps the new client with the realm's hub
 * protections ({@link HubStamp}). A refused request gets RFC 7591's 400 with the error code and a description naming
 * the field (Keycloak would answer a policy refusal with a bare 403).
 */
final class HubRegistrationPolicy implements ClientRegistrationPolicy {

    private static final Logger LOG = Logger.getLogger(HubRegistrationPolicy.class);

    private final KeycloakSession session;
    private final HubRegistrationConfig config;

    HubRegistrationPolicy(KeycloakSession session, HubRegistrationConfig config) {
        this.session = session;
        this.config = config;
    }

    @Override
    public void beforeRegister(ClientRegistrationContext context) {
        judge(context.getClient(), null);
        String stripped = mapperTypesStrippedByOtherPolicies(session.getContext().getRealm());
        if (stripped != null) {
            LOG.errorf("Realm %s: the client registration policy 'Allowed Protocol Mapper Types' does not allow %s, "
                    + "so it would remove a registered hub's protections; hub registrations are refused until it "
                    + "does", session.getContext().getRealm().getName(), stripped);
            throw refusal(new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA,
                    "protocol_mappers", "This realm's registration policies are not set up for hubs; ask its "
                    + "administrators (the server log says what to change)."));
        }
    }

    /**
     * Keycloak's "Allowed Protocol Mapper Types" policy removes, after registration, every mapper whose type it does
     * not list — in whatever order the policies run, also the institution filter this policy adds. A mapper type it
     * would strip, or {@code null}.
     */
    private static String mapperTypesStrippedByOtherPolicies(RealmModel realm) {
        return realm.getComponentsStream(realm.getId(), ClientRegistrationPolicy.class.getName())
                .filter(component -> "authenticated".equals(component.getSubType())
                        && "allowed-protocol-mappers".equals(component.getProviderId()))
                .flatMap(component -> {
                    List<String> allowed = component.getConfig().getOrDefault("allowed-protocol-mapper-types",
                            List.of());
                    return HubStamp.INHERITED_MAPPERS.stream().filter(type -> !allowed.contains(type));
                })
                .sorted().findFirst().orElse(null);
    }

    @Override
    public void afterRegister(ClientRegistrationContext context, ClientModel client) {
        RealmModel realm = session.getContext().getRealm();
        ClientModel template = realm.getClientByClientId(config.templateClient());
        HubStamp.apply(session, realm, client, template);
        LOG.infof("Hub '%s' (client %s) registered in realm %s, pending approval (disabled)", client.getName(),
                client.getClientId(), realm.getName());
    }

    @Override
    public void beforeUpdate(ClientRegistrationContext context, ClientModel client) {
        // RFC 7592 updates by the registration access token: the same rules, and never enabled by its holder.
        judge(context.getClient(), client);
        if (Boolean.TRUE.equals(context.getClient().isEnabled()) && !client.isEnabled()) {
            throw refusal(new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA, "enabled",
                    "A hub is enabled by a realm admin's approval, not by its registration."));
        }
    }

    @Override
    public void afterUpdate(ClientRegistrationContext context, ClientModel client) {
        HubStamp.reassert(client);
    }

    @Override
    public void beforeView(ClientRegistrationProvider provider, ClientModel client) throws ClientRegistrationPolicyException {
    }

    @Override
    public void beforeDelete(ClientRegistrationProvider provider, ClientModel client) throws ClientRegistrationPolicyException {
    }

    private void judge(ClientRepresentation rep, ClientModel self) {
        RealmModel realm = session.getContext().getRealm();
        HubRegistrationRules.Request request = new HubRegistrationRules.Request(
                self == null ? rep.getClientId() : null, rep.getName(), rep.getRedirectUris(),
                Boolean.TRUE.equals(rep.isPublicClient()), otherGrants(rep));
        Map<String, String> taken = originsOfOtherClients(realm, self);
        // Keycloak's own origin is no hub's: its pages would receive the codes.
        java.net.URI base = session.getContext().getUri().getBaseUri();
        if (base.getHost() != null) {
            // under either scheme: behind a proxy the server's own view may be http while users see https
            int port = base.getPort();
            taken.put(HubRegistrationRules.originOf("https://" + base.getHost() + (port < 0 ? "" : ":" + port)),
                    "this server");
            taken.put(HubRegistrationRules.originOf(base.toString()), "this server");
        }
        HubRegistrationRules.judge(request, config.reservedClientIds(), taken)
                .ifPresent(problem -> {
                    throw refusal(problem);
                });
    }

    /** Grants beyond the authorization code (and refresh tokens) that the registration would enable. */
    static List<String> otherGrants(ClientRepresentation rep) {
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

    private static ErrorResponseException refusal(HubRegistrationRules.Problem problem) {
        return new ErrorResponseException(problem.error(), problem.description(), Response.Status.BAD_REQUEST);
    }
}
