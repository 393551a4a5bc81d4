package org.sciencegateway.keycloak.tokenexchange;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.common.Profile;
import org.keycloak.common.util.Time;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.protocol.oidc.TokenExchangeContext;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.protocol.oidc.encode.AccessTokenContext;
import org.keycloak.protocol.oidc.encode.TokenContextEncoderProvider;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.Urls;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.services.managers.AuthenticationSessionManager;
import org.keycloak.services.util.DefaultClientSessionContext;
import org.keycloak.services.util.UserSessionUtil;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.sessions.RootAuthenticationSessionModel;

/**
 * RFC 8693 exchange of a user's access token for a token whose only audience is a client with an
 * {@link AudienceExchangePolicyMapper audience exchange policy}. Requests for audiences without a policy are left to
 * Keycloak's standard provider ({@link #supports} declines them).
 */
final class AudienceScopedTokenExchangeProvider implements TokenExchangeProvider {

    static final String EVENT_AUDIENCE = "audience";
    static final String EVENT_REQUESTER = "requester";
    static final String EVENT_POLICY = "policy";
    static final String EVENT_REASON = Details.REASON;

    /** Always attached so Keycloak's own sub and auth_time mappers run. */
    private static final String BASIC_SCOPE = "basic";

    private static final Logger LOG = Logger.getLogger(AudienceScopedTokenExchangeProvider.class);

    private final KeycloakSession session;

    AudienceScopedTokenExchangeProvider(KeycloakSession session) {
        this.session = session;
    }

