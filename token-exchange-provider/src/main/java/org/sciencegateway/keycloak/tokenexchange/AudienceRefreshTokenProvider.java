package org.sciencegateway.keycloak.tokenexchange;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.keycloak.OAuth2Constants;
import org.keycloak.OAuthErrorException;
import org.keycloak.common.ClientConnection;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.protocol.oidc.refresh.DefaultRefreshTokenProvider;
import org.keycloak.protocol.oidc.refresh.InitialRefreshTokenContext;
import org.keycloak.protocol.oidc.refresh.RefreshTokenContext;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.RefreshToken;
import org.keycloak.services.util.DefaultClientSessionContext;

/**
 * Refresh tokens issued by an audience-scoped exchange carry the audience in a signed claim. Refreshing one goes
 * through Keycloak's default refresh logic with the policy re-applied: the policy must still exist and allow
 * refresh, requester and user; the new access token has exactly the audience and at most the granted scopes.
 * All other refresh tokens are left to Keycloak's default provider.
 */
final class AudienceRefreshTokenProvider extends DefaultRefreshTokenProvider {

    /** Claim in the refresh token; the token is signed by the realm, so clients cannot add or alter it. */
    static final String AUDIENCE_CLAIM = "exchange_audience";
    private static final String AUDIENCE_ATTRIBUTE = ExchangedTokenIssuer.AUDIENCE_ATTRIBUTE;
    private static final String POLICY_ATTRIBUTE = AudienceRefreshTokenProvider.class.getName() + ".policy";
    private static final String GRANTED_ATTRIBUTE = AudienceRefreshTokenProvider.class.getName() + ".granted";
    private static final String GROUPS_ATTRIBUTE = AudienceRefreshTokenProvider.class.getName() + ".groups";
    private static final String ACCOUNT_ATTRIBUTE = AudienceRefreshTokenProvider.class.getName() + ".account";

    AudienceRefreshTokenProvider(KeycloakSession session) {
        super(session);
    }

    @Override
    public boolean supports(InitialRefreshTokenContext context) {
        return context.clientSessionCtx().getAttribute(AUDIENCE_ATTRIBUTE, String.class) != null;
    }

    @Override
    public RefreshToken generateRefreshToken(InitialRefreshTokenContext context) {
        RefreshToken refreshToken = super.generateRefreshToken(context);
        refreshToken.getOtherClaims().put(AUDIENCE_CLAIM,
                context.clientSessionCtx().getAttribute(AUDIENCE_ATTRIBUTE, String.class));
        return refreshToken;
    }

    @Override
    public boolean supports(RefreshTokenContext context) {
        return super.supports(context) && context.oldRefreshToken().getOtherClaims().get(AUDIENCE_CLAIM) instanceof String;
    }

