package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.common.VerificationException;
import org.keycloak.representations.AccessToken;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.RucioTokenRules;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * The notebook's Rucio token under a session-bound policy, in a realm with short lifetimes (hub access tokens of
 * 10 s, an SSO session of at most 60 s): the exchanged token outlives several hub tokens but never the session, its
 * refresh keeps working while the session lives, and stops right after logout, after the user leaves the required
 * group, and after the session's maximum lifespan; the README's hub-side renewal (refresh_user, then the exchange)
 * yields a valid token at every renewal until the user leaves the group or logs out.
 */
@DisplayName("Rucio tokens bound by the user's session, not by the hub's access token")
@ExtendWith(SharedKeycloak.class)
class TokenExchangeLifetimeIT {

    private static final String REALM = "notebook-lifetimes";
    private static final int ACCESS_TOKEN_SECONDS = 10;
    private static final int SESSION_MAX_SECONDS = 60;
    private static final HubClient HUB = new HubClient(REALM, "hub", "hub-lifetime-secret",
            "http://localhost:8010/hub/oauth_callback");

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokens;
    private static RucioTokenRules rucio;

    @BeforeAll
    static void createRealm() {
        tokens = new TokenEndpointClient(server, REALM);
        rucio = RucioTokenRules.forIssuer(server.realmUrl(REALM));
        admin.delete("/admin/realms/" + REALM);
        admin.post("/admin/realms", Map.of(
                "realm", REALM, "enabled", true,
                "accessTokenLifespan", ACCESS_TOKEN_SECONDS,
                "ssoSessionIdleTimeout", SESSION_MAX_SECONDS, "ssoSessionMaxLifespan", SESSION_MAX_SECONDS,
                "groups", List.of(Map.of("name", "escape", "subGroups", List.of(Map.of("name", "users")))),
                "users", List.of(Map.of("username", "nora", "enabled", true, "email", "nora@lab.example",
                        "emailVerified", true, "firstName", "Nora", "lastName", "Notebook",
                        "groups", List.of("/escape/users"),
                        "credentials", List.of(Map.of("type", "password", "value", "nora-password",
                                "temporary", false)))),
                "clients", List.of(
                        Map.of("clientId", HUB.clientId(), "publicClient", false, "secret", HUB.clientSecret(),
                                "standardFlowEnabled", true, "redirectUris", List.of(HUB.redirectUri())),
                        Map.of("clientId", "rucio", "publicClient", false, "secret", "rucio-lifetime-secret",
                                "standardFlowEnabled", false, "protocolMappers", List.of(Map.of(
                                        "name", "rucio exchange policy", "protocol", "openid-connect",
                                        "protocolMapper", "audience-exchange-policy", "config", Map.of(
                                                "allowed.requesters", HUB.clientId(),
                                                "required.groups", "/escape/users",
                                                "grantable.scopes", "openid##profile",
                                                "max.lifetime.seconds", "3600",
                                                "lifetime.bound", "session",
                                                "refresh.allowed", "true",
                                                "wlcg.claims", "true",
                                                "wlcg.groups.root", "/escape"))))))).ok();
    }

    @AfterAll
    static void removeRealm() {
        if (admin != null) {
            admin.delete("/admin/realms/" + REALM);
        }
    }

    private record Notebook(TokenSet hub, TokenSet exchanged) {
    }

