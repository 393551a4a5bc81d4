package org.sciencegateway.keycloak.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.keycloak.jose.jws.JWSInput;
import org.keycloak.jose.jws.JWSInputException;

/** A token endpoint response, with the claims of its JWTs decoded (not verified: see the tests that verify). */
public record TokenSet(JsonNode json) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static TokenSet parse(String body) {
        try {
            return new TokenSet(MAPPER.readTree(body));
        } catch (java.io.IOException e) {
            throw new AssertionError("Token response is not JSON: " + body, e);
        }
    }

    public String accessToken() {
        return text("access_token");
    }

    public String idToken() {
        return text("id_token");
    }

    public String refreshToken() {
        return text("refresh_token");
    }

    public JsonNode accessTokenClaims() {
        return claims(accessToken());
    }

    public JsonNode idTokenClaims() {
        return claims(idToken());
    }

    private String text(String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    public static JsonNode claims(String jwt) {
        if (jwt == null) {
            throw new AssertionError("No token");
        }
        try {
            return new JWSInput(jwt).readJsonContent(JsonNode.class);
        } catch (JWSInputException e) {
            throw new AssertionError("Not a JWS: " + jwt, e);
        }
    }
}