    @Override
    protected TokenManager.TokenValidation validateToken(KeycloakSession session, UriInfo uriInfo,
                                                         ClientConnection connection, RealmModel realm,
                                                         RefreshToken oldToken, HttpHeaders headers, String scope,
                                                         ClientModel client, TokenManager tokenManager,
                                                         EventBuilder event) throws OAuthErrorException {
        TokenManager.TokenValidation validation = super.validateToken(session, uriInfo, connection, realm, oldToken,
                headers, scope, client, tokenManager, event);
        String audience = (String) oldToken.getOtherClaims().get(AUDIENCE_CLAIM);
        event.detail(AudienceScopedTokenExchangeProvider.EVENT_AUDIENCE, audience);
        event.detail(AudienceScopedTokenExchangeProvider.EVENT_REQUESTER, client.getClientId());

        AudiencePolicy policy = currentPolicy(realm, audience);
        event.detail(AudienceScopedTokenExchangeProvider.EVENT_POLICY, policy.name());
        if (!policy.refreshAllowed()) {
            throw new OAuthErrorException(OAuthErrorException.INVALID_GRANT,
                    "The policy for audience " + audience + " no longer allows refresh tokens.");
        }
        UserModel user = validation.user;
        // Refusals below are the user's: name them in the event, as the exchange does.
        event.user(user);
        event.detail(org.keycloak.events.Details.USERNAME, user.getUsername());
        List<String> groupPaths = user.getGroupsStream().map(KeycloakModelUtils::buildGroupPath).toList();
        Set<String> granted;
        Optional<String> account;
        try {
            AudienceExchangeRules.checkRequester(policy, client.getClientId(), client.isPublicClient(),
                    AudienceExchangeRules.approvedHub(client.getAttribute("sg.hub.state")));
            AudienceExchangeRules.checkUser(policy, groupPaths,
                    role -> AudienceScopedTokenExchangeProvider.userHasRole(realm, user, role));
            // The session's level may have dropped since the exchange (a weaker login of the same hub): judged again.
            AudienceScopedTokenExchangeProvider.checkAssurance(realm, policy, validation.userSession, client);
            // The account may have gone or changed since the exchange (e.g. removed from LDAP): read again.
            account = AccountAttributeGuard.accountOf(session, realm, policy, user);
            granted = policy.grantableScopes().stream()
                    .filter(AudienceExchangeRules.scopesOf(scope)::contains)
                    .sorted()
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        } catch (ExchangeRefusal refusal) {
            event.detail(AudienceScopedTokenExchangeProvider.EVENT_REASON, refusal.reason());
            refusal.details().forEach(event::detail);
            if (ExchangeRefusal.INSUFFICIENT_USER_AUTHENTICATION.equals(refusal.error())) {
                throw new OAuthErrorException(refusal.error(), refusal.description());
            }
            throw new OAuthErrorException(OAuthErrorException.INVALID_GRANT, refusal.description());
        }
        if (granted.isEmpty()) {
            throw new OAuthErrorException(OAuthErrorException.INVALID_SCOPE,
                    "No scope of this refresh token is still granted for audience " + audience + ".");
        }

        // Rebuild the context so that only the granted scopes' mappers run, as in the exchange itself.
        String scopeString = String.join(" ", granted);
        Set<String> restricted = new HashSet<>(granted);
        restricted.addAll(ExchangedTokenIssuer.AUTHENTICATION_SCOPES);
        Set<ClientScopeModel> requested = TokenManager.getRequestedClientScopes(session, scopeString, client, user)
                .collect(Collectors.toSet());
        AuthenticatedClientSessionModel clientSession = validation.clientSessionCtx.getClientSession();
        // Keycloak adds an ID token to a refresh response when the client session's scope note holds openid.
        String scopeNote = policy.idTokenOnRefresh() ? scopeString
                : granted.stream().filter(s -> !OAuth2Constants.SCOPE_OPENID.equals(s)).collect(Collectors.joining(" "));
        ClientSessionContext restrictedCtx = new GrantedScopeClientSessionContext(
                DefaultClientSessionContext.fromClientSessionAndClientScopes(clientSession, requested, restricted,
                        session),
                scopeString, new NoteOverlayClientSession(clientSession, Map.of(OAuth2Constants.SCOPE, scopeNote)));
        restrictedCtx.setAttribute(OAuth2Constants.GRANT_TYPE, OAuth2Constants.REFRESH_TOKEN);
        restrictedCtx.setAttribute(AUDIENCE_ATTRIBUTE, audience);
        restrictedCtx.setAttribute(POLICY_ATTRIBUTE, policy);
        restrictedCtx.setAttribute(GRANTED_ATTRIBUTE, granted);
        restrictedCtx.setAttribute(GROUPS_ATTRIBUTE, groupPaths);
        restrictedCtx.setAttribute(ACCOUNT_ATTRIBUTE, account.orElse(null));
        return new TokenManager.TokenValidation(user, validation.userSession, restrictedCtx);
    }

    @Override
    @SuppressWarnings("unchecked")
    public TokenManager.AccessTokenResponseBuilder refreshAccessToken(RefreshTokenContext context)
            throws OAuthErrorException {
        TokenManager.AccessTokenResponseBuilder builder = super.refreshAccessToken(context);
        ClientSessionContext ctx = builder.getClientSessionCtx();
        AudiencePolicy policy = ctx.getAttribute(POLICY_ATTRIBUTE, AudiencePolicy.class);
        Set<String> granted = ctx.getAttribute(GRANTED_ATTRIBUTE, Set.class);
        List<String> groups = ctx.getAttribute(GROUPS_ATTRIBUTE, List.class);
        AccessToken token = builder.getAccessToken();
        long sessionExpiry = SessionExpiry.of(ctx.getClientSession().getRealm(), ctx.getClientSession().getUserSession(),
                ctx.getClientSession(), ctx.getClientSession().getClient());
        long expiry = AudienceExchangeRules.expiry(policy, Time.currentTime(),
                token.getExp() == null ? 0L : token.getExp(), 0L, sessionExpiry);
        AudienceTokenShape.apply(token, policy, granted, null, expiry, groups,
                Optional.ofNullable(ctx.getAttribute(ACCOUNT_ATTRIBUTE, String.class)));
        AuthenticationClaims.apply(session, ctx.getClientSession().getClient(), token, ctx);
        return builder;
    }

    private static AudiencePolicy currentPolicy(RealmModel realm, String audience) throws OAuthErrorException {
        AudiencePolicyLookup.Result lookup = AudiencePolicyLookup.find(realm, audience);
        if (lookup instanceof AudiencePolicyLookup.Found found && found.client().isEnabled()) {
            return found.policy();
        }
        throw new OAuthErrorException(OAuthErrorException.INVALID_GRANT,
                "Audience " + audience + " is no longer available for exchanged tokens.");
    }
}
