package org.sciencegateway.keycloak.tokenexchange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.keycloak.models.Constants;

/**
 * Turns the stored mapper configuration (a string map, as in realm JSON) into an {@link AudiencePolicy}, or into the
 * list of problems an admin has to fix. Used at save time (to reject the configuration) and on every request (where
 * a stored configuration that does not parse, e.g. imported without validation, refuses the exchange).
 */
public final class AudiencePolicyParser {

    public static final String ALLOWED_REQUESTERS = "allowed.requesters";
    public static final String REQUIRED_GROUPS = "required.groups";
    public static final String REQUIRED_ROLES = "required.roles";
    public static final String GRANTABLE_SCOPES = "grantable.scopes";
    public static final String MAX_LIFETIME_SECONDS = "max.lifetime.seconds";
    public static final String REFRESH_ALLOWED = "refresh.allowed";
    public static final String WLCG_CLAIMS = "wlcg.claims";
    public static final String WLCG_GROUPS_ROOT = "wlcg.groups.root";
    public static final String REFRESH_ID_TOKEN = "refresh.id.token";
    public static final String LIFETIME_BOUND = "lifetime.bound";
    public static final String MINIMUM_LEVEL = "minimum.level";
    public static final String MAX_AUTH_AGE_SECONDS = "max.auth.age.seconds";
    public static final String GROUPS_CLAIM = "groups.claim";
    public static final String GROUPS_CLAIM_ROOT = "groups.claim.root";
    public static final String ACCOUNT_ATTRIBUTE = "account.attribute";
    public static final String ACCOUNT_CLAIM = "account.claim";
    public static final String ACCOUNT_REQUIRED = "account.required";

    /** Keycloak stores multivalued mapper settings joined by this delimiter. */
    public static final String VALUE_DELIMITER = Constants.CFG_DELIMITER;

    public static final int MIN_LIFETIME_SECONDS = 60;
    public static final int MAX_LIFETIME_LIMIT_SECONDS = 86_400;
    public static final int DEFAULT_LIFETIME_SECONDS = 3_600;
    /** A year: a longer maximum authentication age is no limit in practice, and more likely a typo. */
    public static final int MAX_AUTH_AGE_LIMIT_SECONDS = 31_536_000;
    private static final int MAX_ACR_LENGTH = 255;

    /** Scopes whose grant through an exchange would mint long-lived or session-creating credentials. */
    private static final Set<String> NEVER_GRANTABLE = Set.of("offline_access");
    /** RFC 6749 scope-token: printable ASCII except space, double quote and backslash. */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    private AudiencePolicyParser() {
    }

    /** Outcome of parsing: a policy, or the problems that prevent one (never both). */
    public record Result(Optional<AudiencePolicy> policy, List<String> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        public boolean valid() {
            return policy.isPresent();
        }
    }

