package org.sciencegateway.keycloak.tokenexchange;

import java.util.Objects;
import java.util.Set;

/**
 * Who may exchange a user's access token for a token whose only audience is {@code audience}, and what that token
 * may carry. Parsed from the configuration of an "Audience exchange policy" mapper on the audience client.
 *
 * @param name                the mapper's name, reported in events so admins can find the policy that decided
 * @param audience            client ID of the audience client the policy is attached to
 * @param allowedRequesters   client IDs that may ask for this audience (never empty)
 * @param requiredGroups      group paths; when non-empty the user must be in one of them or in a subgroup
 * @param requiredRoles       role names ({@code role} or {@code clientId.role}); when non-empty the user must hold one
 * @param grantableScopes     the scopes the exchanged token may carry (never empty)
 * @param maxLifetimeSeconds  upper bound of the exchanged access token's lifetime
 * @param refreshAllowed      whether {@code requested_token_type=refresh_token} is honoured
 * @param wlcgClaims          whether to add the WLCG common JWT profile claims
 * @param wlcgGroupsRoot      group path whose subtree feeds {@code wlcg.groups}; {@code /} for all groups
 * @param idTokenOnRefresh    whether a refresh of an exchanged token also returns an ID token (needs {@code openid}
 *                            granted); off, refresh responses carry access and refresh token only, as the exchange
 * @param lifetimeBound       what besides the maximum bounds the exchanged token's expiry
 * @param assurance           how strong and how recent the user's authentication must be
 * @param groupsClaim         a claim listing the user's groups of one subtree, or {@link GroupsClaim#NONE}
 * @param accountClaim        a claim naming the user's account at the audience, or {@link AccountClaim#NONE}
 */
public record AudiencePolicy(
        String name,
        String audience,
        Set<String> allowedRequesters,
        Set<String> requiredGroups,
        Set<String> requiredRoles,
        Set<String> grantableScopes,
        int maxLifetimeSeconds,
        boolean refreshAllowed,
        boolean wlcgClaims,
        String wlcgGroupsRoot,
        boolean idTokenOnRefresh,
        LifetimeBound lifetimeBound,
        AssuranceRequirement assurance,
        GroupsClaim groupsClaim,
        AccountClaim accountClaim) {

    /** What an exchanged token may not outlive, besides {@code maxLifetimeSeconds}. */
    public enum LifetimeBound {
        /**
         * The subject token and the requester's own access-token lifespan: the exchanged token dies with the hub's
         * token (5 minutes by Keycloak's default). For short-lived, per-request delegation.
         */
        SUBJECT_TOKEN("subject-token"),
        /**
         * The user's session: the requester's client session and the SSO session, both idle and maximum, as Keycloak
         * computes them. For tokens handed to long-running work such as a notebook; logout still ends them at
         * introspection, and every refresh is bounded again.
         */
        SESSION("session");

        private final String configValue;

        LifetimeBound(String configValue) {
            this.configValue = configValue;
        }

        public String configValue() {
            return configValue;
        }

        public static java.util.Optional<LifetimeBound> fromConfig(String value) {
            for (LifetimeBound bound : values()) {
                if (bound.configValue.equals(value)) {
                    return java.util.Optional.of(bound);
                }
            }
            return java.util.Optional.empty();
        }
    }

    public AudiencePolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(audience, "audience");
        allowedRequesters = Set.copyOf(allowedRequesters);
        requiredGroups = Set.copyOf(requiredGroups);
        requiredRoles = Set.copyOf(requiredRoles);
        grantableScopes = Set.copyOf(grantableScopes);
        Objects.requireNonNull(wlcgGroupsRoot, "wlcgGroupsRoot");
        Objects.requireNonNull(lifetimeBound, "lifetimeBound");
        Objects.requireNonNull(assurance, "assurance");
        Objects.requireNonNull(groupsClaim, "groupsClaim");
        Objects.requireNonNull(accountClaim, "accountClaim");
        if (allowedRequesters.isEmpty() || grantableScopes.isEmpty() || maxLifetimeSeconds <= 0) {
            throw new IllegalArgumentException("an audience policy needs requesters, scopes and a positive lifetime");
        }
    }

    /** A policy that adds neither a groups claim nor an account claim. */
    public AudiencePolicy(String name, String audience, Set<String> allowedRequesters, Set<String> requiredGroups,
                          Set<String> requiredRoles, Set<String> grantableScopes, int maxLifetimeSeconds,
                          boolean refreshAllowed, boolean wlcgClaims, String wlcgGroupsRoot, boolean idTokenOnRefresh,
                          LifetimeBound lifetimeBound, AssuranceRequirement assurance) {
        this(name, audience, allowedRequesters, requiredGroups, requiredRoles, grantableScopes, maxLifetimeSeconds,
                refreshAllowed, wlcgClaims, wlcgGroupsRoot, idTokenOnRefresh, lifetimeBound, assurance, GroupsClaim.NONE,
                AccountClaim.NONE);
    }
}