    /** The hub's login, then the exchange a hub does at spawn for the notebook (seed 002, with a refresh token). */
    private static Notebook spawn() {
        HubLogin login = new HubLogin(server, new BrowserSession(), HUB);
        login.start();
        login.signIn("nora", "nora-password");
        TokenSet hub = login.exchangeCode();
        Answer answer = tokens.post(TokenEndpointClient.seed002(HUB, hub.accessToken())
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return new Notebook(hub, answer.tokens());
    }

    @Test
    @DisplayName("Given a session-bound policy, then the Rucio token outlives several hub tokens, never the session, and refreshes until logout")
    void outlivesTheHubTokenNotTheSessionUntilLogout() throws Exception {
        Notebook notebook = spawn();
        AccessToken hubToken = claims(notebook.hub().accessToken());
        AccessToken first = rucio.validate(notebook.exchanged().accessToken());
        long sessionStart = hubToken.getIat();
        assertThat(hubToken.getExp() - hubToken.getIat()).isEqualTo(ACCESS_TOKEN_SECONDS);
        assertThat(first.getExp()).as("longer than the hub's token").isGreaterThan(hubToken.getExp() + 30)
                .as("never past the session's maximum").isLessThanOrEqualTo(sessionStart + SESSION_MAX_SECONDS);

        Thread.sleep((2 * ACCESS_TOKEN_SECONDS + 5) * 1000L);
        // Two and a half hub-token lifetimes later: the hub's token is dead, the notebook's still passes Rucio.
        Answer again = tokens.post(TokenEndpointClient.seed002(HUB, notebook.hub().accessToken()));
        assertThat(again.status()).as("re-exchanging the expired hub token").isEqualTo(400);
        rucio.validate(notebook.exchanged().accessToken());
        Answer renewed = tokens.refresh(HUB, notebook.exchanged().refreshToken());
        assertThat(renewed.status()).as(renewed.body()).isEqualTo(200);
        AccessToken second = rucio.validate(renewed.tokens().accessToken());
        assertThat(second.getAudience()).containsExactly("rucio");
        assertThat(second.getExp()).isLessThanOrEqualTo(sessionStart + SESSION_MAX_SECONDS);

        String sid = hubToken.getSessionId();
        assertThat(admin.delete("/admin/realms/" + REALM + "/sessions/" + sid).status()).isEqualTo(204);

        Answer afterLogout = tokens.refresh(HUB, renewed.tokens().refreshToken());
        assertThat(afterLogout.status()).isEqualTo(400);
        assertThat(afterLogout.error()).isEqualTo("invalid_grant");
        assertThat(introspect(renewed.tokens().accessToken()).path("active").asBoolean()).isFalse();
    }

    @Test
    @DisplayName("Given the README's hub renewal (refresh_user, then the exchange), then each renewal yields a valid Rucio token until the user leaves the group or logs out")
    void hubRenewalAsTheReadmeRecipeDoesIt() throws Exception {
        Notebook notebook = spawn();
        long sessionStart = claims(notebook.hub().accessToken()).getIat();
        String hubRefreshToken = notebook.hub().refreshToken();
        String hubAccessToken = notebook.hub().accessToken();
        for (int renewal = 1; renewal <= 3; renewal++) {
            Thread.sleep((ACCESS_TOKEN_SECONDS + 2) * 1000L);
            // refresh_user: the hub's own refresh grant, with its secret, on the hub.
            TokenSet refreshed = tokens.refresh(HUB, hubRefreshToken).tokens();
            hubRefreshToken = refreshed.refreshToken();
            hubAccessToken = refreshed.accessToken();
            // modify_auth_state_hook: seed 002's exchange with the fresh hub token.
            Answer exchanged = tokens.post(TokenEndpointClient.seed002(HUB, hubAccessToken));
            assertThat(exchanged.status()).as("renewal %d: %s", renewal, exchanged.body()).isEqualTo(200);
            AccessToken rucioToken = rucio.validate(exchanged.tokens().accessToken());
            assertThat(rucioToken.getExp()).as("renewal %d", renewal)
                    .isLessThanOrEqualTo(sessionStart + SESSION_MAX_SECONDS);
        }

        String user = admin.userId(REALM, "nora");
        String group = groupId("/escape/users");
        admin.delete("/admin/realms/" + REALM + "/users/" + user + "/groups/" + group);
        try {
            Answer refused = tokens.post(TokenEndpointClient.seed002(HUB, hubAccessToken));
            assertThat(refused.status()).as("the hook drops the token").isEqualTo(403);
            assertThat(refused.error()).isEqualTo("access_denied");
        } finally {
            admin.put("/admin/realms/" + REALM + "/users/" + user + "/groups/" + group, Map.of()).ok();
        }

        String sid = claims(hubAccessToken).getSessionId();
        assertThat(admin.delete("/admin/realms/" + REALM + "/sessions/" + sid).status()).isEqualTo(204);
        Answer hubRefresh = tokens.refresh(HUB, hubRefreshToken);
        assertThat(hubRefresh.status()).as("refresh_user after logout").isEqualTo(400);
        assertThat(hubRefresh.error()).isEqualTo("invalid_grant");
        assertThat(tokens.post(TokenEndpointClient.seed002(HUB, hubAccessToken)).status())
                .as("no exchange with the logged-out session's token").isEqualTo(400);
    }

    @Test
    @DisplayName("Given the user leaves /escape/users, then the next refresh is refused and introspection says inactive")
    void leavingTheGroupStopsRenewal() {
        Notebook notebook = spawn();
        String user = admin.userId(REALM, "nora");
        String group = groupId("/escape/users");
        assertThat(admin.delete("/admin/realms/" + REALM + "/users/" + user + "/groups/" + group).status())
                .isEqualTo(204);
        try {
            Answer refused = tokens.refresh(HUB, notebook.exchanged().refreshToken());
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.error()).isEqualTo("invalid_grant");
            assertThat(introspect(notebook.exchanged().accessToken()).path("active").asBoolean()).isFalse();
        } finally {
            admin.put("/admin/realms/" + REALM + "/users/" + user + "/groups/" + group, Map.of()).ok();
        }
    }

    @Test
    @DisplayName("Given the session reaches its maximum lifespan, then no refresh, no exchange and Rucio's rules refuse the last token")
    void sessionExpiryEndsEverything() throws Exception {
        Notebook notebook = spawn();
        AccessToken last = rucio.validate(notebook.exchanged().accessToken());
        long wait = Math.max(0, last.getExp() - System.currentTimeMillis() / 1000) + 2;
        assertThat(wait).isLessThanOrEqualTo(SESSION_MAX_SECONDS + 2);

        Thread.sleep(wait * 1000L);

        Answer refused = tokens.refresh(HUB, notebook.exchanged().refreshToken());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.error()).isEqualTo("invalid_grant");
        assertThatThrownBy(() -> rucio.validate(notebook.exchanged().accessToken()))
                .isInstanceOf(VerificationException.class);
        assertThat(introspect(notebook.exchanged().accessToken()).path("active").asBoolean()).isFalse();
    }

    private static String groupId(String path) {
        return admin.get("/admin/realms/" + REALM + "/group-by-path" + path).ok().path("id").asText();
    }

    private static JsonNode introspect(String token) {
        BrowserSession.Page page = new BrowserSession().post(server.realmUrl(REALM)
                + "/protocol/openid-connect/token/introspect",
                Map.of("token", token, "client_id", "rucio", "client_secret", "rucio-lifetime-secret"));
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
}
