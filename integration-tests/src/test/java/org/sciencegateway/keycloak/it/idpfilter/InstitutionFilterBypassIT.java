package org.sciencegateway.keycloak.it.idpfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpCookie;
import java.net.URI;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Replays the request chains of the outside review that got jupyterhub codes for users its rules refuse, and the
 * token-boundary cases: each must now end on the refusal page (or an OAuth error) with no code and no token.
 */
@DisplayName("Institution filter: the review's bypass chains and the token boundary")
@ExtendWith(SharedKeycloak.class)
class InstitutionFilterBypassIT {

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    /** Events older than the running test do not count for it. */
    private long testStarted;

    @BeforeEach
    void markStart() {
        testStarted = System.currentTimeMillis() - 1_000;
    }

    // ---- enforcement without the picker ------------------------------------------------------------------------

    @Test
    @DisplayName("Without the picker (client login theme keycloak.v2): Keycloak's page is shown, institution-blocked is still refused and institution-a admitted")
    void enforcementDoesNotNeedThePicker() {
        String path = "/admin/realms/vre/clients/" + admin.clientUuid("vre", "jupyterhub");
        com.fasterxml.jackson.databind.node.ObjectNode client =
                (com.fasterxml.jackson.databind.node.ObjectNode) admin.get(path).ok();
        com.fasterxml.jackson.databind.node.ObjectNode attributes =
                (com.fasterxml.jackson.databind.node.ObjectNode) client.path("attributes");
        String original = attributes.path("login_theme").asText("");
        admin.put(path, client.set("attributes", attributes.put("login_theme", "keycloak.v2"))).ok();
        try {
            HubLogin refused = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
            BrowserSession.Page page = refused.start();
            assertThat(page.document().getElementById("sg-picker")).as("no picker in keycloak.v2").isNull();
            assertThat(page.identityProviderLink("institution-a")).as("Keycloak's own IdP buttons").isPresent();
            refused.visit(brokerUrl(page, "institution-blocked"));
            refused.signIn("zed", "zed");
            assertNoCode(refused);
            assertRefusalEvent("jupyterhub", "institution-blocked", "no-allow-match");

            HubLogin admitted = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
            admitted.start();
            admitted.chooseIdentityProvider("institution-a");
            admitted.signIn("alice", "alice");
            assertThat(admitted.reachedHub()).as("%s", admitted.page()).isTrue();
        } finally {
            com.fasterxml.jackson.databind.node.ObjectNode restored =
                    (com.fasterxml.jackson.databind.node.ObjectNode) admin.get(path).ok();
            admin.put(path, restored.set("attributes",
                    ((com.fasterxml.jackson.databind.node.ObjectNode) restored.path("attributes"))
                            .put("login_theme", original))).ok();
        }
    }

    // ---- chain 1: first-broker-login re-authentication -------------------------------------------------------

    @Test
    @DisplayName("Chain 1: a refused identity linked to mallory by re-authenticating through the proxy gets no code")
    void firstBrokerLoginReauthenticationRefused() {
        HubLogin login = reauthenticationChain(HubClient.JUPYTERHUB, "institution-blocked", "mallory",
                "mallory@uni-denied.example.org", "federation-proxy", "mallory");
        assertNoCode(login);
        assertRefusalEvent("jupyterhub", "federation-proxy", "no-allow-match");
        assertThat(links("mallory")).as("no link made for the refused identity").doesNotContain("institution-blocked");
    }

    @Test
    @DisplayName("Chain 1 (mirror): a proxy user without institution, re-authenticating through institution-blocked as zed, gets no code")
    void firstBrokerLoginReauthenticationMirrorRefused() {
        HubLogin login = reauthenticationChain(HubClient.JUPYTERHUB, "federation-proxy", "zed",
                "zed@institution-blocked.example.org", "institution-blocked", "zed");
        assertNoCode(login);
        assertRefusalEvent("jupyterhub", "institution-blocked", "no-allow-match");
        assertThat(links("zed")).doesNotContain("federation-proxy");
    }

    @Test
    @DisplayName("Chain 1 (linking judged): an institution-blocked identity linked to alice through institution-a gets no code")
    void identityBeingLinkedIsJudged() {
        HubLogin login = reauthenticationChain(HubClient.JUPYTERHUB, "institution-blocked", "alice",
                "alice@institution-a.example.org", "institution-a", "alice");
        assertNoCode(login);
        assertRefusalEvent("jupyterhub", "institution-blocked", "no-allow-match");
        assertThat(links("alice")).doesNotContain("institution-blocked");
    }

