package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
        // Filter before sorting: with a subtree, most of a large membership list drops out here.
        List<GroupPath> selected = new ArrayList<>();
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
        selected.sort(null);
        int kept = 0;
        for (GroupPath path : selected) {
            if (kept == 0 || !path.equals(selected.get(kept - 1))) {
                selected.set(kept++, path);
            }
        }
        return new ArrayList<>(selected.subList(0, kept));
    }

    /**
     * False when the group named {@code name} directly below {@code parent} ({@code null}: a top-level group) lies
     * outside every subtree root: then neither it nor any of its ancestors can be selected, and its path need not
     * even be built. Patterns are left to {@link #select}.
     */
    public boolean mayHold(GroupPath parent, String name) {
        if (subtreeRoots.isEmpty()) {
            return true;
        }
        for (GroupPath root : subtreeRoots) {
            if (GroupPath.childIsWithin(parent, name, root)) {
                return true;
            }
        }
        return false;
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
