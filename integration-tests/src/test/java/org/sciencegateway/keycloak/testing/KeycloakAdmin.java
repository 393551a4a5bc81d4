package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private String token;
    private Instant tokenExpiry = Instant.EPOCH;

    private final String realm;
    private final String username;
    private final String password;

    public KeycloakAdmin(KeycloakServer server) {
        this(server, "master", KeycloakServer.ADMIN_USERNAME, KeycloakServer.ADMIN_PASSWORD);
    }

    /** The admin API as another user, e.g. a realm's own admin (realm-management roles of that realm only). */
    public KeycloakAdmin(KeycloakServer server, String realm, String username, String password) {
        this.server = server;
        this.realm = realm;
        this.username = username;
        this.password = password;
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
        return Http.request(server.baseUrl() + path)
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
        HttpResponse<String> response = Http.send(request);
        return new Response(response.statusCode(), response.body());
    }

    private synchronized String token() {
        if (token == null || Instant.now().isAfter(tokenExpiry)) {
            String form = BrowserSession.formEncode(Map.of("grant_type", "password", "client_id", "admin-cli",
                    "username", username, "password", password));
            HttpResponse<String> login = Http.send(Http.formPost(server.realmUrl(realm)
                    + "/protocol/openid-connect/token", form));
            if (login.statusCode() != 200) {
                throw new AssertionError("Admin login failed: " + login.statusCode() + " " + login.body());
            }
            JsonNode body = new Response(login.statusCode(), login.body()).json();
            token = body.get("access_token").asText();
            tokenExpiry = Instant.now().plusSeconds(Math.max(10, body.get("expires_in").asLong() - 15));
        }
        return token;
    }
}