    @Test
    @DisplayName("Chain 1 (control): linking an admitted identity by re-authenticating through an admitted IdP still works")
    void firstBrokerLoginReauthenticationAdmitted() {
        try {
            HubLogin login = reauthenticationChain(HubClient.JUPYTERHUB, "institution-a", "bob",
                    "bob@institution-b.example.org", "institution-b", "bob");
            assertThat(login.reachedHub()).as("%s", login.page()).isTrue();
            assertThat(login.exchangeCode().idTokenClaims().path("preferred_username").asText()).isEqualTo("bob");
            assertThat(links("bob")).contains("institution-a", "institution-b");
        } finally {
            admin.delete("/admin/realms/vre/users/" + admin.userId("vre", "bob") + "/federated-identity/institution-a");
        }
    }

    @Test
    @DisplayName("Chain 1 at other-gateway (symmetry): an identity it admits, linked to alice by re-authenticating through institution-a, which only jupyterhub admits, gets no code")
    void firstBrokerLoginReauthenticationRefusedAtOtherGateway() {
        withOtherGatewayRules(OTHER_GATEWAY_WITHOUT_INSTITUTION_A, () -> {
            HubLogin login = reauthenticationChain(HubClient.OTHER_GATEWAY, "institution-blocked", "alice",
                    "alice@institution-a.example.org", "institution-a", "alice");
            assertNoCode(login);
            assertRefusalEvent("other-gateway", "institution-a", "no-allow-match");
            assertThat(links("alice")).doesNotContain("institution-blocked");
        });
    }

    /**
     * The review's chain: a first login through {@code twinIdp} as an upstream user named like an existing vre
     * account, "account already exists", {@code submitAction=linkAccount}, then the re-authentication page's broker
     * URL for {@code reauthIdp} and its login as the account's owner.
     */
    private HubLogin reauthenticationChain(HubClient hub, String twinIdp, String twin, String email,
                                                  String reauthIdp, String reauthUser) {
        upstreamUser(twinIdp, twin, email);
        HubLogin login = new HubLogin(server, new BrowserSession(), hub);
        login.start();
        login.visit(brokerUrl(login.page(), twinIdp));
        assertThat(login.page().url()).as("%s", login.page()).startsWith(server.realmUrl(twinIdp));
        login.signIn(twin, twin);
        BrowserSession.Page reauthentication = linkExistingAccount(login);

        login.visit(brokerLoginFrom(reauthentication, reauthIdp));
        assertThat(login.page().url()).as("%s", login.page()).startsWith(server.realmUrl(reauthIdp));
        login.signIn(reauthUser, reauthUser);
        return login;
    }

    @Test
    @DisplayName("Refused first login: the account first-broker-login registered is removed, and a reload of the page is no error")
    void refusedFirstLoginLeavesNoAccount() {
        String newcomer = upstreamUser("institution-blocked", "newcomer" + System.nanoTime(), null);
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.visit(brokerUrl(login.page(), "institution-blocked"));
        login.signIn(newcomer, newcomer);

        assertNoCode(login);
        assertThat(admin.get("/admin/realms/vre/users?exact=true&username=" + newcomer).ok()).as("vre account").isEmpty();
        BrowserSession.Page reload = login.browser().get(login.page().url());
        assertThat(reload.status()).as("%s", reload).isLessThan(500);
    }

    // ---- chain 2: same-tab replay after an admitted post-broker-login -----------------------------------------

    @Test
    @DisplayName("Chain 2: alice's admitted tab replayed to institution-blocked as zed gets no code")
    void sameTabReplayRefused() {
        replayAfterAdmittedLogin(HubClient.JUPYTERHUB, "institution-a", "alice", "institution-blocked", "zed");
    }

    @Test
    @DisplayName("Chain 2: erin's admitted proxy tab replayed to the proxy as mallory gets no code")
    void sameTabReplayThroughProxyRefused() {
        replayAfterAdmittedLogin(HubClient.JUPYTERHUB, "federation-proxy", "erin", "federation-proxy", "mallory");
    }

