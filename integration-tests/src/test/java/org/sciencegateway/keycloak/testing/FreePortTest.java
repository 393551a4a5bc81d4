package org.sciencegateway.keycloak.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FreePortTest {

    @Test
    @DisplayName("Given ports chosen one after another before anything binds them, then none is handed out twice, "
            + "though the operating system offers a closed port again")
    void neverTheSamePortTwice() throws Exception {
        Set<Integer> handedOut = new HashSet<>();
        for (int i = 0; i < 3000; i++) {
            assertThat(handedOut.add(KeycloakServer.freePort())).as("port %d handed out twice", i).isTrue();
        }
        try (ServerSocket bound = new ServerSocket(KeycloakServer.freePort())) {
            assertThat(bound.isBound()).as("a handed-out port is free to bind").isTrue();
        }
    }
}
