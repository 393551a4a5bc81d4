package org.sciencegateway.keycloak.groupmapper;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
        Set<GroupPath> candidates = new HashSet<>(memberships);
        if (includeParents) {
            for (GroupPath membership : memberships) {
                candidates.addAll(membership.ancestors());
            }
        }
        return candidates.stream().filter(this::accepts).sorted().toList();
    }

    public boolean accepts(GroupPath group) {
        if (!subtreeRoots.isEmpty() && subtreeRoots.stream().noneMatch(group::isWithin)) {
            return false;
        }
        String path = group.toPathString(escapeSlashes);
        if (!includePatterns.isEmpty() && includePatterns.stream().noneMatch(p -> p.matcher(path).matches())) {
            return false;
        }
        return excludePatterns.stream().noneMatch(p -> p.matcher(path).matches());
    }

    /** The deepest subtree root containing the group: the reference for relative paths. */
    public Optional<GroupPath> rootOf(GroupPath group) {
        return subtreeRoots.stream().filter(group::isWithin).max((a, b) -> Integer.compare(a.depth(), b.depth()));
    }
}
