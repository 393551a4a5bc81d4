package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GroupSelectionTest {

    private static final GroupPath ESCAPE = GroupPath.of("escape");
    private static final GroupPath USERS = GroupPath.of("escape", "users");
    private static final GroupPath ADMINS = GroupPath.of("escape", "admins");
    private static final GroupPath DATA = GroupPath.of("escape", "data-managers");
    private static final GroupPath OTHER = GroupPath.of("other-project", "users");

    private static GroupSelection selection(List<GroupPath> roots, List<String> include, List<String> exclude,
                                            boolean parents) {
        return new GroupSelection(roots, include.stream().map(Pattern::compile).toList(),
                exclude.stream().map(Pattern::compile).toList(), parents, false);
    }

    @Test
    @DisplayName("Given no filter at all, then every membership is selected, sorted by path")
    void noFilter() {
        assertThat(selection(List.of(), List.of(), List.of(), false).select(List.of(OTHER, USERS, ADMINS)))
                .containsExactly(ADMINS, USERS, OTHER);
    }

    @Test
    @DisplayName("Given subtree /escape, then /other-project groups are never selected")
    void subtreeExcludesOtherProjects() {
        assertThat(selection(List.of(ESCAPE), List.of(), List.of(), false).select(List.of(OTHER, USERS)))
                .containsExactly(USERS);
    }

    @Test
    @DisplayName("Given subtree /escape, then a top-level group whose name merely starts with escape is not inside")
    void subtreeIsNotANamePrefix() {
        GroupPath lookalike = GroupPath.of("escape-evil", "users");

        assertThat(selection(List.of(ESCAPE), List.of(), List.of(), false).select(List.of(lookalike))).isEmpty();
    }

    @Test
    @DisplayName("Given two subtree roots, then groups of both are selected")
    void severalRoots() {
        assertThat(selection(List.of(ESCAPE, GroupPath.of("other-project")), List.of(), List.of(), false)
                .select(List.of(OTHER, USERS))).containsExactly(USERS, OTHER);
    }

    @Test
    @DisplayName("Given include patterns, then only groups whose whole path matches one are selected")
    void includePatterns() {
        GroupSelection selection = selection(List.of(), List.of("/escape/(users|admins)"), List.of(), false);

        assertThat(selection.select(List.of(USERS, ADMINS, DATA, GroupPath.of("escape", "users", "x"))))
                .containsExactly(ADMINS, USERS);
    }

    @Test
    @DisplayName("Given an include pattern that matches only part of a path, then the group is not selected")
    void includeMatchesWholePath() {
        assertThat(selection(List.of(), List.of("users"), List.of(), false).select(List.of(USERS))).isEmpty();
    }

    @Test
    @DisplayName("Given an exclude pattern, then matching groups are dropped even inside the subtree")
    void excludePatterns() {
        assertThat(selection(List.of(ESCAPE), List.of(), List.of(".*/data-.*"), false).select(List.of(USERS, DATA)))
                .containsExactly(USERS);
    }

    @Test
    @DisplayName("Given a group both included and excluded, then exclusion wins")
    void excludeWins() {
        assertThat(selection(List.of(), List.of("/escape/.*"), List.of("/escape/admins"), false)
                .select(List.of(USERS, ADMINS))).containsExactly(USERS);
    }

    @Test
    @DisplayName("Given parent groups off, then a child membership does not imply its parent")
    void parentsOff() {
        assertThat(selection(List.of(), List.of(), List.of(), false).select(List.of(USERS))).containsExactly(USERS);
    }

    @Test
    @DisplayName("Given parent groups on, then ancestors are added and pass the same subtree filter")
    void parentsOn() {
        GroupPath deep = GroupPath.of("vo", "escape", "users", "x");
        GroupSelection selection = selection(List.of(GroupPath.of("vo", "escape")), List.of(), List.of(), true);

        assertThat(selection.select(List.of(deep))).containsExactly(GroupPath.of("vo", "escape"),
                GroupPath.of("vo", "escape", "users"), deep);
    }

    @Test
    @DisplayName("Given parent groups on and an excluded parent, then the parent stays out")
    void parentsFiltered() {
        assertThat(selection(List.of(), List.of(), List.of("/escape"), true).select(List.of(USERS)))
                .containsExactly(USERS);
    }

    @Test
    @DisplayName("Given duplicate memberships in any order, then each group appears once in the same order")
    void deduplicatedStableOrder() {
        GroupSelection selection = selection(List.of(ESCAPE), List.of(), List.of(), true);
        List<GroupPath> memberships = new ArrayList<>(List.of(USERS, ADMINS, DATA, USERS));
        List<GroupPath> first = selection.select(memberships);
        Collections.reverse(memberships);

        assertThat(selection.select(memberships)).isEqualTo(first).containsExactly(ESCAPE, ADMINS, DATA, USERS);
    }

    @Test
    @DisplayName("Given nested roots, then a group's reference root is the deepest one containing it")
    void rootOfDeepest() {
        GroupSelection selection = selection(List.of(ESCAPE, USERS), List.of(), List.of(), false);

        assertThat(selection.rootOf(GroupPath.of("escape", "users", "x"))).contains(USERS);
        assertThat(selection.rootOf(ADMINS)).contains(ESCAPE);
        assertThat(selection.rootOf(OTHER)).isEmpty();
    }

    @Test
    @DisplayName("Given escaped slashes, then patterns see ~/ for a slash inside a name")
    void patternsSeeEscapedPath() {
        GroupSelection selection = new GroupSelection(List.of(), List.of(Pattern.compile("/vo/a~/b")), List.of(),
                false, true);

        assertThat(selection.select(List.of(GroupPath.of("vo", "a/b"), GroupPath.of("vo", "a", "b"))))
                .containsExactly(GroupPath.of("vo", "a/b"));
    }

    @Test
    @DisplayName("Given subtree roots, then a group is judged from its parent's path and its name exactly as from its own path")
    void mayHoldAgreesWithTheFullPath() {
        GroupSelection selection = selection(List.of(GroupPath.of("vo", "escape"), GroupPath.of("lab")), List.of(),
                List.of(), false);
        List<GroupPath> groups = List.of(GroupPath.of("vo"), GroupPath.of("vo", "escape"), GroupPath.of("vo", "escapes"),
                GroupPath.of("vo", "escape", "users"), GroupPath.of("vo", "other", "escape"), GroupPath.of("lab"),
                GroupPath.of("lab", "x", "y"), GroupPath.of("labs"), GroupPath.of("escape"));
        for (GroupPath group : groups) {
            GroupPath parent = group.parent().orElse(null);
            assertThat(selection.mayHold(parent, group.name())).as("%s", group).isEqualTo(selection.accepts(group));
        }
        assertThat(selection(List.of(), List.of(), List.of(), false).mayHold(null, "anything")).isTrue();
    }
}
