package org.sciencegateway.keycloak.it.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.sciencegateway.keycloak.testing.AdminConsole;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabHubTenants;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

/**
 * Issue 30 in Keycloak's admin console, headless Chromium, on the lab's hub tenants ({@link LabHubTenants}, as
 * {@code ./lab.sh} sets them up): hubadmin logs in with institution-a and sees only the hub they own and edits its
 * redirect URIs, an http one refused with the reason; a realm admin approves a requested hub
 * with the console's Enabled switch, and its owner finds it and its new secret in their console. Screenshots (for the
 * README) go to {@code target/screenshots/hub-tenants/}.
 */
@DisplayName("Hub tenants in the admin console (headless Chromium): the owner's hub only, its constraints, approval (issue 30)")
@ExtendWith(SharedKeycloak.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HubConsoleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER_EMAIL = "hubadmin@institution-a.example.org";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static String initialAccessToken;
    private static AdminConsole owner;
    private static GreenMail mail;
    private static JsonNode smtpBefore;
    private static String requested;

    @BeforeAll
    static void setUp() throws IOException {
        initialAccessToken = LabHubTenants.prepare(server);
        int port = KeycloakServer.freePort();
        mail = new GreenMail(new ServerSetup(port, "127.0.0.1", "smtp"));
        mail.start();
        smtpBefore = admin.get("/admin/realms/vre").ok().path("smtpServer");
        admin.put("/admin/realms/vre", Map.of("smtpServer", Map.of("host", "127.0.0.1", "port", String.valueOf(port),
                "from", "keycloak@vre.example.org"))).ok();
    }

    @AfterAll
    static void tearDown() {
        if (requested != null) {
            admin.delete("/admin/realms/vre/clients/" + requested);
        }
        admin.put("/admin/realms/vre", Map.of("smtpServer", smtpBefore));
        if (owner != null) {
            owner.close();
        }
        if (mail != null) {
            mail.stop();
        }
    }

    private static String vreConsole() {
        return server.baseUrl() + "/admin/vre/console/#/vre";
    }

    private static List<String> listedClients(AdminConsole console) {
        console.driver().get(vreConsole() + "/clients");
        console.await("the client list", ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("table[aria-label] tbody tr td a")));
        return console.driver().findElements(By.cssSelector("table[aria-label] tbody tr td:first-child a")).stream()
                .map(WebElement::getText).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    @Test
    @Order(1)
    @DisplayName("Given hubadmin logs in to the realm's console with institution-a, then they see only other-gateway, "
            + "no users or realm settings, and edit its redirect URIs within the hub's constraints")
    void ownerSeesTheirHubOnly() {
        owner = new AdminConsole("hub-tenants");
        owner.driver().get(server.baseUrl() + "/admin/vre/console/");
        owner.click("institution-a on the login page", By.id("social-institution-a"));
        owner.await("institution-a's login page", ExpectedConditions.presenceOfElementLocated(By.id("username")))
                .sendKeys(LabHubTenants.HUB_ADMIN);
        owner.driver().findElement(By.id("password")).sendKeys(LabHubTenants.HUB_ADMIN);
        owner.driver().findElement(By.id("kc-login")).click();
        owner.await("the console, in realm vre", ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("[data-testid=nav-item-clients][href='#/vre/clients']")));
        assertThat(owner.driver().findElements(By.cssSelector("[data-testid=nav-item-users]"))).isEmpty();
        assertThat(owner.driver().findElements(By.cssSelector("[data-testid=nav-item-realm-settings]"))).isEmpty();
        assertThat(listedClients(owner)).containsExactly(LabHubTenants.OWNED_HUB);
        owner.screenshot("owner-clients");

        // the hub's settings: a redirect URI that breaks the hub's constraints is refused with its reason
        String hub = admin.clientUuid("vre", LabHubTenants.OWNED_HUB);
        JsonNode before = admin.get("/admin/realms/vre/clients/" + hub).ok();
        try {
            owner.driver().get(vreConsole() + "/clients/" + hub + "/settings");
            By redirect = By.cssSelector("[data-testid=redirectUris0], #kc-redirect0");
            By save = By.xpath("(//button[@type='submit' or @data-testid='settings-save'][normalize-space()='Save'])[1]");
            WebElement field = owner.await("the first redirect URI", ExpectedConditions.visibilityOfElementLocated(redirect));
            field.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, "a"),
                    org.openqa.selenium.Keys.DELETE);
            field.sendKeys("http://localhost:8001/hub/oauth_callback");
            String refused = owner.alertAfter(() -> owner.click("Save", save), "owner-redirect-refused");
            assertThat(refused).startsWith("danger:").contains("must be an absolute https URL");
            assertThat(admin.get("/admin/realms/vre/clients/" + hub).ok().path("redirectUris").toString())
                    .doesNotContain("http://localhost:8001");
            field = owner.driver().findElement(redirect);
            field.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, "a"),
                    org.openqa.selenium.Keys.DELETE);
            field.sendKeys("https://localhost:8001/hub/oauth_callback/v2");
            assertThat(owner.alertAfter(() -> owner.click("Save", save), "owner-redirect-saved")).startsWith("success:");
            assertThat(admin.get("/admin/realms/vre/clients/" + hub).ok().path("redirectUris").toString())
                    .contains("https://localhost:8001/hub/oauth_callback/v2");
        } finally {
            admin.put("/admin/realms/vre/clients/" + hub, before).ok();
        }
    }

    @Test
    @Order(2)
    @DisplayName("Given a requested hub naming hubadmin, then a realm admin approves it with the console's Enabled "
            + "switch, hubadmin is e-mailed, finds it in their console and reads its new secret there")
    void realmAdminApprovesInTheConsole() throws Exception {
        HttpResponse<String> response = Http.send(Http.request(server.realmUrl("vre")
                        + "/clients-registrations/openid-connect")
                .header("Authorization", "Bearer " + initialAccessToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of(
                        "client_name", "Console Hub", "redirect_uris",
                        List.of("https://hub.console.example.org/hub/oauth_callback"),
                        "token_endpoint_auth_method", "client_secret_basic", "contacts", List.of(OWNER_EMAIL))))));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        String clientId = JSON.readTree(response.body()).path("client_id").asText();
        String registrationSecret = JSON.readTree(response.body()).path("client_secret").asText();
        requested = admin.clientUuid("vre", clientId);

        try (AdminConsole realmAdmin = new AdminConsole("hub-tenants")) {
            realmAdmin.driver().get(server.baseUrl() + "/admin/master/console/#/vre/clients");
            realmAdmin.await("the master realm's login page", ExpectedConditions.presenceOfElementLocated(By.id("username")))
                    .sendKeys(KeycloakServer.ADMIN_USERNAME);
            realmAdmin.driver().findElement(By.id("password")).sendKeys(KeycloakServer.ADMIN_PASSWORD);
            realmAdmin.driver().findElement(By.id("kc-login")).click();
            realmAdmin.await("the pending hub in the client list", ExpectedConditions.presenceOfElementLocated(
                    By.xpath("//tr[contains(normalize-space()," + AdminConsole.xpathLiteral(clientId) + ")]"
                            + "[contains(normalize-space(),'Pending approval: requested for " + OWNER_EMAIL + "')]")));
            realmAdmin.screenshot("admin-pending-hub");
            realmAdmin.driver().get(server.baseUrl() + "/admin/master/console/#/vre/clients/" + requested + "/settings");
            By enabledSwitch = By.xpath("//label[contains(@class,'c-switch')][.//*[normalize-space()='Disabled']]");
            String alert = realmAdmin.alertAfter(() -> realmAdmin.click("the Enabled switch", enabledSwitch),
                    "admin-approves-hub");
            assertThat(alert).startsWith("success:");
        }
        JsonNode approved = admin.get("/admin/realms/vre/clients/" + requested).ok();
        assertThat(approved.path("enabled").asBoolean()).isTrue();
        assertThat(approved.path("attributes").path("sg.hub.state").asText()).isEqualTo("approved");
        mail.waitForIncomingEmail(15_000, 1); // the lab's registration policy names no reviewers: the approval's
        assertThat(Arrays.stream(mail.getReceivedMessages()).map(HubConsoleIT::subject))
                .contains("Your hub was approved: Console Hub");

        assertThat(listedClients(owner)).containsExactlyInAnyOrder(LabHubTenants.OWNED_HUB, clientId);
        owner.driver().get(vreConsole() + "/clients/" + requested + "/credentials");
        WebElement secretField = owner.await("the client secret", ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("[data-testid=client-secret] input, input#kc-client-secret")));
        String shown = secretField.getAttribute("value");
        assertThat(shown).isNotEmpty().isNotEqualTo(registrationSecret)
                .isEqualTo(admin.get("/admin/realms/vre/clients/" + requested + "/client-secret").ok()
                        .path("value").asText());
        owner.screenshot("owner-credentials");
    }

    @Test
    @Order(3)
    @DisplayName("Given hubadmin opens the hub console (/realms/vre/hub-console/), then they see exactly their two "
            + "hubs, narrow other-gateway's institution rules (saved), are refused a widening beyond the baseline "
            + "with the message naming the entry, and narrow its groups subtree (a wider one refused)")
    void ownerEditsRulesAndGroupsInTheHubConsole() {
        String consoleHub = admin.get("/admin/realms/vre/clients/" + requested).ok().path("clientId").asText();
        String hub = admin.clientUuid("vre", LabHubTenants.OWNED_HUB);
        String mappers = "/admin/realms/vre/clients/" + hub + "/protocol-mappers/models";
        JsonNode filterBefore = mapper(mappers, "sg-institution-filter");
        // an identity provider of the realm the baseline does not admit, for the widening
        admin.post("/admin/realms/vre/identity-provider/instances", Map.of("alias", "console-extra", "providerId",
                "oidc", "config", Map.of("authorizationUrl", "https://extra.example.org/auth", "tokenUrl",
                        "https://extra.example.org/token", "clientId", "vre", "clientSecret", "extra",
                        "clientAuthMethod", "client_secret_post"))).ok();
        try {
            owner.driver().get(server.realmUrl("vre") + "/hub-console/");
            // hubadmin's session from the first test signs them in (keycloak-js, PKCE) without a login page
            owner.await("the hub console's hubs", ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("[data-testid='hub-" + LabHubTenants.OWNED_HUB + "']")));
            assertThat(owner.driver().findElements(By.cssSelector("section.hub")).stream()
                    .map(section -> section.getAttribute("data-testid")))
                    .containsExactlyInAnyOrder("hub-" + LabHubTenants.OWNED_HUB, "hub-" + consoleHub);
            assertThat(owner.driver().findElement(By.id("user")).getText()).isEqualTo(LabHubTenants.HUB_ADMIN);
            owner.screenshot("hub-console");

            WebElement section = owner.driver().findElement(By.cssSelector("[data-testid='hub-"
                    + LabHubTenants.OWNED_HUB + "']"));
            WebElement rulesForm = section.findElement(By.cssSelector("[data-testid=rules-form]"));
            String narrowed = "{\"allow\": [{\"idp\": \"institution-a\"}, {\"idp\": \"institution-b\"}]}";
            replace(rulesForm.findElement(By.cssSelector("[data-testid=rules]")), narrowed);
            String saved = saveAndRead(rulesForm, "save-rules", "", "hub-console-rules-saved");
            assertThat(saved).isEqualTo("success: Institution rules saved.");
            assertThat(JSON.readTree(mapper(mappers, "sg-institution-filter").path("config").path("rules").asText()))
                    .isEqualTo(JSON.readTree(narrowed));

            String widened = "{\"allow\": [{\"idp\": \"institution-a\"}, {\"name\": \"extra institution\", "
                    + "\"idp\": \"console-extra\"}]}";
            replace(rulesForm.findElement(By.cssSelector("[data-testid=rules]")), widened);
            String refused = saveAndRead(rulesForm, "save-rules", saved, "hub-console-rules-refused");
            assertThat(refused).startsWith("danger: Not saved: Widens the realm's institution baseline")
                    .contains("\"extra institution\"", "\"console-extra\"");
            assertThat(JSON.readTree(mapper(mappers, "sg-institution-filter").path("config").path("rules").asText()))
                    .isEqualTo(JSON.readTree(narrowed));

            WebElement groupsForm = section.findElement(By.cssSelector("[data-testid=groups-form]"));
            replace(groupsForm.findElement(By.cssSelector("[data-testid=groups]")), "/escape/users");
            String groupsSaved = saveAndRead(groupsForm, "save-groups", "", "hub-console-groups-saved");
            assertThat(groupsSaved).isEqualTo("success: Groups subtree saved.");
            assertThat(mapper(mappers, "science-gateway-group-mapper").path("config").path("group.subtree.roots")
                    .asText()).isEqualTo("/escape/users");
            replace(groupsForm.findElement(By.cssSelector("[data-testid=groups]")), "/escape/users, /other-project");
            assertThat(saveAndRead(groupsForm, "save-groups", groupsSaved, "hub-console-groups-refused"))
                    .startsWith("danger: Not saved: Groups subtree /other-project is outside");
            assertThat(mapper(mappers, "science-gateway-group-mapper").path("config").path("group.subtree.roots")
                    .asText()).isEqualTo("/escape/users");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            admin.put(mappers + "/" + filterBefore.path("id").asText(), filterBefore).ok();
            JsonNode groups = mapper(mappers, "science-gateway-group-mapper");
            if (groups != null) {
                admin.delete(mappers + "/" + groups.path("id").asText());
            }
            admin.delete("/admin/realms/vre/identity-provider/instances/console-extra");
        }
    }

    @Test
    @Order(4)
    @DisplayName("Given the review's replay: hubadmin logs in to jupyterhub (another hub) through institution-a, then "
            + "the access token jupyterhub receives reads no secret of other-gateway and changes nothing of it")
    void aTokenAnotherHubReceivedIsNoAdminCredential() {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider("institution-a");
        login.signIn(LabHubTenants.HUB_ADMIN, LabHubTenants.HUB_ADMIN);
        String token = login.exchangeCode().accessToken();
        String hub = admin.clientUuid("vre", LabHubTenants.OWNED_HUB);
        for (String path : List.of("/clients/" + hub + "/client-secret", "/clients/" + hub,
                "/clients/" + hub + "/user-sessions", "/clients", "/clients?search=true&clientId=gateway",
                "/clients?briefRepresentation=true")) {
            HttpResponse<String> response = Http.send(Http.request(server.baseUrl() + "/admin/realms/vre" + path)
                    .header("Authorization", "Bearer " + token));
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(403);
            assertThat(response.body()).doesNotContain("other-gateway-lab-secret");
        }
        HttpResponse<String> hubs = Http.send(Http.request(server.baseUrl() + "/admin/realms/vre/hub-tenants/hubs")
                .header("Authorization", "Bearer " + token));
        assertThat(hubs.body()).isEqualTo("[]");
        HttpResponse<String> rules = Http.send(Http.request(server.baseUrl() + "/admin/realms/vre/hub-tenants/hubs/"
                + hub + "/institution-rules").header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"rules\": \"{\\\"allow\\\": [{\\\"idp\\\": \\\"institution-a\\\"}]}\"}")));
        assertThat(rules.statusCode()).isEqualTo(404);
    }

    @Test
    @Order(5)
    @DisplayName("Given the third review's clients a realm admin sets up — an implicit-flow client and a hybrid one "
            + "(full scope, Keycloak's default), a client with full scope off but a client scope mapping "
            + "realm-management query-clients — then hubadmin's login there yields no token (unauthorized_client "
            + "naming the role), so no token lists other-gateway")
    void noClientButTheAdminClientsGetsAnOwnersAdminRole() {
        List<String> created = new java.util.ArrayList<>();
        String scopeId = null;
        try {
            for (String responseType : List.of("token", "code id_token token")) {
                String clientId = "review-implicit-" + created.size();
                admin.post("/admin/realms/vre/clients", Map.of("clientId", clientId, "publicClient", true,
                        "implicitFlowEnabled", true, "standardFlowEnabled", true,
                        "redirectUris", List.of("https://implicit.example.org/cb"))).ok();
                created.add(admin.clientUuid("vre", clientId));
                HubLogin login = new HubLogin(server, new BrowserSession(), new HubClient("vre", clientId, null,
                        "https://implicit.example.org/cb")).parameter("response_type", responseType)
                        .parameter("response_mode", "fragment");
                login.start();
                login.chooseIdentityProvider("institution-a");
                BrowserSession.Page answer = login.signIn(LabHubTenants.HUB_ADMIN, LabHubTenants.HUB_ADMIN);
                String location = answer.isRedirect() ? answer.location() : answer.body();
                // (Keycloak's implicit error redirect carries the code as error_description)
                assertThat(location).as(responseType).startsWith("https://implicit.example.org/cb#")
                        .contains("unauthorized_client").doesNotContain("access_token=", "id_token=");
                java.util.regex.Matcher code = java.util.regex.Pattern.compile("[#&]code=([^&]+)").matcher(location);
                if (code.find()) { // hybrid: the code issued with the refusal gets no token either
                    BrowserSession.Page token = new BrowserSession().post(server.realmUrl("vre")
                            + "/protocol/openid-connect/token", Map.of("grant_type", "authorization_code", "code",
                            code.group(1), "redirect_uri", "https://implicit.example.org/cb", "client_id", clientId,
                            "code_verifier", login.codeVerifier()));
                    assertThat(token.status()).as(token.body()).isEqualTo(400);
                    assertThat(token.body()).contains("unauthorized_client", "query-clients")
                            .doesNotContain("access_token");
                }
            }
            // full scope off, but a client scope that maps the owners' admin role
            admin.post("/admin/realms/vre/client-scopes", Map.of("name", "review-admin-roles", "protocol",
                    "openid-connect")).ok();
            for (JsonNode scope : admin.get("/admin/realms/vre/client-scopes").ok()) {
                if ("review-admin-roles".equals(scope.path("name").asText())) {
                    scopeId = scope.path("id").asText();
                }
            }
            String management = admin.clientUuid("vre", "realm-management");
            JsonNode queryClients = admin.get("/admin/realms/vre/clients/" + management + "/roles/query-clients").ok();
            admin.post("/admin/realms/vre/client-scopes/" + scopeId + "/scope-mappings/clients/" + management,
                    List.of(queryClients)).ok();
            admin.post("/admin/realms/vre/clients", Map.of("clientId", "review-portal", "secret", "portal-secret",
                    "publicClient", false, "fullScopeAllowed", false, "standardFlowEnabled", true,
                    "redirectUris", List.of("https://portal.example.org/cb"))).ok();
            String portal = admin.clientUuid("vre", "review-portal");
            created.add(portal);
            admin.put("/admin/realms/vre/clients/" + portal + "/default-client-scopes/" + scopeId, Map.of()).ok();
            HubLogin login = new HubLogin(server, new BrowserSession(), new HubClient("vre", "review-portal",
                    "portal-secret", "https://portal.example.org/cb"));
            login.start();
            login.chooseIdentityProvider("institution-a");
            login.signIn(LabHubTenants.HUB_ADMIN, LabHubTenants.HUB_ADMIN);
            BrowserSession.Page token = login.exchangeCodeResponse();
            assertThat(token.status()).as(token.body()).isEqualTo(400);
            assertThat(token.body()).contains("unauthorized_client", "review-portal", "query-clients")
                    .doesNotContain("access_token");
        } finally {
            created.forEach(id -> admin.delete("/admin/realms/vre/clients/" + id));
            if (scopeId != null) {
                admin.delete("/admin/realms/vre/client-scopes/" + scopeId);
            }
        }
    }

    private static JsonNode mapper(String mappers, String type) {
        for (JsonNode mapper : admin.get(mappers).ok()) {
            if (type.equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        return null;
    }

    private static void replace(WebElement field, String text) {
        field.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, "a"),
                org.openqa.selenium.Keys.DELETE);
        field.sendKeys(text);
    }

    /** Clicks the form's save button and returns its alert ("kind: text") once it differs from {@code before}. */
    private static String saveAndRead(WebElement form, String button, String before, String screenshot) {
        form.findElement(By.cssSelector("[data-testid=" + button + "]")).click();
        String shown = owner.await("the hub console's answer to " + button, driver -> {
            java.util.List<WebElement> alerts = form.findElements(By.cssSelector("[data-testid=alert]"));
            if (alerts.isEmpty()) {
                return null;
            }
            // the page sets the kind, then the text: once the text is new, so is the kind
            String text = alerts.get(0).getText().trim();
            if (before.endsWith(": " + text)) {
                return null;
            }
            return alerts.get(0).getAttribute("data-kind") + ": " + text;
        });
        owner.screenshot(screenshot);
        return shown;
    }

    private static String subject(jakarta.mail.internet.MimeMessage message) {
        try {
            return message.getSubject();
        } catch (jakarta.mail.MessagingException e) {
            return "";
        }
    }


}
