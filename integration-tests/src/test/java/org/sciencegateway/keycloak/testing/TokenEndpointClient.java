package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Raw POSTs to a realm's token endpoint, as a hub's back channel sends them. Parameters are an ordered list, so
 * a test can repeat or omit any of them.
 */
public final class TokenEndpointClient {

    public static final String TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    public static final String REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KeycloakServer server;
    private final String realm;

    public TokenEndpointClient(KeycloakServer server, String realm) {
        this.server = server;
        this.realm = realm;
    }

    /** The status and body of one token endpoint answer. */
    public record Answer(int status, String body) {
        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Token endpoint answered " + status + " with non-JSON: " + body, e);
            }
        }

        public String error() {
            return json().path("error").asText(null);
        }

        public TokenSet tokens() {
            if (status != 200) {
                throw new AssertionError("Token endpoint answered " + status + ": " + body);
            }
            return TokenSet.parse(body);
        }
    }

    /** Builds a form; {@code null} values are left out, so a test can drop a parameter from a template. */
    public static final class Form {
        private final List<Map.Entry<String, String>> entries = new ArrayList<>();

        public Form add(String name, String value) {
            if (value != null) {
                entries.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
            }
            return this;
        }

        /** Replaces every value of {@code name} ({@code null} removes the parameter). */
        public Form set(String name, String value) {
            entries.removeIf(e -> e.getKey().equals(name));
            return add(name, value);
        }

        public Form copy() {
            Form copy = new Form();
            copy.entries.addAll(entries);
            return copy;
        }

        /** The form as the request body ({@code application/x-www-form-urlencoded}). */
        public String encode() {
            return entries.stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
        }

        @Override
        public String toString() {
            return entries.stream().map(e -> e.getKey() + "=" + abbreviate(e.getValue()))
                    .collect(Collectors.joining("&"));
        }

        private static String abbreviate(String value) {
            return value.length() > 40 ? value.substring(0, 37) + "..." : value;
        }
    }

    /** Seed 002's exchange request as the CERN VRE hub sends it, for {@code subjectToken}. */
    public static Form seed002(HubClient hub, String subjectToken) {
        return new Form()
                .add("client_id", hub.clientId())
                .add("client_secret", hub.clientSecret())
                .add("grant_type", TOKEN_EXCHANGE_GRANT)
                .add("subject_token_type", ACCESS_TOKEN_TYPE)
                .add("subject_token", subjectToken)
                .add("scope", "openid profile")
                .add("audience", "rucio");
    }

    public Answer post(Form form) {
        HttpResponse<String> response = Http.send(Http.formPost(server.realmUrl(realm)
                + "/protocol/openid-connect/token", form.encode()));
        return new Answer(response.statusCode(), response.body());
    }

    /** A refresh grant for {@code hub} with {@code refreshToken}. */
    public Answer refresh(HubClient hub, String refreshToken) {
        return post(new Form().add("grant_type", "refresh_token").add("client_id", hub.clientId())
                .add("client_secret", hub.clientSecret()).add("refresh_token", refreshToken));
    }
}
