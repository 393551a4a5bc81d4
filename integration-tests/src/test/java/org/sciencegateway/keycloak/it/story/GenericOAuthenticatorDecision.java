package org.sciencegateway.keycloak.it.story;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a stock JupyterHub with oauthenticator's {@code GenericOAuthenticator} decides after a login, computed from
 * the token response and the userinfo response exactly as oauthenticator computes it, so that a test can say
 * "the hub admits alice" without running a hub. Each step names the upstream function it mirrors
 * ({@code oauthenticator/oauth2.py} and {@code generic.py} of releases 16.3.1 and 17.4.0, and JupyterHub's
 * {@code jupyterhub/auth.py}):
 *
 * <ol>
 *   <li>{@code OAuthenticator.build_auth_state_dict}: {@code auth_state} holds {@code access_token},
 *       {@code refresh_token}, {@code id_token}, {@code scope} (split on spaces), {@code token_response} and
 *       {@code oauth_user} (= {@code user_auth_state_key}), the whole userinfo response.</li>
 *   <li>{@code OAuthenticator.user_info_to_username}: {@code user_info[username_claim]}; a missing or empty value
 *       fails the login ({@code ValueError}). {@code Authenticator.normalize_username} lowercases it.</li>
 *   <li>{@code OAuthenticator._token_to_auth_model}: {@code admin} is {@code True} for {@code admin_users}, else
 *       {@code None}.</li>
 *   <li>Groups. 17: {@code OAuthenticator.get_user_groups} walks {@code auth_state_groups_key} through
 *       <em>{@code auth_state}</em> with {@code reduce(dict.get, key.split("."), auth_state)}, so the userinfo claim
 *       {@code groups} is {@code "oauth_user.groups"} (GenericOAuthenticator's default, derived from the deprecated
 *       {@code claim_groups_key = "groups"}); a key that is absent, or that walks through a non-object, yields no
 *       group (logged). 16.3: {@code GenericOAuthenticator.get_user_groups} walks {@code claim_groups_key} through
 *       the userinfo response itself. In both, {@code set(value)} makes a string a set of its characters, an object
 *       the set of its keys, and anything else no group.</li>
 *   <li>17: {@code OAuthenticator._apply_managed_groups} (only with {@code manage_groups}): {@code groups} =
 *       sorted groups; with {@code admin_groups}, an admin not already in {@code admin_users} is
 *       {@code bool(groups & admin_groups)}. 16.3: {@code GenericOAuthenticator.update_auth_model}, the same rule,
 *       with or without {@code manage_groups}.</li>
 *   <li>JupyterHub's {@code Authenticator.get_authenticated_user}: {@code blocked_users} refuse first.</li>
 *   <li>17: {@code OAuthenticator.check_allowed}: {@code allowed_scopes} all granted, {@code allow_all},
 *       {@code admin}, {@code allowed_users}, then (only with {@code manage_groups}) {@code groups & allowed_groups};
 *       otherwise refused. 16.3: {@code GenericOAuthenticator.check_allowed}, the same order, with
 *       {@code allowed_groups} read again from the userinfo response.</li>
 * </ol>
 *
 * <p>Configuration errors are mirrored too: in 17, {@code OAuthenticator._requires_manage_groups} refuses
 * {@code allowed_groups}, {@code admin_groups} or {@code auth_state_groups_key} without {@code manage_groups}.
 * Not modelled: callables as keys, {@code modify_auth_state_hook}, {@code username_map}, the deprecated
 * {@code allowed_users}-from-existing-users rule (an empty hub has none). Group values that are JSON numbers,
 * booleans or null are dropped: Python keeps them in the set, but they can never equal a configured group name.
 */
