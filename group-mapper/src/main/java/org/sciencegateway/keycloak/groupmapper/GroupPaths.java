package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.keycloak.models.GroupModel;

/**
 * Paths of the user's groups. Each ancestor is resolved once per token ({@code getParent()} is served from
 * Keycloak's realm cache) and found again by the parent ID every membership carries; a membership outside every
 * subtree root of a mapper is dropped on its parent's path alone, without building its own.
 */
final class GroupPaths {
    private final String userId;
    private final List<GroupModel> groups;
    private final Map<String, GroupPath> pathById = new HashMap<>();
    private final Map<GroupPath, GroupModel> groupByPath = new HashMap<>();
    private final Set<String> resolving = new HashSet<>();
    private final Map<GroupSelection, List<GroupPath>> candidates = new HashMap<>();
    private final Map<GroupClaimPolicy, List<String>> values = new HashMap<>();

    GroupPaths(String userId, List<GroupModel> groups) {
        this.userId = userId;
        this.groups = groups;
    }

    String userId() {
        return userId;
    }

    /**
     * A policy's claim values for this request, computed on first use. The request's granted scope and the
     * client's roles, their only other inputs, are the same for each of its tokens.
     */
    List<String> claimValues(GroupClaimPolicy policy, Supplier<List<String>> compute) {
        return values.computeIfAbsent(policy, p -> compute.get());
    }

    /** The paths of the memberships that {@code selection} may select (every membership without subtree roots). */
    List<GroupPath> candidates(GroupSelection selection) {
        return candidates.computeIfAbsent(selection, this::resolve);
    }

    private List<GroupPath> resolve(GroupSelection selection) {
        List<GroupPath> result = new ArrayList<>();
        for (GroupModel group : groups) {
            String parentId = group.getParentId();
            GroupPath parent = null;
            if (parentId != null) {
                parent = pathById.get(parentId);
                if (parent == null) {
                    parent = pathOf(group.getParent());
                }
            }
            if (selection.mayHold(parent, group.getName())) {
                GroupPath path = parent == null ? GroupPath.of(group.getName()) : parent.child(group.getName());
                groupByPath.putIfAbsent(path, group);
                result.add(path);
            }
        }
        return result;
    }

    GroupPath pathOf(GroupModel group) {
        GroupPath known = pathById.get(group.getId());
        if (known != null) {
            return known;
        }
        if (!resolving.add(group.getId())) {
            throw new IllegalStateException("Group " + group.getId() + " is its own ancestor");
        }
        GroupModel parent = group.getParentId() == null ? null : group.getParent();
        GroupPath path = parent == null ? GroupPath.of(group.getName()) : pathOf(parent).child(group.getName());
        resolving.remove(group.getId());
        pathById.put(group.getId(), path);
        groupByPath.put(path, group);
        return path;
    }

    GroupModel groupAt(GroupPath path) {
        return groupByPath.get(path);
    }
}
