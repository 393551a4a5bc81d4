package org.sciencegateway.keycloak.idpfilter.enforce;

import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.core.Response;
import org.keycloak.OAuthErrorException;
import org.keycloak.common.ClientConnection;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.TokenExchangeContext;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.RefreshToken;
import org.keycloak.representations.idm.ClientPolicyExecutorConfigurationRepresentation;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.context.ResourceOwnerPasswordCredentialsContext;
import org.keycloak.services.clientpolicy.context.TokenExchangeRequestContext;
import org.keycloak.services.clientpolicy.context.TokenRefreshContext;
import org.keycloak.services.clientpolicy.context.TokenRequestContext;
import org.keycloak.services.clientpolicy.context.UserInfoRequestContext;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;
import org.keycloak.util.TokenUtil;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * The second line, at the token endpoint: whatever path a login took, no token is issued to a client for a user
 * session whose recorded origin (see {@link SessionOrigin}) that client's rules refuse now. Runs as a client-policy
 * executor on the code-to-token request, on every refresh (so a rule change takes effect at the hub's next refresh),
 * on token exchange (the requester's rules and those of every requested audience), and on the password grant (a local
 * login). A refusal is {@code invalid_grant} (HTTP 400) with an event carrying the same details as the login refusal.
 */
final class TokenBoundaryExecutor implements ClientPolicyExecutorProvider<ClientPolicyExecutorConfigurationRepresentation> {

    private final KeycloakSession session;

    TokenBoundaryExecutor(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public String getProviderId() {
        return TokenBoundaryExecutorFactory.PROVIDER_ID;
    }

    @Override
    public void executeOnEvent(ClientPolicyContext context) throws ClientPolicyException {
        switch (context.getEvent()) {
            case TOKEN_REQUEST -> {
                // Through the parse result, which 26.4 has too (TokenRequestContext.getClientSession() is 26.5+).
                AuthenticatedClientSessionModel clientSession =
                        ((TokenRequestContext) context).getParseResult().getClientSession();
                if (clientSession != null) {
                    judge(clientSession.getClient(), clientSession.getUserSession(), EventType.CODE_TO_TOKEN_ERROR);
                }
            }
            case TOKEN_REFRESH -> {
                TokenRefreshContext refresh = (TokenRefreshContext) context;
                if (ClientRules.of(refresh.getClient()).unrestricted()) {
                    return; // the common case costs one look at the client's mappers, no token decoding
                }
                RefreshToken token = decode(refresh.getParams().getFirst("refresh_token"), RefreshToken.class);
                if (token != null) {
                    judge(refresh.getClient(), userSession(token, TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType())),
                            EventType.REFRESH_TOKEN_ERROR);
                }
            }
            case USERINFO_REQUEST -> {
                // the userinfo answer is the user's data for the client, like a token: judged by the same rules
                AuthenticatedClientSessionModel clientSession = ((UserInfoRequestContext) context).getClientSession();
                if (clientSession != null) {
                    judge(clientSession.getClient(), clientSession.getUserSession(), EventType.USER_INFO_REQUEST_ERROR);
                }
            }
            case TOKEN_EXCHANGE_REQUEST -> judgeExchange(((TokenExchangeRequestContext) context).getTokenExchangeContext());
            case RESOURCE_OWNER_PASSWORD_CREDENTIALS_REQUEST -> {
                ClientModel client = ((ResourceOwnerPasswordCredentialsContext) context).getClient();
                decide(client, LoginOrigin.local(), null, EventType.LOGIN_ERROR);
            }
            default -> {
            }
        }
    }

    private void judgeExchange(TokenExchangeContext exchange) throws ClientPolicyException {
        List<ClientModel> judged = new ArrayList<>();
        if (!ClientRules.of(exchange.getClient()).unrestricted()) {
            judged.add(exchange.getClient());
        }
        RealmModel realm = exchange.getRealm();
        for (String audience : exchange.getParams().getAudience() == null ? List.<String>of() : exchange.getParams().getAudience()) {
            ClientModel target = realm.getClientByClientId(audience);
            if (target != null && !ClientRules.of(target).unrestricted()) {
                judged.add(target);
            }
        }
        if (judged.isEmpty()) {
            return; // neither the requester nor an audience has rules
        }
        AccessToken subject = decode(exchange.getParams().getSubjectToken(), AccessToken.class);
        if (subject == null) {
            return; // not one of this realm's valid tokens: the exchange itself refuses it
        }
        UserSessionModel userSession = userSession(subject, false);
        if (userSession == null) {
            return; // no live session: the exchange itself refuses the token
        }
        for (ClientModel client : judged) {
            Refused refused = refusal(client, SessionOrigin.of(userSession));
            if (refused != null) {
                Refusal.details(exchange.getEvent(), refused.origin(), refused.rule());
                Refusal.log(client, refused.origin(), refused.rule(), "a token exchange");
                throw new ClientPolicyException(OAuthErrorException.INVALID_GRANT, refused.description(client),
                        Response.Status.BAD_REQUEST);
            }
        }
    }

    private void judge(ClientModel client, UserSessionModel userSession, EventType eventType) throws ClientPolicyException {
        if (userSession == null) {
            return; // no live session: Keycloak's own grant refuses the token
        }
        decide(client, SessionOrigin.of(userSession), userSession, eventType);
    }

    private void decide(ClientModel client, LoginOrigin origin, UserSessionModel userSession, EventType eventType)
            throws ClientPolicyException {
        Refused refused = refusal(client, origin);
        if (refused == null) {
            return;
        }
        // The grant answers with an error response, and its transaction may roll back: the event is stored in its own.
        String realmId = session.getContext().getRealm().getId();
        String userId = userSession == null ? null : userSession.getUser().getId();
        String sessionId = userSession == null ? null : userSession.getId();
        ClientConnection connection = session.getContext().getConnection();
        KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), s -> {
            RealmModel realm = s.realms().getRealm(realmId);
            s.getContext().setRealm(realm);
            EventBuilder event = new EventBuilder(realm, s, connection).event(eventType).client(client.getClientId());
            if (userId != null) {
                event.user(userId).session(sessionId);
            }
            Refusal.details(event, refused.origin(), refused.rule()).error(Refusal.ERROR);
        });
        Refusal.log(client, refused.origin(), refused.rule(), "a token");
        throw new ClientPolicyException(OAuthErrorException.INVALID_GRANT, refused.description(client),
                Response.Status.BAD_REQUEST);
    }

    private Refused refusal(ClientModel client, LoginOrigin origin) {
        ClientRules rules = ClientRules.of(client);
        if (rules.unrestricted()) {
            return null;
        }
        RealmModel realm = session.getContext().getRealm();
        if (rules.problem() != null) {
            FilterMetrics.decision(realm, client, FilterMetrics.TOKEN, false, Decision.INVALID_CONFIGURATION);
            return new Refused(origin, Decision.INVALID_CONFIGURATION);
        }
        Decision decision = rules.filter().decide(IdentityProviderMetadata.of(session, origin));
        FilterMetrics.decision(realm, client, FilterMetrics.TOKEN, decision.allowed(), decision.position());
        return decision.allowed() ? null : new Refused(origin, decision.rule());
    }

    private <T extends AccessToken> T decode(String token, Class<T> type) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            return session.tokens().decode(token, type); // verifies the signature; null when it does not hold
        } catch (RuntimeException e) {
            return null;
        }
    }

    private UserSessionModel userSession(AccessToken token, boolean offline) {
        String sid = token.getSessionId();
        if (sid == null) {
            return null;
        }
        RealmModel realm = session.getContext().getRealm();
        return offline ? session.sessions().getOfflineUserSession(realm, sid) : session.sessions().getUserSession(realm, sid);
    }

    private record Refused(LoginOrigin origin, String rule) {
        String description(ClientModel client) {
            return "The institution filter of client '" + client.getClientId() + "' does not admit this session's "
                    + "identity provider or institution (rule " + rule + ")";
        }
    }
}
