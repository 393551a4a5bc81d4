package org.sciencegateway.keycloak.it.idpfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenSet;

@DisplayName("Institution filter in realm vre (jupyterhub and other-gateway rules)")
@ExtendWith(SharedKeycloak.class)
class InstitutionFilterIT {

    static final String REFUSAL_TEXT = "not allowed for this service";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    static void assertRefused(HubLogin login) {
        assertThat(login.reachedHub()).as("reached the hub: %s", login.page()).isFalse();
        assertRefusalPage(login.page());
    }

    static void assertRefusalPage(BrowserSession.Page page) {
        assertThat(page.status()).as("%s", page).isEqualTo(403);
        assertThat(page.document().text()).contains(REFUSAL_TEXT);
        assertThat(page.body()).doesNotContain("Exception").doesNotContain("at org.");
    }

    /**
     * The login page (the institution picker) does not offer institution-blocked at jupyterhub, so a user who gets
     * there anyway uses its broker URL, crafted from an offered one.
     */
    static void throughBlockedInstitution(HubLogin login) {
        assertThat(login.page().identityProviderLink("institution-blocked")).as("offered at jupyterhub").isEmpty();
        String allowedLink = login.page().identityProviderLink("institution-a").orElseThrow();
        BrowserSession.Page upstream = login.visit(allowedLink.replace("/broker/institution-a/",
                "/broker/institution-blocked/"));
        assertThat(upstream.url()).as("%s", upstream).startsWith(server.realmUrl("institution-blocked"));
    }

    /** The newest refusal event for {@code clientId} with the given rule, failing when there is none. */
    static JsonNode refusalEvent(String clientId, String identityProvider, String rule) {
        JsonNode events = admin.get("/admin/realms/vre/events?client=" + clientId + "&max=200").ok();
        return StreamSupport.stream(events.spliterator(), false)
                .filter(e -> "institution_not_allowed".equals(e.path("error").asText()))
                .filter(e -> identityProvider.equals(e.path("details").path("identity_provider").asText()))
                .filter(e -> rule.equals(e.path("details").path("institution_filter_rule").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No refusal event for " + clientId + "/" + identityProvider
                        + "/" + rule + " in " + events));
    }

    static HubLogin startAt(HubClient client, Map<String, String> parameters) {
        HubLogin login = new HubLogin(server, new BrowserSession(), client);
        parameters.forEach(login::parameter);
        login.start();
        return login;
    }

    @Nested
    @DisplayName("Admission")
    class Admission {

        @ParameterizedTest(name = "{0}")
        @EnumSource(value = LabUser.class, names = {"ALICE", "CAROL", "BOB", "DAVE", "ERIN"})
        @DisplayName("Given a user of an institution jupyterhub allows, then they are admitted at jupyterhub")
        void admittedAtJupyterhub(LabUser user) {
            TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, user);
            assertThat(tokens.idTokenClaims().get("preferred_username").asText()).isEqualTo(user.username());
        }

        @Test
        @DisplayName("Given mallory (federation proxy, denied university), then jupyterhub refuses with the page and an event")
        void malloryRefusedAtJupyterhub() {
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of());
            login.chooseIdentityProvider("federation-proxy");
            login.signIn("mallory", "mallory");

