package org.sciencegateway.keycloak.it;

import java.util.LinkedHashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The authorization JupyterHub's stock GenericOAuthenticator (oauthenticator 17, {@code manage_groups = True})
 * derives from a login: the user's groups are read from {@code auth_state} with {@code auth_state_groups_key}
 * (a dotted key walks nested objects, so {@code oauth_user.groups} is the userinfo response's {@code groups}); the
 * user is an admin if those groups meet {@code admin_groups}, and admitted if an admin or if they meet
 * {@code allowed_groups}. A missing key means no groups; a value that is not a list admits no one.
 */
record HubGroupDecision(Set<String> groups, boolean admitted, boolean admin) {

    static HubGroupDecision decide(JsonNode authState, String groupsKey, Set<String> allowedGroups,
                                   Set<String> adminGroups) {
        JsonNode node = authState;
        for (String part : groupsKey.split("\\.")) {
            node = node == null ? null : node.get(part);
        }
        Set<String> groups = new LinkedHashSet<>();
        if (node != null && node.isArray()) {
            node.forEach(g -> groups.add(g.asText()));
        }
        boolean admin = groups.stream().anyMatch(adminGroups::contains);
        boolean admitted = admin || groups.stream().anyMatch(allowedGroups::contains);
        return new HubGroupDecision(groups, admitted, admin);
    }
}
