package org.sciencegateway.keycloak.it.idpfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpCookie;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Replays the request chains of the outside review that got jupyterhub codes for users its rules refuse, and the
 * token-boundary cases: each must now end on the refusal page (or an OAuth error) with no code and no token.
 */
@DisplayName("Institution filter: the review's bypass chains and the token boundary")
class InstitutionFilterBypassIT {

    private static KeycloakServer server;
    private static KeycloakAdmin admin;

    @BeforeAll
    static void startServer() {
        server = KeycloakServer.shared();
        admin = new KeycloakAdmin(server);
    }

    // ---- chain 1: first-broker-login re-authentication -------------------------------------------------------

    @Test
    @DisplayName("Chain 1: a refused identity linked to mallory by re-authenticating through the proxy gets no code")
    void firstBrokerLoginReauthenticationRefused() {
        String twin = upstreamUser("institution-blocked", "mallory", "mallory@uni-denied.example.org");
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.visit(login.page().identityProviderLink("institution-a").orElseThrow()
                .replace("/broker/institution-a/", "/broker/institution-blocked/"));
        login.signIn(twin, twin);
        BrowserSession.Page reauthentication = linkExistingAccount(login);

        login.visit(brokerLoginFrom(reauthentication, "federation-proxy"));
        login.signIn("mallory", "mallory");

        assertNoCode(login);
        assertThat(links("mallory")).as("no link made for the refused identity").doesNotContain("institution-blocked");
    }

    @Test
    @DisplayName("Chain 1 (mirror): a proxy user without institution, re-authenticating through institution-blocked as zed, gets no code")
    void firstBrokerLoginReauthenticationMirrorRefused() {
        String twin = upstreamUser("federation-proxy", "zed", "zed@institution-blocked.example.org");
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider("federation-proxy");
        login.signIn(twin, twin);
        BrowserSession.Page reauthentication = linkExistingAccount(login);

        login.visit(brokerLoginFrom(reauthentication, "institution-blocked"));
        login.signIn("zed", "zed");

        assertNoCode(login);
        assertThat(links("zed")).doesNotContain("federation-proxy");
    }

    @Test
    @DisplayName("Chain 1 (linking judged): an institution-blocked identity linked to alice through institution-a gets no code")
    void identityBeingLinkedIsJudged() {
        String twin = upstreamUser("institution-blocked", "alice", "alice@institution-a.example.org");
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.visit(login.page().identityProviderLink("institution-a").orElseThrow()
                .replace("/broker/institution-a/", "/broker/institution-blocked/"));
        login.signIn(twin, twin);
        BrowserSession.Page reauthentication = linkExistingAccount(login);

        login.visit(brokerLoginFrom(reauthentication, "institution-a"));
        login.signIn("alice", "alice");

        assertNoCode(login);
        assertThat(links("alice")).doesNotContain("institution-blocked");
    }

    // ---- chain 2: same-tab replay after an admitted post-broker-login -----------------------------------------

    @Test
    @DisplayName("Chain 2: alice's admitted tab replayed to institution-blocked as zed gets no code")
    void sameTabReplayRefused() {
        replayAfterAdmittedLogin("institution-a", "alice", "institution-blocked", "zed");
    }

    private void replayAfterAdmittedLogin(String admittedIdp, String admittedUser, String replayIdp, String replayUser) {
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider(admittedIdp);
        Element form = login.page().loginForm().orElseThrow();
        String afterPostBrokerLogin = server.realmUrl("vre") + "/broker/after-post-broker-login";
        BrowserSession.Page stopped = browser.follow(browser.submit(login.page(), form,
                Map.of("username", admittedUser, "password", admittedUser)), afterPostBrokerLogin);
        assertThat(stopped.isRedirect() && stopped.location().startsWith(afterPostBrokerLogin))
                .as("stopped before after-post-broker-login: %s", stopped).isTrue();

        Map<String, String> tab = query(stopped.location());
        login.visit(server.realmUrl("vre") + "/broker/" + replayIdp + "/login?" + BrowserSession.formEncode(Map.of(
                "client_id", "jupyterhub", "tab_id", tab.get("tab_id"), "session_code", tab.get("session_code"),
                "client_data", tab.get("client_data"))));
        assertThat(login.page().url()).as("%s", login.page()).startsWith(server.realmUrl(replayIdp));
        login.signIn(replayUser, replayUser);

        assertNoCode(login);
    }

