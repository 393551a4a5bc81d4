package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

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

    @Test
    @DisplayName("Given 1,000 sibling memberships, then their shared parent is fetched once and each path is right")
    void parentsMemoised() {
        GroupModel vo = group("vo", "vo", null);
        GroupModel sub = group("sub", "sub", vo);
        GroupModel[] leaves = new GroupModel[1000];
        for (int i = 0; i < leaves.length; i++) {
            leaves[i] = group("leaf" + i, "g" + i, sub);
        }
        GroupClaimMapper.GroupPaths paths = new GroupClaimMapper.GroupPaths("user");

        for (GroupModel leaf : leaves) {
            paths.addMembership(leaf);
        }

        assertThat(paths.memberships()).hasSize(1000).allSatisfy(p -> assertThat(p.names()).startsWith("vo", "sub"));
        assertThat(paths.memberships().get(999)).isEqualTo(GroupPath.of("vo", "sub", "g999"));

        verify(sub, times(1)).getParent();
        verify(vo, times(0)).getParent();
        assertThat(paths.groupAt(GroupPath.of("vo", "sub"))).isSameAs(sub);
        assertThat(paths.groupAt(GroupPath.of("vo"))).isSameAs(vo);
    }

    @Test
    @DisplayName("Given a top-level group, then its path is its name and no parent is fetched")
    void topLevel() {
        GroupModel top = group("top", "escape", null);

        assertThat(new GroupClaimMapper.GroupPaths("user").pathOf(top)).isEqualTo(GroupPath.of("escape"));
        verify(top, times(0)).getParent();
    }
}
