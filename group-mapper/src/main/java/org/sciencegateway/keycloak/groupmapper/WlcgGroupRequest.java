package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The groups a client asked for with WLCG scopes ({@code wlcg.groups:/vo/group}), in the order asked. A request
 * only reorders and unlocks groups the user already has and the selection already admits; it never adds one.
 */
public final class WlcgGroupRequest {

    public static final String SCOPE_PREFIX = "wlcg.groups:";

    private WlcgGroupRequest() {
    }

    /** Reads the granted scope string; malformed group paths are ignored (they can match no group). */
    public static List<GroupPath> requestedGroups(String scope, boolean escapedSlashes) {
        if (scope == null || scope.isBlank()) {
            return List.of();
        }
        Set<GroupPath> requested = new LinkedHashSet<>();
        for (String value : scope.trim().split("\\s+")) {
            if (value.startsWith(SCOPE_PREFIX)) {
                try {
                    requested.add(GroupPath.parse(value.substring(SCOPE_PREFIX.length()), escapedSlashes));
                } catch (IllegalArgumentException malformed) {
                    // Not a group path: asks for nothing.
                }
            }
        }
        return new ArrayList<>(requested);
    }
}
