package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.common.VerificationException;
import org.keycloak.representations.AccessToken;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.RucioTokenRules;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;

@DisplayName("Audience-scoped token exchange for Rucio (seed 002) on realm vre")
@ExtendWith(SharedKeycloak.class)
class TokenExchangeRucioIT {

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokens;
    private static RucioTokenRules rucio;

    @BeforeAll
    static void setUp() {
        tokens = new TokenEndpointClient(server, "vre");
        rucio = RucioTokenRules.forIssuer(server.realmUrl("vre"));
        TokenExchangeFixtures.ensure(admin);
    }

    private static TokenSet login(HubClient hub, LabUser user) {
        return HubLogin.loginThroughHomeInstitution(server, hub, user);
    }

    @Test
    @DisplayName("Given alice's hub token and seed 002's exact request, then the token passes Rucio's validate_jwt rules")
    void seed002ExchangePassesRucio() throws VerificationException {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        AccessToken subject = claims(hub.accessToken());

        Answer answer = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("issued_token_type").asText()).isEqualTo(TokenEndpointClient.ACCESS_TOKEN_TYPE);
        assertThat(json.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(json.path("scope").asText()).isEqualTo("openid profile");
        assertThat(json.has("refresh_token")).isFalse();

        AccessToken exchanged = rucio.validate(json.path("access_token").asText());
        assertThat(exchanged.getAudience()).containsExactly("rucio");
        assertThat(exchanged.getIssuedFor()).isEqualTo("jupyterhub");
        assertThat(exchanged.getSubject()).isEqualTo(subject.getSubject());
        assertThat(exchanged.getIssuer()).isEqualTo(subject.getIssuer()).isEqualTo(server.realmUrl("vre"));
        assertThat(exchanged.getScope().split(" ")).containsExactlyInAnyOrder("openid", "profile");
        // The lab policy is bound by the user's session (lifetime.bound=session), so that a notebook's token does not
        // die with the hub's 300 s access token: longer than the subject token, never past the SSO idle timeout.
        assertThat(exchanged.getExp()).isGreaterThan(subject.getExp());
        assertThat(exchanged.getExp() - exchanged.getIat()).isLessThanOrEqualTo(1800);
        assertThat(exchanged.getSessionId()).isEqualTo(subject.getSessionId());
        assertThat(exchanged.getOtherClaims()).containsEntry("wlcg.ver", "1.0")
                .containsEntry("wlcg.groups", List.of("/escape/users"));
        assertThat(exchanged.getId()).isNotBlank().isNotEqualTo(subject.getId());
        // Claims the policy does not grant stay out: no email scope, no roles of other clients.
        assertThat(exchanged.getEmail()).isNull();
        assertThat(exchanged.getRealmAccess()).isNull();
        assertThat(exchanged.getResourceAccess()).doesNotContainKeys("account", "jupyterhub");
    }

    @Test
    @DisplayName("Given exchanges for rucio, then the hub's own session is untouched: its refreshed tokens keep the "
            + "login's scope, acr and claims")
    void exchangeLeavesTheHubsClientSessionAsItWas() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        JsonNode before = hub.accessTokenClaims();

