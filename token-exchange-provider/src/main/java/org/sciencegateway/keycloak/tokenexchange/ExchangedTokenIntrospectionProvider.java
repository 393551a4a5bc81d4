package org.sciencegateway.keycloak.tokenexchange;

import java.util.List;
import java.util.Objects;
import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.AccessTokenIntrospectionProvider;
import org.keycloak.representations.AccessToken;

/**
 * Introspection (RFC 7662) of access tokens. A token governed by an audience policy — its only audience is a policy's
 * audience and it was issued to one of that policy's requesters, as every exchanged and refreshed-exchanged token
 * is — is answered with exactly the claims it carries: Keycloak's default would re-run the requester's mappers and
 * show the audience claims the policy withheld (email, groups) while dropping the ones the policy added (WLCG).
 * The policy is also judged again: a token whose policy is gone, broken, or no longer admits requester or user is
 * reported inactive. Every other token is introspected exactly as by Keycloak.
 */
final class ExchangedTokenIntrospectionProvider extends AccessTokenIntrospectionProvider<AccessToken> {

    static final String REASON_POLICY_REFUSED = "exchange_policy_refused";

    private AudiencePolicyLookup.Governing governing;

    ExchangedTokenIntrospectionProvider(KeycloakSession session) {
        super(session);
    }

    @Override
    public AccessToken transformAccessToken(AccessToken token, UserSessionModel userSession) {
        governing = AudiencePolicyLookup.governing(realm, token.getAudience(), token.getIssuedFor());
        if (governing instanceof AudiencePolicyLookup.NotGoverned) {
            return super.transformAccessToken(token, userSession);
        }
        // The verified, signed token is the statement; nothing is added or re-derived.
        return token;
    }

    @Override
    protected boolean introspectionChecks(String tokenStr) {
        if (!super.introspectionChecks(tokenStr)) {
            return false;
        }
        String refusal = policyRefusal();
        if (refusal == null) {
            return true;
        }
        eventBuilder.detail(AudienceScopedTokenExchangeProvider.EVENT_AUDIENCE, String.join(" ", token.getAudience()));
        eventBuilder.detail(Details.REASON, REASON_POLICY_REFUSED + ": " + refusal);
        eventBuilder.error(Errors.INVALID_TOKEN);
        // Keycloak adds a JWT rendering of the transformed token to a response whenever one is set; not for this one.
        transformedToken = null;
        return false;
    }

    /** Why the governing policy no longer stands behind this token, or null when it does (or none governs it). */
    private String policyRefusal() {
        if (governing instanceof AudiencePolicyLookup.GovernedButBroken broken) {
            return "policy " + broken.policyName() + " is misconfigured";
        }
        if (!(governing instanceof AudiencePolicyLookup.Governed governed)) {
            return null;
        }
        AudiencePolicy policy = governed.policy();
        eventBuilder.detail(AudienceScopedTokenExchangeProvider.EVENT_POLICY, policy.name());
        if (!governed.audienceClient().isEnabled()) {
            return "audience " + policy.audience() + " is disabled";
        }
        try {
            AudienceExchangeRules.checkRequester(policy, client.getClientId(), client.isPublicClient(),
                    AudienceExchangeRules.approvedHub(client.getAttribute("sg.hub.state")));
            List<String> groupPaths = user.getGroupsStream().map(KeycloakModelUtils::buildGroupPath).toList();
            AudienceExchangeRules.checkUser(policy, groupPaths,
                    role -> AudienceScopedTokenExchangeProvider.userHasRole(realm, user, role));
            return accountRefusal(policy);
        } catch (ExchangeRefusal refused) {
            return refused.reason();
        }
    }

    /** Null when the token's account claim is still the user's account (or the policy has none), else why not. */
    private String accountRefusal(AudiencePolicy policy) {
        if (policy.accountClaim().isNone()) {
            return null;
        }
        Object carried = token.getOtherClaims().get(policy.accountClaim().claim());
        String current = AccountAttributeGuard.accountOf(session, realm, policy, user).orElse(null);
        return Objects.equals(carried, current) ? null : "account_changed";
    }
}
