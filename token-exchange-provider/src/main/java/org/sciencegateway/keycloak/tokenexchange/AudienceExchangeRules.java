package org.sciencegateway.keycloak.tokenexchange;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The decisions an audience policy makes about one exchange. Each check throws {@link ExchangeRefusal} with the
 * error code RFC 8693 / RFC 6749 assign to that failure; the provider calls them in the order cheapest-first.
 */
public final class AudienceExchangeRules {

    private static final Pattern SCOPE_SEPARATOR = Pattern.compile(" +");
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    private AudienceExchangeRules() {
    }

    /** Whether {@code state} (client attribute {@code sg.hub.state}) marks a hub a realm admin approved. */
    public static boolean approvedHub(String state) {
        return "approved".equals(state);
    }

    /**
     * Entry of a policy's requesting clients that admits every hub a realm admin approved (hub-tenants: client
     * attribute {@code sg.hub.state=approved}); no client id can take it (client ids of hubs are generated, and the
     * save-time check refuses it as a client id).
     */
    public static final String APPROVED_HUBS = "@approved-hubs";

    /** The requesting client must be confidential and named by the policy (or an approved hub, where it says so). */
    public static void checkRequester(AudiencePolicy policy, String requesterClientId, boolean requesterIsPublic) {
        checkRequester(policy, requesterClientId, requesterIsPublic, false);
    }

    /** @param requesterIsApprovedHub whether the requester is a hub a realm admin approved */
    public static void checkRequester(AudiencePolicy policy, String requesterClientId, boolean requesterIsPublic,
                                      boolean requesterIsApprovedHub) {
        if (requesterIsPublic) {
            throw ExchangeRefusal.unauthorizedClient("requester_public",
                    "Public clients may not exchange tokens for audience " + policy.audience() + ".");
        }
        boolean named = policy.allowedRequesters().contains(requesterClientId) && !APPROVED_HUBS.equals(requesterClientId);
        if (!named && !(requesterIsApprovedHub && policy.allowedRequesters().contains(APPROVED_HUBS))) {
            throw ExchangeRefusal.unauthorizedClient("requester_not_allowed",
                    "Client " + requesterClientId + " may not exchange tokens for audience " + policy.audience() + ".");
        }
    }

    /** Refresh tokens only where the policy allows them and the requester uses refresh tokens at all. */
    public static void checkRequestedTokenType(AudiencePolicy policy, boolean wantsRefreshToken,
                                               boolean requesterUsesRefreshTokens) {
        if (!wantsRefreshToken) {
            return;
        }
        if (!policy.refreshAllowed()) {
            throw ExchangeRefusal.invalidRequest("refresh_not_allowed",
                    "The policy for audience " + policy.audience() + " does not allow refresh tokens.");
        }
        if (!requesterUsesRefreshTokens) {
            throw ExchangeRefusal.invalidRequest("refresh_disabled_for_requester",
                    "Refresh tokens are switched off for the requesting client.");
        }
    }

    /**
     * A refresh token from an exchange needs Keycloak's refresh token SPI (26.7+), which carries the audience through
     * every refresh. Where the server lacks it, the request is refused up front instead of failing while issuing.
     */
    public static void checkRefreshTokensSupported(AudiencePolicy policy, boolean wantsRefreshToken,
                                                   boolean serverSupportsThem) {
        if (wantsRefreshToken && !serverSupportsThem) {
            throw ExchangeRefusal.invalidRequest("refresh_unsupported_by_server",
                    "This server cannot issue refresh tokens for audience " + policy.audience()
                            + " (it needs Keycloak 26.7 or later); ask for an access token.");
        }
    }

    /**
     * The subject token must have been issued to the requester itself: a client may only trade in tokens it obtained
     * (RFC 6749 calls a grant "issued to another client" {@code invalid_grant}).
     */
    public static void checkSubjectHolder(String subjectAuthorizedParty, String requesterClientId) {
        if (subjectAuthorizedParty == null || !subjectAuthorizedParty.equals(requesterClientId)) {
            throw ExchangeRefusal.invalidGrant("subject_token_other_client",
                    "The subject token was not issued to the requesting client.");
        }
    }