    public static Result parse(String name, String audience, Map<String, String> config) {
        Map<String, String> cfg = config == null ? Map.of() : config;
        List<String> problems = new ArrayList<>();

        Set<String> requesters = values(cfg.get(ALLOWED_REQUESTERS));
        if (requesters.isEmpty()) {
            problems.add("Requesting clients: name at least one client ID that may exchange tokens for audience "
                    + audience + ".");
        }
        if (requesters.contains(audience)) {
            problems.add("Requesting clients: remove " + audience
                    + "; a client cannot exchange tokens for itself through its own policy.");
        }

        Set<String> groups = values(cfg.get(REQUIRED_GROUPS));
        for (String group : groups) {
            if (!isGroupPath(group)) {
                problems.add("Required groups: " + group + " is not a group path; write it as /parent/child.");
            }
        }

        Set<String> roles = values(cfg.get(REQUIRED_ROLES));

        Set<String> scopes = values(cfg.get(GRANTABLE_SCOPES));
        if (scopes.isEmpty()) {
            problems.add("Grantable scopes: name at least one scope, for example openid and profile.");
        }
        for (String scope : scopes) {
            if (!SCOPE_TOKEN.matcher(scope).matches()) {
                problems.add("Grantable scopes: " + scope + " is not a valid scope name; enter one scope per value.");
            } else if (NEVER_GRANTABLE.contains(scope)) {
                problems.add("Grantable scopes: remove " + scope
                        + "; exchanged tokens must not open offline sessions.");
            }
        }

        int lifetime = DEFAULT_LIFETIME_SECONDS;
        String lifetimeText = blankToNull(cfg.get(MAX_LIFETIME_SECONDS));
        if (lifetimeText != null) {
            try {
                lifetime = Integer.parseInt(lifetimeText);
                if (lifetime < MIN_LIFETIME_SECONDS || lifetime > MAX_LIFETIME_LIMIT_SECONDS) {
                    problems.add("Maximum lifetime: " + lifetimeText + " is out of range; enter a number of seconds from "
                            + MIN_LIFETIME_SECONDS + " to " + MAX_LIFETIME_LIMIT_SECONDS + ".");
                }
            } catch (NumberFormatException e) {
                problems.add("Maximum lifetime: " + lifetimeText + " is not a whole number of seconds; enter e.g. 3600.");
            }
        }

        Boolean refresh = bool(cfg.get(REFRESH_ALLOWED), "Refresh token allowed", problems);
        Boolean wlcg = bool(cfg.get(WLCG_CLAIMS), "WLCG claims", problems);

        String wlcgRoot = blankToNull(cfg.get(WLCG_GROUPS_ROOT));
        if (wlcgRoot == null) {
            wlcgRoot = "/";
        } else if (!"/".equals(wlcgRoot) && !isGroupPath(wlcgRoot)) {
            problems.add("WLCG groups root: " + wlcgRoot + " is not a group path; write it as /vo or / for all groups.");
        }

        Boolean idTokenOnRefresh = bool(cfg.get(REFRESH_ID_TOKEN), "ID token on refresh", problems);
        if (idTokenOnRefresh && !refresh) {
            problems.add("ID token on refresh: switch on Refresh token allowed too, or switch this off.");
        }
        if (idTokenOnRefresh && !scopes.contains("openid")) {
            problems.add("ID token on refresh: add openid to the grantable scopes, or switch this off.");
        }

        AudiencePolicy.LifetimeBound bound = AudiencePolicy.LifetimeBound.SUBJECT_TOKEN;
        String boundText = blankToNull(cfg.get(LIFETIME_BOUND));
        if (boundText != null) {
            Optional<AudiencePolicy.LifetimeBound> parsed = AudiencePolicy.LifetimeBound.fromConfig(boundText);
            if (parsed.isPresent()) {
                bound = parsed.get();
            } else {
                problems.add("Lifetime bound: " + boundText + " is not subject-token or session.");
            }
        }

        AssuranceRequirement assurance = assurance(cfg, problems);
        GroupsClaim groupsClaim = ClaimOptionsParser.groups(cfg, problems);
        AccountClaim accountClaim = ClaimOptionsParser.account(cfg, groupsClaim, problems);

        if (!problems.isEmpty()) {
            return new Result(Optional.empty(), problems);
        }
        return new Result(Optional.of(new AudiencePolicy(name, audience, requesters, groups, roles, scopes, lifetime,
                refresh, wlcg, wlcgRoot, idTokenOnRefresh, bound, assurance, groupsClaim, accountClaim)), List.of());
    }

    private static AssuranceRequirement assurance(Map<String, String> cfg, List<String> problems) {
        String level = blankToNull(cfg.get(MINIMUM_LEVEL));
        if (level != null && !AssuranceRequirement.isNumeric(level)
                && (level.length() > MAX_ACR_LENGTH || !SCOPE_TOKEN.matcher(level).matches())) {
            problems.add("Minimum authentication level: " + level + " is neither a level number such as 2 nor an ACR "
                    + "value such as https://refeds.org/profile/mfa.");
        }
        int maxAge = 0;
        String ageText = blankToNull(cfg.get(MAX_AUTH_AGE_SECONDS));
        if (ageText != null) {
            try {
                maxAge = Integer.parseInt(ageText);
                if (maxAge < 0) {
                    problems.add("Maximum authentication age: " + ageText + " is negative; enter a number of seconds "
                            + "such as 43200, or leave it empty for no limit.");
                } else if (maxAge == 0 || maxAge > MAX_AUTH_AGE_LIMIT_SECONDS) {
                    problems.add("Maximum authentication age: " + ageText + " is out of range; enter a number of "
                            + "seconds from 1 to " + MAX_AUTH_AGE_LIMIT_SECONDS + ", or leave it empty for no limit.");
                }
            } catch (NumberFormatException e) {
                problems.add("Maximum authentication age: " + ageText
                        + " is not a whole number of seconds; enter e.g. 43200.");
            }
        }
        if (!problems.isEmpty()) {
            return AssuranceRequirement.NONE;
        }
        return new AssuranceRequirement(level, maxAge);
    }

    /** Splits a stored multivalued setting; blank entries are ignored, duplicates collapse. */
    public static Set<String> values(String stored) {
        if (stored == null || stored.isBlank()) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(stored.split(Pattern.quote(VALUE_DELIMITER)))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .forEach(out::add);
        return out;
    }

    static boolean isGroupPath(String path) {
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
            return false;
        }
        return path.length() > 1;
    }

    private static Boolean bool(String text, String label, List<String> problems) {
        String value = blankToNull(text);
        if (value == null || "false".equalsIgnoreCase(value)) {
            return false;
        }
        if ("true".equalsIgnoreCase(value)) {
            return true;
        }
        problems.add(label + ": " + value + " is not true or false.");
        return false;
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }
}