public record GenericOAuthenticatorDecision(Outcome outcome, String username, boolean admin, List<String> groups,
                                            String reason) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public enum Outcome {
        /** The hub creates the session (and, with manage_groups, syncs the groups). */
        ADMITTED,
        /** {@code check_allowed} or {@code blocked_users} said no: the hub answers 403. */
        REFUSED,
        /** The login raised before any decision (no username): the hub answers with an error page. */
        FAILED
    }

    public enum Release {
        V16_3, V17
    }

    /**
     * The authenticator's configuration, in the names of its traits. {@code groupsKey} is
     * {@code claim_groups_key} in 16.3 (relative to the userinfo response) and {@code auth_state_groups_key} in 17
     * (relative to {@code auth_state}); {@code null} means "not configured", i.e. GenericOAuthenticator's default.
     */
    public record Configuration(Release release, String usernameClaim, boolean manageGroups, String groupsKey,
                                Set<String> allowedGroups, Set<String> adminGroups, boolean allowAll,
                                Set<String> adminUsers, Set<String> allowedUsers, Set<String> blockedUsers,
                                Set<String> allowedScopes) {

        public Configuration {
            Objects.requireNonNull(release);
            allowedGroups = Set.copyOf(allowedGroups);
            adminGroups = Set.copyOf(adminGroups);
            adminUsers = Set.copyOf(adminUsers);
            allowedUsers = Set.copyOf(allowedUsers);
            blockedUsers = Set.copyOf(blockedUsers);
            allowedScopes = Set.copyOf(allowedScopes);
            if (release == Release.V17 && !manageGroups) {
                // OAuthenticator._requires_manage_groups
                for (String trait : List.of("allowed_groups", "admin_groups", "auth_state_groups_key")) {
                    boolean set = switch (trait) {
                        case "allowed_groups" -> !allowedGroups.isEmpty();
                        case "admin_groups" -> !adminGroups.isEmpty();
                        default -> groupsKey != null && !groupsKey.isEmpty();
                    };
                    if (set) {
                        throw new IllegalArgumentException("GenericOAuthenticator." + trait
                                + " requires GenericOAuthenticator.manage_groups to also be set");
                    }
                }
            }
        }

        /**
         * The hub-admin recipe: {@code username_claim = "preferred_username"}, {@code manage_groups = True},
         * the userinfo response's {@code groups} claim, {@code allowed_groups = ["/escape/users",
         * "/escape/admins"]}, {@code admin_groups = ["/escape/admins"]}, {@code allow_all = False}.
         * In 17 the groups key is {@code auth_state_groups_key = "oauth_user.groups"}; in 16.3
         * {@code claim_groups_key = "groups"}.
         */
        public static Configuration recipe(Release release) {
            return new Configuration(release, "preferred_username", true,
                    release == Release.V17 ? "oauth_user.groups" : "groups",
                    Set.of("/escape/users", "/escape/admins"), Set.of("/escape/admins"), false,
                    Set.of(), Set.of(), Set.of(), Set.of());
        }

        public Configuration withGroupsKey(String key) {
            return new Configuration(release, usernameClaim, manageGroups, key, allowedGroups, adminGroups, allowAll,
                    adminUsers, allowedUsers, blockedUsers, allowedScopes);
        }

        public Configuration withAllowAll(boolean value) {
            return new Configuration(release, usernameClaim, manageGroups, groupsKey, allowedGroups, adminGroups,
                    value, adminUsers, allowedUsers, blockedUsers, allowedScopes);
        }

        public Configuration withUsers(Set<String> admins, Set<String> allowed, Set<String> blocked) {
            return new Configuration(release, usernameClaim, manageGroups, groupsKey, allowedGroups, adminGroups,
                    allowAll, admins, allowed, blocked, allowedScopes);
        }

        public Configuration withAllowedScopes(Set<String> scopes) {
            return new Configuration(release, usernameClaim, manageGroups, groupsKey, allowedGroups, adminGroups,
                    allowAll, adminUsers, allowedUsers, blockedUsers, scopes);
        }

        public Configuration withManageGroups(boolean value) {
            return new Configuration(release, usernameClaim, value, groupsKey, allowedGroups, adminGroups, allowAll,
                    adminUsers, allowedUsers, blockedUsers, allowedScopes);
        }

        /** The key actually walked, with GenericOAuthenticator's default when none is configured. */
        String effectiveGroupsKey() {
            if (groupsKey != null) {
                return groupsKey;
            }
            // GenericOAuthenticator: claim_groups_key defaults to "groups"; 17 derives auth_state_groups_key from it.
            return release == Release.V17 ? "oauth_user.groups" : "groups";
        }
    }

    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }

    /** {@code OAuthenticator.build_auth_state_dict} for a token endpoint response and a userinfo response. */
    public static ObjectNode authState(JsonNode tokenResponse, JsonNode userInfo) {
        ObjectNode state = MAPPER.createObjectNode();
        state.set("access_token", tokenResponse.get("access_token"));
        state.set("refresh_token", orNull(tokenResponse.get("refresh_token")));
        state.set("id_token", orNull(tokenResponse.get("id_token")));
        JsonNode scope = tokenResponse.get("scope");
        if (scope == null || scope.isNull()) {
            // token_info.get("scope", "") then "".split(" ") == [""]
            state.putArray("scope").add("");
        } else if (scope.isTextual()) {
            var list = state.putArray("scope");
            for (String s : scope.asText().split(" ", -1)) {
                list.add(s);
            }
        } else {
            state.set("scope", scope);
        }
        state.set("token_response", tokenResponse);
        state.set("oauth_user", userInfo);
        return state;
    }

    /** The hub's decision for one login; {@code authState} as built by {@link #authState}. */
    public static GenericOAuthenticatorDecision decide(Configuration config, JsonNode authState) {
        JsonNode userInfo = authState.path("oauth_user");
        // user_info_to_username
        JsonNode claim = userInfo.get(config.usernameClaim());
        if (!truthy(claim)) {
            return new GenericOAuthenticatorDecision(Outcome.FAILED, null, false, List.of(),
                    "No " + config.usernameClaim() + " found in the userinfo response");
        }
        // Authenticator.normalize_username
        String username = claim.asText().toLowerCase(Locale.ROOT);
        // _token_to_auth_model: True if in admin_users, else None
        Boolean admin = config.adminUsers().contains(username) ? Boolean.TRUE : null;

        boolean groupsConsulted = config.release() == Release.V17 ? config.manageGroups()
                : config.manageGroups() || !config.adminGroups().isEmpty();
        Set<String> userGroups = groupsConsulted ? userGroups(config, authState) : Set.of();
        List<String> groups = config.manageGroups() ? List.copyOf(new TreeSet<>(userGroups)) : List.of();
        // _apply_managed_groups (17) / update_auth_model (16.3)
        if (groupsConsulted && !config.adminGroups().isEmpty() && !Boolean.TRUE.equals(admin)) {
            admin = userGroups.stream().anyMatch(config.adminGroups()::contains);
        }
        boolean isAdmin = Boolean.TRUE.equals(admin);

        // Authenticator.get_authenticated_user: blocked users first
        if (config.blockedUsers().contains(username)) {
            return new GenericOAuthenticatorDecision(Outcome.REFUSED, username, isAdmin, groups, "in blocked_users");
        }
        // check_allowed
        if (!config.allowedScopes().isEmpty()) {
            Set<String> granted = new TreeSet<>();
            authState.path("scope").forEach(s -> granted.add(s.asText()));
            if (granted.containsAll(config.allowedScopes())) {
                return new GenericOAuthenticatorDecision(Outcome.ADMITTED, username, isAdmin, groups,
                        "granted all of allowed_scopes");
            }
        }
        if (config.allowAll()) {
            return new GenericOAuthenticatorDecision(Outcome.ADMITTED, username, isAdmin, groups, "allow_all");
        }
        if (isAdmin) {
            return new GenericOAuthenticatorDecision(Outcome.ADMITTED, username, true, groups,
                    config.adminUsers().contains(username) ? "in admin_users" : "member of admin_groups");
        }
        if (config.allowedUsers().contains(username)) {
            return new GenericOAuthenticatorDecision(Outcome.ADMITTED, username, false, groups, "in allowed_users");
        }
        if (!config.allowedGroups().isEmpty()) {
            Set<String> candidates = switch (config.release()) {
                // 17: only with manage_groups, and only the groups stored in the auth model
                case V17 -> config.manageGroups() ? new TreeSet<>(groups) : Set.of();
                // 16.3: read again from the userinfo response
                case V16_3 -> userGroups(config, authState);
            };
            if (candidates.stream().anyMatch(config.allowedGroups()::contains)) {
                return new GenericOAuthenticatorDecision(Outcome.ADMITTED, username, false, groups,
                        "member of allowed_groups");
            }
        }
        return new GenericOAuthenticatorDecision(Outcome.REFUSED, username, false, groups,
                "not allowed: no allowed_groups membership (groups " + groups + ")");
    }

    /** {@code get_user_groups}: the dotted key walked like {@code reduce(dict.get, key.split("."), root)}. */
    static Set<String> userGroups(Configuration config, JsonNode authState) {
        JsonNode node = config.release() == Release.V17 ? authState : authState.path("oauth_user");
        for (String part : config.effectiveGroupsKey().split("\\.", -1)) {
            if (node == null || !node.isObject()) {
                // dict.get on None or a non-dict raises TypeError: caught, logged, no groups
                return Set.of();
            }
            node = node.get(part);
        }
        if (node == null || node.isNull()) {
            return Set.of();
        }
        Set<String> groups = new TreeSet<>();
        if (node.isTextual()) {
            // set("abc") == {"a", "b", "c"}
            node.asText().codePoints().forEach(c -> groups.add(new String(Character.toChars(c))));
        } else if (node.isObject()) {
            node.fieldNames().forEachRemaining(groups::add);
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (element.isContainerNode()) {
                    // an unhashable element: set() raises TypeError, caught in 17 and 16.3 alike
                    return Set.of();
                }
                if (element.isTextual()) {
                    groups.add(element.asText());
                }
            }
        }
        return groups;
    }

    private static boolean truthy(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return false;
        }
        if (value.isTextual()) {
            return !value.asText().isEmpty();
        }
        if (value.isNumber()) {
            return value.asDouble() != 0;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        Iterator<JsonNode> elements = value.elements();
        return elements.hasNext();
    }

    private static JsonNode orNull(JsonNode node) {
        return node == null ? MAPPER.nullNode() : node;
    }

    /** One line for the test report. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(outcome.name().toLowerCase(Locale.ROOT));
        if (admin) {
            parts.add("admin");
        }
        parts.add("groups " + groups);
        parts.add(reason);
        return String.join(", ", parts);
    }
}
