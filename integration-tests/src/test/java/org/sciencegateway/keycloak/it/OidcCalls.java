package org.sciencegateway.keycloak.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.TokenSet;

/** The back-channel calls a hub or a resource server makes after the code exchange: userinfo, refresh, introspection. */
final class OidcCalls {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private OidcCalls() {
    }

    /** GET userinfo with the access token as bearer, as oauthenticator does ({@code userdata_url}). */
    static JsonNode userinfo(KeycloakServer server, String realm, String accessToken) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.realmUrl(realm) + "/protocol/openid-connect/userinfo"))
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json")
                .GET().build();
        return json(send(request), "userinfo");
    }

    /** The refresh-token grant a hub makes to renew its tokens. */
    static TokenSet refresh(KeycloakServer server, HubClient client, String refreshToken) {
        BrowserSession.Page response = new BrowserSession().post(server.realmUrl(client.realm()) + "/protocol/openid-connect/token",
                Map.of("grant_type", "refresh_token", "refresh_token", refreshToken, "client_id", client.clientId(),
                        "client_secret", client.clientSecret()));
        if (response.status() != 200) {
            throw new AssertionError("Refresh failed: " + response.status() + " " + response.body());
        }
        return TokenSet.parse(response.body());
    }

    /** RFC 7662 introspection by a confidential resource server. */
    static JsonNode introspect(KeycloakServer server, String realm, String clientId, String secret, String token) {
        String form = BrowserSession.formEncode(Map.of("token", token, "client_id", clientId, "client_secret", secret));
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.realmUrl(realm) + "/protocol/openid-connect/token/introspect"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        JsonNode body = json(send(request), "introspection");
        if (!body.path("active").asBoolean()) {
            throw new AssertionError("Introspection says the token is not active: " + body);
        }
        return body;
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response, String what) {
        if (response.statusCode() != 200) {
            throw new AssertionError(what + " answered " + response.statusCode() + ": " + response.body());
        }
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(what + " is not JSON: " + response.body(), e);
        }
    }
}
