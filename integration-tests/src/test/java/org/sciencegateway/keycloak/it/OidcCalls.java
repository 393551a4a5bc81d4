package org.sciencegateway.keycloak.it;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.TokenSet;

/** The back-channel calls a hub or a resource server makes after the code exchange: userinfo, refresh, introspection. */
final class OidcCalls {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OidcCalls() {
    }

    /** GET userinfo with the access token as bearer, as oauthenticator does ({@code userdata_url}). */
    static JsonNode userinfo(KeycloakServer server, String realm, String accessToken) {
        return json(Http.send(Http.request(server.realmUrl(realm) + "/protocol/openid-connect/userinfo")
                .header("Authorization", "Bearer " + accessToken).header("Accept", "application/json").GET()),
                "userinfo");
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
        JsonNode body = json(Http.send(Http.formPost(server.realmUrl(realm) + "/protocol/openid-connect/token/introspect",
                form)), "introspection");
        if (!body.path("active").asBoolean()) {
            throw new AssertionError("Introspection says the token is not active: " + body);
        }
        return body;
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
