package org.sciencegateway.keycloak.hubtenants;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.keycloak.models.ProtocolMapperModel;

class GroupsSubtreeTest {

    @Test
    void aRootWithinTheTemplatesIsWithin() {
        assertThat(GroupsSubtree.outside(List.of("/escape"), List.of("/escape"))).isEmpty();
        assertThat(GroupsSubtree.outside(List.of("/escape/atlas", "/escape/users/x"), List.of("/escape"))).isEmpty();
        assertThat(GroupsSubtree.outside(List.of("/b/c"), List.of("/a", "/b"))).isEmpty();
    }

    @Test
    void aSiblingWithTheSamePrefixIsOutside() {
        assertThat(GroupsSubtree.outside(List.of("/escape-lookalike"), List.of("/escape"))).contains("/escape-lookalike");
        assertThat(GroupsSubtree.outside(List.of("/escape/users", "/other"), List.of("/escape"))).contains("/other");
    }

    @Test
    void theWholeRealmIsOutsideAnyNarrowerTemplate() {
        assertThat(GroupsSubtree.outside(List.of(), List.of("/escape"))).contains("(the whole realm)");
        assertThat(GroupsSubtree.outside(List.of(), List.of())).isEmpty();
        assertThat(GroupsSubtree.outside(List.of("/anything"), List.of())).isEmpty();
    }

    @Test
    void rootsAreReadInBothStoredForms() {
        ProtocolMapperModel mapper = new ProtocolMapperModel();
        mapper.setConfig(Map.of(Hub.GROUP_SUBTREE_ROOTS, "/escape/a##/escape/b, /escape/c"));
        assertThat(GroupsSubtree.roots(mapper)).containsExactly("/escape/a", "/escape/b", "/escape/c");
        mapper.setConfig(Map.of());
        assertThat(GroupsSubtree.roots(mapper)).isEmpty();
    }
}
