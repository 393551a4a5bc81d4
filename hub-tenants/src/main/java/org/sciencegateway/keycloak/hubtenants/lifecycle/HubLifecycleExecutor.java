package org.sciencegateway.keycloak.hubtenants.lifecycle;

import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.OAuthErrorException;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.idm.ClientPolicyExecutorConfigurationRepresentation;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.context.AdminClientUnregisterContext;
import org.keycloak.services.clientpolicy.context.AdminClientUpdateContext;
import org.keycloak.services.clientpolicy.context.AdminClientUpdatedContext;
import org.keycloak.protocol.oidc.grants.ciba.clientpolicy.context.BackchannelTokenResponseContext;
import org.keycloak.protocol.oidc.grants.device.clientpolicy.context.DeviceTokenResponseContext;
import org.keycloak.services.clientpolicy.context.ImplicitHybridTokenResponse;
import org.keycloak.services.clientpolicy.context.ResourceOwnerPasswordCredentialsResponseContext;
import org.keycloak.services.clientpolicy.context.TokenExchangeRequestContext;
import org.keycloak.services.clientpolicy.context.TokenRefreshResponseContext;
import org.keycloak.services.clientpolicy.context.TokenResponseContext;
import org.keycloak.services.clientpolicy.context.UserInfoRequestContext;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;
import org.sciencegateway.keycloak.hubtenants.Hub;

/**
 * Where Keycloak applies the hub lifecycle, as a client-policy executor (condition {@code any-client}; clients that
 * are not hubs pass untouched):
 * <ul>
 *   <li>a save of a hub (console or admin REST) is judged by {@link HubEdits}; a realm admin's switching a pending
 *       hub on is its approval ({@link HubApproval}), refused while the realm has no admin permissions for owners;</li>
 *   <li>deleting a pending hub is its rejection (the owners are told); deleting any hub removes its owners' rights;</li>
 *   <li>every authorization, token and userinfo request of a hub — and a token exchange naming a hub as audience — is judged
 *       by {@link HubConformance}: {@code unauthorized_client} when the hub is not approved or carries more than its
 *       template.</li>
 * </ul>
 */
final class HubLifecycleExecutor implements ClientPolicyExecutorProvider<ClientPolicyExecutorConfigurationRepresentation> {

    private static final Logger LOG = Logger.getLogger(HubLifecycleExecutor.class);

    private final KeycloakSession session;
    private final String ownersGroup;

    HubLifecycleExecutor(KeycloakSession session, String ownersGroup) {
        this.session = session;
        this.ownersGroup = ownersGroup;
    }

    @Override
    public String getProviderId() {
        return HubLifecycleExecutorFactory.PROVIDER_ID;
    }

