package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabHubTenants;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

@DisplayName("tools/hub-client.sh registers and lists hub clients through Keycloak's admin CLI")
@ExtendWith(SharedKeycloak.class)
class HubClientToolIT {

    private static final String CLIENT_ID = "physics-hub";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    @AfterEach
    void removeClient() {
        JsonNode found = admin.get("/admin/realms/vre/clients?clientId=" + CLIENT_ID).ok();
        for (JsonNode client : found) {
            admin.delete("/admin/realms/vre/clients/" + client.get("id").asText()).ok();
        }
    }

    @Test
    @DisplayName("Given a name and a base URL, then create registers a confidential hub client and prints its secret")
    void createRegistersAHub() throws Exception {
        Result result = run("create", CLIENT_ID, "https://hub.physics.example.org/");

        assertThat(result.exitCode).as(result.output).isZero();
        String uuid = admin.clientUuid("vre", CLIENT_ID);
        JsonNode client = admin.get("/admin/realms/vre/clients/" + uuid).ok();
        assertThat(client.get("publicClient").asBoolean()).isFalse();
        assertThat(client.get("redirectUris")).extracting(JsonNode::asText)
                .containsExactly("https://hub.physics.example.org/hub/oauth_callback");
        String secret = admin.get("/admin/realms/vre/clients/" + uuid + "/client-secret").ok().get("value").asText();
        assertThat(result.output).contains("client secret: " + secret)
                .contains("redirect URI:  https://hub.physics.example.org/hub/oauth_callback")
                .contains("issuer:        " + server.realmUrl("vre"));
    }

    @Test
    @DisplayName("Given registered hubs, then list shows each hub with its state (pending, approved, '-' for one an "
            + "admin created), whether it is enabled, and its redirect URIs")
    void listShowsHubs() throws Exception {
        run("create", CLIENT_ID, "https://hub.physics.example.org");
        String initialAccessToken = LabHubTenants.prepare(server);
        java.net.http.HttpResponse<String> requested = Http.send(Http.request(server.realmUrl("vre")
                        + "/clients-registrations/openid-connect")
                .header("Authorization", "Bearer " + initialAccessToken).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(Map.of("client_name", "Requested Hub", "redirect_uris",
                                List.of("https://hub.requested.example.org/hub/oauth_callback"),
                                "contacts", List.of("hubadmin@institution-a.example.org"))))));
        assertThat(requested.statusCode()).as(requested.body()).isEqualTo(201);
        String pending = new com.fasterxml.jackson.databind.ObjectMapper().readTree(requested.body())
                .path("client_id").asText();
        try {
            Result result = run("list");

            assertThat(result.exitCode).as(result.output).isZero();
            assertThat(result.output).contains("clientId,state,enabled,redirectUris", "jupyterhub,-,true,",
                            "other-gateway,approved,true,https://localhost:8001/hub/oauth_callback",
                            CLIENT_ID + ",-,true,https://hub.physics.example.org/hub/oauth_callback",
                            pending + ",pending,false,https://hub.requested.example.org/hub/oauth_callback")
                    .doesNotContain("rucio", "admin-cli");
        } finally {
            admin.delete("/admin/realms/vre/clients/" + admin.clientUuid("vre", pending));
        }
    }

    @Test
    @DisplayName("Given a base URL that is not an http(s) URL, then create refuses it and registers nothing")
    void createRefusesABadUrl() throws Exception {
        Result result = run("create", CLIENT_ID, "javascript:alert(1)");

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.output).contains("must be an http(s) URL");
        assertThat(admin.get("/admin/realms/vre/clients?clientId=" + CLIENT_ID).ok()).isEmpty();
    }

    @Test
    @DisplayName("Given a base URL whose path holds '&' (special in a sed replacement), then the redirect URI is "
            + "exactly that URL's callback")
    void createKeepsAnAmpersandInThePath() throws Exception {
        Result result = run("create", CLIENT_ID, "https://hub.physics.example.org/a&b");

        assertThat(result.exitCode).as(result.output).isZero();
        JsonNode client = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", CLIENT_ID)).ok();
        assertThat(client.get("redirectUris")).extracting(JsonNode::asText)
                .containsExactly("https://hub.physics.example.org/a&b/hub/oauth_callback");
        assertThat(client.get("rootUrl").asText()).isEqualTo("https://hub.physics.example.org/a&b");
    }

    @Test
    @DisplayName("Given a base URL with a quote, a backslash, a space or a fragment, then create refuses it and "
            + "registers nothing")
    void createRefusesUrlsThatWouldBreakTheJson() throws Exception {
        for (String url : List.of("https://hub.example.org/a\"b", "https://hub.example.org/a\\b",
                "https://hub.example.org/a b", "https://hub.example.org/a#b")) {
            Result result = run("create", CLIENT_ID, url);

            assertThat(result.exitCode).as(url).isEqualTo(2);
            assertThat(result.output).as(url).contains("must be an http(s) URL");
        }
        assertThat(admin.get("/admin/realms/vre/clients?clientId=" + CLIENT_ID).ok()).isEmpty();
    }

    @Test
    @DisplayName("Given a client id with characters outside the allowed set, then create refuses it")
    void createRefusesABadClientId() throws Exception {
        Result result = run("create", "hub\"; rm -rf", "https://hub.example.org");

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.output).contains("must be letters, digits");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String... arguments) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("repository.root"));
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("tools/hub-client.sh").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of(
                "KEYCLOAK_URL", server.baseUrl(),
                "KEYCLOAK_ADMIN_USER", KeycloakServer.ADMIN_USERNAME,
                "KEYCLOAK_ADMIN_PASSWORD", KeycloakServer.ADMIN_PASSWORD,
                "KEYCLOAK_HOME", server.home().toString()));
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("hub-client.sh did not finish: " + output);
        }
        return new Result(process.exitValue(), output);
    }
}
