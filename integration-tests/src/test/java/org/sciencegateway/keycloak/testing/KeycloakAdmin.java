package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Keycloak's admin REST API as the admin console uses it, authenticated as the bootstrap admin. Responses are
 * returned whole (status and body) so that tests can assert validation errors as well as successes.
 */
public final class KeycloakAdmin {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KeycloakServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String token;
    private Instant tokenExpiry = Instant.EPOCH;

    public KeycloakAdmin(KeycloakServer server) {
        this.server = server;
    }

    public record Response(int status, String body) {
        public JsonNode json() {
            try {
                return body.isEmpty() ? MAPPER.nullNode() : MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Not JSON (" + status + "): " + body, e);
            }
        }

        /** The body of a 2xx response as JSON; anything else fails the test with the server's answer. */
        public JsonNode ok() {
            if (status / 100 != 2) {
                throw new AssertionError("Admin API answered " + status + ": " + body);
            }
            return json();
        }
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    public Response post(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").POST(json(body)));
    }

    public Response put(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").PUT(json(body)));
    }

    /** Any method with a JSON body, e.g. DELETE of role mappings. */
    public Response send(String method, String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").method(method, json(body)));
    }

    /** The internal id of a client of {@code realm} by its clientId. */
    public String clientUuid(String realm, String clientId) {
        JsonNode clients = get("/admin/realms/" + realm + "/clients?clientId=" + clientId).ok();
        if (clients.size() != 1) {
            throw new AssertionError("No client '" + clientId + "' in realm " + realm);
        }
        return clients.get(0).get("id").asText();
    }

    /** The internal id of a user of {@code realm} by exact username. */
    public String userId(String realm, String username) {
        JsonNode users = get("/admin/realms/" + realm + "/users?exact=true&username=" + username).ok();
        if (users.size() != 1) {
            throw new AssertionError("No user '" + username + "' in realm " + realm);
        }
        return users.get(0).get("id").asText();
    }

    /** Recent events of {@code realm} of the given type (newest first), e.g. LOGIN_ERROR. */
    public JsonNode events(String realm, String type) {
        return get("/admin/realms/" + realm + "/events?type=" + type + "&max=100").ok();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token())
                .header("Accept", "application/json");
    }

    private static HttpRequest.BodyPublisher json(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : MAPPER.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private synchronized String token() {
        if (token == null || Instant.now().isAfter(tokenExpiry)) {
            String form = BrowserSession.formEncode(Map.of("grant_type", "password", "client_id", "admin-cli",
                    "username", KeycloakServer.ADMIN_USERNAME, "password", KeycloakServer.ADMIN_PASSWORD));
            HttpRequest login = HttpRequest.newBuilder(
                            URI.create(server.realmUrl("master") + "/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build();
            JsonNode body = new Response(0, sendRaw(login)).json();
            token = body.get("access_token").asText();
            tokenExpiry = Instant.now().plusSeconds(Math.max(10, body.get("expires_in").asLong() - 15));
        }
        return token;
    }

    private String sendRaw(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("Admin login failed: " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