        for (int i = 0; i < 3; i++) {
            JsonNode exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()))
                    .tokens().accessTokenClaims();
            assertThat(exchanged.path("scope").asText()).isEqualTo("openid profile");
        }
        TokenSet refreshed = tokens.refresh(HubClient.JUPYTERHUB, hub.refreshToken()).tokens();

        JsonNode after = refreshed.accessTokenClaims();
        assertThat(after.path("scope").asText().split(" ")).containsExactlyInAnyOrder(
                before.path("scope").asText().split(" "));
        assertThat(after.path("acr").asText()).isEqualTo(before.path("acr").asText()).isNotBlank();
        assertThat(after.path("email").asText()).isEqualTo(before.path("email").asText()).isNotBlank();
        assertThat(refreshed.idToken()).as("the hub's refresh still returns its ID token").isNotBlank();
    }

    @Test
    @DisplayName("Given the hub's ordinary tokens, then rucio is in no aud and they fail Rucio's rules")
    void ordinaryHubTokenLacksRucio() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);

        assertThat(audiences(hub.accessTokenClaims())).doesNotContain("rucio");
        assertThatThrownBy(() -> rucio.validate(hub.accessToken())).isInstanceOf(VerificationException.class)
                .hasMessageContaining("lacks rucio");
        TokenSet refreshed = tokens.refresh(HubClient.JUPYTERHUB, hub.refreshToken()).tokens();
        assertThat(audiences(refreshed.accessTokenClaims())).doesNotContain("rucio");
    }

    @Test
    @DisplayName("Given carol in /escape/users and /escape/admins, then wlcg.groups lists both, sorted")
    void carolGetsBothGroups() throws VerificationException {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.CAROL);

        AccessToken exchanged = rucio.validate(tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                hub.accessToken())).tokens().accessToken());

        assertThat(exchanged.getOtherClaims()).containsEntry("wlcg.groups", List.of("/escape/admins", "/escape/users"));
    }

    @Test
    @DisplayName("Given bob, who is in no group, then access_denied (403) and an event naming policy and reason")
    void bobIsRefused() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.BOB);

        Answer answer = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()));

        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.error()).isEqualTo("access_denied");
        JsonNode event = latestEvent("TOKEN_EXCHANGE_ERROR", "bob");
        assertThat(event.path("error").asText()).isEqualTo("access_denied");
        assertThat(event.path("details").path("audience").asText()).isEqualTo("rucio");
        assertThat(event.path("details").path("requester").asText()).isEqualTo("jupyterhub");
        assertThat(event.path("details").path("policy").asText()).isEqualTo("rucio exchange policy");
        assertThat(event.path("details").path("reason").asText()).isEqualTo("user_not_in_required_group");
    }

    @Test
    @DisplayName("Given a granted exchange, then a TOKEN_EXCHANGE event names audience, requester, policy and reason")
    void successIsAnEvent() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ERIN);

        tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())).tokens();

        JsonNode details = latestEvent("TOKEN_EXCHANGE", "erin").path("details");
        assertThat(details.path("audience").asText()).isEqualTo("rucio");
        assertThat(details.path("requester").asText()).isEqualTo("jupyterhub");
        assertThat(details.path("policy").asText()).isEqualTo("rucio exchange policy");
        assertThat(details.path("reason").asText()).isEqualTo("policy_granted");
        assertThat(details.path("scope").asText()).isEqualTo("openid profile");
    }

    @Test
    @DisplayName("Given other-gateway with alice's token from its own login, then unauthorized_client")
    void otherGatewayIsRefused() {
        TokenSet other = login(HubClient.OTHER_GATEWAY, LabUser.ALICE);

        Answer answer = tokens.post(TokenEndpointClient.seed002(HubClient.OTHER_GATEWAY, other.accessToken()));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("unauthorized_client");
    }

    @Test
    @DisplayName("Given an audience without a policy, then Keycloak's standard exchange answers exactly as stock")
    void audienceWithoutPolicyBehavesAsStock() {
        TokenSet stock = login(TokenExchangeFixtures.STOCK_HUB, LabUser.ALICE);
        TokenEndpointClient.Form form = TokenEndpointClient.seed002(TokenExchangeFixtures.STOCK_HUB, stock.accessToken())
                .set("audience", TokenExchangeFixtures.PLAIN_AUDIENCE);

        Answer answer = tokens.post(form);

        // Stock V2 issues only audiences the requester's token would already carry (the measurement).
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("invalid_request");
        assertThat(answer.json().path("error_description").asText())
                .isEqualTo("Requested audience not available: " + TokenExchangeFixtures.PLAIN_AUDIENCE);
        JsonNode event = latestEvent("TOKEN_EXCHANGE_ERROR", "alice");
        assertThat(event.path("details").has("policy")).isFalse();

        // And without an audience, stock exchanges to the requester itself.
        Answer noAudience = tokens.post(form.copy().set("audience", null));
        assertThat(noAudience.status()).as(noAudience.body()).isEqualTo(200);
        assertThat(audiences(noAudience.tokens().accessTokenClaims())).doesNotContain("rucio");
    }

    @Test
    @DisplayName("Given a policy with a 60 s maximum, then the exchanged token lives at most 60 s")
    void lifetimeIsCappedByPolicy() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);

        TokenSet exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("audience", TokenExchangeFixtures.LIMITED_AUDIENCE)).tokens();

        JsonNode claims = exchanged.accessTokenClaims();
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong())
                .isLessThanOrEqualTo(TokenExchangeFixtures.LIMITED_LIFETIME);
        assertThat(exchanged.json().path("expires_in").asLong()).isLessThanOrEqualTo(TokenExchangeFixtures.LIMITED_LIFETIME);
        assertThat(audiences(claims)).containsExactly(TokenExchangeFixtures.LIMITED_AUDIENCE);
        assertThat(claims.has("wlcg.ver")).as("WLCG claims are off in this policy").isFalse();
    }

    @Test
    @DisplayName("Given no scope parameter, then the token gets the policy's scopes that the subject token has")
    void noScopeParameter() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);

        TokenSet exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("scope", null)).tokens();

        assertThat(exchanged.accessTokenClaims().path("scope").asText()).isEqualTo("openid profile");
    }

    @Test
    @DisplayName("Given refresh allowed, then a refresh token is issued and every refresh keeps aud exactly rucio")
    void refreshKeepsAudience() throws VerificationException {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);

        Answer answer = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        TokenSet exchanged = answer.tokens();
        assertThat(exchanged.json().path("issued_token_type").asText()).isEqualTo(TokenEndpointClient.REFRESH_TOKEN_TYPE);
        assertThat(exchanged.refreshToken()).isNotBlank();
        rucio.validate(exchanged.accessToken());

        String refreshToken = exchanged.refreshToken();
        for (int round = 1; round <= 2; round++) {
            TokenSet refreshed = tokens.refresh(HubClient.JUPYTERHUB, refreshToken).tokens();
            AccessToken token = rucio.validate(refreshed.accessToken());
            assertThat(token.getAudience()).as("round %d", round).containsExactly("rucio");
            assertThat(token.getScope()).isEqualTo("openid profile");
            assertThat(token.getExp() - token.getIat()).isLessThanOrEqualTo(3600);
            assertThat(token.getOtherClaims()).containsEntry("wlcg.ver", "1.0");
            assertThat(refreshed.json().path("scope").asText()).isEqualTo("openid profile");
            refreshToken = refreshed.refreshToken();
        }
        // The hub's own session keeps working as before.
        assertThat(audiences(tokens.refresh(HubClient.JUPYTERHUB, hub.refreshToken()).tokens().accessTokenClaims()))
                .doesNotContain("rucio");
    }

    @Test
    @DisplayName("Given a refresh token asked for where the policy disallows it, then invalid_request")
    void refreshDisallowedByPolicy() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);

        Answer answer = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("audience", TokenExchangeFixtures.LIMITED_AUDIENCE)
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("invalid_request");
    }

    @Test
    @DisplayName("Given an exchanged refresh token and a policy then switched to no refresh, then refreshing is refused")
    void refreshRevokedByPolicyChange() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenSet exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("audience", TokenExchangeFixtures.REFRESH_TOGGLE_AUDIENCE)
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE)).tokens();
        assertThat(tokens.refresh(HubClient.JUPYTERHUB, exchanged.refreshToken()).status()).isEqualTo(200);

        String path = TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.REFRESH_TOGGLE_AUDIENCE);
        JsonNode mapper = admin.get(path).ok().get(0);
        Map<String, Object> update = TokenExchangeFixtures.policyMapper(mapper.path("name").asText(),
                TokenExchangeFixtures.refreshTogglePolicy(false));
        update.put("id", mapper.path("id").asText());
        admin.put(path + "/" + mapper.path("id").asText(), update).ok();
        try {
            Answer refused = tokens.refresh(HubClient.JUPYTERHUB, exchanged.refreshToken());
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.error()).isEqualTo("invalid_grant");
        } finally {
            update.put("config", TokenExchangeFixtures.refreshTogglePolicy(true));
            admin.put(path + "/" + mapper.path("id").asText(), update).ok();
        }
    }

    @Test
    @DisplayName("Given an exchanged token, then Rucio's introspection sees it active until the user's session ends")
    void exchangedTokenEndsWithTheSession() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        String exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()))
                .tokens().accessToken();
        assertThat(introspect(exchanged).path("active").asBoolean()).isTrue();

        String sid = hub.accessTokenClaims().path("sid").asText();
        assertThat(admin.delete("/admin/realms/vre/sessions/" + sid).status()).isEqualTo(204);

        assertThat(introspect(exchanged).path("active").asBoolean()).isFalse();
    }

    @Test
    @DisplayName("Given an exchanged and an exchanged-then-refreshed rucio token, then Rucio's introspection shows exactly their claims")
    void introspectionShowsExactlyTheTokensClaims() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenSet exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE)).tokens();
        TokenSet refreshed = tokens.refresh(HubClient.JUPYTERHUB, exchanged.refreshToken()).tokens();

        for (String token : List.of(exchanged.accessToken(), refreshed.accessToken())) {
            JsonNode introspection = introspect(token);
            assertIntrospectionIsTheToken(introspection, TokenSet.claims(token));
            // What the trial saw: the requester's mappers re-run, showing what the policy withheld.
            assertThat(introspection.has("email")).isFalse();
            assertThat(introspection.has("groups")).isFalse();
            assertThat(introspection.path("wlcg.groups").get(0).asText()).isEqualTo("/escape/users");
        }
    }

    @Test
    @DisplayName("Given a refresh of an exchanged token, then no id_token unless the policy grants openid and says so")
    void refreshResponseCarriesNoIdTokenUnlessThePolicySaysSo() {
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenSet exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE)).tokens();
        assertThat(exchanged.json().has("id_token")).isFalse();

        TokenSet refreshed = tokens.refresh(HubClient.JUPYTERHUB, exchanged.refreshToken()).tokens();
        assertThat(refreshed.json().has("id_token")).as(refreshed.json().toString()).isFalse();
        assertThat(refreshed.json().path("scope").asText()).isEqualTo("openid profile");

        String audience = TokenExchangeFixtures.REFRESH_TOGGLE_AUDIENCE;
        Map<String, String> withIdToken = new java.util.HashMap<>(TokenExchangeFixtures.refreshTogglePolicy(true));
        withIdToken.put("refresh.id.token", "true");
        String mapperPath = updatePolicy(audience, withIdToken);
        try {
            TokenSet toggled = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                    .set("audience", audience)
                    .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE)).tokens();
            assertThat(toggled.json().has("id_token")).isFalse();
            TokenSet withId = tokens.refresh(HubClient.JUPYTERHUB, toggled.refreshToken()).tokens();
            assertThat(withId.idTokenClaims().path("aud").asText()).isEqualTo("jupyterhub");
            assertThat(withId.idTokenClaims().path("sub").asText()).isEqualTo(hub.accessTokenClaims().path("sub").asText());
        } finally {
            admin.put(mapperPath, policyUpdate(mapperPath, TokenExchangeFixtures.refreshTogglePolicy(true))).ok();
        }
    }

    @Test
    @DisplayName("Given an exchanged token whose policy then drops its requester, then introspection says inactive and an event says why")
    void introspectionJudgesThePolicyAgain() {
        String audience = TokenExchangeFixtures.REFRESH_TOGGLE_AUDIENCE;
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);
        String exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("audience", audience)).tokens().accessToken();
        assertThat(introspect(exchanged, audience, audience + "-secret").path("active").asBoolean()).isTrue();

        Map<String, String> otherRequester = new java.util.HashMap<>(TokenExchangeFixtures.refreshTogglePolicy(true));
        otherRequester.put("allowed.requesters", TokenExchangeFixtures.SHORT_LIVED_HUB.clientId());
        String mapperPath = updatePolicy(audience, otherRequester);
        try {
            JsonNode inactive = introspect(exchanged, audience, audience + "-secret");
            assertThat(inactive.path("active").asBoolean()).isFalse();
            assertThat(inactive.size()).as(inactive.toString()).isEqualTo(1);
            // Keycloak does not store introspection events by default (EventType.INTROSPECT_TOKEN_ERROR is not
            // saved unless listed); its logging listener writes every error event, which is what operators read.
            assertThat(server.log().lines()
                    .filter(line -> line.contains("type=\"INTROSPECT_TOKEN_ERROR\""))
                    .filter(line -> line.contains("requester_not_allowed"))
                    .filter(line -> line.contains("policy=\"" + audience + " exchange policy\"")))
                    .as("a logged INTROSPECT_TOKEN_ERROR naming the policy and requester_not_allowed").isNotEmpty();
        } finally {
            admin.put(mapperPath, policyUpdate(mapperPath, TokenExchangeFixtures.refreshTogglePolicy(true))).ok();
        }
        assertThat(introspect(exchanged, audience, audience + "-secret").path("active").asBoolean()).isTrue();
    }

    /** RFC 7662 section 2.2 fields Keycloak adds to the token's own claims; nothing else may differ. */
    private static void assertIntrospectionIsTheToken(JsonNode introspection, JsonNode claims) {
        assertThat(introspection.path("active").asBoolean()).isTrue();
        com.fasterxml.jackson.databind.node.ObjectNode withoutResponseFields = introspection.deepCopy();
        for (String field : List.of("active", "client_id", "username", "token_type")) {
            withoutResponseFields.remove(field);
        }
        assertThat(withoutResponseFields).isEqualTo(claims);
        assertThat(introspection.path("client_id").asText()).isEqualTo(claims.path("azp").asText());
        assertThat(introspection.path("username").asText()).isEqualTo(claims.path("preferred_username").asText());
        assertThat(introspection.path("token_type").asText()).isEqualTo(claims.path("typ").asText());
    }

    private static String updatePolicy(String audience, Map<String, String> config) {
        String path = TokenExchangeFixtures.mappersPath(admin, audience);
        String mapperPath = path + "/" + admin.get(path).ok().get(0).path("id").asText();
        admin.put(mapperPath, policyUpdate(mapperPath, config)).ok();
        return mapperPath;
    }

    private static Map<String, Object> policyUpdate(String mapperPath, Map<String, String> config) {
        JsonNode mapper = admin.get(mapperPath).ok();
        Map<String, Object> update = TokenExchangeFixtures.policyMapper(mapper.path("name").asText(), config);
        update.put("id", mapper.path("id").asText());
        return update;
    }

    @Test
    @DisplayName("Given a policy stored with bad values (realm import does not validate), then exchanges fail closed")
    void brokenStoredPolicyFailsClosed() {
        Map<String, Object> client = new java.util.LinkedHashMap<>();
        client.put("clientId", "te-broken-import");
        client.put("publicClient", false);
        client.put("secret", "te-broken-import-secret");
        client.put("protocolMappers", List.of(TokenExchangeFixtures.policyMapper("broken import",
                Map.of("allowed.requesters", "jupyterhub", "grantable.scopes", "openid##profile",
                        "max.lifetime.seconds", "forever"))));
        KeycloakAdmin.Response created = admin.post("/admin/realms/vre/clients", client);
        assertThat(created.status()).as(created.body()).isIn(201, 409);
        TokenSet hub = login(HubClient.JUPYTERHUB, LabUser.ALICE);

        Answer answer = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("audience", "te-broken-import"));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.error()).isEqualTo("invalid_target");
        // Refused before the subject token is read, so the event names no user; it names the audience and policy.
        JsonNode event = null;
        for (JsonNode candidate : admin.events("vre", "TOKEN_EXCHANGE_ERROR")) {
            if ("te-broken-import".equals(candidate.path("details").path("audience").asText())) {
                event = candidate;
                break;
            }
        }
        assertThat(event).as("an event for audience te-broken-import").isNotNull();
        assertThat(event.path("details").path("reason").asText()).isEqualTo("policy_invalid");
        assertThat(event.path("details").path("policy").asText()).isEqualTo("broken import");
    }

    private static JsonNode introspect(String token) {
        return introspect(token, "rucio", "rucio-lab-secret");
    }

    private static JsonNode introspect(String token, String clientId, String secret) {
        org.sciencegateway.keycloak.testing.BrowserSession.Page page = new org.sciencegateway.keycloak.testing.BrowserSession()
                .post(server.realmUrl("vre") + "/protocol/openid-connect/token/introspect",
                        Map.of("token", token, "client_id", clientId, "client_secret", secret));
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return TokenSet.parse(page.body()).json();
    }

    private static AccessToken claims(String jwt) {
        try {
            return new org.keycloak.jose.jws.JWSInput(jwt).readJsonContent(AccessToken.class);
        } catch (org.keycloak.jose.jws.JWSInputException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> audiences(JsonNode claims) {
        List<String> out = new ArrayList<>();
        JsonNode aud = claims.path("aud");
        if (aud.isArray()) {
            aud.forEach(a -> out.add(a.asText()));
        } else if (aud.isTextual()) {
            out.add(aud.asText());
        }
        return out;
    }

    private static JsonNode latestEvent(String type, String username) {
        String userId = admin.userId("vre", username);
        for (JsonNode event : admin.events("vre", type)) {
            if (userId.equals(event.path("userId").asText())) {
                return event;
            }
        }
        throw new AssertionError("No " + type + " event for " + username);
    }
}