            assertRefused(login);
            JsonNode event = refusalEvent("jupyterhub", "federation-proxy", "no-allow-match");
            assertThat(event.path("details").path("institution").asText())
                    .isEqualTo(LabUser.MALLORY.institution());
        }

        @Test
        @DisplayName("Given zed (institution-blocked), then jupyterhub refuses with the page and an event")
        void zedRefusedAtJupyterhub() {
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of());
            throughBlockedInstitution(login);
            login.signIn("zed", "zed");

            assertRefused(login);
            // The whole sentence as rendered: Keycloak runs messages through MessageFormat, which eats a lone '.
            assertThat(login.page().document().text()).contains("Your institution is not allowed for this service. "
                    + "Please sign in with an institution this service accepts, or contact the service's administrators.");
            refusalEvent("jupyterhub", "institution-blocked", "no-allow-match");
        }

        @Test
        @DisplayName("Given zed, then other-gateway, which allows institution-blocked, admits him")
        void zedAdmittedAtOtherGateway() {
            TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.OTHER_GATEWAY, LabUser.ZED);
            assertThat(tokens.idTokenClaims().get("preferred_username").asText()).isEqualTo("zed");
        }
    }

    @Nested
    @DisplayName("Bypass vectors")
    class BypassVectors {

        @Test
        @DisplayName("1. Given kc_idp_hint naming a disallowed IdP, then the refusal page is shown, not a redirect")
        void hintToDisallowedIdpRefused() {
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of("kc_idp_hint", "institution-blocked"));

            assertRefused(login);
            assertThat(login.page().url()).startsWith(server.realmUrl("vre"));
            refusalEvent("jupyterhub", "institution-blocked", "kc_idp_hint");
        }

        @Test
        @DisplayName("1. Given kc_idp_hint naming an allowed IdP, then the browser goes straight to it and the login works")
        void hintToAllowedIdpRedirects() {
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of("kc_idp_hint", "institution-a"));
            assertThat(login.page().url()).startsWith(server.realmUrl("institution-a"));

            login.signIn("alice", "alice");
            assertThat(login.exchangeCode().idTokenClaims().get("preferred_username").asText()).isEqualTo("alice");
        }

        @Test
        @DisplayName("2. Given a direct /broker/{alias}/login request for a disallowed IdP, then the login is refused")
        void directBrokerLoginRefused() {
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of());
            String allowedLink = login.page().identityProviderLink("institution-a").orElseThrow();
            String crafted = allowedLink.replace("/broker/institution-a/", "/broker/institution-blocked/");
            assertThat(crafted).isNotEqualTo(allowedLink);

            BrowserSession.Page upstream = login.visit(crafted);
            assertThat(upstream.url()).as("%s", upstream).startsWith(server.realmUrl("institution-blocked"));
            login.signIn("zed", "zed");

            assertRefused(login);
        }

        @Test
        @DisplayName("3. Given an IdP allowed by alias but an institution not allowed, then the post-broker-login check refuses after the IdP redirect")
        void postBrokerCheckAfterRedirect() {
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of("kc_idp_hint", "federation-proxy"));
            assertThat(login.page().url()).startsWith(server.realmUrl("federation-proxy"));
            login.signIn("mallory", "mallory");

            assertRefused(login);
            refusalEvent("jupyterhub", "federation-proxy", "no-allow-match");
        }

        @Test
        @DisplayName("4. Given an SSO session made through institution-blocked at other-gateway, then jupyterhub refuses to reuse it")
        void ssoSessionReuseRefused() {
            BrowserSession browser = new BrowserSession();
            HubLogin other = new HubLogin(server, browser, HubClient.OTHER_GATEWAY);
            other.start();
            other.chooseIdentityProvider("institution-blocked");
            other.signIn("zed", "zed");
            assertThat(other.reachedHub()).as("%s", other.page()).isTrue();

            HubLogin hub = new HubLogin(server, browser, HubClient.JUPYTERHUB);
            hub.start();

            assertRefused(hub);
            refusalEvent("jupyterhub", "institution-blocked", "no-allow-match");
        }

        @Test
        @DisplayName("4. Given an SSO session made through an allowed IdP, then jupyterhub reuses it without a login form")
        void ssoSessionReuseAllowed() {
            BrowserSession browser = new BrowserSession();
            HubLogin other = new HubLogin(server, browser, HubClient.OTHER_GATEWAY);
            other.start();
            other.chooseIdentityProvider("federation-proxy");
            other.signIn("erin", "erin");
            assertThat(other.reachedHub()).as("%s", other.page()).isTrue();

            HubLogin hub = new HubLogin(server, browser, HubClient.JUPYTERHUB);
            hub.start();

            assertThat(hub.reachedHub()).as("%s", hub.page()).isTrue();
            assertThat(hub.exchangeCode().idTokenClaims().get("preferred_username").asText()).isEqualTo("erin");
        }

        @Test
        @DisplayName("6. Given a new institution account (first-broker-login creates the user), then the filtered login still completes")
        void firstBrokerLoginStillWorks() {
            String username = "bella" + System.nanoTime();
            createUpstreamUser("institution-b", username);

            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of());
            login.chooseIdentityProvider("institution-b");
            login.signIn(username, username);

            assertThat(login.reachedHub()).as("%s", login.page()).isTrue();
            assertThat(login.exchangeCode().idTokenClaims().get("preferred_username").asText()).isEqualTo(username);
        }

        @Test
        @DisplayName("7. Given application-initiated linking of a disallowed IdP at jupyterhub, then it is refused")
        void linkingDisallowedIdpRefused() {
            BrowserSession browser = new BrowserSession();
            HubLogin first = new HubLogin(server, browser, HubClient.JUPYTERHUB);
            first.start();
            first.chooseIdentityProvider("institution-a");
            first.signIn("alice", "alice");
            assertThat(first.reachedHub()).isTrue();

            HubLogin link = new HubLogin(server, browser, HubClient.JUPYTERHUB)
                    .parameter("kc_action", "idp_link:institution-blocked");
            link.start();

            assertRefused(link);
            refusalEvent("jupyterhub", "institution-blocked", "idp_link");
        }

        @Test
        @DisplayName("7. Given application-initiated linking of an allowed IdP to an existing account, then the link is made")
        void linkingAllowedIdpWorks() {
            String upstream = "alicebee" + System.nanoTime();
            createUpstreamUser("institution-b", upstream);
            String aliceId = admin.userId("vre", "alice");
            // Keycloak lets only users who may manage their account links start idp_link.
            String account = admin.clientUuid("vre", "account");
            JsonNode manageLinks = admin.get("/admin/realms/vre/clients/" + account + "/roles/manage-account-links").ok();
            String roleMappings = "/admin/realms/vre/users/" + aliceId + "/role-mappings/clients/" + account;
            admin.post(roleMappings, List.of(manageLinks)).ok();
            BrowserSession browser = new BrowserSession();
            HubLogin first = new HubLogin(server, browser, HubClient.JUPYTERHUB);
            first.start();
            first.chooseIdentityProvider("institution-a");
            first.signIn("alice", "alice");
            assertThat(first.reachedHub()).isTrue();

            HubLogin link = new HubLogin(server, browser, HubClient.JUPYTERHUB)
                    .parameter("kc_action", "idp_link:institution-b");
            BrowserSession.Page confirm = link.start();
            // Keycloak asks the user to confirm the link (button "continue").
            var confirmForm = confirm.document().selectFirst("form:has(button[name=continue])");
            assertThat(confirmForm).as("%s", confirm).isNotNull();
            BrowserSession.Page page = browser.follow(browser.submit(confirm, confirmForm, Map.of("continue", "")),
                    HubClient.JUPYTERHUB.redirectUri());
            assertThat(page.url()).as("%s", page).startsWith(server.realmUrl("institution-b"));
            link.visit(page.url());
            link.signIn(upstream, upstream);

            assertThat(link.reachedHub()).as("%s", link.page()).isTrue();
            assertThat(link.callbackParameters()).containsEntry("kc_action_status", "success");
            JsonNode links = admin.get("/admin/realms/vre/users/" + aliceId + "/federated-identity").ok();
            assertThat(StreamSupport.stream(links.spliterator(), false).map(l -> l.get("identityProvider").asText()))
                    .contains("institution-a", "institution-b");
            admin.delete("/admin/realms/vre/users/" + aliceId + "/federated-identity/institution-b");
            admin.send("DELETE", roleMappings, List.of(manageLinks));
        }

        @Test
        @DisplayName("7. Given an account with a disallowed IdP linked, then logging in through that IdP is still refused")
        void linkedDisallowedIdpStillRefused() {
            // zed's vre account is linked to institution-blocked, as after any linking through another client.
            HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of());
            throughBlockedInstitution(login);
            login.signIn("zed", "zed");
            assertRefused(login);
        }

        @Test
        @DisplayName("8. Given registration and credential reset enabled, then jupyterhub (federation only) refuses both before any form")
        void registrationAndResetRefused() {
            JsonNode realm = admin.get("/admin/realms/vre").ok();
            admin.put("/admin/realms/vre", Map.of("realm", "vre", "registrationAllowed", true,
                    "resetPasswordAllowed", true)).ok();
            try {
                HubLogin login = startAt(HubClient.JUPYTERHUB, Map.of());
                String registration = login.authorizationUrl().replace("/protocol/openid-connect/auth?",
                        "/protocol/openid-connect/registrations?");
                login.visit(registration);
                assertRefused(login);
                assertThat(login.page().document().select("input[name=password-confirm]")).isEmpty();

                login.visit(server.realmUrl("vre") + "/login-actions/reset-credentials?client_id=jupyterhub");
                assertRefused(login);
                assertThat(login.page().document().select("input[name=username]")).isEmpty();
                refusalEvent("jupyterhub", "local", "localAccounts");

                // A client without rules keeps its registration page.
                BrowserSession.Page otherRegistration = new BrowserSession().get(server.realmUrl("vre")
                        + "/protocol/openid-connect/registrations?client_id=account-console&response_type=code"
                        + "&code_challenge_method=S256&code_challenge=" + "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                        + "&redirect_uri=" + server.baseUrl() + "/realms/vre/account/");
                assertThat(otherRegistration.status()).isEqualTo(200);
                assertThat(otherRegistration.document().select("input[name=password-confirm]")).isNotEmpty();
            } finally {
                admin.put("/admin/realms/vre", Map.of("realm", "vre",
                        "registrationAllowed", realm.get("registrationAllowed").asBoolean(),
                        "resetPasswordAllowed", realm.get("resetPasswordAllowed").asBoolean())).ok();
            }
        }
    }

    /**
     * Bypass vector 5: a SAML IdP sends an unsolicited response to {@code /broker/{alias}/endpoint/clients/{name}},
     * logging the user in to the vre SAML client whose IdP-initiated SSO URL name is {@code name}; no browser flow and
     * no hint is involved. Two SAML identity providers of realm vre, both fronting the institution-saml realm, are made
     * here (one admitted by the target client's rules, one not), each with its own client at institution-saml whose
     * IdP-initiated SSO URL sends the response to that endpoint; the target is a vre SAML client carrying the SAML form
     * of the institution filter. All of it is removed afterwards.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("5. SAML IdP-initiated login (/broker/{alias}/endpoint/clients/{client})")
    class SamlIdpInitiatedLogin {

        private static final String ADMITTED = "saml-idp-initiated-admitted";
        private static final String UNLISTED = "saml-idp-initiated-unlisted";
        /** The vre SAML client that IdP-initiated logins target, and its IdP-initiated SSO URL name. */
        private static final String PORTAL = "saml-idp-initiated-portal";
        private static final String PORTAL_ACS = "https://portal.saml-idp-initiated.example.org/saml/acs";

        private final List<String> cleanup = new ArrayList<>();
        private final List<String[]> users = new ArrayList<>();

        @BeforeAll
        void configureIdpInitiatedSso() {
            String portal = createClient("vre", Map.of(
                    "clientId", PORTAL,
                    "name", "SAML portal (IdP-initiated SSO target)",
                    "protocol", "saml",
                    "enabled", true,
                    "redirectUris", List.of(PORTAL_ACS),
                    "attributes", Map.of(
                            "saml_idp_initiated_sso_url_name", PORTAL,
                            "saml_assertion_consumer_url_post", PORTAL_ACS,
                            "saml.force.post.binding", "true",
                            "saml.client.signature", "false",
                            "saml_force_name_id_format", "true",
                            "saml_name_id_format", "username"),
                    "protocolMappers", List.of(Map.of(
                            "name", "institution filter",
                            "protocol", "saml",
                            "protocolMapper", "sg-institution-filter-saml",
                            "config", Map.of("rules", "{\"allow\": [{\"idp\": \"" + ADMITTED + "\"}]}")))));
            cleanup.add(0, "/admin/realms/vre/clients/" + portal);
            for (String alias : List.of(ADMITTED, UNLISTED)) {
                addSamlIdentityProvider(alias);
            }
        }

        /** A vre SAML IdP like institution-saml, with its own SP entity ID, and institution-saml's client for it. */
        private void addSamlIdentityProvider(String alias) {
            String entityId = server.realmUrl("vre") + "/" + alias;
            JsonNode lab = admin.get("/admin/realms/vre/identity-provider/instances/institution-saml").ok();
            Map<String, Object> idp = new LinkedHashMap<>();
            idp.put("alias", alias);
            idp.put("displayName", alias);
            idp.put("providerId", "saml");
            idp.put("enabled", true);
            idp.put("hideOnLogin", true);
            idp.put("trustEmail", true);
            idp.put("firstBrokerLoginFlowAlias", lab.get("firstBrokerLoginFlowAlias").asText());
            idp.put("postBrokerLoginFlowAlias", lab.get("postBrokerLoginFlowAlias").asText());
            Map<String, String> config = new LinkedHashMap<>();
            lab.get("config").fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("institution.")) {
                    config.put(e.getKey(), e.getValue().asText());
                }
            });
            config.put("entityId", entityId);
            idp.put("config", config);
            admin.post("/admin/realms/vre/identity-provider/instances", idp).ok();
            cleanup.add(0, "/admin/realms/vre/identity-provider/instances/" + alias);
            for (JsonNode mapper : admin.get("/admin/realms/vre/identity-provider/instances/institution-saml/mappers").ok()) {
                admin.post("/admin/realms/vre/identity-provider/instances/" + alias + "/mappers", Map.of(
                        "name", mapper.get("name").asText(),
                        "identityProviderAlias", alias,
                        "identityProviderMapper", mapper.get("identityProviderMapper").asText(),
                        "config", mapper.get("config"))).ok();
            }

            String labClient = admin.clientUuid("institution-saml", server.realmUrl("vre"));
            JsonNode labMappers = admin.get("/admin/realms/institution-saml/clients/" + labClient
                    + "/protocol-mappers/models").ok();
            String acs = server.realmUrl("vre") + "/broker/" + alias + "/endpoint/clients/" + PORTAL;
            String upstream = createClient("institution-saml", Map.of(
                    "clientId", entityId,
                    "protocol", "saml",
                    "enabled", true,
                    "redirectUris", List.of(acs),
                    "attributes", Map.of(
                            "saml_idp_initiated_sso_url_name", alias,
                            "saml_assertion_consumer_url_post", acs,
                            "saml.force.post.binding", "true",
                            "saml.authnstatement", "true",
                            "saml.server.signature", "true",
                            "saml.assertion.signature", "true",
                            "saml.client.signature", "false",
                            "saml_force_name_id_format", "true",
                            "saml_name_id_format", "username"),
                    "protocolMappers", StreamSupport.stream(labMappers.spliterator(), false)
                            .map(m -> Map.of("name", m.get("name").asText(), "protocol", "saml",
                                    "protocolMapper", m.get("protocolMapper").asText(), "config", m.get("config")))
                            .toList()));
            cleanup.add(0, "/admin/realms/institution-saml/clients/" + upstream);
        }

        /** Creates a client of {@code realm} and returns its internal id. */
        private String createClient(String realm, Map<String, Object> representation) {
            admin.post("/admin/realms/" + realm + "/clients", representation).ok();
            return admin.clientUuid(realm, representation.get("clientId").toString());
        }

        @AfterAll
        void removeIdpInitiatedSso() {
            for (String[] user : users) {
                JsonNode found = admin.get("/admin/realms/" + user[0] + "/users?exact=true&username=" + user[1]).ok();
                for (JsonNode u : found) {
                    admin.delete("/admin/realms/" + user[0] + "/users/" + u.get("id").asText());
                }
            }
            cleanup.forEach(admin::delete);
        }

        /** A new institution-saml account (so that first-broker-login creates the vre user), removed afterwards. */
        private String newUpstreamUser() {
            String username = "sso" + System.nanoTime();
            createUpstreamUser("institution-saml", username);
            users.add(new String[] {"institution-saml", username});
            users.add(new String[] {"vre", username});
            return username;
        }

        /**
         * Opens institution-saml's IdP-initiated SSO URL for the vre IdP {@code alias}, signs in there and follows the
         * unsolicited SAML response into vre until a page needs the user or vre posts its response to the portal.
         */
        private BrowserSession.Page idpInitiatedLogin(BrowserSession browser, String alias, String username) {
            BrowserSession.Page login = browser.follow(
                    browser.get(server.realmUrl("institution-saml") + "/protocol/saml/clients/" + alias), PORTAL_ACS);
            assertThat(login.url()).as("%s", login).startsWith(server.realmUrl("institution-saml"));
            var form = login.loginForm().orElseThrow(() -> new AssertionError("No login form: " + login));
            return browser.follow(browser.submit(login, form, Map.of("username", username, "password", username)),
                    PORTAL_ACS);
        }

        /** The SAML response vre posts to the portal, decoded, or a failure showing where the login ended. */
        private String samlResponseToPortal(BrowserSession.Page page) {
            var form = page.document().selectFirst("form:has(input[name=SAMLResponse])");
            assertThat(form).as("a SAML response form: %s", page).isNotNull();
            assertThat(form.absUrl("action")).isEqualTo(PORTAL_ACS);
            String encoded = form.selectFirst("input[name=SAMLResponse]").val();
            return new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8);
        }

        @Test
        @DisplayName("5. Given an IdP-initiated login from a SAML IdP the target client does not admit, then the post-broker-login check refuses it with the page and an event")
        void samlIdpInitiatedLoginFromUnlistedIdpRefused() {
            String username = newUpstreamUser();
            BrowserSession browser = new BrowserSession();

            BrowserSession.Page page = idpInitiatedLogin(browser, UNLISTED, username);

            assertThat(page.url()).as("%s", page).startsWith(server.realmUrl("vre") + "/");
            assertRefusalPage(page);
            assertThat(page.document().selectFirst("form:has(input[name=SAMLResponse])")).as("%s", page).isNull();
            JsonNode event = refusalEvent(PORTAL, UNLISTED, "no-allow-match");
            assertThat(event.path("type").asText()).isEqualTo("IDENTITY_PROVIDER_POST_LOGIN_ERROR");
            assertThat(event.path("details").path("institution").asText())
                    .isEqualTo(server.realmUrl("institution-saml"));
        }

        @Test
        @DisplayName("5. Given an IdP-initiated login from a SAML IdP the target client admits, then the portal receives the SAML response")
        void samlIdpInitiatedLoginFromAdmittedIdpWorks() {
            String username = newUpstreamUser();
            BrowserSession browser = new BrowserSession();

            String response = samlResponseToPortal(idpInitiatedLogin(browser, ADMITTED, username));

            assertThat(response).contains("urn:oasis:names:tc:SAML:2.0:status:Success").contains(">" + username + "<");
            JsonNode links = admin.get("/admin/realms/vre/users/" + admin.userId("vre", username)
                    + "/federated-identity").ok();
            assertThat(StreamSupport.stream(links.spliterator(), false).map(l -> l.get("identityProvider").asText()))
                    .containsExactly(ADMITTED);
        }

        @Test
        @DisplayName("5. Given the SAML form of the filter, then the console offers it for SAML clients and saving it is validated like the OIDC form")
        void samlFormOfferedAndValidated() {
            JsonNode samlTypes = admin.get("/admin/serverinfo").ok().path("protocolMapperTypes").path("saml");
            assertThat(StreamSupport.stream(samlTypes.spliterator(), false).map(t -> t.path("id").asText()))
                    .contains("sg-institution-filter-saml");

            String models = "/admin/realms/vre/clients/" + admin.clientUuid("vre", PORTAL) + "/protocol-mappers/models";
            JsonNode filter = StreamSupport.stream(admin.get(models).ok().spliterator(), false)
                    .filter(m -> "sg-institution-filter-saml".equals(m.path("protocolMapper").asText()))
                    .findFirst().orElseThrow();
            String stored = filter.path("config").path("rules").asText();
            Map<String, Object> unknownAlias = new LinkedHashMap<>();
            unknownAlias.put("id", filter.get("id").asText());
            unknownAlias.put("name", filter.get("name").asText());
            unknownAlias.put("protocol", "saml");
            unknownAlias.put("protocolMapper", "sg-institution-filter-saml");
            unknownAlias.put("config", Map.of("rules", "{\"allow\": [{\"idp\": \"institution-c\"}]}"));
            KeycloakAdmin.Response rejected = admin.put(models + "/" + filter.get("id").asText(), unknownAlias);
            assertThat(rejected.status()).as(rejected.body()).isEqualTo(400);
            assertThat(rejected.body()).contains("institution-c").contains("no identity provider");

            KeycloakAdmin.Response second = admin.post(models, Map.of("name", "second filter", "protocol", "saml",
                    "protocolMapper", "sg-institution-filter-saml", "config", Map.of("rules", stored)));
            assertThat(second.status()).as(second.body()).isEqualTo(400);
            assertThat(second.body()).contains("already has an institution filter");

            JsonNode kept = admin.get(models + "/" + filter.get("id").asText()).ok();
            assertThat(kept.path("config").path("rules").asText()).isEqualTo(stored);
        }

        @Test
        @DisplayName("5. Given an SSO session made by an IdP-initiated login, then jupyterhub, which does not admit that IdP, refuses to reuse it")
        void samlIdpInitiatedSessionReuseRefused() {
            String username = newUpstreamUser();
            BrowserSession browser = new BrowserSession();
            samlResponseToPortal(idpInitiatedLogin(browser, ADMITTED, username));

            HubLogin hub = new HubLogin(server, browser, HubClient.JUPYTERHUB);
            hub.start();

            assertRefused(hub);
            refusalEvent("jupyterhub", ADMITTED, "no-allow-match");
        }
    }

    @Nested
    @DisplayName("Saving rules in the admin console")
    class Validation {

        private KeycloakAdmin.Response saveRules(String rules) {
            String client = admin.clientUuid("vre", "rucio");
            return admin.post("/admin/realms/vre/clients/" + client + "/protocol-mappers/models", Map.of(
                    "name", "institution filter " + System.nanoTime(),
                    "protocol", "openid-connect",
                    "protocolMapper", "sg-institution-filter",
                    "config", Map.of("rules", rules)));
        }

        @Test
        @DisplayName("Given rules naming an unknown IdP alias, then saving is rejected with a message naming it")
        void unknownAlias() {
            KeycloakAdmin.Response response = saveRules("{\"allow\": [{\"idp\": \"institution-c\"}]}");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("institution-c").contains("no identity provider");
        }

        @Test
        @DisplayName("Given rules with an unknown key or an entry that is no object, then the admin reads the "
                + "message with its apostrophes and braces exactly as written")
        void messageReachesTheAdminUnchanged() {
            KeycloakAdmin.Response unknownKey = saveRules("{\"allow\": [{\"idp\": \"institution-a\", \"x\": 1}]}");
            assertThat(unknownKey.status()).isEqualTo(400);
            assertThat(unknownKey.json().path("error_description").asText())
                    .startsWith("Invalid institution rules: allow[0]: unknown key 'x'. An entry accepts idp,");

            KeycloakAdmin.Response notAnObject = saveRules("{\"allow\": [\"institution-a\"]}");
            assertThat(notAnObject.status()).isEqualTo(400);
            assertThat(notAnObject.json().path("error_description").asText())
                    .isEqualTo("Invalid institution rules: allow[0] must be a JSON object such as {\"idp\": \"my-idp\"}.");
        }

        @Test
        @DisplayName("Given malformed JSON, then saving is rejected with the line and column")
        void malformedJson() {
            KeycloakAdmin.Response response = saveRules("{\"allow\": [{\"idp\": \"institution-a\"}");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("not valid JSON").contains("line 1");
        }

        @Test
        @DisplayName("Given a bad pattern, then saving is rejected with the offending key")
        void badPattern() {
            KeycloakAdmin.Response response = saveRules("{\"allow\": [{\"idpPattern\": \"institution-[\"}]}");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("allow[0].idpPattern is not a valid regular expression");
        }

        @Test
        @DisplayName("Given a second filter on jupyterhub, then saving is rejected")
        void secondFilter() {
            String client = admin.clientUuid("vre", "jupyterhub");
            KeycloakAdmin.Response response = admin.post("/admin/realms/vre/clients/" + client
                    + "/protocol-mappers/models", Map.of("name", "second filter", "protocol", "openid-connect",
                    "protocolMapper", "sg-institution-filter",
                    "config", Map.of("rules", "{\"allow\": [{\"idp\": \"institution-a\"}]}")));
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("already has an institution filter");
        }

        @Test
        @DisplayName("Given valid rules, then saving succeeds")
        void validRules() {
            KeycloakAdmin.Response response = saveRules("{\"allow\": [{\"idp\": \"institution-a\"}]}");
            assertThat(response.status()).as(response.body()).isEqualTo(201);
            String client = admin.clientUuid("vre", "rucio");
            for (JsonNode mapper : admin.get("/admin/realms/vre/clients/" + client + "/protocol-mappers/models").ok()) {
                if ("sg-institution-filter".equals(mapper.path("protocolMapper").asText())) {
                    admin.delete("/admin/realms/vre/clients/" + client + "/protocol-mappers/models/"
                            + mapper.get("id").asText());
                }
            }
        }
    }

    static void createUpstreamUser(String realm, String username) {
        admin.post("/admin/realms/" + realm + "/users", Map.of(
                "username", username, "enabled", true, "email", username + "@" + realm + ".example.org",
                "emailVerified", true, "firstName", "Test", "lastName", "User",
                "credentials", List.of(Map.of("type", "password", "value", username, "temporary", false)))).ok();
    }
}
