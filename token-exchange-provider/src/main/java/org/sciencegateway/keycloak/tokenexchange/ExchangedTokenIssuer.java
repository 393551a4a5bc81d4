package org.sciencegateway.keycloak.tokenexchange;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.keycloak.OAuth2Constants;
import org.keycloak.common.Profile;
import org.keycloak.common.util.Time;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.protocol.oidc.TokenExchangeContext;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.protocol.oidc.encode.AccessTokenContext;
import org.keycloak.protocol.oidc.encode.TokenContextEncoderProvider;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.services.Urls;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.services.managers.AuthenticationSessionManager;
import org.keycloak.services.util.DefaultClientSessionContext;
import org.keycloak.services.util.UserSessionUtil;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.sessions.RootAuthenticationSessionModel;

/**
 * Builds the token of an exchange the policy has allowed ({@link AudienceScopedTokenExchangeProvider} decides; this
 * class only issues). An access token comes from the hub's existing client session, read but never written; a refresh
 * token, a missing or invalid client session, an offline or transient subject session, or parameterized scopes take
 * Keycloak's way of attaching a one-tab authentication session.
 */
final class ExchangedTokenIssuer {

    /**
     * Client session context attribute by which an exchange asks {@link AudienceRefreshTokenProvider} for a marked
     * refresh token. Declared here, not there: reading it must not load that class, which needs Keycloak 26.7.
     */
    static final String AUDIENCE_ATTRIBUTE = ExchangedTokenIssuer.class.getName() + ".audience";
    /** Whether this Keycloak has the refresh token SPI (26.7+) that exchanged refresh tokens need. */
    static final boolean REFRESH_TOKEN_SPI_PRESENT = classPresent("org.keycloak.protocol.oidc.refresh.RefreshTokenProvider");

    /**
     * Scopes every exchanged token carries when the requester has them, whatever the policy grants: they describe how
     * the user authenticated, not what the token may reach. {@code basic} runs Keycloak's sub and auth_time mappers,
     * {@code acr} Keycloak's acr mapper, {@code eduperson_assurance} (where a realm defines such a scope) REFEDS values
     * that match the level the session achieved, so a receiver such as motley_cue can decide tiers from them. Such
     * mappers on the requester client itself run too ({@link AuthenticationClaims}).
     */
    static final Set<String> AUTHENTICATION_SCOPES = Set.of("basic", "acr", "eduperson_assurance");

    private final KeycloakSession session;

    ExchangedTokenIssuer(KeycloakSession session) {
        this.session = session;
    }