    /**
     * Claims the request when an audience names a client with a policy, or names no client at all (then the
     * answer is {@code invalid_target}, which RFC 8693 assigns, instead of the standard provider's
     * {@code invalid_client}). Never throws: every other request goes to the next provider.
     */
    @Override
    public boolean supports(TokenExchangeContext context) {
        List<String> audiences = context.getParams().getAudience();
        if (audiences == null || audiences.isEmpty()) {
            return false;
        }
        RealmModel realm = context.getRealm();
        for (String audience : audiences) {
            AudiencePolicyLookup.Result result = AudiencePolicyLookup.find(realm, audience);
            if (!(result instanceof AudiencePolicyLookup.NoPolicy)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Response exchange(TokenExchangeContext context) {
        EventBuilder event = context.getEvent();
        ClientModel requester = context.getClient();
        event.detail(EVENT_REQUESTER, requester.getClientId());
        try {
            return exchangeOrRefuse(context, event, requester);
        } catch (ExchangeRefusal refusal) {
            event.detail(EVENT_REASON, refusal.reason());
            event.error(refusal.error());
            throw new CorsErrorResponseException(context.getCors(), refusal.error(), refusal.description(),
                    Response.Status.fromStatusCode(refusal.status()));
        } finally {
            // Verifying the subject token points the context at the token's client; the requester is the client.
            session.getContext().setClient(requester);
        }
    }

    private Response exchangeOrRefuse(TokenExchangeContext context, EventBuilder event, ClientModel requester) {
        List<String> audiences = context.getParams().getAudience();
        event.detail(EVENT_AUDIENCE, String.join(" ", audiences));
        Map<String, List<String>> form = context.getFormParams();
        ExchangeParameters params = ExchangeParameters.from(form);

        RealmModel realm = context.getRealm();
        AudiencePolicyLookup.Result lookup = AudiencePolicyLookup.find(realm, params.audience());
        if (lookup instanceof AudiencePolicyLookup.UnknownAudience) {
            throw ExchangeRefusal.invalidTarget("audience_unknown", "Audience " + params.audience() + " is not known.");
        }
        if (lookup instanceof AudiencePolicyLookup.NoPolicy) {
            // Reached only when another audience of the same request has a policy; refused above as multiple.
            throw ExchangeRefusal.invalidTarget("audience_without_policy",
                    "Audience " + params.audience() + " is not available.");
        }
        if (lookup instanceof AudiencePolicyLookup.Broken broken) {
            event.detail(EVENT_POLICY, broken.policyName());
            LOG.warnf("Refusing exchange for audience %s in realm %s: its policy %s is not valid: %s",
                    params.audience(), realm.getName(), broken.policyName(), String.join(" ", broken.problems()));
            throw ExchangeRefusal.invalidTarget("policy_invalid",
                    "The policy for audience " + params.audience() + " is misconfigured.");
        }
        AudiencePolicyLookup.Found found = (AudiencePolicyLookup.Found) lookup;
        AudiencePolicy policy = found.policy();
        event.detail(EVENT_POLICY, policy.name());
        if (!found.client().isEnabled()) {
            throw ExchangeRefusal.invalidTarget("audience_disabled", "Audience " + params.audience() + " is disabled.");
        }

        AudienceExchangeRules.checkRequester(policy, requester.getClientId(), requester.isPublicClient());
        AudienceExchangeRules.checkRequestedTokenType(policy, params.wantsRefreshToken(),
                OIDCAdvancedConfigWrapper.fromClientModel(requester).isUseRefreshToken());

        AuthenticationManager.AuthResult subject = AuthenticationManager.verifyIdentityToken(session, realm,
                session.getContext().getUri(), context.getClientConnection(), true, true, null, false,
                params.subjectToken(), context.getHeaders(), verifier -> {
                });
        if (subject == null) {
            throw ExchangeRefusal.invalidRequest("subject_token_invalid",
                    "The subject token is invalid, expired, revoked or from another issuer.");
        }
        AccessToken subjectToken = subject.token();
        if (subjectToken.getConfirmation() != null) {
            throw ExchangeRefusal.invalidRequest("subject_token_sender_constrained",
                    "Sender-constrained subject tokens cannot be exchanged for audience " + params.audience() + ".");
        }
        AudienceExchangeRules.checkSubjectHolder(subjectToken.getIssuedFor(), requester.getClientId());

        UserModel user = subject.user();
        event.user(user);
        event.detail(Details.USERNAME, user.getUsername());
        if (subjectToken.getSessionId() != null) {
            event.session(subject.session());
        }
        List<String> groupPaths = user.getGroupsStream().map(KeycloakModelUtils::buildGroupPath).toList();
        AudienceExchangeRules.checkUser(policy, groupPaths, role -> userHasRole(realm, user, role));
        Set<String> granted = AudienceExchangeRules.grantScopes(policy, params.requestedScope(),
                AudienceExchangeRules.scopesOf(subjectToken.getScope()));

        return issue(context, event, requester, policy, params, subject, granted, groupPaths);
    }

    private Response issue(TokenExchangeContext context, EventBuilder event, ClientModel requester,
                           AudiencePolicy policy, ExchangeParameters params, AuthenticationManager.AuthResult subject,
                           Set<String> granted, List<String> groupPaths) {
        RealmModel realm = context.getRealm();
        UserSessionModel userSession = subject.session();
        boolean refresh = params.wantsRefreshToken();
        boolean persistent = userSession.getPersistenceState() != UserSessionModel.SessionPersistenceState.TRANSIENT;
        if (refresh && (!persistent || userSession.isOffline())) {
            throw ExchangeRefusal.invalidRequest("refresh_needs_online_session",
                    "A refresh token needs the subject token to belong to an online user session.");
        }
        if (userSession.isOffline()) {
            userSession = UserSessionUtil.createTransientUserSession(session, userSession);
            persistent = false;
        }

        String scopeString = String.join(" ", granted);
        Set<String> restrictedScopes = new HashSet<>(granted);
        restrictedScopes.add(BASIC_SCOPE);
        String issuer = Urls.realmIssuer(session.getContext().getUri().getBaseUri(), realm.getName());
        AuthenticatedClientSessionModel existing = persistent
                ? userSession.getAuthenticatedClientSessionByClient(requester.getId()) : null;
        boolean newClientSession = persistent && existing == null;
        try {
            ClientSessionContext clientSessionCtx;
            if (!refresh && existing != null && !Profile.isFeatureEnabled(Profile.Feature.PARAMETERIZED_SCOPES)
                    && AuthenticationManager.isClientSessionValid(realm, requester, userSession, existing)) {
                // An access token only, and the hub's client session is there: issue from it as it is. Nothing is
                // written to it (Keycloak's attach would overwrite its scope and level-of-authentication notes and,
                // with persistent sessions, lock and merge its database row on every exchange).
                Set<ClientScopeModel> requested = TokenManager.getRequestedClientScopes(session, scopeString,
                        requester, subject.user()).collect(Collectors.toSet());
                clientSessionCtx = new GrantedScopeClientSessionContext(
                        DefaultClientSessionContext.fromClientSessionAndClientScopes(existing, requested,
                                restrictedScopes, session),
                        scopeString, new NoteOverlayClientSession(existing, Map.of(OAuth2Constants.SCOPE, scopeString,
                                OIDCLoginProtocol.ISSUER, issuer)));
            } else {
                clientSessionCtx = new GrantedScopeClientSessionContext(
                        attach(realm, requester, userSession, subject.user(), issuer, scopeString, restrictedScopes,
                                refresh), scopeString);
            }
            clientSessionCtx.setAttribute(OAuth2Constants.GRANT_TYPE, OAuth2Constants.TOKEN_EXCHANGE_GRANT_TYPE);

            TokenManager tokenManager = (TokenManager) context.getTokenManager();
            TokenManager.AccessTokenResponseBuilder builder = tokenManager.responseBuilder(realm, requester, event,
                    session, clientSessionCtx.getClientSession().getUserSession(), clientSessionCtx)
                    .generateAccessToken();
            AccessToken token = builder.getAccessToken();
            // The subject's real session (an offline one too), not the transient copy made to issue from it.
            long sessionExpiry = SessionExpiry.of(realm, subject.session(),
                    subject.session().getAuthenticatedClientSessionByClient(requester.getId()), requester);
            long expiry = AudienceExchangeRules.expiry(policy, Time.currentTime(), nullToZero(token.getExp()),
                    nullToZero(subject.token().getExp()), sessionExpiry);
            String sub = subject.token().getSubject() != null ? subject.token().getSubject() : subject.user().getId();
            AudienceTokenShape.apply(token, policy, granted, sub, expiry, groupPaths);

            TokenContextEncoderProvider encoder = session.getProvider(TokenContextEncoderProvider.class);
            if (encoder.getTokenContextFromTokenId(token.getId()).getSessionType()
                    == AccessTokenContext.SessionType.TRANSIENT) {
                token.setSessionId(null);
                event.session((String) null);
            }
            if (refresh) {
                clientSessionCtx.setAttribute(AudienceRefreshTokenProvider.AUDIENCE_ATTRIBUTE, policy.audience());
                builder.generateRefreshToken();
            }
            AccessTokenResponse response = builder.build();
            response.setIdToken(null);
            response.setScope(scopeString);
            response.setOtherClaims("issued_token_type",
                    refresh ? OAuth2Constants.REFRESH_TOKEN_TYPE : OAuth2Constants.ACCESS_TOKEN_TYPE);

            event.detail(EVENT_REASON, "policy_granted");
            event.detail(Details.SCOPE, scopeString);
            event.success();
            return context.getCors().add(Response.ok(response, MediaType.APPLICATION_JSON_TYPE));
        } catch (RuntimeException e) {
            if (newClientSession) {
                subject.session().removeAuthenticatedClientSessions(Set.of(requester.getId()));
            }
            throw e;
        }
    }

    static boolean userHasRole(RealmModel realm, UserModel user, String roleName) {
        RoleModel role;
        try {
            role = KeycloakModelUtils.getRoleFromString(realm, roleName);
        } catch (RuntimeException e) {
            return false;
        }
        return role != null && user.hasRole(role);
    }

    /**
     * Keycloak's way: a one-tab authentication session for the requester, attached to the user session (creating the
     * requester's client session, or a transient one when the subject's session is offline or transient). Needed for
     * refresh tokens, which live in the client session.
     */
    private ClientSessionContext attach(RealmModel realm, ClientModel requester, UserSessionModel userSession,
                                        UserModel user, String issuer, String scopeString, Set<String> restrictedScopes,
                                        boolean refresh) {
        RootAuthenticationSessionModel root = new AuthenticationSessionManager(session)
                .createAuthenticationSession(realm, false);
        AuthenticationSessionModel authSession = root.createAuthenticationSession(requester);
        authSession.setAuthenticatedUser(user);
        authSession.setProtocol(OIDCLoginProtocol.LOGIN_PROTOCOL);
        authSession.setClientNote(OIDCLoginProtocol.ISSUER, issuer);
        authSession.setClientNote(OIDCLoginProtocol.SCOPE_PARAM, scopeString);
        return TokenManager.attachAuthenticationSession(session, userSession, authSession, restrictedScopes, !refresh);
    }

    private static long nullToZero(Long value) {
        return value == null ? 0L : value;
    }

    @Override
    public void close() {
    }

}
