package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.models.GroupModel;

/** The cost side of the adapter: each ancestor is fetched once per token, however many memberships share it. */
class GroupPathsTest {

    private static GroupModel group(String id, String name, GroupModel parent) {
        String parentId = parent == null ? null : parent.getId();
        GroupModel group = mock(GroupModel.class);
        when(group.getId()).thenReturn(id);
        when(group.getName()).thenReturn(name);
        when(group.getParentId()).thenReturn(parentId);
        when(group.getParent()).thenReturn(parent);
        return group;
    }

    private static final GroupSelection EVERY_GROUP = new GroupSelection(List.of(), List.of(), List.of(), false, false);

    @Test
    @DisplayName("Given 1,000 sibling memberships, then their shared parent is fetched once and each path is right")
    void parentsMemoised() {
        GroupModel vo = group("vo", "vo", null);
        GroupModel sub = group("sub", "sub", vo);
        List<GroupModel> leaves = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            leaves.add(group("leaf" + i, "g" + i, sub));
        }
        GroupPaths paths = new GroupPaths("user", leaves);

        List<GroupPath> candidates = paths.candidates(EVERY_GROUP);

        assertThat(candidates).hasSize(1000).allSatisfy(p -> assertThat(p.names()).startsWith("vo", "sub"));
        assertThat(candidates.get(999)).isEqualTo(GroupPath.of("vo", "sub", "g999"));
        verify(sub, times(1)).getParent();
        verify(vo, times(0)).getParent();
        // Found again by parent ID: the realm cache is asked for the parent only once, not once per membership.
        verify(leaves.get(0), times(1)).getParent();
        verify(leaves.get(999), times(0)).getParent();
        assertThat(paths.groupAt(GroupPath.of("vo", "sub"))).isSameAs(sub);
        assertThat(paths.groupAt(GroupPath.of("vo"))).isSameAs(vo);
        assertThat(paths.groupAt(GroupPath.of("vo", "sub", "g7"))).isSameAs(leaves.get(7));
        assertThat(paths.candidates(EVERY_GROUP)).as("computed once per selection").isSameAs(candidates);
    }

    @Test
    @DisplayName("Given a subtree root, then memberships outside it get no path, and another mapper's selection still sees them")
    void subtreeDropsOthersEarly() {
        GroupModel escape = group("escape", "escape", null);
        GroupModel users = group("users", "users", escape);
        GroupModel bench = group("bench", "bench", null);
        List<GroupModel> memberships = new ArrayList<>(List.of(users, escape));
        for (int i = 0; i < 100; i++) {
            memberships.add(group("b" + i, "g" + i, bench));
        }
        GroupPaths paths = new GroupPaths("user", memberships);
        GroupSelection subtree = new GroupSelection(List.of(GroupPath.of("escape")), List.of(), List.of(), false, false);

        assertThat(paths.candidates(subtree)).containsExactly(GroupPath.of("escape", "users"), GroupPath.of("escape"));
        assertThat(paths.groupAt(GroupPath.of("bench", "g5"))).isNull();
        assertThat(paths.candidates(EVERY_GROUP)).hasSize(102).contains(GroupPath.of("bench", "g5"));
    }

    @Test
    @DisplayName("Given the ID token and the access token of one request, then a policy's values are computed once")
    void valuesComputedOncePerRequest() throws Exception {
        GroupPaths paths = new GroupPaths("user", List.of());
        GroupClaimPolicy policy = GroupMapperConfig.parse(java.util.Map.of("claim.name", "groups"), false);
        java.util.concurrent.atomic.AtomicInteger computed = new java.util.concurrent.atomic.AtomicInteger();

        List<String> first = paths.claimValues(policy, () -> List.of("/escape/users#" + computed.incrementAndGet()));
        List<String> second = paths.claimValues(policy, () -> List.of("/escape/users#" + computed.incrementAndGet()));

        assertThat(second).isEqualTo(first).containsExactly("/escape/users#1");
        assertThat(computed).hasValue(1);
    }

    @Test
    @DisplayName("Given a top-level group, then its path is its name and no parent is fetched")
    void topLevel() {
        GroupModel top = group("top", "escape", null);

        assertThat(new GroupPaths("user", List.of(top)).candidates(EVERY_GROUP))
                .containsExactly(GroupPath.of("escape"));
        verify(top, times(0)).getParent();
    }

    @Test
    @DisplayName("Given groups that are each other's ancestors, then resolving fails instead of looping")
    void cycle() {
        GroupModel a = mock(GroupModel.class);
        GroupModel b = mock(GroupModel.class);
        when(a.getId()).thenReturn("a");
        when(a.getName()).thenReturn("a");
        when(a.getParentId()).thenReturn("b");
        when(a.getParent()).thenReturn(b);
        when(b.getId()).thenReturn("b");
        when(b.getName()).thenReturn("b");
        when(b.getParentId()).thenReturn("a");
        when(b.getParent()).thenReturn(a);

        assertThatThrownBy(() -> new GroupPaths("user", List.of(a)).candidates(EVERY_GROUP))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("own ancestor");
    }
}
