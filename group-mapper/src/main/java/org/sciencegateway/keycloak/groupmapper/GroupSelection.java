package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which of a user's groups reach the claim: groups inside one of the subtree roots (all groups when no root is
 * set), matching an include pattern when any is set, matching no exclude pattern. Patterns match the whole
 * full path ({@code /vo/sub}). With parent groups on, the ancestors of each membership are candidates too and
 * pass the same filters; a child never implies its parent otherwise.
 */
public final class GroupSelection {

    private final List<GroupPath> subtreeRoots;
    private final List<Pattern> includePatterns;
    private final List<Pattern> excludePatterns;
    private final boolean includeParents;
    private final boolean escapeSlashes;

    public GroupSelection(List<GroupPath> subtreeRoots, List<Pattern> includePatterns, List<Pattern> excludePatterns,
                          boolean includeParents, boolean escapeSlashes) {
        this.subtreeRoots = List.copyOf(subtreeRoots);
        this.includePatterns = List.copyOf(includePatterns);
        this.excludePatterns = List.copyOf(excludePatterns);
        this.includeParents = includeParents;
        this.escapeSlashes = escapeSlashes;
    }

    public List<GroupPath> subtreeRoots() {
        return subtreeRoots;
    }

    /** The selected groups, each once, ordered by path (stable whatever order the memberships come in). */
    public List<GroupPath> select(Collection<GroupPath> memberships) {
        // Filter before deduplicating and sorting: with a subtree, most of a large membership list drops out here.
        Set<GroupPath> selected = new TreeSet<>();
        for (GroupPath membership : memberships) {
            if (accepts(membership)) {
                selected.add(membership);
            }
            if (includeParents) {
                for (GroupPath ancestor : membership.ancestors()) {
                    if (accepts(ancestor)) {
                        selected.add(ancestor);
                    }
                }
            }
        }
        return new ArrayList<>(selected);
    }

    public boolean accepts(GroupPath group) {
        if (!subtreeRoots.isEmpty() && !withinARoot(group)) {
            return false;
        }
        if (includePatterns.isEmpty() && excludePatterns.isEmpty()) {
            return true;
        }
        String path = group.toPathString(escapeSlashes);
        if (!includePatterns.isEmpty() && includePatterns.stream().noneMatch(p -> p.matcher(path).matches())) {
            return false;
        }
        return excludePatterns.stream().noneMatch(p -> p.matcher(path).matches());
    }

    private boolean withinARoot(GroupPath group) {
        for (GroupPath root : subtreeRoots) {
            if (group.isWithin(root)) {
                return true;
            }
        }
        return false;
    }

    /** The deepest subtree root containing the group: the reference for relative paths. */
    public Optional<GroupPath> rootOf(GroupPath group) {
        return subtreeRoots.stream().filter(group::isWithin).max((a, b) -> Integer.compare(a.depth(), b.depth()));
    }
}
