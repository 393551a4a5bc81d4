package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A group's position in the realm's group tree, as the list of names from the top-level group down.
 * Kept as names rather than a string so that a name containing a slash never splits into two levels.
 */
public final class GroupPath implements Comparable<GroupPath> {

    static final char SEPARATOR = '/';
    /** Keycloak's escape for a slash inside a group name, used when the server escapes slashes in paths. */
    static final String ESCAPED_SEPARATOR = "~/";

    private final List<String> names;
    /** Paths are hashed many times per token (deduplication, lookups); computed once. */
    private final int hash;

    private GroupPath(List<String> names) {
        this.names = names;
        this.hash = names.hashCode();
    }

    public static GroupPath of(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("A group path has at least one group name");
        }
        for (String name : names) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("A group path has no empty group names");
            }
        }
        return new GroupPath(List.copyOf(names));
    }

    public static GroupPath of(String... names) {
        return of(List.of(names));
    }

    /**
     * Parses a path as an administrator writes it ({@code /vo/sub}). With escaped slashes, {@code ~/} inside a
     * segment is a literal slash in the group's name, as in Keycloak's own path syntax.
     *
     * @throws IllegalArgumentException when the text is not an absolute path of non-empty names
     */
    public static GroupPath parse(String path, boolean escapedSlashes) {
        if (path == null || path.length() < 2 || path.charAt(0) != SEPARATOR) {
            throw new IllegalArgumentException("\"" + path + "\" is not a group path: it must start with \"/\", e.g. /vo/sub");
        }
        List<String> names = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 1; i < path.length(); i++) {
            char c = path.charAt(i);
            if (escapedSlashes && c == '~' && i + 1 < path.length() && path.charAt(i + 1) == SEPARATOR) {
                current.append(SEPARATOR);
                i++;
            } else if (c == SEPARATOR) {
                names.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        names.add(current.toString());
        if (names.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("\"" + path + "\" is not a group path: it has an empty group name");
        }
        return new GroupPath(List.copyOf(names));
    }

    /** The path of a subgroup of this group. */
    public GroupPath child(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A group path has no empty group names");
        }
        String[] childNames = names.toArray(new String[names.size() + 1]);
        childNames[names.size()] = name;
        return new GroupPath(List.of(childNames));
    }

    public List<String> names() {
        return names;
    }

    /** The group's own name (the last path element). */
    public String name() {
        return names.get(names.size() - 1);
    }

    public int depth() {
        return names.size();
    }

    public Optional<GroupPath> parent() {
        return names.size() == 1 ? Optional.empty() : Optional.of(new GroupPath(names.subList(0, names.size() - 1)));
    }

    /** Every proper ancestor, from the top-level group down. */
    public List<GroupPath> ancestors() {
        List<GroupPath> result = new ArrayList<>(names.size() - 1);
        for (int size = 1; size < names.size(); size++) {
            result.add(new GroupPath(names.subList(0, size)));
        }
        return result;
    }

    /** True for the root itself and for every group below it. */
    public boolean isWithin(GroupPath root) {
        if (names.size() < root.names.size()) {
            return false;
        }
        for (int i = root.names.size() - 1; i >= 0; i--) {
            if (!names.get(i).equals(root.names.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the group named {@code name} directly below {@code parent} ({@code null}: a top-level group) is
     * {@code root} or lies below it, decided without building the group's path.
     */
    public static boolean childIsWithin(GroupPath parent, String name, GroupPath root) {
        int depth = parent == null ? 0 : parent.names.size();
        if (depth >= root.names.size()) {
            return parent.isWithin(root);
        }
        if (depth + 1 < root.names.size()) {
            return false;
        }
        for (int i = 0; i < depth; i++) {
            if (!parent.names.get(i).equals(root.names.get(i))) {
                return false;
            }
        }
        return root.names.get(depth).equals(name);
    }

    /** The names below {@code root}; empty for the root itself. */
    public List<String> namesBelow(GroupPath root) {
        if (!isWithin(root)) {
            throw new IllegalArgumentException(this + " is not within " + root);
        }
        return Collections.unmodifiableList(names.subList(root.names.size(), names.size()));
    }

    /** The path as Keycloak prints it: {@code /vo/sub}, with {@code ~/} for slashes in names when asked. */
    public String toPathString(boolean escapeSlashes) {
        return join(names, escapeSlashes, true);
    }

    static String join(List<String> names, boolean escapeSlashes, boolean leadingSeparator) {
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            if (leadingSeparator || sb.length() > 0) {
                sb.append(SEPARATOR);
            }
            sb.append(escapeSlashes ? name.replace("/", ESCAPED_SEPARATOR) : name);
        }
        return sb.toString();
    }

    @Override
    public int compareTo(GroupPath other) {
        int common = Math.min(names.size(), other.names.size());
        for (int i = 0; i < common; i++) {
            int c = names.get(i).compareTo(other.names.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(names.size(), other.names.size());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupPath other && hash == other.hash && names.equals(other.names);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return toPathString(true);
    }
}
