package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.OneTimeCode;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TabReplay;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;
import org.sciencegateway.keycloak.testing.UserProfileEdit;

/**
 * Issue 28's four ways to a level of authentication that was not the victim's, replayed against the lab realm
 * exactly as reported: a level belongs to the identity that reached it (1), linking a trusted institution is an
 * enrolment (2), no self-enrolment at the first factor (3), offline subject tokens and an admin's sign-out end the
 * exchange path (4).
 */
@DisplayName("Assurance: a level of authentication belongs to the person who reached it (issue 28)")
@ExtendWith(SharedKeycloak.class)
class AssuranceBindingIT {

    private static final String MFA = "https://refeds.org/profile/mfa";
    private static final String MIXED_IDENTITIES = "another account in this browser tab";
    private static final String STEP_UP_FIRST = "needs your second factor first";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokens;

    @BeforeAll
    static void setUp() {
        tokens = new TokenEndpointClient(server, "vre");
        TokenExchangeFixtures.ensure(admin);
    }

    private static HubClient accountConsole() {
        return new HubClient("vre", "account-console", null, server.realmUrl("vre") + "/account/");
    }

    private static HubClient securityAdminConsole() {
        return new HubClient("vre", "security-admin-console", null, server.baseUrl() + "/admin/vre/console/");
    }

    // ---- finding 1 --------------------------------------------------------------------------------------------

    @Test
    @DisplayName("Finding 1: frank's institution MFA in a tab, replayed as oscar (first factor only) at account-console, "
            + "gets no code; the hub then gets no SSO at MFA and no ssh-gateway token")
    void anotherPersonsMfaInTheSameTabAtAccountConsole() {
        replayFranksMfaAsOscar(accountConsole());
    }

    @Test
    @DisplayName("Finding 1 through security-admin-console: the same replay gets no code")
    void anotherPersonsMfaInTheSameTabAtSecurityAdminConsole() {
        replayFranksMfaAsOscar(securityAdminConsole());
    }

    private void replayFranksMfaAsOscar(HubClient client) {
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, client)
                .scope("openid")
                .parameter("kc_idp_hint", "institution-saml")
                .parameter("acr_values", MFA);
        Map<String, String> tab = TabReplay.stopBeforeAfterPostBrokerLogin(server, login, "frank", OneTimeCode.FRANK);