    @Override
    public void executeOnEvent(ClientPolicyContext context) throws ClientPolicyException {
        RealmModel realm = session.getContext().getRealm();
        switch (context.getEvent()) {
            case UPDATE -> {
                if (!(context instanceof AdminClientUpdateContext update)) {
                    return; // an RFC 7592 update: the registration policy judges it
                }
                ClientModel hub = update.getTargetClient();
                if (!Hub.isHub(hub)) {
                    return;
                }
                realm = hub.getRealm(); // the admin API's context realm can be the admin's (master)
                boolean realmAdmin = RealmAdmins.isRealmAdmin(realm, update.getAuthenticatedUser(),
                        update.getToken() == null ? null : update.getToken().getIssuer());
                Optional<String> refusal = HubEdits.refusal(session, realm, hub, update.getProposedClientRepresentation(),
                        realmAdmin);
                if (refusal.isPresent()) {
                    throw new ClientPolicyException(OAuthErrorException.INVALID_CLIENT_METADATA, refusal.get(),
                            Response.Status.BAD_REQUEST);
                }
                if (approving(hub, update.getProposedClientRepresentation().isEnabled())
                        && !OwnerPermissions.available(realm)) {
                    throw new ClientPolicyException(OAuthErrorException.INVALID_CLIENT_METADATA,
                            "Approving a hub gives its owners console rights on it: turn on Realm settings → Admin "
                                    + "permissions first.", Response.Status.BAD_REQUEST);
                }
            }
            case UPDATED -> {
                if (!(context instanceof AdminClientUpdatedContext updated)) {
                    return; // a secret rotation or an RFC 7592 update: no approval
                }
                ClientModel hub = updated.getTargetClient();
                realm = hub.getRealm();
                if (!Hub.isHub(hub)) {
                    return;
                }
                String state = hub.getAttribute(Hub.STATE);
                if (Hub.PENDING.equals(state) && hub.isEnabled()) {
                    HubApproval.approve(session, realm, hub, updated.getAuthenticatedUser(), ownersGroup);
                    return;
                }
                boolean realmAdmin = RealmAdmins.isRealmAdmin(realm, updated.getAuthenticatedUser(),
                        updated.getToken() == null ? null : updated.getToken().getIssuer());
                if (realmAdmin && Hub.APPROVED.equals(state) && !hub.isEnabled()) {
                    // a realm admin's switching off is a suspension: the owners cannot switch it on again
                    hub.setAttribute(Hub.STATE, Hub.SUSPENDED);
                } else if (realmAdmin && Hub.SUSPENDED.equals(state) && hub.isEnabled()) {
                    hub.setAttribute(Hub.STATE, Hub.APPROVED);
                }
            }
            case UNREGISTER -> {
                if (context instanceof AdminClientUnregisterContext unregister && Hub.isHub(unregister.getTargetClient())) {
                    ClientModel hub = unregister.getTargetClient();
                    realm = hub.getRealm();
                    if (Hub.PENDING.equals(hub.getAttribute(Hub.STATE))) {
                        HubApproval.rejected(session, realm, hub, unregister.getAuthenticatedUser());
                    }
                    OwnerPermissions.revoke(session, realm, hub);
                    HubApproval.release(session, realm, hub, ownersGroup);
                }
            }
            case AUTHORIZATION_REQUEST, TOKEN_REQUEST, TOKEN_REFRESH, SERVICE_ACCOUNT_TOKEN_REQUEST,
                 RESOURCE_OWNER_PASSWORD_CREDENTIALS_REQUEST, BACKCHANNEL_AUTHENTICATION_REQUEST,
                 DEVICE_AUTHORIZATION_REQUEST -> judge(realm, List.of(session.getContext().getClient()));
            case TOKEN_RESPONSE -> {
                if (context instanceof TokenResponseContext response && response.getClientSession() != null) {
                    guard(realm, response.getClientSession().getClient(),
                            response.getClientSession().getUserSession().getUser());
                }
            }
            case TOKEN_REFRESH_RESPONSE -> {
                if (context instanceof TokenRefreshResponseContext response && response.getClientSession() != null) {
                    guard(realm, response.getClientSession().getClient(),
                            response.getClientSession().getUserSession().getUser());
                }
            }
            case RESOURCE_OWNER_PASSWORD_CREDENTIALS_RESPONSE -> {
                if (context instanceof ResourceOwnerPasswordCredentialsResponseContext response) {
                    guard(realm, response.getClientSessionContext());
                }
            }
            case IMPLICIT_HYBRID_TOKEN_RESPONSE -> {
                if (context instanceof ImplicitHybridTokenResponse response) {
                    guard(realm, response.getClientSessionContext());
                }
            }
            case DEVICE_TOKEN_RESPONSE -> {
                if (context instanceof DeviceTokenResponseContext response && response.getClientSession() != null) {
                    guard(realm, response.getClientSession().getClient(),
                            response.getClientSession().getUserSession().getUser());
                }
            }
            case BACKCHANNEL_TOKEN_RESPONSE -> {
                if (context instanceof BackchannelTokenResponseContext response) {
                    guard(realm, response.getClientSessionContext());
                }
            }
            case USERINFO_REQUEST -> {
                // the userinfo answer runs the hub's mappers too: judged like a token
                if (context instanceof UserInfoRequestContext userInfo && userInfo.getClientSession() != null) {
                    judge(realm, List.of(userInfo.getClientSession().getClient()));
                }
            }
            case TOKEN_EXCHANGE_REQUEST -> {
                if (!(context instanceof TokenExchangeRequestContext exchange)) {
                    return;
                }
                // the requester gets a token for the subject token's user: not an owner's admin credential either
                UserModel subject = subjectUser(exchange.getTokenExchangeContext().getParams().getSubjectToken());
                if (subject != null) {
                    guard(realm, exchange.getTokenExchangeContext().getClient(), subject);
                }
                List<ClientModel> clients = new ArrayList<>();
                clients.add(exchange.getTokenExchangeContext().getClient());
                List<String> audiences = exchange.getTokenExchangeContext().getParams().getAudience();
                if (audiences != null) {
                    audiences.stream().map(realm::getClientByClientId).forEach(clients::add);
                }
                judge(realm, clients);
            }
            default -> {
            }
        }
    }

    private static boolean approving(ClientModel hub, Boolean enabled) {
        return Boolean.TRUE.equals(enabled) && !hub.isEnabled() && Hub.PENDING.equals(hub.getAttribute(Hub.STATE));
    }

    private void guard(RealmModel realm, org.keycloak.models.ClientSessionContext context) throws ClientPolicyException {
        if (context != null && context.getClientSession() != null) {
            guard(realm, context.getClientSession().getClient(), context.getClientSession().getUserSession().getUser());
        }
    }

    /** The user of a subject token this realm signed, or null (the exchange itself refuses anything else). */
    private UserModel subjectUser(String subjectToken) {
        if (subjectToken == null || subjectToken.isEmpty()) {
            return null;
        }
        try {
            org.keycloak.representations.AccessToken token = session.tokens().decode(subjectToken,
                    org.keycloak.representations.AccessToken.class);
            return token == null || token.getSubject() == null ? null
                    : session.users().getUserById(session.getContext().getRealm(), token.getSubject());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A hub owner's token only where it is no admin credential ({@link AdminScope}). */
    private void guard(RealmModel realm, ClientModel client, UserModel user) throws ClientPolicyException {
        Optional<String> refusal = AdminScope.refusal(session, realm, client, user, ownersGroup);
        if (refusal.isPresent()) {
            LOG.warnf("Realm %s: refused a token for hub owner %s: %s", realm.getName(), user.getUsername(),
                    refusal.get());
            throw new ClientPolicyException(OAuthErrorException.UNAUTHORIZED_CLIENT, "No token: " + refusal.get()
                    + ".", Response.Status.BAD_REQUEST);
        }
    }

    private void judge(RealmModel realm, List<ClientModel> clients) throws ClientPolicyException {
        for (ClientModel client : clients) {
            if (client == null || !Hub.isHub(client)) {
                continue;
            }
            Optional<String> deviation = HubConformance.deviation(realm, client);
            if (deviation.isPresent()) {
                LOG.warnf("Realm %s: refused a request of or for %s: %s", realm.getName(), client.getClientId(),
                        deviation.get());
                throw new ClientPolicyException(OAuthErrorException.UNAUTHORIZED_CLIENT,
                        "The hub cannot get tokens: " + deviation.get() + ".", Response.Status.BAD_REQUEST);
            }
        }
    }
}
