package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Form;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Every way a token exchange for a policy-governed audience can be wrong, each asserting the HTTP status and the
 * OAuth error code (RFC 8693 section 2.2.2, RFC 6749 section 5.2), plus a bounded fuzz run that must see no 5xx.
 */
@DisplayName("Audience-scoped token exchange refusals on realm vre")
@ExtendWith(SharedKeycloak.class)
class TokenExchangeRefusalIT {

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokens;
    /** alice's tokens from a browser-style login at jupyterhub. */
    private static TokenSet alice;

    @BeforeAll
    static void setUp() {
        tokens = new TokenEndpointClient(server, "vre");
        TokenExchangeFixtures.ensure(admin);
        alice = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE);
    }

    /** Seed 002 with alice's valid token, then {@code change} applied: every case differs from a valid request in one way. */
    private static Answer exchange(UnaryOperator<Form> change) {
        return tokens.post(change.apply(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, alice.accessToken())));
    }

    private static void assertRefused(Answer answer, int status, String error) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.error()).as(answer.body()).isEqualTo(error);
        assertThat(answer.json().path("error_description").asText()).as("a description says what is wrong").isNotBlank();
    }

    static Stream<Arguments> parameterRefusals() {
        String tokenType = "subject_token_type";
        return Stream.of(
                refusal("malformed subject token", f -> f.set("subject_token", "not-a-jwt"), 400, "invalid_request"),
                refusal("subject token with three empty parts", f -> f.set("subject_token", ".."), 400, "invalid_request"),
                refusal("tampered subject token payload", f -> f.set("subject_token", tamperPayload(alice.accessToken())),
                        400, "invalid_request"),
                refusal("tampered subject token signature", f -> f.set("subject_token", tamperSignature(alice.accessToken())),
                        400, "invalid_request"),
                refusal("unsigned (alg none) subject token", f -> f.set("subject_token", unsigned(alice.accessToken())),
                        400, "invalid_request"),
                refusal("ID token as subject token", f -> f.set("subject_token", alice.idToken()), 400, "invalid_request"),
                refusal("refresh token as subject token", f -> f.set("subject_token", alice.refreshToken()),
                        400, "invalid_request"),
                refusal("missing subject_token", f -> f.set("subject_token", null), 400, "invalid_request"),
                refusal("missing subject_token_type", f -> f.set(tokenType, null), 400, "invalid_request"),
                refusal("subject_token_type id_token", f -> f.set(tokenType, "urn:ietf:params:oauth:token-type:id_token"),
                        400, "invalid_request"),
                refusal("subject_token_type jwt", f -> f.set(tokenType, "urn:ietf:params:oauth:token-type:jwt"),
                        400, "invalid_request"),
                refusal("subject_token_type refresh_token", f -> f.set(tokenType, TokenEndpointClient.REFRESH_TOKEN_TYPE),
                        400, "invalid_request"),
                refusal("unknown audience", f -> f.set("audience", "no-such-client"), 400, "invalid_target"),
                refusal("disabled audience", f -> f.set("audience", TokenExchangeFixtures.DISABLED_AUDIENCE),
                        400, "invalid_target"),
                refusal("multiple audiences", f -> f.add("audience", "other-gateway"), 400, "invalid_target"),
                refusal("the same audience twice", f -> f.add("audience", "rucio"), 400, "invalid_target"),
                refusal("oversized audience", f -> f.set("audience", "r".repeat(300)), 400, "invalid_target"),
                refusal("resource indicator", f -> f.add("resource", "https://rucio.example.org"), 400, "invalid_target"),
                refusal("upscoping to a scope the policy lacks", f -> f.set("scope", "openid profile email"),
                        400, "invalid_scope"),
                refusal("upscoping to a scope the subject token lacks",
                        f -> f.set("audience", TokenExchangeFixtures.LIMITED_AUDIENCE).set("scope", "openid phone"),
                        400, "invalid_scope"),
                refusal("offline_access scope", f -> f.set("scope", "openid offline_access"), 400, "invalid_scope"),
                refusal("oversized scope", f -> f.set("scope", "openid ".repeat(400)), 400, "invalid_scope"),
                refusal("actor_token (delegation)", f -> f.add("actor_token", alice.accessToken())
                        .add("actor_token_type", TokenEndpointClient.ACCESS_TOKEN_TYPE), 400, "invalid_request"),
                refusal("actor_token_type alone", f -> f.add("actor_token_type", TokenEndpointClient.ACCESS_TOKEN_TYPE),
                        400, "invalid_request"),
                refusal("requested_subject (impersonation)", f -> f.add("requested_subject", "bob"), 400, "invalid_request"),
                refusal("requested_issuer (brokering)", f -> f.add("requested_issuer", "institution-a"),
                        400, "invalid_request"),
                refusal("subject_issuer (external token)", f -> f.add("subject_issuer", "institution-a"),
                        400, "invalid_request"),
                refusal("requested_token_type id_token",
                        f -> f.add("requested_token_type", "urn:ietf:params:oauth:token-type:id_token"), 400, "invalid_request"),
                refusal("requested_token_type saml2",
                        f -> f.add("requested_token_type", "urn:ietf:params:oauth:token-type:saml2"), 400, "invalid_request"),
                refusal("oversized subject token", f -> f.set("subject_token", alice.accessToken() + "A".repeat(20_000)),
                        400, "invalid_request"),
                // Beyond Keycloak's parameter limit (4,000 characters): Keycloak answers itself, because the server
                // runs with add-req-params-fail-fast (without it Keycloak would drop the parameter and go on).
                refusal("scope beyond Keycloak's parameter limit", f -> f.set("scope", "email " + "a".repeat(100_000)),
                        400, "invalid_request"),
                refusal("resource beyond Keycloak's parameter limit",
                        f -> f.add("resource", "https://rucio.example.org/" + "a".repeat(100_000)), 400, "invalid_request"),
                refusal("requested_token_type beyond Keycloak's parameter limit",
                        f -> f.add("requested_token_type", "urn:ietf:params:oauth:token-type:access_token" + "a".repeat(5_000)),
                        400, "invalid_request"),
                refusal("repeated subject_token", f -> f.add("subject_token", alice.accessToken()), 400, "invalid_request"),
                refusal("repeated scope", f -> f.add("scope", "openid"), 400, "invalid_request"),
                refusal("missing client authentication", f -> f.set("client_secret", null), 401, "unauthorized_client"),
                refusal("wrong client secret", f -> f.set("client_secret", "guess"), 401, "unauthorized_client"),
                refusal("unknown client", f -> f.set("client_id", "no-such-hub"), 401, "invalid_client"),
                refusal("public client", f -> f.set("client_id", TokenExchangeFixtures.PUBLIC_CLIENT).set("client_secret", null),
                        400, "unauthorized_client"),
                refusal("disallowed requester with the hub's token",
                        f -> f.set("client_id", HubClient.OTHER_GATEWAY.clientId())
                                .set("client_secret", HubClient.OTHER_GATEWAY.clientSecret()),
                        400, "unauthorized_client"));
    }

    private static Arguments refusal(String name, UnaryOperator<Form> change, int status, String error) {
        return Arguments.of(name, change, status, error);
    }

    @ParameterizedTest(name = "{0}: {2} {3}")
    @MethodSource("parameterRefusals")
    @DisplayName("Given a request that differs from seed 002 in one way, then the specific refusal")
    void refused(String name, UnaryOperator<Form> change, int status, String error) {
        assertRefused(exchange(change), status, error);
    }

    @Test
    @DisplayName("Given alice's token from other-gateway's login, sent by jupyterhub, then invalid_grant (another client's token)")
    void otherClientSubjectToken() {
        TokenSet other = HubLogin.loginThroughHomeInstitution(server, HubClient.OTHER_GATEWAY, LabUser.ALICE);

        assertRefused(exchange(f -> f.set("subject_token", other.accessToken())), 400, "invalid_grant");
    }

    @Test
    @DisplayName("Given a token of another realm (master), then invalid_request")
    void foreignRealmSubjectToken() {
        String masterToken = TokenSet.parse(new BrowserSession().post(server.realmUrl("master")
                        + "/protocol/openid-connect/token", java.util.Map.of("grant_type", "password", "client_id", "admin-cli",
                        "username", KeycloakServer.ADMIN_USERNAME, "password", KeycloakServer.ADMIN_PASSWORD)).body())
                .accessToken();

        assertRefused(exchange(f -> f.set("subject_token", masterToken)), 400, "invalid_request");
    }

    @Test
    @DisplayName("Given an expired subject token, then invalid_request")
    void expiredSubjectToken() throws InterruptedException {
        TokenSet shortLived = HubLogin.loginThroughHomeInstitution(server, TokenExchangeFixtures.SHORT_LIVED_HUB,
                LabUser.ALICE);
        long exp = shortLived.accessTokenClaims().path("exp").asLong();
        while (System.currentTimeMillis() / 1000 <= exp + 1) {
            Thread.sleep(500);
        }

        Answer answer = tokens.post(TokenEndpointClient.seed002(TokenExchangeFixtures.SHORT_LIVED_HUB,
                shortLived.accessToken()).set("audience", TokenExchangeFixtures.LIMITED_AUDIENCE));

        assertRefused(answer, 400, "invalid_request");
    }

    @Test
    @DisplayName("Given a subject token whose session was logged out, then invalid_request")
    void subjectTokenAfterLogout() {
        TokenSet session = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE);
        String sid = session.accessTokenClaims().path("sid").asText();
        assertThat(admin.delete("/admin/realms/vre/sessions/" + sid).status()).isEqualTo(204);

        assertRefused(exchange(f -> f.set("subject_token", session.accessToken())), 400, "invalid_request");
    }

    @Test
    @DisplayName("Given bob, who is not in /escape/users, then access_denied")
    void userNotInGroup() {
        TokenSet bob = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.BOB);

        assertRefused(exchange(f -> f.set("subject_token", bob.accessToken())), 403, "access_denied");
    }

    @Test
    @DisplayName("Given 400 requests with random form parameters, then no answer is a 5xx and every refusal is JSON")
    void fuzzedParametersNeverCauseServerErrors() {
        Random random = new Random(8693);
        List<String> names = List.of("grant_type", "client_id", "client_secret", "subject_token", "subject_token_type",
                "audience", "scope", "requested_token_type", "actor_token", "actor_token_type", "resource",
                "requested_subject", "requested_issuer", "subject_issuer", "refresh_token", "x" + random.nextInt(9));
        List<String> values = List.of("", " ", "rucio", "jupyterhub", "jupyterhub-lab-secret", "openid profile",
                TokenEndpointClient.TOKEN_EXCHANGE_GRANT, TokenEndpointClient.ACCESS_TOKEN_TYPE,
                TokenEndpointClient.REFRESH_TOKEN_TYPE, alice.accessToken(), tamperPayload(alice.accessToken()),
                "%00", "\u0000", "../../", "{\"a\":1}", "a".repeat(5000), "\u00e9\u4e2d", "openid\tprofile", "-1");
        for (int i = 0; i < 400; i++) {
            Form form = new Form();
            // Mostly valid exchange requests with one to three random changes, sometimes wholly random forms.
            if (random.nextInt(4) > 0) {
                form = TokenEndpointClient.seed002(HubClient.JUPYTERHUB, alice.accessToken());
            }
            int changes = 1 + random.nextInt(3);
            for (int c = 0; c < changes; c++) {
                String name = names.get(random.nextInt(names.size()));
                String value = values.get(random.nextInt(values.size()));
                form = random.nextBoolean() ? form.set(name, value) : form.add(name, value);
            }
            Answer answer = tokens.post(form);
            assertThat(answer.status()).as("request %d: %s -> %s", i, form, answer.body()).isLessThan(500);
            if (answer.status() != 200) {
                JsonNode json = answer.json();
                assertThat(json.path("error").asText()).as("request %d: %s", i, form).isNotBlank();
            }
        }
        assertThat(server.log()).doesNotContain("NullPointerException");
    }

    private static String tamperPayload(String jwt) {
        String[] parts = jwt.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"jupyterhub\"", "\"jupyterhuc\"");
        return parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }

    private static String tamperSignature(String jwt) {
        char last = jwt.charAt(jwt.length() - 5);
        return jwt.substring(0, jwt.length() - 5) + (last == 'A' ? 'B' : 'A') + jwt.substring(jwt.length() - 4);
    }

    private static String unsigned(String jwt) {
        String header = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        return header + "." + jwt.split("\\.")[1] + ".";
    }
}