    @Test
    @DisplayName("Chain 2 at other-gateway (symmetry): zed's admitted tab replayed to institution-a as alice gets no code")
    void sameTabReplayRefusedAtOtherGateway() {
        withOtherGatewayRules(OTHER_GATEWAY_WITHOUT_INSTITUTION_A, () ->
                replayAfterAdmittedLogin(HubClient.OTHER_GATEWAY, "institution-blocked", "zed", "institution-a", "alice"));
    }

    private void replayAfterAdmittedLogin(HubClient hub, String admittedIdp, String admittedUser, String replayIdp,
                                          String replayUser) {
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, hub);
        login.start();
        login.visit(brokerUrl(login.page(), admittedIdp));
        Element form = login.page().loginForm().orElseThrow();
        String afterPostBrokerLogin = server.realmUrl("vre") + "/broker/after-post-broker-login";
        // The client stops at the redirect to after-post-broker-login, as the review's did.
        BrowserSession.Page stopped = browser.submit(login.page(), form,
                Map.of("username", admittedUser, "password", admittedUser));
        for (int hop = 0; hop < 10 && stopped.isRedirect() && !stopped.location().startsWith(afterPostBrokerLogin); hop++) {
            stopped = browser.get(stopped.location());
        }
        assertThat(stopped.isRedirect() && stopped.location().startsWith(afterPostBrokerLogin))
                .as("stopped before after-post-broker-login: %s", stopped).isTrue();

        Map<String, String> tab = BrowserSession.queryParameters(stopped.location());
        // A login as another user at the upstream IdP: the attacker brings no upstream SSO session for it.
        browser.cookies().getCookieStore().getCookies().stream()
                .filter(c -> c.getPath() != null && c.getPath().startsWith("/realms/" + replayIdp))
                .toList()
                .forEach(c -> browser.cookies().getCookieStore().remove(null, c));
        login.visit(server.realmUrl("vre") + "/broker/" + replayIdp + "/login?" + BrowserSession.formEncode(Map.of(
                "client_id", hub.clientId(), "tab_id", tab.get("tab_id"), "session_code", tab.get("session_code"),
                "client_data", tab.get("client_data"))));
        assertThat(login.page().url()).as("%s", login.page()).startsWith(server.realmUrl(replayIdp));
        login.signIn(replayUser, replayUser);