        replayAs(login, client, tab, "institution-a", "oscar");
        assertNoMfaForOscarAfterwards(browser);
    }

    @Test
    @DisplayName("Finding 1 at a SAML client (IdP-initiated login, no signed request needed): frank's institution MFA in "
            + "the tab, replayed as oscar (first factor only), gets no SAML response")
    void anotherPersonsMfaInTheSameTabAtASamlClient() {
        String entityId = "https://sp.example.org/saml";
        String acs = "https://sp.example.org/saml/acs";
        admin.post("/admin/realms/vre/clients", Map.of("clientId", entityId, "protocol", "saml", "enabled", true,
                "redirectUris", List.of("https://sp.example.org/*"), "attributes", Map.of(
                        "saml_idp_initiated_sso_url_name", "step-up-sp", "saml_assertion_consumer_url_post", acs,
                        "saml.client.signature", "false", "saml.authnstatement", "true"))).ok();
        String client = "/admin/realms/vre/clients/" + admin.clientUuid("vre", entityId);
        try {
            HubClient sp = new HubClient("vre", entityId, null, acs);
            HubLogin login = new HubLogin(server, new BrowserSession(), sp);
            login.visit(server.realmUrl("vre") + "/protocol/saml/clients/step-up-sp");
            BrowserSession.Page institution = login.chooseIdentityProvider("institution-saml");
            Map<String, String> tab = TabReplay.stopBeforeAfterPostBrokerLogin(server, login, institution, "frank",
                    OneTimeCode.FRANK);

            replayAs(login, sp, tab, "institution-a", "oscar");
            assertThat(login.page().document().selectFirst("input[name=SAMLResponse]")).as("no SAML response").isNull();
        } finally {
            admin.delete(client);
        }
    }

    @Test
    @DisplayName("Finding 1 with the attacker's own vre code: oscar's code in a tab, replayed as alice through "
            + "institution-a, gets no code")
    void attackersOwnVreCodeReplayedAsAnother() {
        HubClient client = accountConsole();
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, client)
                .scope("openid")
                .parameter("kc_idp_hint", "institution-a")
                .parameter("acr_values", MFA);
        Map<String, String> tab = TabReplay.stopBeforeAfterPostBrokerLogin(server, login, "oscar", OneTimeCode.OSCAR);

        // alice logs in at institution-a in the same tab: the attacker brings no upstream SSO session for her.
        browser.cookies().getCookieStore().getCookies().stream()
                .filter(c -> c.getPath() != null && c.getPath().startsWith("/realms/institution-a"))
                .toList()
                .forEach(c -> browser.cookies().getCookieStore().remove(null, c));
        replayAs(login, client, tab, "institution-a", "alice");
    }

    private void replayAs(HubLogin login, HubClient client, Map<String, String> tab, String idp, String user) {
        TabReplay.replayAs(server, login, client, tab, idp, user);
        assertThat(login.reachedHub()).as("no code for %s: %s", user, login.page()).isFalse();
        assertThat(login.page().status()).as("%s", login.page()).isEqualTo(403);
        assertThat(login.page().body()).contains(MIXED_IDENTITIES);
        assertRefusal(user, "level_of_another_identity");
    }

    /** Step 4 of the report: the same browser asks for the hub at MFA; no SSO session may hand oscar a code. */
    private void assertNoMfaForOscarAfterwards(BrowserSession browser) {
        HubLogin hub = new HubLogin(server, browser, HubClient.JUPYTERHUB).parameter("acr_values", MFA);
        hub.start();
        if (hub.reachedHub()) {
            TokenSet set = hub.exchangeCode();
            assertThat(set.accessTokenClaims().path("acr").asText()).isNotEqualTo(MFA);
            Answer exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, set.accessToken())
                    .set("audience", "ssh-gateway"));
            assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(400);
        }
    }

    private static void assertRefusal(String username, String reason) {
        String userId = admin.userId("vre", username);
        List<JsonNode> events = new ArrayList<>();
        // A brokered login's completion is reported as IDENTITY_PROVIDER_LOGIN_ERROR, a local one as LOGIN_ERROR.
        admin.events("vre", "IDENTITY_PROVIDER_LOGIN_ERROR").forEach(events::add);
        admin.events("vre", "LOGIN_ERROR").forEach(events::add);
        for (JsonNode event : events) {
            if (userId.equals(event.path("userId").asText())
                    && "assurance_binding_refused".equals(event.path("error").asText())) {
                assertThat(event.path("details").path("reason").asText()).isEqualTo(reason);
                return;
            }
        }
        throw new AssertionError("No assurance_binding_refused event for " + username);
    }

    @Test
    @DisplayName("Finding 1 at the token boundary: with the completion check switched off, oscar's own MFA session "
            + "has no identity-bound level and the ssh-gateway exchange refuses it (fail closed); switched on, granted")
    void exchangeNeedsAnIdentityBoundLevel() {
        String path = "/admin/realms/vre/authentication/required-actions/sg-assurance-level-binding";
        JsonNode action = admin.get(path).ok();
        try {
            ((ObjectNode) action).put("enabled", false);
            assertThat(admin.put(path, action).status()).isEqualTo(204);
            Answer unbound = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, oscarAtMfa().accessToken())
                    .set("audience", "ssh-gateway"));
            assertThat(unbound.status()).as(unbound.body()).isEqualTo(400);
            assertThat(unbound.error()).isEqualTo("insufficient_user_authentication");
        } finally {
            ((ObjectNode) action).put("enabled", true);
            assertThat(admin.put(path, action).status()).isEqualTo(204);
        }
        Answer bound = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, oscarAtMfa().accessToken())
                .set("audience", "ssh-gateway"));
        assertThat(bound.status()).as(bound.body()).isEqualTo(200);
    }

    /** oscar at the hub through institution-a and his vre code, in a new browser. */
    private static TokenSet oscarAtMfa() {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("acr_values", MFA);
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn("oscar", "oscar");
        assertThat(login.asksForOneTimeCode()).as("%s", login.page()).isTrue();
        login.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
        TokenSet set = login.exchangeCode();
        assertThat(set.accessTokenClaims().path("acr").asText()).isEqualTo(MFA);
        return set;
    }

    // ---- finding 2 --------------------------------------------------------------------------------------------

    @Test
    @DisplayName("Finding 2: with oscar's first factor only, kc_action=idp_link to institution-saml (trusted for MFA) "
            + "is refused before any link is made")
    void noLinkToATrustedInstitutionWithoutStepUp() {
        String oscar = admin.userId("vre", "oscar");
        int linksBefore = admin.get("/admin/realms/vre/users/" + oscar + "/federated-identity").ok().size();
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB)
                .parameter("kc_action", "idp_link:institution-saml");
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn("oscar", "oscar");
        assertThat(login.reachedHub()).as("%s", login.page()).isFalse();
        assertThat(login.page().url()).as("never sent to institution-saml").doesNotContain("/realms/institution-saml/");
        assertThat(login.page().body()).contains(STEP_UP_FIRST);
        assertThat(admin.get("/admin/realms/vre/users/" + oscar + "/federated-identity").ok().size())
                .isEqualTo(linksBefore);
        assertRefusal("oscar", "link_needs_level");
    }

    @Test
    @DisplayName("Finding 2 through first-broker-login (outside review): an institution-saml account (trusted for MFA) "
            + "named like alice, linked to alice's existing account after re-authenticating as alice through "
            + "institution-a, is refused and the link is undone — no later login through it can vouch for alice")
    void noFirstBrokerLoginLinkOfATrustedInstitutionToAnExistingAccount() {
        admin.post("/admin/realms/institution-saml/users", Map.of("username", "alice", "enabled", true,
                "email", "alice-twin@institution-saml.example.org", "emailVerified", true, "firstName", "Alice",
                "lastName", "Twin", "credentials", List.of(Map.of("type", "password", "value", "twin-password",
                        "temporary", false)))).ok();
        String twin = "/admin/realms/institution-saml/users/" + admin.userId("institution-saml", "alice");
        String alice = admin.userId("vre", "alice");
        try {
            HubLogin login = new HubLogin(server, new BrowserSession(), accountConsole()).scope("openid")
                    .parameter("kc_idp_hint", "institution-saml");
            login.start();
            login.signIn("alice", "twin-password");
            Element exists = login.page().document().selectFirst("form:has(button[name=submitAction][value=linkAccount])");
            assertThat(exists).as("Keycloak's 'account already exists' page: %s", login.page()).isNotNull();
            login.visitFollowing(login.browser().submit(login.page(), exists, Map.of("submitAction", "linkAccount")));
            login.chooseIdentityProvider("institution-a");
            login.signIn("alice", "alice");

            assertThat(login.reachedHub()).as("%s", login.page()).isFalse();
            assertThat(login.page().status()).as("%s", login.page()).isEqualTo(403);
            assertThat(login.page().body()).contains("linking it to an existing account needs that account");
            assertThat(admin.get("/admin/realms/vre/users/" + alice + "/federated-identity").ok())
                    .extracting(link -> link.path("identityProvider").asText()).doesNotContain("institution-saml");
        } finally {
            admin.delete(twin);
            admin.delete("/admin/realms/vre/users/" + alice + "/federated-identity/institution-saml");
        }
    }

    @Test
    @DisplayName("Finding 2 through Keycloak's legacy linking endpoint (/broker/institution-saml/link): refused for "
            + "oscar's password-only session, no link made; his MFA session is not refused by the guard")
    void noLegacyLinkToATrustedInstitutionWithoutStepUp() throws Exception {
        String oscar = admin.userId("vre", "oscar");
        int linksBefore = admin.get("/admin/realms/vre/users/" + oscar + "/federated-identity").ok().size();
        BrowserSession browser = new BrowserSession();
        HubLogin login = new HubLogin(server, browser, HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn("oscar", "oscar");
        TokenSet passwordOnly = login.exchangeCode();
        BrowserSession.Page refused = browser.get(legacyLinkUrl(passwordOnly, "institution-saml"));
        assertThat(refused.status()).as("%s", refused).isEqualTo(403);
        assertThat(refused.body()).contains(STEP_UP_FIRST);
        assertThat(admin.get("/admin/realms/vre/users/" + oscar + "/federated-identity").ok().size())
                .isEqualTo(linksBefore);

        BrowserSession mfaBrowser = new BrowserSession();
        HubLogin mfa = new HubLogin(server, mfaBrowser, HubClient.JUPYTERHUB).parameter("acr_values", MFA);
        mfa.start();
        mfa.chooseIdentityProvider("institution-a");
        mfa.signIn("oscar", "oscar");
        mfa.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
        BrowserSession.Page allowed = mfaBrowser.get(legacyLinkUrl(mfa.exchangeCode(), "institution-saml"));
        assertThat(allowed.body()).as("%s", allowed).doesNotContain(STEP_UP_FIRST);
    }

    /** Keycloak's client-initiated linking URL for the hub's session (hash over nonce, session, client, provider). */
    private static String legacyLinkUrl(TokenSet hub, String alias) throws Exception {
        String nonce = java.util.UUID.randomUUID().toString();
        String sid = hub.accessTokenClaims().path("sid").asText();
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                (nonce + sid + HubClient.JUPYTERHUB.clientId() + alias).getBytes(StandardCharsets.UTF_8));
        String hash = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        return server.realmUrl("vre") + "/broker/" + alias + "/link?" + BrowserSession.formEncode(Map.of(
                "client_id", HubClient.JUPYTERHUB.clientId(), "redirect_uri", HubClient.JUPYTERHUB.redirectUri(),
                "nonce", nonce, "hash", hash));
    }

    // ---- finding 2: links made before the vetting record ---------------------------------------------------------

    private static final String VETTED = "sg.assurance.vetted-links";

    @Test
    @DisplayName("Finding 2, links made before this release: frank's link to institution-saml without a vetting record "
            + "raises no level (his institution's MFA counts as the first factor, no ssh-gateway token); once an admin "
            + "records it, his institution's MFA counts again")
    void aLinkWithoutAVettingRecordRaisesNoLevel() {
        String path = "/admin/realms/vre/users/" + admin.userId("vre", "frank");
        ObjectNode frank =
                (ObjectNode) admin.get(path).ok();
        JsonNode vetted = frank.path("attributes").path(VETTED).deepCopy();
        assertThat(values(vetted)).as("the lab vets frank's link").containsExactly("institution-saml frank");
        ((ObjectNode) frank.path("attributes")).putArray(VETTED);
        assertThat(admin.put(path, frank).status()).isEqualTo(204);
        try {
            TokenSet unvetted = frankThroughHisInstitution();
            assertThat(unvetted.idTokenClaims().path("acr").asText()).isNotEqualTo(MFA);
            Answer refused = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, unvetted.accessToken())
                    .set("audience", "ssh-gateway"));
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.error()).isEqualTo("insufficient_user_authentication");
            assertThat(values(admin.get(path).ok().path("attributes").path(VETTED)))
                    .as("a login through the unvetted link vets nothing by itself").isEmpty();
        } finally {
            ((ObjectNode) frank.path("attributes")).set(VETTED, vetted);
            assertThat(admin.put(path, frank).status()).isEqualTo(204);
        }
        TokenSet recorded = frankThroughHisInstitution();
        assertThat(recorded.idTokenClaims().path("acr").asText()).isEqualTo(MFA);
        Answer granted = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, recorded.accessToken())
                .set("audience", "ssh-gateway"));
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("Finding 2, the record's own protection: a realm whose user profile lets users edit "
            + "sg.assurance.vetted-links counts no link as vetted (frank's institution MFA raises nothing); given back "
            + "to admins, it does")
    void aVettingRecordUsersCouldWriteCountsForNothing() {
        try (UserProfileEdit edit = UserProfileEdit.letUsersEdit(admin, "vre", VETTED)) {
            assertThat(frankThroughHisInstitution().idTokenClaims().path("acr").asText()).isNotEqualTo(MFA);
        }
        assertThat(frankThroughHisInstitution().idTokenClaims().path("acr").asText()).isEqualTo(MFA);
    }

    @Test
    @DisplayName("Finding 2, vetting: oscar at MFA links an institution-saml account by kc_action=idp_link, and the link "
            + "is recorded as vetted; an admin's link to oscar is not, until a login through it also passes oscar's own "
            + "code")
    void linksAreVettedOnlyWhereTheAccountsOwnLevelWasShown() {
        admin.post("/admin/realms/institution-saml/users", Map.of("username", "oscar-inst", "enabled", true,
                "email", "oscar@institution-saml.example.org", "emailVerified", true, "firstName", "Oscar",
                "lastName", "Inst", "credentials", List.of(Map.of("type", "password", "value", "inst-password",
                        "temporary", false)))).ok();
        String twin = "/admin/realms/institution-saml/users/" + admin.userId("institution-saml", "oscar-inst");
        String oscar = "/admin/realms/vre/users/" + admin.userId("vre", "oscar");
        // As every account first-broker-login creates (default roles), oscar may manage his links; the lab's own
        // demo users are imported without that role.
        String accountRoles = oscar + "/role-mappings/clients/" + admin.clientUuid("vre", "account");
        JsonNode manageLinks = admin.get("/admin/realms/vre/clients/" + admin.clientUuid("vre", "account")
                + "/roles/manage-account-links").ok();
        assertThat(admin.post(accountRoles, List.of(manageLinks)).status()).isEqualTo(204);
        try {
            // The account console's client may manage account links (the hub's client may not).
            HubLogin link = new HubLogin(server, new BrowserSession(), accountConsole()).scope("openid")
                    .parameter("acr_values", MFA).parameter("kc_action", "idp_link:institution-saml");
            link.start();
            link.chooseIdentityProvider("institution-a");
            link.signIn("oscar", "oscar");
            link.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
            Element confirm = link.page().document().selectFirst("form:has(button[name=continue])");
            assertThat(confirm).as("Keycloak asks to confirm the link: %s", link.page()).isNotNull();
            link.visitFollowing(link.browser().submit(link.page(), confirm, Map.of("continue", "")));
            assertThat(link.page().url()).as("%s", link.page()).contains("/realms/institution-saml/");
            link.signIn("oscar-inst", "inst-password");
            assertThat(link.reachedHub()).as("%s", link.page()).isTrue();
            String linkedId = linkedUserId(oscar, "institution-saml");
            assertThat(values(admin.get(oscar).ok().path("attributes").path(VETTED)))
                    .containsExactly("institution-saml " + linkedId);

            // The same account linked by an admin's REST call: no record until oscar's own code is passed through it.
            unlinkAndForget(oscar);
            assertThat(admin.post(oscar + "/federated-identity/institution-saml", Map.of("identityProvider",
                    "institution-saml", "userId", linkedId, "userName", "oscar-inst")).status()).isEqualTo(204);
            HubLogin plain = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
            plain.start();
            plain.chooseIdentityProvider("institution-saml");
            plain.signIn("oscar-inst", "inst-password");
            assertThat(plain.reachedHub()).as("%s", plain.page()).isTrue();
            assertThat(values(admin.get(oscar).ok().path("attributes").path(VETTED))).isEmpty();

            HubLogin stepUp = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("acr_values", MFA);
            stepUp.start();
            stepUp.chooseIdentityProvider("institution-saml");
            stepUp.signIn("oscar-inst", "inst-password");
            assertThat(stepUp.asksForOneTimeCode()).as("oscar's own vre code: %s", stepUp.page()).isTrue();
            stepUp.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
            assertThat(stepUp.reachedHub()).as("%s", stepUp.page()).isTrue();
            assertThat(values(admin.get(oscar).ok().path("attributes").path(VETTED)))
                    .containsExactly("institution-saml " + linkedId);
        } finally {
            admin.delete(twin);
            unlinkAndForget(oscar);
            admin.send("DELETE", accountRoles, List.of(manageLinks));
        }
    }

    private static TokenSet frankThroughHisInstitution() {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider("institution-saml");
        login.signIn("frank", "frank");
        assertThat(login.asksForOneTimeCode()).as("institution-saml asks frank's code: %s", login.page()).isTrue();
        login.enterOneTimeCode(OneTimeCode.next(OneTimeCode.FRANK));
        assertThat(login.reachedHub()).as("%s", login.page()).isTrue();
        return login.exchangeCode();
    }

    private static String linkedUserId(String userPath, String alias) {
        for (JsonNode link : admin.get(userPath + "/federated-identity").ok()) {
            if (alias.equals(link.path("identityProvider").asText())) {
                return link.path("userId").asText();
            }
        }
        throw new AssertionError("no link to " + alias);
    }

    private static void unlinkAndForget(String userPath) {
        admin.delete(userPath + "/federated-identity/institution-saml");
        ObjectNode user =
                (ObjectNode) admin.get(userPath).ok();
        ((ObjectNode) user.with("attributes")).putArray(VETTED);
        assertThat(admin.put(userPath, user).status()).isEqualTo(204);
    }

    private static List<String> values(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    // ---- finding 3 --------------------------------------------------------------------------------------------

    @Test
    @DisplayName("Finding 3: a user with the first factor only asks kc_action=CONFIGURE_TOTP: refused, nothing "
            + "enrolled")
    void noSelfEnrolmentAtTheFirstFactor() {
        String alice = admin.userId("vre", "alice");
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB)
                .parameter("kc_action", "CONFIGURE_TOTP");
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn("alice", "alice");
        assertThat(login.reachedHub()).as("%s", login.page()).isFalse();
        assertThat(login.page().document().selectFirst("input[name=totp]")).as("no enrolment form").isNull();
        assertThat(login.page().body()).contains(STEP_UP_FIRST);
        JsonNode credentials = admin.get("/admin/realms/vre/users/" + alice + "/credentials").ok();
        credentials.forEach(c -> assertThat(c.path("type").asText()).isNotEqualTo("otp"));
        assertRefusal("alice", "enrolment_needs_level");
    }

    // ---- finding 4 --------------------------------------------------------------------------------------------

    /** alice's hub login asking for offline_access; the tokens of her offline session after one refresh. */
    private static TokenSet offlineTokens(String[] sessionId) {
        // The production realm gives every user offline_access; the lab gives it to nobody by default.
        String alice = admin.userId("vre", "alice");
        JsonNode offlineAccess = admin.get("/admin/realms/vre/roles/offline_access").ok();
        admin.post("/admin/realms/vre/users/" + alice + "/role-mappings/realm", List.of(offlineAccess));
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB)
                .scope("openid profile offline_access");
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn("alice", "alice");
        TokenSet online = login.exchangeCode();
        sessionId[0] = online.accessTokenClaims().path("sid").asText();
        assertThat(TokenSet.claims(online.refreshToken()).path("typ").asText()).isEqualTo("Offline");
        Answer refreshed = tokens.refresh(HubClient.JUPYTERHUB, online.refreshToken());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        return refreshed.tokens();
    }

    @Test
    @DisplayName("Finding 4: after logout, an access token from the offline session is refused for rucio "
            + "(lifetime.bound=session) with invalid_request")
    void offlineSubjectTokenRefusedUnderSessionBound() {
        String[] sid = new String[1];
        TokenSet offline = offlineTokens(sid);
        // Logout: every online session of alice ends (her offline session stays, as Keycloak keeps it).
        String alice = admin.userId("vre", "alice");
        JsonNode online = admin.get("/admin/realms/vre/users/" + alice + "/sessions").ok();
        online.forEach(session -> assertThat(admin.delete("/admin/realms/vre/sessions/"
                + session.path("id").asText()).status()).isEqualTo(204));
        assertThat(admin.get("/admin/realms/vre/users/" + alice + "/sessions").ok().size()).isZero();
        Answer refreshed = tokens.refresh(HubClient.JUPYTERHUB, offline.refreshToken());
        assertThat(refreshed.status()).as("the offline session outlives logout: %s", refreshed.body()).isEqualTo(200);
        Answer exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                refreshed.tokens().accessToken()));
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(400);
        assertThat(exchanged.error()).isEqualTo("invalid_request");
        assertThat(exchanged.json().path("error_description").asText()).contains("offline");
    }

    @Test
    @DisplayName("Finding 4 for ssh-gateway (lifetime bound subject-token, minimum level MFA): oscar's offline session "
            + "reached MFA, then logout; its access token is refused for ssh-gateway with invalid_request "
            + "(subject_token_offline): the level belongs to the sign-in session")
    void offlineSubjectTokenRefusedForAMinimumLevel() {
        String oscar = admin.userId("vre", "oscar");
        JsonNode offlineAccess = admin.get("/admin/realms/vre/roles/offline_access").ok();
        String roles = "/admin/realms/vre/users/" + oscar + "/role-mappings/realm";
        admin.post(roles, List.of(offlineAccess));
        try {
            HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB)
                    .scope("openid profile offline_access").parameter("acr_values", MFA);
            login.start();
            login.chooseIdentityProvider("institution-a");
            login.signIn("oscar", "oscar");
            login.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
            TokenSet online = login.exchangeCode();
            assertThat(TokenSet.claims(online.refreshToken()).path("typ").asText()).isEqualTo("Offline");
            admin.get("/admin/realms/vre/users/" + oscar + "/sessions").ok().forEach(session ->
                    admin.delete("/admin/realms/vre/sessions/" + session.path("id").asText()));
            Answer refreshed = tokens.refresh(HubClient.JUPYTERHUB, online.refreshToken());
            assertThat(refreshed.status()).as("the offline session outlives logout: %s", refreshed.body()).isEqualTo(200);
            Answer exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                    refreshed.tokens().accessToken()).set("audience", "ssh-gateway"));
            assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(400);
            assertThat(exchanged.error()).isEqualTo("invalid_request");
            assertThat(exchanged.json().path("error_description").asText()).contains("offline");
        } finally {
            admin.send("DELETE", roles, List.of(offlineAccess));
            admin.get("/admin/realms/vre/users/" + oscar + "/offline-sessions/"
                    + admin.clientUuid("vre", "jupyterhub")).ok().forEach(session ->
                    admin.delete("/admin/realms/vre/sessions/" + session.path("id").asText() + "?isOffline=true"));
        }
    }

    @Test
    @DisplayName("Finding 4: after an admin signs the user out, an offline access token issued just before is "
            + "refused by every policy (te-limited: not session-bound)")
    void adminSignOutEndsTheExchangePath() throws InterruptedException {
        String[] sid = new String[1];
        TokenSet offline = offlineTokens(sid);
        Answer before = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, offline.accessToken())
                .set("audience", TokenExchangeFixtures.LIMITED_AUDIENCE));
        assertThat(before.status()).as("before the sign-out: %s", before.body()).isEqualTo(200);
        // Keycloak's not-before has one-second resolution and a token issued in the sign-out's own second still
        // passes it: the sign-out must fall in a later second than the token's iat.
        Thread.sleep(1100);
        String alice = admin.userId("vre", "alice");
        assertThat(admin.post("/admin/realms/vre/users/" + alice + "/logout", Map.of()).status()).isEqualTo(204);
        Answer after = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, offline.accessToken())
                .set("audience", TokenExchangeFixtures.LIMITED_AUDIENCE));
        assertThat(after.status()).as(after.body()).isEqualTo(400);
        assertThat(after.error()).isEqualTo("invalid_request");
    }
}
