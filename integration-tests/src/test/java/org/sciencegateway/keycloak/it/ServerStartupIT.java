package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

@DisplayName("The Keycloak distribution with every module installed")
@ExtendWith(SharedKeycloak.class)
class ServerStartupIT {

    private static final List<String> LAB_REALMS = List.of("vre", "institution-a", "institution-b",
            "institution-saml", "federation-proxy", "institution-blocked");

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    @Test
    @DisplayName("Given all module JARs in providers/, then the server starts without an error in its log")
    void startsWithoutErrors() {
        List<String> errors = new ArrayList<>();
        // Only the startup: tests sharing this server provoke logged errors on purpose (Keycloak logs every
        // admin save that a provider's validation rejects at ERROR level).
        for (String line : server.log().split("\n")) {
            if (line.contains(" ERROR ") || line.contains("Exception")) {
                errors.add(line);
            }
            if (line.contains("Listening on: ")) {
                break;
            }
        }
        assertThat(errors).as("error lines in %s", server.logFile()).isEmpty();
        // Keycloak 26.7 names the host it listens on as localhost, earlier releases as 0.0.0.0; the port is ours.
        assertThat(server.log()).containsPattern("Listening on: http://(localhost|0\\.0\\.0\\.0):" + server.port() + "\\b");
    }

    @Test
    @DisplayName("Given the lab realm exports, then every lab realm is imported")
    void importsEveryLabRealm() {
        JsonNode realms = admin.get("/admin/realms").ok();
        List<String> names = new ArrayList<>();
        realms.forEach(realm -> names.add(realm.get("realm").asText()));
        assertThat(names).containsAll(LAB_REALMS);
    }

    @Test
    @DisplayName("Given realm vre, then its clients, groups and institutions are those of the lab scenario")
    void vreRealmHasTheLabScenario() {
        for (String clientId : List.of("jupyterhub", "rucio", "other-gateway")) {
            assertThat(admin.clientUuid("vre", clientId)).as(clientId).isNotBlank();
        }
        JsonNode jupyterhub = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", "jupyterhub")).ok();
        assertThat(jupyterhub.get("publicClient").asBoolean()).isFalse();
        assertThat(jupyterhub.get("redirectUris")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                "http://localhost:8000/hub/oauth_callback", "http://127.0.0.1:8000/hub/oauth_callback");
        JsonNode otherGateway = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", "other-gateway")).ok();
        assertThat(otherGateway.get("redirectUris")).extracting(JsonNode::asText)
                .containsExactly("https://localhost:8001/hub/oauth_callback");

        List<String> groupPaths = new ArrayList<>();
        for (JsonNode group : admin.get("/admin/realms/vre/groups?briefRepresentation=true&populateHierarchy=true").ok()) {
            collectPaths(group, groupPaths);
        }
        assertThat(groupPaths).contains("/escape", "/escape/users", "/escape/admins", "/escape/data-managers",
                "/other-project/users");

        List<String> aliases = new ArrayList<>();
        admin.get("/admin/realms/vre/identity-provider/instances").ok()
                .forEach(idp -> aliases.add(idp.get("alias").asText()));
        assertThat(aliases).containsExactlyInAnyOrder("institution-a", "institution-b", "institution-saml",
                "federation-proxy", "institution-blocked");
    }

    private static void collectPaths(JsonNode group, List<String> paths) {
        paths.add(group.get("path").asText());
        JsonNode children = group.path("subGroups");
        if (children.isEmpty() && group.path("subGroupCount").asInt() > 0) {
            children = admin.get("/admin/realms/vre/groups/" + group.get("id").asText() + "/children").ok();
        }
        children.forEach(child -> collectPaths(child, paths));
    }
}
