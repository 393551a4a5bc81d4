package org.sciencegateway.keycloak.tokenexchange;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.keycloak.representations.AccessToken;

/**
 * Applies a policy to an access token Keycloak has built (and not yet signed) for the requester: the audience
 * becomes exactly the policy's audience, the scope exactly the granted scopes, the expiry the policy's bound, and
 * the WLCG claims, the groups claim and the account claim are added when the policy asks for them. Issuer, subject,
 * azp, sid and jti stay Keycloak's.
 */
final class AudienceTokenShape {

    static final String WLCG_VERSION_CLAIM = "wlcg.ver";
    static final String WLCG_GROUPS_CLAIM = "wlcg.groups";
    static final String WLCG_VERSION = "1.0";

    private AudienceTokenShape() {
    }

    static void apply(AccessToken token, AudiencePolicy policy, Set<String> grantedScopes, String subject,
                      long expiry, Collection<String> userGroupPaths, Optional<String> account) {
        token.audience(policy.audience());
        // Roles of other clients are not the audience's business; keep only the audience's own entry.
        Map<String, AccessToken.Access> resourceAccess = token.getResourceAccess();
        if (resourceAccess != null && !resourceAccess.isEmpty()) {
            Map<String, AccessToken.Access> kept = new HashMap<>();
            AccessToken.Access own = resourceAccess.get(policy.audience());
            if (own != null) {
                kept.put(policy.audience(), own);
            }
            token.setResourceAccess(kept);
        }
        token.setScope(String.join(" ", grantedScopes));
        if (subject != null) {
            token.subject(subject);
        }
        token.exp(expiry);
        if (policy.wlcgClaims()) {
            token.getOtherClaims().put(WLCG_VERSION_CLAIM, WLCG_VERSION);
            token.getOtherClaims().put(WLCG_GROUPS_CLAIM, AudienceExchangeRules.wlcgGroups(policy, userGroupPaths));
        }
        GroupsClaim groups = policy.groupsClaim();
        if (!groups.isNone()) {
            token.getOtherClaims().put(groups.claim(), groups.values(userGroupPaths));
        }
        account.ifPresent(name -> token.getOtherClaims().put(policy.accountClaim().claim(), name));
    }
}
