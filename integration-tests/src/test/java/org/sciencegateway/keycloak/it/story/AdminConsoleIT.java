package org.sciencegateway.keycloak.it.story;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.AdminConsole;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

/**
 * Keycloak's admin console (the React app of the distribution) in real headless Chromium, as an admin uses it to
 * configure our providers in realm {@code vre}: each configuration form shows every property with its label and
 * help text, and saving a bad value shows our validation message in the console's alert and stores nothing.
 * Screenshots go to {@code target/screenshots/console/}.
 *
 * <p>Expected labels and help texts come from the server's own provider descriptions (server info, IdP mapper
 * types, authenticator providers), so the test checks that the console renders what our factories declare; a few
 * labels are also named literally, so that a provider that loses them fails.
 */
@DisplayName("Admin console (headless Chromium): our providers' forms, help texts and save-time validation in realm vre")
@ExtendWith(SharedKeycloak.class)
class AdminConsoleIT {

    private static final String REALM = "vre";
    private static final String SCREENSHOTS = "console/";

    /** On a failure, the page as the browser had it: screenshot and HTML, named after the test. */
    @RegisterExtension
    final TestWatcher diagnosis = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (chromium != null) {
                savePage("failed-" + context.getRequiredTestMethod().getName());
            }
        }
    };

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static AdminConsole chromium;

    @BeforeAll
    static void logIn() {
        chromium = new AdminConsole(SCREENSHOTS);
        driver().get(server.baseUrl() + "/admin/master/console/#/" + REALM);
        await("the master realm's login page", ExpectedConditions.presenceOfElementLocated(By.id("username")))
                .sendKeys(KeycloakServer.ADMIN_USERNAME);
        driver().findElement(By.id("password")).sendKeys(KeycloakServer.ADMIN_PASSWORD);
        driver().findElement(By.id("kc-login")).click();
        await("the console, in realm vre", ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("[data-testid=nav-item-clients][href='#/" + REALM + "/clients']")));
        chromium.screenshot("welcome-vre");
    }

    /** Each test starts without the alerts of the one before (the console is one page across tests). */
    @BeforeEach
    void clearAlerts() {
        dismissAlerts();
    }

    @AfterAll
    static void closeBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    @DisplayName("Given jupyterhub's dedicated scope, then the group claim mapper's form shows every label and help text, and a reserved claim name is refused in the alert")
    void groupClaimMapper() {
        String mapperId = mapperIdByType("jupyterhub", "science-gateway-group-mapper");
        openDedicatedScopeMapper("jupyterhub", "groups");
        assertFormDescribes(protocolMapperType("science-gateway-group-mapper"));
        assertLabelsShown("Group format", "Subtree roots", "Include patterns", "Exclude patterns");
        chromium.screenshot("group-mapper-form");

        assertBadValueRefused("jupyterhub", mapperId, "Token Claim Name", "sub", "group-mapper",
                "Token claim name \"sub\" is a standard claim that Keycloak sets itself");
    }

    @Test
    @DisplayName("Given jupyterhub's dedicated scope, then the institution filter's form shows its label and help text, and rules naming an unknown IdP are refused in the alert")
    void institutionFilterMapper() {
        String mapperId = mapperIdByType("jupyterhub", "sg-institution-filter");
        openDedicatedScopeMapper("jupyterhub", "institution filter");
        assertFormDescribes(protocolMapperType("sg-institution-filter"));
        assertLabelsShown("Institution rules (JSON)");
        chromium.screenshot("institution-filter-form");

        assertBadValueRefused("jupyterhub", mapperId, "Institution rules (JSON)",
                "{\"allow\": [{\"idp\": \"institution-c\"}]}", "institution-filter",
                "no identity provider with alias \"institution-c\" exists");
    }

    @Test
    @DisplayName("Given ssh-gateway's dedicated scope, then the policy's level fields show their help texts, and a "
            + "negative age and an unknown ACR value are refused in the alert")
    void sshGatewayLevelFields() {
        String mapperId = mapperIdByType("ssh-gateway", "audience-exchange-policy");
        openDedicatedScopeMapper("ssh-gateway", "ssh-gateway exchange policy");
        assertFormDescribes(protocolMapperType("audience-exchange-policy"));
        assertLabelsShown("Minimum authentication level", "Maximum authentication age (seconds)");
        chromium.screenshot("ssh-gateway-policy-form");

        assertBadValueRefused("ssh-gateway", mapperId, "Maximum authentication age (seconds)", "-5",
                "ssh-gateway-policy-age", "Maximum authentication age: -5 is negative; enter a number of seconds "
                        + "such as 43200, or leave it empty for no limit.");
        clearAlerts();
        openDedicatedScopeMapper("ssh-gateway", "ssh-gateway exchange policy");
        assertBadValueRefused("ssh-gateway", mapperId, "Minimum authentication level",
                "https://refeds.org/profile/mfa-typo", "ssh-gateway-policy-level",
                "Minimum authentication level: the realm's ACR to LoA mapping has no ACR value "
                        + "https://refeds.org/profile/mfa-typo");
    }

    @Test
    @DisplayName("Given rucio's dedicated scope, then the audience exchange policy's form shows every label and help text, and a lifetime of 1h is refused in the alert")
    void audienceExchangePolicy() {
        String mapperId = mapperIdByType("rucio", "audience-exchange-policy");
        openDedicatedScopeMapper("rucio", "rucio exchange policy");
        assertFormDescribes(protocolMapperType("audience-exchange-policy"));
        assertLabelsShown("Requesting clients", "Required groups", "Grantable scopes", "Maximum lifetime (seconds)");
        chromium.screenshot("audience-exchange-policy-form");

        assertBadValueRefused("rucio", mapperId, "Maximum lifetime (seconds)", "1h", "audience-exchange-policy",
                "Maximum lifetime: 1h is not a whole number of seconds; enter e.g. 3600.");
    }

    @Test
    @DisplayName("Given Add mapper, By configuration on jupyterhub's dedicated scope, then our three mapper types are offered with their help texts")
    void addMapperOffersOurTypes() {
        openDedicatedScope("jupyterhub");
        click("Add mapper", By.id("mapperAction"));
        click("By configuration", By.xpath("//*[@role='menuitem'][normalize-space()='By configuration']"));
        WebElement dialog = await("the mapper types", ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[role=dialog]")));
        String offered = normalize(dialog.getText());
        for (String id : List.of("science-gateway-group-mapper", "sg-institution-filter", "audience-exchange-policy")) {
            JsonNode type = protocolMapperType(id);
            assertThat(offered).as("offered: %s", id).contains(type.path("name").asText())
                    .contains(normalize(type.path("helpText").asText()));
        }
        chromium.screenshot("add-mapper-by-configuration");
        driver().switchTo().activeElement().sendKeys(Keys.ESCAPE);
        await("the dialog to close", ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[role=dialog]")));
    }

    @Test
    @DisplayName("Given federation-proxy's mappers, then the institution identity mapper's form shows every label and help text")
    void institutionIdentityMapper() {
        JsonNode types = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/federation-proxy/mapper-types").ok();
        JsonNode type = types.path("sg-institution-identity");
        assertThat(type.isMissingNode()).as("mapper type offered for federation-proxy: %s", types).isFalse();
        String providerId = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/federation-proxy").ok()
                .path("providerId").asText();

        driver().get(console() + "/identity-providers/" + providerId + "/federation-proxy/settings");
        click("the Mappers tab", By.cssSelector("[role=tab][data-testid=mappers-tab]"));
        click("the mapper link", By.xpath("//a[normalize-space()='home institution']"));
        await("the mapper form", ExpectedConditions.presenceOfElementLocated(
                By.xpath("//*[contains(@class,'form__label-text')][normalize-space()='Institution claim or attribute']")));
        assertFormDescribes(type);
        assertLabelsShown("Institution claim or attribute", "Registration authority", "Record verified email domain");
        // The mapper type is shown with our display name.
        assertThat(pageText()).contains(type.path("name").asText());
        chromium.screenshot("institution-identity-mapper-form");
    }

    @Test
    @DisplayName("Given the institution filter browser flow, then our authenticators appear with their names and help texts, and their settings hold only Keycloak's own fields (they declare none)")
    void institutionFilterFlow() {
        JsonNode providers = admin.get("/admin/realms/" + REALM + "/authentication/authenticator-providers").ok();
        driver().get(console() + "/authentication");
        click("the flow", By.xpath("//a[normalize-space()='institution filter browser']"));
        for (String id : List.of("sg-institution-filter", "sg-institution-idp-selection")) {
            JsonNode provider = find(providers, "id", id);
            String name = provider.path("displayName").asText();
            WebElement title = await("execution " + name, ExpectedConditions.presenceOfElementLocated(
                    By.xpath("//*[@data-testid=" + xpathLiteral(name) + "]")));
            String help = openPopover(title.findElement(By.tagName("button")));
            assertThat(help).as("help text of %s", name).isEqualTo(normalize(provider.path("description").asText()));
            closePopover();
            // Our authenticators declare no settings: the execution's gear opens only Keycloak's own fields
            // (alias and the two default authentication-reference fields every execution has).
            WebElement row = title.findElement(By.xpath("./ancestor::tr[1]"));
            row.findElement(By.cssSelector("button[aria-label=Settings]")).click();
            WebElement modal = await("the execution's settings", ExpectedConditions.visibilityOfElementLocated(
                    By.id("execution-config-form")));
            List<String> fields = modal.findElements(By.cssSelector("[class*=form__label-text]")).stream()
                    .map(e -> normalize(e.getText())).toList();
            assertThat(fields).as("settings of %s", name).hasSize(3);
            assertThat(driver().findElement(By.cssSelector("[role=dialog]")).getText()).contains(name);
            chromium.screenshot("execution-settings-" + id);
            modal.findElement(By.cssSelector("[data-testid=cancel]")).click();
            await("the settings to close", ExpectedConditions.invisibilityOfElementLocated(By.id("execution-config-form")));
        }
        chromium.screenshot("institution-filter-browser-flow");
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("Given the SAML federations page, then a source is created and edited in the form, a bad certificate "
            + "is refused in the alert, and its sync status is read in the list and in the form")
    void federationSource() {
        FederationSourceAdmin sources = new FederationSourceAdmin(admin, REALM);
        try (FederationFeed feed = new FederationFeed()) {
            feed.serve(FederationSigner.LAB.sign(new FederationMetadata()
                    .add(FederationMetadata.Idp.of("https://idp.console.example/idp").name("en", "Console University")
                            .registrationAuthority("https://www.aai.dfn.de")).xml()));
            driver().get(console() + "/page-section/" + FEDERATION_PAGE + "/add");
            await("the source form", ExpectedConditions.presenceOfElementLocated(labelGroup("Metadata URL")));
            assertFormDescribes(pageType(FEDERATION_PAGE));
            fill("Metadata URL", feed.url());
            fill("Alias prefix", "console");
            fill("Federation signing certificate", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----");
            chromium.screenshot("federation-source-form");

            String alert = save("federation-source-bad-certificate");
            assertThat(alert).startsWith("danger:").contains("Federation signing certificate")
                    .contains("cannot be read as X.509");
            assertThat(consoleSource()).as("nothing was saved").isNull();

            fill("Federation signing certificate", FederationSigner.LAB.certificatePem());
            assertThat(save("federation-source-saved")).startsWith("success:");
            JsonNode created = consoleSource();
            assertThat(created).isNotNull();
            String id = created.get("id").asText();
            try {
                JsonNode status = sources.awaitAttemptAfter(id, "");
                assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
                await("the console's status copy", d -> admin.get("/admin/realms/" + REALM + "/components/" + id).ok()
                        .path("config").path("syncStatus").path(0).asText().startsWith("ok at") ? id : null);

                // the list shows each source's last sync; the form shows it read-only
                driver().get(console() + "/page-section/" + FEDERATION_PAGE);
                WebElement row = await("the source in the list", ExpectedConditions.presenceOfElementLocated(
                        By.xpath("//tr[.//a[normalize-space()=" + xpathLiteral(feed.url()) + "]]")));
                await("the status column", d -> row.getText().contains("ok at") ? row : null);
                assertThat(row.getText()).contains("console").contains("1 identity providers");
                chromium.screenshot("federation-source-list");
                row.findElement(By.xpath(".//a[normalize-space()=" + xpathLiteral(feed.url()) + "]")).click();
                await("the source form", ExpectedConditions.presenceOfElementLocated(labelGroup("Last sync")));
                WebElement statusField = field("Last sync");
                assertThat(statusField.getAttribute("value")).contains("ok at").contains("created 1");

                // edit: a new refresh interval is stored, the status copy is not taken from the form
                fill("Refresh interval (minutes)", "60");
                assertThat(save("federation-source-edited")).startsWith("success:");
                JsonNode edited = admin.get("/admin/realms/" + REALM + "/components/" + id).ok();
                assertThat(edited.path("config").path("refreshMinutes").get(0).asText()).isEqualTo("60");
                assertThat(edited.path("config").path("aliasPrefix").get(0).asText()).isEqualTo("console");
            } finally {
                sources.identityProviders(id).forEach(idp -> admin.delete("/admin/realms/" + REALM
                        + "/identity-provider/instances/" + idp.get("alias").asText()));
                sources.delete(id);
            }
        }
    }

    private static final String FEDERATION_PAGE = "saml-federation";

    /** The source the console created (prefix "console"), or {@code null}. */
    private static JsonNode consoleSource() {
        for (JsonNode component : admin.get("/admin/realms/" + REALM + "/components?type="
                + FederationSourceAdmin.PROVIDER_TYPE).ok()) {
            if (FEDERATION_PAGE.equals(component.path("providerId").asText())
                    && "console".equals(component.path("config").path("aliasPrefix").path(0).asText())) {
                return component;
            }
        }
        return null;
    }

    /** The server's description of an admin-UI page (its form's properties). */
    private static JsonNode pageType(String id) {
        return find(admin.get("/admin/serverinfo").ok().path("componentTypes").path(FederationSourceAdmin.PROVIDER_TYPE),
                "id", id);
    }

    private static WebElement field(String label) {
        return chromium.field(label);
    }

    private static void fill(String label, String value) {
        chromium.fill(label, value);
    }

    /** Saves the federation source form; returns the alert as "danger: text" or "success: text". */
    private static String save(String screenshot) {
        return save(By.cssSelector("button[data-testid=save]"), screenshot);
    }

    /** Clicks {@code saveButton}; returns the console's alert as "danger: text" or "success: text". */
    private static String save(By saveButton, String screenshot) {
        return chromium.alertAfter(() -> click("Save", saveButton), screenshot);
    }

    private static WebDriver driver() {
        return chromium.driver();
    }

    private static String console() {
        return server.baseUrl() + "/admin/master/console/#/" + REALM;
    }

    /** Clients → client → Client scopes → {@code <client>-dedicated}, by clicking. */
    private static void openDedicatedScope(String clientId) {
        driver().get(console() + "/clients/" + admin.clientUuid(REALM, clientId) + "/settings");
        click("the Client scopes tab", By.cssSelector("[role=tab][data-testid=clientScopesTab]"));
        click("the dedicated scope", By.xpath("//a[normalize-space()=" + xpathLiteral(clientId + "-dedicated") + "]"));
    }

    /** The dedicated scope's Mappers tab → {@code mapperName}, by clicking. */
    private static void openDedicatedScopeMapper(String clientId, String mapperName) {
        openDedicatedScope(clientId);
        click("the mapper " + mapperName, By.xpath("//a[normalize-space()=" + xpathLiteral(mapperName) + "]"));
        await("the mapper form", ExpectedConditions.presenceOfElementLocated(By.id("mapperType")));
    }

    /**
     * Every property of the provider is in the form: its label, and its help text in the label's popover.
     * Properties that Keycloak adds itself (token targets, claim name) are described by message keys, which the
     * console translates; they are Keycloak's, not ours, and are left out.
     */
    private static void assertFormDescribes(JsonNode providerType) {
        List<String> checked = new ArrayList<>();
        for (JsonNode property : providerType.path("properties")) {
            String label = property.path("label").asText();
            String helpText = property.path("helpText").asText();
            if (label.matches("[a-z][A-Za-z0-9.]*") && helpText.matches("[a-z][A-Za-z0-9.]*")) {
                continue;
            }
            assertThat(label).as("label of %s", property.path("name").asText()).isNotBlank();
            assertThat(helpText).as("help text of %s", property.path("name").asText()).isNotBlank();
            WebElement group = await("form group " + label, ExpectedConditions.presenceOfElementLocated(labelGroup(label)));
            String shown = openPopover(group.findElement(By.tagName("button")));
            assertThat(shown).as("help text shown for %s", label).isEqualTo(normalize(helpText));
            closePopover();
            checked.add(label);
        }
        assertThat(checked).as("properties of %s", providerType.path("id").asText()).isNotEmpty();
    }

    private static void assertLabelsShown(String... labels) {
        for (String label : labels) {
            assertThat(driver().findElements(labelGroup(label))).as("label %s", label).isNotEmpty();
        }
    }

    /**
     * Types {@code badValue} into the field labelled {@code label}, saves, and expects the console's alert to carry
     * {@code expectedMessage}; the stored mapper must be unchanged.
     */
    private static void assertBadValueRefused(String clientId, String mapperId, String label, String badValue,
                                              String screenshot, String expectedMessage) {
        String path = "/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, clientId)
                + "/protocol-mappers/models/" + mapperId;
        JsonNode before = admin.get(path).ok();
        try {
            fill(label, badValue);
            String alert = save(By.xpath("//button[@type='submit'][normalize-space()='Save']"),
                    screenshot + "-validation");
            assertThat(alert).as("an error alert").startsWith("danger:");
            assertThat(alert).contains(expectedMessage);
            assertThat(admin.get(path).ok()).as("nothing was saved").isEqualTo(before);
        } finally {
            JsonNode after = admin.get(path).ok();
            if (!after.equals(before)) {
                // Keep the shared server's lab configuration intact for the other test classes.
                admin.put(path, before).ok();
            }
        }
    }

    /** Closes the alerts of earlier steps, so that the next alert read is the answer to the next action. */
    private static void dismissAlerts() {
        chromium.dismissAlerts();
    }

    /** The form group whose label text is {@code label} (PatternFly's label-text span inside the group label). */
    private static By labelGroup(String label) {
        return AdminConsole.labelGroup(label);
    }

    private static String openPopover(WebElement helpButton) {
        helpButton.click();
        WebElement body = await("the help popover", ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[class*=popover__body]")));
        return normalize(body.getText());
    }

    private static void closePopover() {
        driver().switchTo().activeElement().sendKeys(Keys.ESCAPE);
        await("the popover to close", ExpectedConditions.invisibilityOfElementLocated(
                By.cssSelector("[class*=popover__body]")));
    }

    private static void click(String what, By locator) {
        chromium.click(what, locator);
    }

    /** Waits for {@code condition}; on timeout, saves the page and a screenshot for diagnosis. */
    private static <T> T await(String what, Function<WebDriver, T> condition) {
        return chromium.await(what, condition);
    }

    private static void savePage(String name) {
        chromium.savePage(name);
    }

    private static String pageText() {
        return chromium.pageText();
    }

    private static JsonNode protocolMapperType(String id) {
        JsonNode types = admin.get("/admin/serverinfo").ok().path("protocolMapperTypes").path("openid-connect");
        return find(types, "id", id);
    }

    private static String mapperIdByType(String clientId, String type) {
        JsonNode mappers = admin.get("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, clientId)
                + "/protocol-mappers/models").ok();
        return find(mappers, "protocolMapper", type).path("id").asText();
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode element : array) {
            if (value.equals(element.path(field).asText())) {
                return element;
            }
        }
        throw new AssertionError("No element with " + field + "=" + value + " in " + array);
    }

    private static String normalize(String text) {
        return AdminConsole.normalize(text);
    }

    private static String xpathLiteral(String text) {
        return AdminConsole.xpathLiteral(text);
    }
}
