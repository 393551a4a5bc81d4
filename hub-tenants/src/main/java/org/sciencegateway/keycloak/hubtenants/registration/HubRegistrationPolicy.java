package org.sciencegateway.keycloak.hubtenants.registration;

import jakarta.ws.rs.core.Response;
import java.util.List;
import java.time.Instant;
import org.jboss.logging.Logger;
import org.sciencegateway.keycloak.hubtenants.Hub;
import org.sciencegateway.keycloak.hubtenants.HubMail;
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
    private static final String OWNERS_OF_REQUEST = "sg.hub.requested-owners";

    private final KeycloakSession session;
    private final HubRegistrationConfig config;

    HubRegistrationPolicy(KeycloakSession session, HubRegistrationConfig config) {
        this.session = session;
        this.config = config;
    }

    @Override
    public void beforeRegister(ClientRegistrationContext context) {
        judge(context.getClient(), null);
        RealmModel realm = session.getContext().getRealm();
        HubRegistrationRules.Problem metadata = RequestedMetadata.problem(RequestedOwners.request(context));
        if (metadata != null) {
            throw refusal(metadata);
        }
        RequestedOwners.Result owners = RequestedOwners.of(session, realm, context);
        if (owners.problem() != null) {
            throw refusal(new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA, "contacts",
                    owners.problem()));
        }
        session.setAttribute(OWNERS_OF_REQUEST, owners);
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
        RequestedOwners.Result owners = session.getAttribute(OWNERS_OF_REQUEST, RequestedOwners.Result.class);
        List<String> emails = owners == null ? List.of() : owners.contacts();
        client.setAttribute(Hub.OWNERS, owners == null ? "" : String.join(",", owners.ownerIds()));
        client.setAttribute(Hub.REQUESTED_AT, Instant.now().toString());
        client.setDescription(("Pending approval: requested for " + String.join(", ", emails)));
        HubMail.afterCommit(session, realm, config.reviewEmails(), "Hub pending approval: " + client.getName(),
                "A hub was requested in realm " + realm.getName() + " and waits for a realm admin's review.\n\n"
                        + "Name: " + client.getName() + "\nClient id: " + client.getClientId() + "\nRedirect URIs: "
                        + String.join(", ", client.getRedirectUris()) + "\nOwners (contacts): "
                        + String.join(", ", emails) + "\n\nApprove: Clients -> " + client.getClientId()
                        + " -> switch Enabled on. Reject: delete the client.\n");
        LOG.infof("Hub '%s' (client %s) registered in realm %s, pending approval (disabled)", client.getName(),
                client.getClientId(), realm.getName());
    }

    @Override
    public void beforeUpdate(ClientRegistrationContext context, ClientModel client) {
        // RFC 7592 updates by a registration access token — which a hub's owners can have Keycloak issue — would
        // bypass the checks of the console's path (lifecycle.HubEdits): closed for hubs. While pending, Keycloak
        // refuses the token anyway (the client is disabled).
        if (Hub.isHub(client)) {
            throw refusal(new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA, "client_id",
                    "A hub is changed by its owners in the admin console (or the admin REST API), where each change is "
                            + "checked; RFC 7592 updates are closed for hubs."));
        }
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
        // like updates: a hub is removed in the admin console, where its owners' permission goes with it
        if (Hub.isHub(client)) {
            throw refusal(new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA, "client_id",
                    "A hub is removed in the admin console (Clients -> the hub -> Delete); RFC 7592 is closed for "
                            + "hubs."));
        }
    }

    private void judge(ClientRepresentation rep, ClientModel self) {
        HubRequestCheck.judge(session, session.getContext().getRealm(), rep, self, config.reservedClientIds())
                .ifPresent(problem -> {
                    throw refusal(problem);
                });
    }

    private static ErrorResponseException refusal(HubRegistrationRules.Problem problem) {
        return new ErrorResponseException(problem.error(), problem.description(), Response.Status.BAD_REQUEST);
    }
}