    /**
     * When the policy names groups, the user must be in one of them or in a subgroup; when it names roles, the user
     * must hold one of them. Both conditions apply when both are configured.
     */
    public static void checkUser(AudiencePolicy policy, Collection<String> userGroupPaths, Predicate<String> userHasRole) {
        if (!policy.requiredGroups().isEmpty()
                && userGroupPaths.stream().noneMatch(path -> inAnyGroup(path, policy.requiredGroups()))) {
            throw ExchangeRefusal.accessDenied("user_not_in_required_group",
                    "The user is not in a group allowed for audience " + policy.audience() + ".");
        }
        if (!policy.requiredRoles().isEmpty() && policy.requiredRoles().stream().noneMatch(userHasRole)) {
            throw ExchangeRefusal.accessDenied("user_lacks_required_role",
                    "The user lacks a role required for audience " + policy.audience() + ".");
        }
    }

    /**
     * The subject token's session and age. Under {@code lifetime.bound=session} the exchanged token ends with the
     * online SSO session the user signed in with; an offline session has no such end (and outlives logout), so its
     * tokens are refused — and so they are under a policy with a minimum level or maximum authentication age, whose
     * level belongs to the sign-in session that reached it. A token issued before the user's not-before (an admin signed the user out) is refused
     * whatever the bound.
     *
     * @param issuedAt      the subject token's {@code iat} (epoch seconds, 0: unknown)
     * @param userNotBefore the user's not-before (epoch seconds, 0: none)
     */
    public static void checkSubjectSession(AudiencePolicy policy, boolean offlineSession, long issuedAt,
                                           long userNotBefore) {
        if (userNotBefore > 0 && issuedAt < userNotBefore) {
            throw ExchangeRefusal.invalidRequest("subject_token_before_user_not_before",
                    "The subject token is invalid, expired, revoked or from another issuer.");
        }
        if (offlineSession && policy.lifetimeBound() == AudiencePolicy.LifetimeBound.SESSION) {
            throw ExchangeRefusal.invalidRequest("subject_token_offline",
                    "The policy for audience " + policy.audience() + " ends its tokens with the user's sign-in "
                            + "session; an offline token has none. Exchange an access token from an online session.");
        }
        if (offlineSession && !policy.assurance().isNone()) {
            // A level belongs to the sign-in that reached it; an offline session keeps it past sign-out and logout.
            throw ExchangeRefusal.invalidRequest("subject_token_offline",
                    "The policy for audience " + policy.audience() + " needs a level of authentication of the user's "
                            + "sign-in session; an offline token outlives it. Exchange an access token from an online "
                            + "session.");
        }
    }

    /** Event detail keys of an assurance refusal. */
    public static final String DETAIL_REQUIRED_LEVEL = "required_level";
    public static final String DETAIL_ACHIEVED_LEVEL = "achieved_level";
    public static final String DETAIL_AUTH_AGE = "auth_age";
    public static final String DETAIL_MAX_AUTH_AGE = "max_auth_age";

    /**
     * The session must have reached the policy's minimum level, by an authentication no older than its maximum age.
     *
     * @param requiredLevel the policy's minimum resolved against the realm's ACR mapping (-1: none)
     * @param achieved      what the requester's client session recorded: its level (-1: none) and when the
     *                      authentication that reached it happened (epoch seconds, 0: unknown)
     */
    public static void checkAssurance(AudiencePolicy policy, int requiredLevel, SessionAssurance achieved,
                                      long nowSeconds) {
        AssuranceRequirement required = policy.assurance();
        String requiredText = required.minimumLevel() == null ? "none"
                : AssuranceRequirement.isNumeric(required.minimumLevel()) ? required.minimumLevel()
                : required.minimumLevel() + " (" + requiredLevel + ")";
        Map<String, String> details = new LinkedHashMap<>();
        details.put(DETAIL_REQUIRED_LEVEL, requiredText);
        details.put(DETAIL_ACHIEVED_LEVEL, String.valueOf(achieved.level()));
        if (achieved.level() < requiredLevel) {
            throw ExchangeRefusal.insufficientUserAuthentication("authentication_level_too_low",
                    "The policy for audience " + policy.audience() + " requires authentication level " + requiredText
                            + "; this session reached " + Math.max(achieved.level(), 0) + ". Sign in again with "
                            + "acr_values=" + required.minimumLevel() + ".", details);
        }
        if (required.maxAuthAgeSeconds() > 0) {
            details.put(DETAIL_MAX_AUTH_AGE, String.valueOf(required.maxAuthAgeSeconds()));
            if (achieved.authTime() <= 0) {
                throw ExchangeRefusal.insufficientUserAuthentication("authentication_time_unknown",
                        "The policy for audience " + policy.audience() + " limits the age of the authentication, "
                                + "and this session does not record when it authenticated. Sign in again.", details);
            }
            long age = nowSeconds - achieved.authTime();
            details.put(DETAIL_AUTH_AGE, String.valueOf(age));
            if (age > required.maxAuthAgeSeconds()) {
                throw ExchangeRefusal.insufficientUserAuthentication("authentication_too_old",
                        "The policy for audience " + policy.audience() + " accepts an authentication at most "
                                + required.maxAuthAgeSeconds() + " seconds old; this one is " + age
                                + " seconds old. Sign in again (max_age=" + required.maxAuthAgeSeconds() + ").",
                        details);
            }
        }
    }

