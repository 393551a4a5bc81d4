package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GroupsClaimTest {

    private static final List<String> OSCAR = List.of("/escape/users", "/escape/cluster-users/virgo-gpu",
            "/escape/cluster-users", "/other-project/users", "/escape/cluster-users-archive");

    @Test
    @DisplayName("Given a subtree, then the claim lists the group itself and its subgroups as sorted full paths, and nothing else")
    void subtreeOnly() {
        GroupsClaim claim = new GroupsClaim("groups", "/escape/cluster-users");

        assertThat(claim.values(OSCAR)).containsExactly("/escape/cluster-users", "/escape/cluster-users/virgo-gpu");
    }

    @Test
    @DisplayName("Given a group whose name only starts like the subtree's, then it is not in the claim")
    void prefixIsNotASubgroup() {
        assertThat(new GroupsClaim("groups", "/escape/cluster-users").values(List.of("/escape/cluster-users-archive")))
                .isEmpty();
    }

    @Test
    @DisplayName("Given the root /, then every group of the user is listed")
    void rootListsAll() {
        assertThat(new GroupsClaim("groups", "/").values(OSCAR)).hasSize(5);
    }

    @Test
    @DisplayName("Given a user in no group of the subtree, then the claim is an empty list (present, not missing)")
    void emptyList() {
        assertThat(new GroupsClaim("groups", "/escape/cluster-users").values(List.of("/escape/users"))).isEmpty();
    }

    @Test
    @DisplayName("Given no groups claim configured, then it is none")
    void none() {
        assertThat(GroupsClaim.NONE.isNone()).isTrue();
        assertThat(new GroupsClaim("groups", "/").isNone()).isFalse();
    }
}
