package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.keycloak.models.Constants;

/**
 * The mapper's configuration keys and their parsing into a {@link GroupClaimPolicy}. Every value that cannot be
 * applied is refused with a message naming the field and the fix, so that a bad configuration is caught when it is
 * saved, never discovered as a missing or over-broad claim in production.
 */
public final class GroupMapperConfig {

    /** Keycloak's own key for the claim name (shared with every OIDC attribute mapper). */
    public static final String CLAIM_NAME = "claim.name";
    public static final String CLAIM_NAME_LITERAL = "claim.name.literal";
    public static final String FORMAT = "group.format";
    public static final String SUBTREE_ROOTS = "group.subtree.roots";
    public static final String INCLUDE_PATTERNS = "group.include.patterns";
    public static final String EXCLUDE_PATTERNS = "group.exclude.patterns";
    public static final String INCLUDE_PARENTS = "group.include.parents";
    public static final String REALM_ROLES = "roles.realm";
    public static final String CLIENT_ROLES_CLIENT = "roles.client";
    public static final String WLCG_OPTIONAL_GROUPS = "wlcg.optional.groups";
    public static final String AARC_NAMESPACE = "aarc.namespace";
    public static final String AARC_AUTHORITY = "aarc.authority";

    /** How Keycloak stores a multivalued string in a component or mapper config. */
    public static final String MULTIVALUE_DELIMITER = Constants.CFG_DELIMITER;

    /** Claims Keycloak sets itself or that would change what the token means; a group list never goes there. */
    static final Set<String> RESERVED_CLAIMS = Set.of("sub", "azp", "acr", "auth_time", "aud", "jti", "typ", "iat",
            "exp", "nbf", "iss", "scope", "nonce", "session_state", "sid", "cnf", "realm_access", "resource_access",
            "client_id", "preferred_username", "amr");

    private GroupMapperConfig() {
    }

    public static GroupClaimPolicy parse(Map<String, String> config, boolean escapeSlashes)
            throws InvalidGroupMapperConfigException {
        String claimName = claimName(config);

        String formatValue = trimmed(config.get(FORMAT));
        GroupClaimFormat format = formatValue == null ? GroupClaimFormat.FULL_PATH
                : GroupClaimFormat.fromConfigValue(formatValue).orElseThrow(() -> new InvalidGroupMapperConfigException(
                        "Group format \"" + formatValue + "\" is unknown: choose one of "
                                + String.join(", ", GroupClaimFormat.configValues()) + "."));

        List<GroupPath> roots = new ArrayList<>();
        for (String root : values(config.get(SUBTREE_ROOTS))) {
            roots.add(path("Subtree root", root, escapeSlashes));
        }
        List<Pattern> include = patterns("Include pattern", config.get(INCLUDE_PATTERNS));
        List<Pattern> exclude = patterns("Exclude pattern", config.get(EXCLUDE_PATTERNS));
        boolean parents = Boolean.parseBoolean(trimmed(config.get(INCLUDE_PARENTS)));
        RoleSelection roles = new RoleSelection(Boolean.parseBoolean(trimmed(config.get(REALM_ROLES))),
                trimmed(config.get(CLIENT_ROLES_CLIENT)));

        if (format == GroupClaimFormat.RELATIVE_PATH && roots.isEmpty()) {
            throw new InvalidGroupMapperConfigException(
                    "Group format \"relative-path\" needs at least one subtree root to be relative to: add one, e.g. /escape.");
        }
        if (format == GroupClaimFormat.WLCG && !roles.isEmpty()) {
            throw new InvalidGroupMapperConfigException(
                    "WLCG groups carry no roles: turn realm roles and client roles off, or model each role as a subgroup.");
        }

        Set<GroupPath> optional = new LinkedHashSet<>();
        for (String group : values(config.get(WLCG_OPTIONAL_GROUPS))) {
            optional.add(path("WLCG optional group", group, escapeSlashes));
        }
        if (!optional.isEmpty() && format != GroupClaimFormat.WLCG) {
            throw new InvalidGroupMapperConfigException(
                    "Optional groups are requested with WLCG scopes only: choose group format \"wlcg\" or remove the optional groups.");
        }

        String namespace = trimmed(config.get(AARC_NAMESPACE));
        String authority = trimmed(config.get(AARC_AUTHORITY));
        if (format == GroupClaimFormat.AARC_ENTITLEMENT) {
            if (namespace == null) {
                throw new InvalidGroupMapperConfigException(
                        "AARC entitlements need a namespace: set the AARC namespace, e.g. urn:mace:example.org.");
            }
            if (!namespace.toLowerCase(Locale.ROOT).startsWith("urn:") || namespace.endsWith(":")
                    || namespace.chars().anyMatch(c -> Character.isWhitespace(c) || c == '#')) {
                throw new InvalidGroupMapperConfigException("AARC namespace \"" + namespace
                        + "\" is not a URN namespace: use a form like urn:mace:example.org (no spaces, no \"#\", no trailing \":\").");
            }
            if (authority == null) {
                throw new InvalidGroupMapperConfigException(
                        "AARC entitlements need a group authority: set the AARC authority, e.g. aai.example.org.");
            }
            if (authority.chars().anyMatch(c -> Character.isWhitespace(c) || c == '#' || c == ':')) {
                throw new InvalidGroupMapperConfigException("AARC authority \"" + authority
                        + "\" is not a host name: use a form like aai.example.org (no spaces, \"#\" or \":\").");
            }
        }
        return new GroupClaimPolicy(claimName, format, new GroupSelection(roots, include, exclude, parents, escapeSlashes),
                roles, optional, namespace, authority, escapeSlashes);
    }

