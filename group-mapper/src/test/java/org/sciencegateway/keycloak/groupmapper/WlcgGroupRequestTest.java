package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WlcgGroupRequestTest {

    @Test
    @DisplayName("Given several wlcg.groups scopes, then their groups come in the order requested, once each")
    void orderedAndDeduplicated() {
        assertThat(WlcgGroupRequest.requestedGroups(
                "openid wlcg.groups:/escape/admins profile wlcg.groups:/escape/users wlcg.groups:/escape/admins", false))
                .containsExactly(GroupPath.of("escape", "admins"), GroupPath.of("escape", "users"));
    }

    @Test
    @DisplayName("Given no scope, the bare wlcg.groups scope or other scopes, then no group is requested")
    void nothingRequested() {
        assertThat(WlcgGroupRequest.requestedGroups(null, false)).isEmpty();
        assertThat(WlcgGroupRequest.requestedGroups("  ", false)).isEmpty();
        assertThat(WlcgGroupRequest.requestedGroups("openid wlcg.groups profile", false)).isEmpty();
    }

    @Test
    @DisplayName("Given malformed group paths in the scope, then they request nothing")
    void malformedIgnored() {
        assertThat(WlcgGroupRequest.requestedGroups("wlcg.groups: wlcg.groups:escape wlcg.groups:/a//b wlcg.groups:/ok",
                false)).containsExactly(GroupPath.of("ok"));
    }

    @Test
    @DisplayName("Given a scope prefix in another case, then it is not a WLCG request (scopes are case-sensitive)")
    void caseSensitive() {
        assertThat(WlcgGroupRequest.requestedGroups("WLCG.groups:/escape", false)).isEmpty();
    }
}