    Response issue(TokenExchangeContext context, EventBuilder event, ClientModel requester,
                           AudiencePolicy policy, ExchangeParameters params, AuthenticationManager.AuthResult subject,
                           Set<String> granted, List<String> groupPaths, Optional<String> account) {
        RealmModel realm = context.getRealm();
        UserSessionModel userSession = subject.session();
        boolean refresh = params.wantsRefreshToken();
        boolean persistent = userSession.getPersistenceState() != UserSessionModel.SessionPersistenceState.TRANSIENT;
        if (refresh && (!persistent || userSession.isOffline())) {
            throw ExchangeRefusal.invalidRequest("refresh_needs_online_session",
                    "A refresh token needs the subject token to belong to an online user session.");
        }
        // The level the hub's session reached (checked by the policy): carried onto what is attached below.
        AuthenticatedClientSessionModel hubSession = userSession.getAuthenticatedClientSessionByClient(requester.getId());
        String hubLevel = hubSession == null ? null : hubSession.getNote(Constants.LEVEL_OF_AUTHENTICATION);
        if (userSession.isOffline()) {
            userSession = UserSessionUtil.createTransientUserSession(session, userSession);
            persistent = false;
        }

        String scopeString = String.join(" ", granted);
        Set<String> restrictedScopes = new HashSet<>(granted);
        restrictedScopes.addAll(AUTHENTICATION_SCOPES);
        String issuer = Urls.realmIssuer(session.getContext().getUri().getBaseUri(), realm.getName());
        AuthenticatedClientSessionModel existing = persistent
                ? userSession.getAuthenticatedClientSessionByClient(requester.getId()) : null;
        boolean newClientSession = persistent && existing == null;
        try {
            ClientSessionContext clientSessionCtx;
            if (!refresh && existing != null && !parameterizedScopesEnabled()
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
                                refresh, hubLevel), scopeString);
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
            AudienceTokenShape.apply(token, policy, granted, sub, expiry, groupPaths, account);
            AuthenticationClaims.apply(session, requester, token, clientSessionCtx);

            TokenContextEncoderProvider encoder = session.getProvider(TokenContextEncoderProvider.class);
            if (encoder.getTokenContextFromTokenId(token.getId()).getSessionType()
                    == AccessTokenContext.SessionType.TRANSIENT) {
                token.setSessionId(null);
                event.session((String) null);
            }
            if (refresh) {
                clientSessionCtx.setAttribute(AUDIENCE_ATTRIBUTE, policy.audience());
                builder.generateRefreshToken();
            }
            AccessTokenResponse response = builder.build();
            response.setIdToken(null);
            response.setScope(scopeString);
            response.setOtherClaims("issued_token_type",
                    refresh ? OAuth2Constants.REFRESH_TOKEN_TYPE : OAuth2Constants.ACCESS_TOKEN_TYPE);

            event.detail(AudienceScopedTokenExchangeProvider.EVENT_REASON, "policy_granted");
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

    /**
     * Keycloak's way: a one-tab authentication session for the requester, attached to the user session (creating the
     * requester's client session, or a transient one when the subject's session is offline or transient). Needed for
     * refresh tokens, which live in the client session.
     */
    private ClientSessionContext attach(RealmModel realm, ClientModel requester, UserSessionModel userSession,
                                        UserModel user, String issuer, String scopeString, Set<String> restrictedScopes,
                                        boolean refresh, String hubLevel) {
        RootAuthenticationSessionModel root = new AuthenticationSessionManager(session)
                .createAuthenticationSession(realm, false);
        AuthenticationSessionModel authSession = root.createAuthenticationSession(requester);
        authSession.setAuthenticatedUser(user);
        authSession.setProtocol(OIDCLoginProtocol.LOGIN_PROTOCOL);
        authSession.setClientNote(OIDCLoginProtocol.ISSUER, issuer);
        authSession.setClientNote(OIDCLoginProtocol.SCOPE_PARAM, scopeString);
        // Attaching copies this session's level of authentication onto the requester's client session. This one-tab
        // session authenticated nothing; without the copy the hub's level would drop to none (and a level that a
        // refresh of the exchanged token re-checks would be lost), so carry over what the hub's session achieved; from
        // an offline session too, whose transient copy has no client session of its own.
        if (hubLevel != null) {
            authSession.setAuthNote(Constants.LEVEL_OF_AUTHENTICATION, hubLevel);
        }
        return TokenManager.attachAuthenticationSession(session, userSession, authSession, restrictedScopes, !refresh);
    }

    /**
     * Parameterized scopes (Keycloak 26.7; called dynamic scopes before) resolve scope parameters per request, which
     * only attaching does. Looked up by name: the enum constant of one release does not exist in the other, and a
     * direct reference fails with {@code NoSuchFieldError} there.
     */
    private static boolean parameterizedScopesEnabled() {
        for (Profile.Feature feature : Profile.Feature.values()) {
            if (("PARAMETERIZED_SCOPES".equals(feature.name()) || "DYNAMIC_SCOPES".equals(feature.name()))
                    && Profile.isFeatureEnabled(feature)) {
                return true;
            }
        }
        return false;
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, ExchangedTokenIssuer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static long nullToZero(Long value) {
        return value == null ? 0L : value;
    }

}