    // ---- chain 3: SSO reuse with mixed cookies ------------------------------------------------------------------

    @Test
    @DisplayName("Chain 3: zed's identity cookie next to alice's pending authentication session gets no code (plain and prompt=none)")
    void mixedCookiesRefused() {
        BrowserSession zedBrowser = new BrowserSession();
        HubLogin zed = new HubLogin(server, zedBrowser, HubClient.OTHER_GATEWAY);
        zed.start();
        zed.chooseIdentityProvider("institution-blocked");
        zed.signIn("zed", "zed");
        assertThat(zed.reachedHub()).as("%s", zed.page()).isTrue();

        for (String prompt : List.of("", "none")) {
            BrowserSession aliceBrowser = new BrowserSession();
            HubLogin alice = new HubLogin(server, aliceBrowser, HubClient.JUPYTERHUB);
            alice.start();
            alice.chooseIdentityProvider("institution-a");
            alice.signIn("alice", "alice");
            assertThat(alice.reachedHub()).isTrue();
            HubLogin pending = new HubLogin(server, aliceBrowser, HubClient.JUPYTERHUB).parameter("prompt", "login");
            pending.start();
            assertThat(pending.reachedHub()).isFalse();

            for (HttpCookie cookie : zedBrowser.cookies().getCookieStore().getCookies()) {
                if (cookie.getName().startsWith("KEYCLOAK_IDENTITY") || cookie.getName().startsWith("KEYCLOAK_SESSION")) {
                    aliceBrowser.cookies().getCookieStore().add(URI.create(server.realmUrl("vre") + "/"), cookie);
                }
            }
            HubLogin mixed = new HubLogin(server, aliceBrowser, HubClient.JUPYTERHUB);
            if (!prompt.isEmpty()) {
                mixed.parameter("prompt", prompt);
            }
            mixed.start();
            assertNoCode(mixed, prompt.isEmpty());
        }
    }

    // ---- chain 4: legacy client-initiated linking ---------------------------------------------------------------

    @Test
    @DisplayName("Chain 4: legacy /broker/institution-blocked/link through jupyterhub is refused before the redirect")
    void legacyLinkingRefused() throws Exception {
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn("alice", "alice");
        String sid = login.exchangeCode().idTokenClaims().path("sid").asText();

        BrowserSession.Page refused = browser.get(legacyLinkUrl(sid, "institution-blocked"));
        InstitutionFilterIT.assertRefusalPage(refused);
        assertThat(refusalEvents("CLIENT_INITIATED_ACCOUNT_LINKING_ERROR", "idp_link")).isNotEmpty();

        // The guard refuses by the rules, not by the route: for an admitted IdP, Keycloak's own endpoint answers
        // (the lab's hub holds no manage-account role, so Keycloak redirects back with link_error=not_allowed).
        BrowserSession.Page admitted = browser.get(legacyLinkUrl(sid, "institution-b"));
        assertThat(admitted.status()).as("%s", admitted).isNotEqualTo(403);
        assertThat(admitted.isRedirect()).as("%s", admitted).isTrue();
    }

    private String legacyLinkUrl(String sid, String alias) throws Exception {
        String nonce = "n-" + System.nanoTime();
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((nonce + sid + "jupyterhub" + alias).getBytes(StandardCharsets.UTF_8));
        return server.realmUrl("vre") + "/broker/" + alias + "/link?" + BrowserSession.formEncode(Map.of(
                "client_id", "jupyterhub", "redirect_uri", HubClient.JUPYTERHUB.redirectUri(), "nonce", nonce,
                "hash", Base64.getUrlEncoder().withoutPadding().encodeToString(digest)));
    }