        assertNoCode(login);
        assertRefusalEvent(hub.clientId(), replayIdp, "undecided-identity");
    }

    // ---- chain 3: SSO reuse with mixed cookies ------------------------------------------------------------------

    @Test
    @DisplayName("Chain 3: zed's identity cookie next to alice's pending authentication session gets no code (plain and prompt=none)")
    void mixedCookiesRefused() {
        mixedCookies(HubClient.OTHER_GATEWAY, "institution-blocked", "zed", HubClient.JUPYTERHUB, "institution-a", "alice");
    }

    @Test
    @DisplayName("Chain 3 at other-gateway (symmetry): alice's identity cookie next to zed's pending authentication session gets no code")
    void mixedCookiesRefusedAtOtherGateway() {
        withOtherGatewayRules(OTHER_GATEWAY_WITHOUT_INSTITUTION_A, () ->
                mixedCookies(HubClient.JUPYTERHUB, "institution-a", "alice", HubClient.OTHER_GATEWAY,
                        "institution-blocked", "zed"));
    }

    /**
     * {@code cookieUser} logs in at {@code cookieHub} (admitted there); in another browser {@code pendingUser} logs
     * in at {@code hub} and starts a {@code prompt=login} login that stays pending; the second browser then gets the
     * first one's identity cookies and asks {@code hub}, which refuses {@code cookieUser}, for a code.
     */
    private void mixedCookies(HubClient cookieHub, String cookieIdp, String cookieUser, HubClient hub,
                              String pendingIdp, String pendingUser) {
        BrowserSession cookieBrowser = new BrowserSession();
        HubLogin owner = new HubLogin(server, cookieBrowser, cookieHub);
        owner.start();
        owner.visit(brokerUrl(owner.page(), cookieIdp));
        owner.signIn(cookieUser, cookieUser);
        assertThat(owner.reachedHub()).as("%s", owner.page()).isTrue();

        for (String prompt : List.of("", "none")) {
            BrowserSession browser = new BrowserSession();
            HubLogin admitted = new HubLogin(server, browser, hub);
            admitted.start();
            admitted.visit(brokerUrl(admitted.page(), pendingIdp));
            admitted.signIn(pendingUser, pendingUser);
            assertThat(admitted.reachedHub()).as("%s", admitted.page()).isTrue();
            HubLogin pending = new HubLogin(server, browser, hub).parameter("prompt", "login");
            pending.start();
            assertThat(pending.reachedHub()).isFalse();

            for (HttpCookie cookie : cookieBrowser.cookies().getCookieStore().getCookies()) {
                if (cookie.getName().startsWith("KEYCLOAK_IDENTITY") || cookie.getName().startsWith("KEYCLOAK_SESSION")) {
                    browser.cookies().getCookieStore().add(URI.create(server.realmUrl("vre") + "/"), cookie);
                }
            }
            HubLogin mixed = new HubLogin(server, browser, hub);
            if (!prompt.isEmpty()) {
                mixed.parameter("prompt", prompt);
            }
            mixed.start();
            assertNoCode(mixed, prompt.isEmpty());
        }
        assertRefusalEvent(hub.clientId(), cookieIdp, "session-mismatch");
    }

    // ---- chain 4: legacy client-initiated linking ---------------------------------------------------------------

    @Test
    @DisplayName("Chain 4: legacy /broker/institution-blocked/link through jupyterhub is refused before the redirect")
    void legacyLinkingRefused() throws Exception {
        legacyLinking(HubClient.JUPYTERHUB, "institution-a", "alice", "institution-blocked", "institution-b");
    }

    @Test
    @DisplayName("Chain 4 at other-gateway (symmetry): legacy /broker/institution-a/link through other-gateway is refused")
    void legacyLinkingRefusedAtOtherGateway() {
        withOtherGatewayRules(OTHER_GATEWAY_WITHOUT_INSTITUTION_A, () -> {
            try {
                legacyLinking(HubClient.OTHER_GATEWAY, "institution-blocked", "zed", "institution-a", "institution-b");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void legacyLinking(HubClient hub, String loginIdp, String user, String refusedIdp, String admittedIdp)
            throws Exception {
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, hub);
        login.start();
        login.visit(brokerUrl(login.page(), loginIdp));
        login.signIn(user, user);
        String sid = login.exchangeCode().idTokenClaims().path("sid").asText();

        BrowserSession.Page refused = browser.get(legacyLinkUrl(hub, sid, refusedIdp));
        InstitutionFilterIT.assertRefusalPage(refused);
        assertThat(refusalEvents(hub.clientId(), "CLIENT_INITIATED_ACCOUNT_LINKING_ERROR", "idp_link")).isNotEmpty();
        // The same endpoint respelled (matrix parameter, doubled slash) never reaches the identity provider either.
        BrowserSession.Page respelled = browser.get(legacyLinkUrl(hub, sid, refusedIdp)
                .replace("/broker/" + refusedIdp + "/link", "/broker//" + refusedIdp + ";v=1/link"));
        assertThat(respelled.status()).as("%s", respelled).isIn(400, 403, 404);
        assertThat(respelled.isRedirect()).isFalse();

        // The guard refuses by the rules, not by the route: for an admitted IdP, Keycloak's own endpoint answers —
        // the lab's hubs hold no manage-account role, so Keycloak refuses with its own not_allowed (up to 26.7.4 a
        // redirect back with link_error=not_allowed, from 26.7.5 its 400 error page), never the filter's refusal.
        BrowserSession.Page admitted = browser.get(legacyLinkUrl(hub, sid, admittedIdp));
        assertThat(admitted.status()).as("%s", admitted).isNotEqualTo(403);
        assertThat(admitted.isRedirect() || admitted.status() == 400).as("%s", admitted).isTrue();
        assertThat(admitted.body()).doesNotContain(InstitutionFilterIT.REFUSAL_TEXT);
    }

    private String legacyLinkUrl(HubClient hub, String sid, String alias) throws Exception {
        String nonce = "n-" + System.nanoTime();
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((nonce + sid + hub.clientId() + alias).getBytes(StandardCharsets.UTF_8));
        return server.realmUrl("vre") + "/broker/" + alias + "/link?" + BrowserSession.formEncode(Map.of(
                "client_id", hub.clientId(), "redirect_uri", hub.redirectUri(), "nonce", nonce,
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
            assertThat(refusalEvents("jupyterhub", "CODE_TO_TOKEN_ERROR", "no-allow-match")).as("code event").isNotEmpty();

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
        Map<String, String> action = BrowserSession.queryParameters(form.absUrl("action"));
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String name : List.of("client_id", "tab_id", "session_code", "client_data")) {
            if (action.containsKey(name)) {
                parameters.put(name, action.get(name));
            }
        }
        return BrowserSession.formEncode(parameters);
    }

    /** A user of an upstream realm whose password is its username; created once. */
    private static String upstreamUser(String realm, String username, String email) {
        Map<String, Object> user = new LinkedHashMap<>(Map.of("username", username, "emailVerified", true,
                "enabled", true, "firstName", username, "lastName", "Twin",
                "credentials", List.of(Map.of("type", "password", "value", username, "temporary", false))));
        user.put("email", email == null ? username + "@" + realm + ".example.org" : email);
        admin.post("/admin/realms/" + realm + "/users", user);
        return username;
    }

    private void assertRefusalEvent(String clientId, String identityProvider, String rule) {
        JsonNode events = admin.get("/admin/realms/vre/events?client=" + clientId + "&max=300").ok();
        assertThat(StreamSupport.stream(events.spliterator(), false)
                .filter(e -> e.path("time").asLong() >= testStarted)
                .filter(e -> "institution_not_allowed".equals(e.path("error").asText()))
                .filter(e -> identityProvider.equals(e.path("details").path("identity_provider").asText()))
                .anyMatch(e -> rule.equals(e.path("details").path("institution_filter_rule").asText())))
                .as("refusal event %s/%s/%s in %s", clientId, identityProvider, rule, events).isTrue();
    }

    /** A broker login URL for {@code alias}, made from any identity-provider button of a vre login page. */
    private static String brokerUrl(BrowserSession.Page page, String alias) {
        Element button = page.document().selectFirst("a[id^=social-]");
        assertThat(button).as("an identity-provider button on %s", page).isNotNull();
        return button.absUrl("href").replaceFirst("/broker/[^/]+/login", "/broker/" + alias + "/login");
    }

    /** Rules for other-gateway under which institution-a is an IdP only jupyterhub admits. */
    private static final String OTHER_GATEWAY_WITHOUT_INSTITUTION_A =
            "{\"allow\": [{\"idp\": \"institution-blocked\"}, {\"idp\": \"institution-b\"}]}";

    private static void withOtherGatewayRules(String rules, Runnable test) {
        String original = rulesOf("other-gateway");
        assertThat(setRules("other-gateway", rules)).isBetween(200, 204);
        try {
            test.run();
        } finally {
            setRules("other-gateway", original);
        }
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

    /** Refusal events at a client of one type naming the rule, newest first. */
    private List<JsonNode> refusalEvents(String clientId, String type, String rule) {
        JsonNode events = admin.get("/admin/realms/vre/events?client=" + clientId + "&max=500").ok();
        return StreamSupport.stream(events.spliterator(), false)
                .filter(e -> e.path("time").asLong() >= testStarted)
                .filter(e -> type.equals(e.path("type").asText()))
                .filter(e -> "institution_not_allowed".equals(e.path("error").asText()))
                .filter(e -> rule.equals(e.path("details").path("institution_filter_rule").asText()))
                .toList();
    }

    private static JsonNode filterOf(String clientId) {
        String client = admin.clientUuid("vre", clientId);
        for (JsonNode mapper : admin.get("/admin/realms/vre/clients/" + client + "/protocol-mappers/models").ok()) {
            if ("sg-institution-filter".equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        throw new AssertionError(clientId + " has no institution filter");
    }

    private static String rulesOf(String clientId) {
        return filterOf(clientId).path("config").path("rules").asText();
    }

    private static String jupyterhubRules() {
        return rulesOf("jupyterhub");
    }

    private static int setJupyterhubRules(String rules) {
        return setRules("jupyterhub", rules);
    }

    private static int setRules(String clientId, String rules) {
        ObjectNode mapper = (ObjectNode) filterOf(clientId).deepCopy();
        ((ObjectNode) mapper.path("config")).put("rules", rules);
        String client = admin.clientUuid("vre", clientId);
        return admin.put("/admin/realms/vre/clients/" + client + "/protocol-mappers/models/"
                + mapper.path("id").asText(), mapper).status();
    }
}