    /**
     * What a session achieved, as the exchange reads it from Keycloak's notes.
     *
     * @param level    the level of authentication recorded for the requester's client session, -1 for none
     * @param authTime epoch seconds of the authentication that reached it, 0 when unknown
     */
    public record SessionAssurance(int level, long authTime) {
    }

    /**
     * The scopes of the new token. Without a {@code scope} parameter: everything the policy grants that the subject
     * token already has. With one: exactly the requested scopes, each of which the policy must grant and the subject
     * token must already carry (no upscoping).
     */
    public static Set<String> grantScopes(AudiencePolicy policy, String requestedScope, Collection<String> subjectScopes) {
        Set<String> subject = Set.copyOf(subjectScopes);
        Set<String> granted = new LinkedHashSet<>();
        if (requestedScope == null || requestedScope.isBlank()) {
            policy.grantableScopes().stream().filter(subject::contains).sorted().forEach(granted::add);
            if (granted.isEmpty()) {
                throw ExchangeRefusal.invalidScope("no_common_scope",
                        "The subject token carries none of the scopes the policy for audience " + policy.audience()
                                + " grants.");
            }
            return granted;
        }
        for (String scope : SCOPE_SEPARATOR.split(requestedScope.trim())) {
            if (!SCOPE_TOKEN.matcher(scope).matches()) {
                throw ExchangeRefusal.invalidScope("scope_malformed", "The scope parameter is malformed.");
            }
            if (!policy.grantableScopes().contains(scope)) {
                throw ExchangeRefusal.invalidScope("scope_not_in_policy",
                        "Scope " + scope + " is not granted for audience " + policy.audience() + ".");
            }
            if (!subject.contains(scope)) {
                throw ExchangeRefusal.invalidScope("scope_not_in_subject_token",
                        "Scope " + scope + " is not in the subject token; an exchange cannot add scopes.");
            }
            granted.add(scope);
        }
        return granted;
    }

    /** Splits a token's {@code scope} claim. */
    public static Set<String> scopesOf(String scopeClaim) {
        if (scopeClaim == null || scopeClaim.isBlank()) {
            return Set.of();
        }
        return new LinkedHashSet<>(Arrays.asList(SCOPE_SEPARATOR.split(scopeClaim.trim())));
    }

    /**
     * Expiry (epoch seconds) of the exchanged access token: the policy maximum from now, and then, by the policy's
     * {@link AudiencePolicy.LifetimeBound lifetime bound}, either what Keycloak would issue the requester and the
     * subject token's own expiry, or the user's session expiry. 0 means "no bound" for each input.
     */
    public static long expiry(AudiencePolicy policy, long nowSeconds, long keycloakExpiry, long subjectExpiry,
                              long sessionExpiry) {
        long exp = nowSeconds + policy.maxLifetimeSeconds();
        if (policy.lifetimeBound() == AudiencePolicy.LifetimeBound.SESSION) {
            return sessionExpiry > 0 ? Math.min(exp, sessionExpiry) : exp;
        }
        if (keycloakExpiry > 0) {
            exp = Math.min(exp, keycloakExpiry);
        }
        if (subjectExpiry > 0) {
            exp = Math.min(exp, subjectExpiry);
        }
        return exp;
    }

    /**
     * The {@code wlcg.groups} claim: the full paths of the user's groups at or below the configured root, sorted.
     */
    public static List<String> wlcgGroups(AudiencePolicy policy, Collection<String> userGroupPaths) {
        return GroupsClaim.subtree(policy.wlcgGroupsRoot(), userGroupPaths);
    }

    private static boolean inAnyGroup(String userGroupPath, Set<String> required) {
        for (String group : required) {
            if (userGroupPath.equals(group) || userGroupPath.startsWith(group + "/")) {
                return true;
            }
        }
        return false;
    }
}