    // ---- token boundary and rule changes -------------------------------------------------------------------------

    @Test
    @DisplayName("Token boundary: rules changed between login and code exchange, then refresh and exchange, are refused with invalid_grant; restored rules admit again")
    void ruleChangeTakesEffectAtTheTokenEndpoint() {
        TokenEndpointClient tokens = new TokenEndpointClient(server, "vre");
        TokenSet admitted = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE);
        HubLogin pendingCode = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        pendingCode.start();
        pendingCode.chooseIdentityProvider("institution-a");
        pendingCode.signIn("alice", "alice");
        assertThat(pendingCode.reachedHub()).isTrue();

        String original = jupyterhubRules();
        try {
            setJupyterhubRules("{\"allow\": [{\"idp\": \"institution-b\"}, {\"idp\": \"institution-saml\"}]}");

            assertThat(codeExchangeStatus(pendingCode)).as("code exchange").isEqualTo(400);
            TokenEndpointClient.Answer refresh = tokens.refresh(HubClient.JUPYTERHUB, admitted.refreshToken());
            assertThat(refresh.status()).as(refresh.body()).isEqualTo(400);
            assertThat(refresh.error()).isEqualTo("invalid_grant");
            TokenEndpointClient.Answer exchange = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                    admitted.accessToken()));
            assertThat(exchange.status()).as(exchange.body()).isEqualTo(400);
            assertThat(exchange.error()).isEqualTo("invalid_grant");
            // Keycloak does not store refresh events by default (they go to the event listeners, e.g. the log);
            // the answer itself names the rule.
            assertThat(refresh.json().path("error_description").asText()).contains("rule no-allow-match");
            assertThat(refusalEvents("CODE_TO_TOKEN_ERROR", "no-allow-match")).as("code event").isNotEmpty();

            HubLogin next = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
            next.start();
            next.visit(next.page().identityProviderLink("institution-b").orElseThrow()
                    .replace("/broker/institution-b/", "/broker/institution-a/"));
            next.signIn("alice", "alice");
            assertNoCode(next);
        } finally {
            setJupyterhubRules(original);
        }
        TokenEndpointClient.Answer again = tokens.refresh(HubClient.JUPYTERHUB, admitted.refreshToken());
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE).accessToken()).isNotBlank();
    }

    @Test
    @DisplayName("ReDoS: super-linear patterns are accepted and matched by the linear-time engine; a login is decided with one")
    void backtrackingPatternsAreHarmless() {
        String original = jupyterhubRules();
        try {
            for (String pattern : List.of("(.*a){12}", "(x+x+)+y", "(a+)+$")) {
                int status = setJupyterhubRules("{\"allow\": [{\"idp\": \"institution-a\"}, {\"idp\": \"institution-b\"}], "
                        + "\"deny\": [{\"institutionPattern\": "
                        + "\"" + pattern.replace("\\", "\\\\") + "\"}]}");
                assertThat(status).as(pattern).isBetween(200, 204);
            }
            assertThat(HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE).accessToken())
                    .isNotBlank();
        } finally {
            setJupyterhubRules(original);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static void assertNoCode(HubLogin login) {
        assertNoCode(login, true);
    }

    private static void assertNoCode(HubLogin login, boolean expectPage) {
        if (login.reachedHub()) {
            assertThat(login.callbackParameters()).as("callback without a code").doesNotContainKey("code");
            return;
        }
        if (expectPage) {
            InstitutionFilterIT.assertRefusalPage(login.page());
        }
    }

    /** Answers first-broker-login's pages up to the re-authentication page of the existing account. */
    private static BrowserSession.Page linkExistingAccount(HubLogin login) {
        BrowserSession.Page page = login.page();
        for (int step = 0; step < 4; step++) {
            Element linkForm = page.document().selectFirst("form:has(button[name=submitAction][value=linkAccount])");
            if (linkForm != null) {
                page = login.browser().follow(login.browser().submit(page, linkForm, Map.of("submitAction", "linkAccount")), null);
                continue;
            }
            Element profile = page.document().selectFirst("form#kc-update-profile-form, form#kc-idp-review-profile-form");
            if (profile != null) {
                page = login.browser().follow(login.browser().submit(page, profile, Map.of()), null);
                continue;
            }
            break;
        }
        assertThat(page.document().text()).as("re-authentication page: %s", page).containsIgnoringCase("authenticate");
        return page;
    }

    /** The broker login URL a re-authentication page's own form would lead to, for another identity provider. */
    private static String brokerLoginFrom(BrowserSession.Page page, String alias) {
        return server.realmUrl("vre") + "/broker/" + alias + "/login?" + loginPageParameters(page);
    }

    private static String loginPageParameters(BrowserSession.Page page) {
        Element form = page.document().selectFirst("form[action*=login-actions]");
        assertThat(form).as("a login-actions form on %s", page).isNotNull();
        Map<String, String> action = query(form.absUrl("action"));
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String name : List.of("client_id", "tab_id", "session_code", "client_data")) {
            if (action.containsKey(name)) {
                parameters.put(name, action.get(name));
            }
        }
        return BrowserSession.formEncode(parameters);
    }

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new LinkedHashMap<>();
        String raw = URI.create(url).getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    /** A user of an upstream realm whose password is its username; created once. */
    private static String upstreamUser(String realm, String username, String email) {
        admin.post("/admin/realms/" + realm + "/users", Map.of("username", username, "email", email,
                "emailVerified", true, "enabled", true, "firstName", username, "lastName", "Twin",
                "credentials", List.of(Map.of("type", "password", "value", username, "temporary", false))));
        return username;
    }

    private static List<String> links(String username) {
        JsonNode identities = admin.get("/admin/realms/vre/users/" + admin.userId("vre", username)
                + "/federated-identity").ok();
        return StreamSupport.stream(identities.spliterator(), false)
                .map(i -> i.path("identityProvider").asText()).toList();
    }

    private static int codeExchangeStatus(HubLogin login) {
        try {
            login.exchangeCode();
            return 200;
        } catch (AssertionError e) {
            String message = String.valueOf(e.getMessage());
            assertThat(message).contains("invalid_grant");
            return Integer.parseInt(message.replaceAll("(?s).*Code exchange failed: (\\d{3}).*", "$1"));
        }
    }

    /** Refusal events at jupyterhub of one type naming the rule, newest first. */
    private static List<JsonNode> refusalEvents(String type, String rule) {
        JsonNode events = admin.get("/admin/realms/vre/events?client=jupyterhub&max=500").ok();
        return StreamSupport.stream(events.spliterator(), false)
                .filter(e -> type.equals(e.path("type").asText()))
                .filter(e -> "institution_not_allowed".equals(e.path("error").asText()))
                .filter(e -> rule.equals(e.path("details").path("institution_filter_rule").asText()))
                .toList();
    }

    private static JsonNode jupyterhubFilter() {
        String client = admin.clientUuid("vre", "jupyterhub");
        for (JsonNode mapper : admin.get("/admin/realms/vre/clients/" + client + "/protocol-mappers/models").ok()) {
            if ("sg-institution-filter".equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        throw new AssertionError("jupyterhub has no institution filter");
    }

    private static String jupyterhubRules() {
        return jupyterhubFilter().path("config").path("rules").asText();
    }

    private static int setJupyterhubRules(String rules) {
        ObjectNode mapper = (ObjectNode) jupyterhubFilter().deepCopy();
        ((ObjectNode) mapper.path("config")).put("rules", rules);
        String client = admin.clientUuid("vre", "jupyterhub");
        return admin.put("/admin/realms/vre/clients/" + client + "/protocol-mappers/models/"
                + mapper.path("id").asText(), mapper).status();
    }
}
