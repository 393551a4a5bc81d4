package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GroupPathTest {

    @Test
    @DisplayName("Given /escape/users, then it parses into two names and prints back unchanged")
    void parsesAndPrints() {
        GroupPath path = GroupPath.parse("/escape/users", false);

        assertThat(path.names()).containsExactly("escape", "users");
        assertThat(path.name()).isEqualTo("users");
        assertThat(path.depth()).isEqualTo(2);
        assertThat(path.toPathString(false)).isEqualTo("/escape/users");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "escape/users", "/escape//users", "/escape/", "//"})
    @DisplayName("Given text that is not an absolute path of non-empty names, then parsing refuses it")
    void refusesMalformedPaths(String text) {
        assertThatThrownBy(() -> GroupPath.parse(text, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a group path");
    }

    @Test
    @DisplayName("Given a null path, then parsing refuses it")
    void refusesNull() {
        assertThatThrownBy(() -> GroupPath.parse(null, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Given escaped slashes, then ~/ is a slash inside one name, both when parsing and printing")
    void escapedSlashes() {
        GroupPath path = GroupPath.parse("/vo/a~/b", true);

        assertThat(path.names()).containsExactly("vo", "a/b");
        assertThat(path.toPathString(true)).isEqualTo("/vo/a~/b");
        assertThat(GroupPath.parse("/vo/a~/b", false).names()).containsExactly("vo", "a~", "b");
    }

    @Test
    @DisplayName("Given a group whose name contains a slash, then it never counts as within a same-looking deeper path")
    void slashInNameIsNotALevel() {
        GroupPath slashed = GroupPath.of("vo", "a/b");
        GroupPath nested = GroupPath.of("vo", "a", "b");

        assertThat(slashed).isNotEqualTo(nested);
        assertThat(nested.isWithin(GroupPath.of("vo", "a"))).isTrue();
        assertThat(slashed.isWithin(GroupPath.of("vo", "a"))).isFalse();
    }

    @Test
    @DisplayName("Given a deep group, then ancestors come from the top down and parent is the nearest")
    void ancestors() {
        GroupPath path = GroupPath.of("a", "b", "c");

        assertThat(path.ancestors()).containsExactly(GroupPath.of("a"), GroupPath.of("a", "b"));
        assertThat(path.parent()).contains(GroupPath.of("a", "b"));
        assertThat(GroupPath.of("a").parent()).isEmpty();
        assertThat(GroupPath.of("a").ancestors()).isEmpty();
    }

    @Test
    @DisplayName("Given a subtree root, then the root and its descendants are within it, a name-prefix sibling is not")
    void within() {
        GroupPath root = GroupPath.of("escape");

        assertThat(GroupPath.of("escape").isWithin(root)).isTrue();
        assertThat(GroupPath.of("escape", "users").isWithin(root)).isTrue();
        assertThat(GroupPath.of("escape-other", "users").isWithin(root)).isFalse();
        assertThat(GroupPath.of("other", "escape").isWithin(root)).isFalse();
        assertThat(root.isWithin(GroupPath.of("escape", "users"))).isFalse();
    }

    @Test
    @DisplayName("Given a group below a root, then namesBelow lists the remainder, empty for the root itself")
    void namesBelow() {
        GroupPath root = GroupPath.of("escape");

        assertThat(GroupPath.of("escape", "users", "x").namesBelow(root)).containsExactly("users", "x");
        assertThat(root.namesBelow(root)).isEmpty();
        assertThatThrownBy(() -> GroupPath.of("other").namesBelow(root)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Given paths in any order, then sorting is by names level by level, a parent before its children")
    void ordering() {
        List<GroupPath> paths = new ArrayList<>(List.of(GroupPath.of("b"), GroupPath.of("a", "z"), GroupPath.of("a"),
                GroupPath.of("a", "b", "c"), GroupPath.of("a", "b")));
        Collections.sort(paths);

        assertThat(paths).containsExactly(GroupPath.of("a"), GroupPath.of("a", "b"), GroupPath.of("a", "b", "c"),
                GroupPath.of("a", "z"), GroupPath.of("b"));
    }

    @Test
    @DisplayName("Given empty names, then a path cannot be built from them")
    void refusesEmptyNames() {
        assertThatThrownBy(() -> GroupPath.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GroupPath.of("a", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GroupPath.of("a").child("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Given a group, then child appends one level")
    void child() {
        assertThat(GroupPath.of("escape").child("users")).isEqualTo(GroupPath.of("escape", "users"));
    }
}