    /** The configured subtree roots as written, for checks that need the realm (does the group exist?). */
    public static List<String> subtreeRoots(Map<String, String> config) {
        return values(config.get(SUBTREE_ROOTS));
    }

    private static String claimName(Map<String, String> config) throws InvalidGroupMapperConfigException {
        String configured = trimmed(config.get(CLAIM_NAME));
        if (configured == null) {
            throw new InvalidGroupMapperConfigException("The token claim name is empty: set one, e.g. groups.");
        }
        boolean literal = Boolean.parseBoolean(trimmed(config.get(CLAIM_NAME_LITERAL)));
        String claimName = literal ? literalClaimName(configured) : configured;
        String topLevel = topLevelClaim(claimName);
        if (topLevel.isEmpty() || claimName.endsWith(".") && !claimName.endsWith("\\.")) {
            throw new InvalidGroupMapperConfigException("Token claim name \"" + configured
                    + "\" has an empty part: remove the stray dot, or escape it as \\. to keep it literal.");
        }
        if (RESERVED_CLAIMS.contains(topLevel)) {
            throw new InvalidGroupMapperConfigException("Token claim name \"" + configured
                    + "\" is a standard claim that Keycloak sets itself: choose another name, e.g. groups.");
        }
        return claimName;
    }

    /** Escapes every dot so that Keycloak writes one claim named, e.g., {@code wlcg.groups}, not a nested object. */
    static String literalClaimName(String name) {
        return name.replace("\\.", ".").replace(".", "\\.");
    }

    /** The first level of a Keycloak claim path: up to the first unescaped dot, with escapes removed. */
    static String topLevelClaim(String claimName) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < claimName.length(); i++) {
            char c = claimName.charAt(i);
            if (c == '\\' && i + 1 < claimName.length()) {
                sb.append(claimName.charAt(++i));
            } else if (c == '.') {
                break;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static GroupPath path(String field, String value, boolean escapeSlashes)
            throws InvalidGroupMapperConfigException {
        try {
            return GroupPath.parse(value, escapeSlashes);
        } catch (IllegalArgumentException e) {
            throw new InvalidGroupMapperConfigException(field + " " + e.getMessage() + ".");
        }
    }

    private static List<Pattern> patterns(String field, String raw) throws InvalidGroupMapperConfigException {
        List<Pattern> patterns = new ArrayList<>();
        for (String value : values(raw)) {
            try {
                patterns.add(Pattern.compile(value));
            } catch (PatternSyntaxException e) {
                throw new InvalidGroupMapperConfigException(field + " \"" + value
                        + "\" is not a valid regular expression (" + e.getDescription() + " near index " + e.getIndex()
                        + "): fix it, e.g. /escape/.* for every group below /escape.");
            }
        }
        return patterns;
    }

    static List<String> values(String raw) {
        if (raw == null || raw.isBlank()) {
            return List.of();
        }
        return Arrays.stream(raw.split(Pattern.quote(MULTIVALUE_DELIMITER)))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .toList();
    }

    private static String trimmed(String value) {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        return trimmed.isEmpty() ? null : trimmed;
    }
}
