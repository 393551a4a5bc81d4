package org.sciencegateway.keycloak.tokenexchange;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The policy options that add claims for the audience to authorise on: a groups claim of one subtree and an account
 * claim from a user attribute. Part of {@link AudiencePolicyParser}; kept apart so each option's checks read on
 * their own.
 */
final class ClaimOptionsParser {

    /** Claims Keycloak, the policy's other options or the exchange itself set: a claim option must not replace them. */
    static final Set<String> RESERVED_CLAIMS = Set.of("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp", "typ",
            "scope", "sid", "session_state", "nonce", "cnf", "acr", "amr", "auth_time", "client_id", "realm_access",
            "resource_access", "allowed-origins", "preferred_username", "name", "given_name", "family_name", "email",
            "email_verified", "eduperson_assurance", AudienceTokenShape.WLCG_VERSION_CLAIM,
            AudienceTokenShape.WLCG_GROUPS_CLAIM);
    /** A JSON member name readable by every receiver's configuration: letters first, then letters, digits, _ . : -. */
    private static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,99}");
    /** Keycloak user attribute names, as its user profile accepts them. */
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,255}");

    private ClaimOptionsParser() {
    }

    static GroupsClaim groups(Map<String, String> cfg, List<String> problems) {
        String claim = blankToNull(cfg.get(AudiencePolicyParser.GROUPS_CLAIM));
        String root = blankToNull(cfg.get(AudiencePolicyParser.GROUPS_CLAIM_ROOT));
        if (claim == null) {
            if (root != null && !"/".equals(root)) {
                problems.add("Groups claim subtree: set Groups claim name too (for example groups), or clear this.");
            }
            return GroupsClaim.NONE;
        }
        checkClaimName("Groups claim name", claim, "groups", problems);
        if (root == null) {
            problems.add("Groups claim subtree: name the group whose subtree the claim lists, for example "
                    + "/escape/cluster-users, or / for all groups of the user.");
            return GroupsClaim.NONE;
        }
        if (!"/".equals(root) && !AudiencePolicyParser.isGroupPath(root)) {
            problems.add("Groups claim subtree: " + root + " is not a group path; write it as /parent/child, or / "
                    + "for all groups.");
        }
        return new GroupsClaim(claim, root);
    }

    static AccountClaim account(Map<String, String> cfg, GroupsClaim groups, List<String> problems) {
        String attribute = blankToNull(cfg.get(AudiencePolicyParser.ACCOUNT_ATTRIBUTE));
        String claim = blankToNull(cfg.get(AudiencePolicyParser.ACCOUNT_CLAIM));
        boolean required = bool(cfg.get(AudiencePolicyParser.ACCOUNT_REQUIRED), problems);
        if (attribute == null) {
            if (required) {
                problems.add("Account required: set Account attribute too (for example posix_username), or switch "
                        + "this off.");
            }
            if (claim != null && !AccountClaim.DEFAULT_CLAIM.equals(claim)) {
                problems.add("Account claim name: set Account attribute too, or clear this.");
            }
            return AccountClaim.NONE;
        }
        if (!ATTRIBUTE_NAME.matcher(attribute).matches()) {
            problems.add("Account attribute: " + attribute + " is not a user attribute name; use "
                    + "letters, digits, dots, underscores and hyphens, for example posix_username.");
        }
        String name = claim == null ? AccountClaim.DEFAULT_CLAIM : claim;
        checkClaimName("Account claim name", name, AccountClaim.DEFAULT_CLAIM, problems);
        if (name.equals(groups.claim())) {
            problems.add("Account claim name: " + name + " is the groups claim too; give the two claims different "
                    + "names.");
        }
        return new AccountClaim(attribute, name, required);
    }

    private static void checkClaimName(String label, String claim, String example, List<String> problems) {
        if (!CLAIM_NAME.matcher(claim).matches()) {
            problems.add(label + ": " + claim + " is not a claim name; start with a letter and use "
                    + "letters, digits, _ . : or -, for example " + example + ".");
        } else if (RESERVED_CLAIMS.contains(claim)) {
            problems.add(label + ": " + claim + " is a claim Keycloak or this policy already sets; choose another "
                    + "name, for example " + example + ".");
        }
    }

    private static boolean bool(String text, List<String> problems) {
        String value = blankToNull(text);
        if (value == null || "false".equalsIgnoreCase(value)) {
            return false;
        }
        if ("true".equalsIgnoreCase(value)) {
            return true;
        }
        problems.add("Account required: " + value + " is not true or false.");
        return false;
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }
}
