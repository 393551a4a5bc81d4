package org.sciencegateway.keycloak.it.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

/**
 * Issue 30, request: a hub admin registers a hub by RFC 7591 with an initial access token a realm admin handed out;
 * the policy {@code sg-hub-registration} stamps the realm's protections on it and leaves it disabled until approved;
 * every bad request gets RFC 7591's 400 naming the field.
 */
@DisplayName("Hub tenants: self-registration under the realm's protections, pending until approved (issue 30)")
@ExtendWith(SharedKeycloak.class)
class HubRegistrationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY_TYPE = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static String initialAccessToken;
    private static String policyId;
    private static final List<String> registered = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        String realmId = admin.get("/admin/realms/vre").ok().path("id").asText();
        admin.post("/admin/realms/vre/components", Map.of("name", "Science gateway hubs", "providerId",
                "sg-hub-registration", "providerType", POLICY_TYPE, "subType", "authenticated", "parentId", realmId,
                "config", Map.of("template.client", List.of("jupyterhub"),
                        "reserved.client.ids", List.of("rucio", "ssh-gateway")))).ok();
        for (JsonNode component : admin.get("/admin/realms/vre/components?type=" + POLICY_TYPE).ok()) {
            if ("sg-hub-registration".equals(component.path("providerId").asText())) {
                policyId = component.path("id").asText();
            }
            if ("authenticated".equals(component.path("subType").asText())
                    && "allowed-protocol-mappers".equals(component.path("providerId").asText())) {
                ObjectNode allowed = component.deepCopy();
                var types = allowed.with("config").withArray("allowed-protocol-mapper-types");
                List.of("sg-institution-filter", "science-gateway-group-mapper", "science-gateway-assurance-mapper")
                        .forEach(types::add);
                assertThat(admin.put("/admin/realms/vre/components/" + component.path("id").asText(), allowed)
                        .status()).isEqualTo(204);
            }
        }
        initialAccessToken = admin.post("/admin/realms/vre/clients-initial-access",
                Map.of("count", 20, "expiration", 3600)).json().path("token").asText();
        assertThat(initialAccessToken).isNotEmpty();
    }

    @AfterAll
    static void tearDown() {
        registered.forEach(id -> admin.delete("/admin/realms/vre/clients/" + id));
        if (policyId != null) {
            admin.delete("/admin/realms/vre/components/" + policyId);
        }
    }

    private static HttpResponse<String> register(Map<String, Object> metadata) {
        return register("openid-connect", metadata);
    }

    private static HttpResponse<String> register(String provider, Map<String, Object> metadata) {
        if ("openid-connect".equals(provider) && !metadata.containsKey("contacts")) {
            // the hub's owner: an account of the realm (HubLifecycleIT tests the contacts themselves)
            metadata = new java.util.LinkedHashMap<>(metadata);
            metadata.put("contacts", List.of("alice@institution-a.example.org"));
        }
        try {
            HttpResponse<String> response = Http.send(Http.request(server.realmUrl("vre")
                            + "/clients-registrations/" + provider)
                    .header("Authorization", "Bearer " + initialAccessToken)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(metadata))));
            if (response.statusCode() == 201) {
                String clientId = JSON.readTree(response.body()).path(provider.equals("default") ? "clientId"
                        : "client_id").asText();
                registered.add(admin.clientUuid("vre", clientId));
            }
            return response;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> hub(String name, String... redirectUris) {
        return Map.of("client_name", name, "redirect_uris", List.of(redirectUris),
                "token_endpoint_auth_method", "client_secret_basic",
                "grant_types", List.of("authorization_code", "refresh_token"));
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (java.io.IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    @Test
    @DisplayName("Given a good request, then the hub exists disabled and pending, confidential with PKCE S256, no "
            + "service account, no offline access, with the template hub's institution filter and groups mapper; "
            + "no login starts at it, its secret gets no token, and its registration token cannot enable it")
    void registeredHubIsPendingWithEveryProtection() {
        HttpResponse<String> response = register(Map.of("client_name", "Astro Hub",
                "redirect_uris", List.of("https://hub.astro.example.org/hub/oauth_callback"),
                "token_endpoint_auth_method", "client_secret_basic",
                "grant_types", List.of("authorization_code", "refresh_token")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode registration = json(response);
        String clientId = registration.path("client_id").asText();
        String secret = registration.path("client_secret").asText();
        assertThat(secret).isNotEmpty();

        JsonNode client = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", clientId)).ok();
        assertThat(client.path("enabled").asBoolean()).isFalse();
        assertThat(client.path("attributes").path("sg.hub.state").asText()).isEqualTo("pending");
        assertThat(client.path("attributes").path("pkce.code.challenge.method").asText()).isEqualTo("S256");
        assertThat(client.path("publicClient").asBoolean()).isFalse();
        assertThat(client.path("serviceAccountsEnabled").asBoolean()).isFalse();
        assertThat(client.path("directAccessGrantsEnabled").asBoolean()).isFalse();
        assertThat(client.path("optionalClientScopes").toString()).doesNotContain("offline_access");
        assertThat(client.path("defaultClientScopes").toString()).doesNotContain("offline_access");
        JsonNode template = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", "jupyterhub")).ok();
        assertThat(mapper(client, "sg-institution-filter").path("config"))
                .isEqualTo(mapper(template, "sg-institution-filter").path("config"));
        assertThat(mapper(client, "science-gateway-group-mapper").path("config"))
                .isEqualTo(mapper(template, "science-gateway-group-mapper").path("config"));

        HubClient pending = new HubClient("vre", clientId, secret, "https://hub.astro.example.org/hub/oauth_callback");
        HubLogin login = new HubLogin(server, new BrowserSession(), pending);
        login.start();
        assertThat(login.reachedHub()).isFalse();
        assertThat(login.page().status()).as("%s", login.page()).isBetween(400, 499);
        HttpResponse<String> token = Http.send(Http.formPost(server.realmUrl("vre") + "/protocol/openid-connect/token",
                "grant_type=client_credentials").header("Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString((clientId + ":" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertThat(token.statusCode()).as(token.body()).isBetween(400, 401);

        // RFC 7592 by the registration access token: Keycloak answers nothing for a disabled client, so a pending
        // hub cannot be read, changed or enabled by its holder.
        HttpResponse<String> update = manage(registration.path("registration_client_uri").asText(),
                registration.path("registration_access_token").asText(), Map.of("client_id", clientId,
                        "client_name", "Astro Hub", "redirect_uris", List.of("https://hub.astro.example.org/cb"),
                        "grant_types", List.of("authorization_code", "client_credentials")));
        assertThat(update.statusCode()).as(update.body()).isEqualTo(401);
        JsonNode after = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", clientId)).ok();
        assertThat(after.path("enabled").asBoolean()).isFalse();
        assertThat(after.path("serviceAccountsEnabled").asBoolean()).isFalse();
        assertThat(after.path("redirectUris").toString()).contains("/hub/oauth_callback");
    }

    private static HttpResponse<String> manage(String registrationUri, String registrationAccessToken,
                                               Map<String, Object> metadata) {
        try {
            return Http.send(Http.request(registrationUri)
                    .header("Authorization", "Bearer " + registrationAccessToken)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(metadata))));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @DisplayName("Given bad requests (http, wildcard, two origins, another hub's origin, this server's origin, a "
            + "public client, client_credentials, no name, a reserved client id), then 400 with the RFC 7591 error "
            + "naming the field, and no client is created")
    void badRequestsGetTheirError() {
        assertThat(register(hub("Physics Hub", "https://hub.physics.example.org/hub/oauth_callback")).statusCode())
                .isEqualTo(201);
        int clientsBefore = admin.get("/admin/realms/vre/clients?max=1000").ok().size();
        Map<String, Map<String, Object>> bad = new java.util.LinkedHashMap<>();
        bad.put("invalid_redirect_uri http", hub("H", "http://hub.x.example.org/hub/oauth_callback"));
        bad.put("invalid_redirect_uri wildcards", hub("H", "https://hub.x.example.org/*"));
        bad.put("invalid_redirect_uri share one origin", hub("H", "https://hub.x.example.org/a", "https://y.example.org/b"));
        bad.put("invalid_redirect_uri belongs to another client", hub("H", "https://hub.physics.example.org/other"));
        bad.put("invalid_redirect_uri this server", hub("H", server.realmUrl("vre").replace("http://", "https://")
                + "/account/"));
        bad.put("invalid_client_metadata token_endpoint_auth_method", Map.of("client_name", "H",
                "redirect_uris", List.of("https://hub.x.example.org/cb"), "token_endpoint_auth_method", "none"));
        bad.put("invalid_client_metadata client_credentials", Map.of("client_name", "H",
                "redirect_uris", List.of("https://hub.x.example.org/cb"),
                "grant_types", List.of("authorization_code", "client_credentials")));
        bad.put("invalid_client_metadata client_name", Map.of("redirect_uris", List.of("https://hub.x.example.org/cb")));
        bad.forEach((expected, metadata) -> {
            HttpResponse<String> response = register(metadata);
            String error = expected.substring(0, expected.indexOf(' '));
            assertThat(response.statusCode()).as(expected + ": " + response.body()).isEqualTo(400);
            assertThat(json(response).path("error").asText()).as(expected).isEqualTo(error);
            assertThat(json(response).path("error_description").asText()).as(expected)
                    .containsIgnoringCase(expected.substring(expected.indexOf(' ') + 1)
                            .replace("this server", "another client"));
        });
        // the third review's spellings of this server's and another hub's (other-gateway, https://localhost:8001)
        // origin: each is the origin it names, refused as taken
        int port = java.net.URI.create(server.baseUrl()).getPort();
        for (String uri : List.of("https://localhost.:8001/x", "https://localhost.:" + port + "/cb",
                "https://[0:0:0:0:0:0:0:1]:" + port + "/cb", "https://[::ffff:127.0.0.1]:" + port + "/cb",
                "https://2130706433:" + port + "/cb", "https://0.0.0.0:" + port + "/cb",
                "https://0x7f.1:" + port + "/cb", "https://[::1%25eth0]/hub/oauth_callback")) {
            HttpResponse<String> response = register(hub("H", uri));
            assertThat(response.statusCode()).as(uri + ": " + response.body()).isEqualTo(400);
            assertThat(json(response).path("error").asText()).as(uri).isEqualTo("invalid_redirect_uri");
            // (0x7f.1 is no host name to java.net.URI: refused before, as no absolute https URL)
            assertThat(json(response).path("error_description").asText()).as(uri)
                    .containsAnyOf("belongs to another client", "must be an absolute https URL");
        }
        // offline_access asked for: Keycloak's own "Allowed Client Scopes" policy refuses it.
        HttpResponse<String> offline = register(Map.of("client_name", "H", "redirect_uris",
                List.of("https://hub.o.example.org/cb"), "scope", "openid offline_access"));
        assertThat(offline.statusCode()).as(offline.body()).isEqualTo(403);
        assertThat(json(offline).path("error_description").asText()).contains("Allowed Client Scopes");
        // Keycloak's own representation endpoint carries no contacts: a hub is requested by RFC 7591
        HttpResponse<String> noContacts = register("default", Map.of("clientId", "astro-hub", "name", "H",
                "redirectUris", List.of("https://hub.y.example.org/cb")));
        assertThat(noContacts.statusCode()).as(noContacts.body()).isEqualTo(400);
        assertThat(json(noContacts).path("error_description").asText()).contains("contacts");
        HttpResponse<String> rucio = register("default", Map.of("clientId", "Rucio", "name", "H",
                "redirectUris", List.of("https://hub.r.example.org/cb")));
        assertThat(rucio.statusCode()).as(rucio.body()).isEqualTo(400);
        assertThat(json(rucio).path("error_description").asText()).contains("client_id");
        assertThat(admin.get("/admin/realms/vre/clients?max=1000").ok().size()).isEqualTo(clientsBefore);
    }

    private static JsonNode mapper(JsonNode client, String type) {
        for (JsonNode mapper : client.path("protocolMappers")) {
            if (type.equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        throw new AssertionError(client.path("clientId").asText() + " has no " + type + " mapper");
    }
}
