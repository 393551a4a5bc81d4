package org.sciencegateway.keycloak.it.theme;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HeadlessChromium;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The science-gateway login theme's institution picker in real headless Chromium against the lab realm {@code vre}.
 * Screenshots are written to {@code target/screenshots/}.
 */
@DisplayName("Institution picker (science-gateway login theme) in headless Chromium, realm vre")
@ExtendWith(SharedKeycloak.class)
class InstitutionPickerIT {

    private static final List<String> JUPYTERHUB_INSTITUTIONS = List.of("social-federation-proxy", "social-institution-a",
            "social-institution-b", "social-institution-saml");
    private static final ObjectMapper JSON = new ObjectMapper();

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private HeadlessChromium chromium;

    @AfterEach
    void closeBrowser() {
        if (chromium != null) {
            chromium.close();
            chromium = null;
        }
    }

    private HeadlessChromium browser(boolean javascript) {
        chromium = new HeadlessChromium(javascript);
        return chromium;
    }

    /** RFC 7636's example pair (appendix B): a fixed verifier is fine where no one can intercept the code. */
    private static final String PKCE_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private static final String PKCE_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    /** A hub's authorization request; the state identifies the login. */
    private static String authorizationUrl(HubClient client, Map<String, String> extra) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", client.clientId());
        query.put("response_type", "code");
        query.put("redirect_uri", client.redirectUri());
        query.put("scope", "openid profile");
        query.put("state", UUID.randomUUID().toString());
        query.put("nonce", UUID.randomUUID().toString());
        // hubs (other-gateway) require PKCE S256
        query.put("code_challenge", PKCE_CHALLENGE);
        query.put("code_challenge_method", "S256");
        query.putAll(extra);
        return server.realmUrl(client.realm()) + "/protocol/openid-connect/auth?" + BrowserSession.formEncode(query);
    }

    private void openPicker(HubClient client, Map<String, String> extra) {
        chromium.driver().get(authorizationUrl(client, extra));
        chromium.await(ExpectedConditions.presenceOfElementLocated(By.id("sg-picker")));
    }

    private List<String> shownInstitutions() {
        return chromium.driver().findElements(By.cssSelector("#sg-results a.sg-institution")).stream()
                .map(e -> e.getAttribute("id")).sorted().toList();
    }

    private List<String> shownInOrder() {
        return chromium.driver().findElements(By.cssSelector("#sg-results a.sg-institution")).stream()
                .map(e -> e.getAttribute("id")).toList();
    }

    /** Waits until the list shows exactly these institutions for everything typed so far (not an earlier prefix). */
    private void awaitShown(List<String> ids) {
        chromium.await(d -> {
            WebElement results = d.findElement(By.id("sg-results"));
            String typed = d.findElement(By.id("sg-query")).getAttribute("value").trim();
            return typed.equals(results.getAttribute("data-query")) && results.getAttribute("aria-busy") == null
                    && shownInstitutions().equals(ids.stream().sorted().toList());
        });
    }

    private String status() {
        return chromium.driver().findElement(By.id("sg-status")).getText();
    }

    private void typeQuery(String text) {
        WebElement input = chromium.driver().findElement(By.id("sg-query"));
        input.clear();
        input.sendKeys(text);
    }

    /** Signs in on the upstream institution's Keycloak login page and waits for the hub's callback. */
    private String signInUpstream(String upstreamRealm, String username, HubClient client) {
        chromium.await(d -> d.getCurrentUrl().startsWith(server.realmUrl(upstreamRealm)));
        chromium.await(ExpectedConditions.presenceOfElementLocated(By.id("username"))).sendKeys(username);
        chromium.driver().findElement(By.id("password")).sendKeys(username);
        chromium.driver().findElement(By.id("password")).sendKeys(Keys.ENTER);
        return awaitHub(client);
    }

    private String awaitHub(HubClient client) {
        chromium.await(d -> d.getCurrentUrl().startsWith(client.redirectUri()));
        return chromium.driver().getCurrentUrl();
    }

    /** The hub's code exchange; returns the ID token's preferred_username. */
    private static String exchange(HubClient client, String callback) {
        Map<String, String> parameters = BrowserSession.queryParameters(callback);
        assertThat(parameters).containsKey("code");
        BrowserSession.Page response = new BrowserSession().post(server.realmUrl(client.realm())
                + "/protocol/openid-connect/token", Map.of("grant_type", "authorization_code",
                "code", parameters.get("code"), "redirect_uri", client.redirectUri(),
                "client_id", client.clientId(), "client_secret", client.clientSecret(),
                "code_verifier", PKCE_VERIFIER));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return TokenSet.parse(response.body()).idTokenClaims().path("preferred_username").asText();
    }

    private static JsonNode search(String query) throws Exception {
        BrowserSession.Page page = new BrowserSession().get(server.realmUrl("vre") + "/institutions?" + query);
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(page.body());
        return body.put("status", page.status());
    }

    @Test
    @DisplayName("Given the picker at jupyterhub, then typing narrows the list, accent- and case-insensitively, over names, other names and domains")
    void typingNarrowsTheList() {
        browser(true);
        openPicker(HubClient.JUPYTERHUB, Map.of());
        awaitShown(JUPYTERHUB_INSTITUTIONS);
        assertThat(status()).isEqualTo("Institutions found: 4");
        chromium.screenshot("picker-desktop");

        typeQuery("BÉRGEN");
        awaitShown(List.of("social-institution-b"));
        chromium.await(d -> status().equals("Institutions found: 1"));
        chromium.screenshot("search-desktop");

        typeQuery("aau");
        awaitShown(List.of("social-institution-a"));
        typeQuery("uni-a.example.org");
        awaitShown(List.of("social-institution-a"));
        typeQuery("astrophysique");
        awaitShown(List.of("social-institution-saml"));
        typeQuery("no such place");
        awaitShown(List.of());
        chromium.await(d -> status().equals("No institution of this service matches your search."));

        chromium.size(HeadlessChromium.MOBILE);
        typeQuery("");
        typeQuery("berg");
        awaitShown(List.of("social-institution-b"));
        chromium.screenshot("search-mobile");
        chromium.driver().navigate().refresh();
        chromium.await(ExpectedConditions.presenceOfElementLocated(By.id("sg-picker")));
        chromium.screenshot("picker-mobile");
    }

    /** Tag, classes and data-field of a result row and everything in it: its structure without its content. */
    private List<String> rowStructure(String alias) {
        WebElement row = chromium.driver().findElement(By.id("social-" + alias)).findElement(By.xpath(".."));
        List<String> structure = new java.util.ArrayList<>();
        structure.add(row.getTagName() + "." + row.getAttribute("class"));
        for (WebElement e : row.findElements(By.xpath(".//*"))) {
            structure.add(e.getTagName() + "." + e.getAttribute("class") + "[" + e.getAttribute("data-field") + "]");
        }
        return structure;
    }

    @Test
    @DisplayName("Given server-rendered rows and rows the script builds from the JSON search, then both have one markup and the server-resolved logo URL, which loads")
    void oneRowMarkupAndServerResolvedLogos() {
        browser(true);
        openPicker(HubClient.JUPYTERHUB, Map.of());
        awaitShown(JUPYTERHUB_INSTITUTIONS);
        List<String> rendered = rowStructure("institution-a");
        String renderedLogo = chromium.driver().findElement(By.cssSelector("#social-institution-a img.sg-logo"))
                .getAttribute("src");
        List<String> renderedWithoutLogo = rowStructure("federation-proxy");

        typeQuery("a");
        chromium.await(d -> "a".equals(d.findElement(By.id("sg-results")).getAttribute("data-query")));
        // Esc clears the field and searches again: now every row comes from the JSON, built by the script.
        chromium.driver().findElement(By.id("sg-query")).sendKeys(Keys.ESCAPE);
        awaitShown(JUPYTERHUB_INSTITUTIONS);
        assertThat(rowStructure("institution-a")).as("row built by the script").isEqualTo(rendered);
        assertThat(rowStructure("federation-proxy")).isEqualTo(renderedWithoutLogo);
        assertThat(renderedWithoutLogo).anyMatch(e -> e.contains("[initial]")).noneMatch(e -> e.contains("[logo]"));
        String scriptedLogo = chromium.driver().findElement(By.cssSelector("#social-institution-a img.sg-logo"))
                .getAttribute("src");
        assertThat(scriptedLogo).isEqualTo(renderedLogo).contains("/login/science-gateway/img/logos/institution-a.svg");
        BrowserSession.Page logo = new BrowserSession().get(scriptedLogo);
        assertThat(logo.status()).isEqualTo(200);
        assertThat(logo.body()).contains("<svg");
    }

    @Test
    @DisplayName("Given the keyboard only, then arrow keys and Enter pick an institution and the brokered login completes")
    void keyboardPicksAndLoginCompletes() {
        browser(true);
        openPicker(HubClient.JUPYTERHUB, Map.of());
        WebElement input = chromium.driver().switchTo().activeElement();
        assertThat(input.getAttribute("id")).as("the search field has the focus first").isEqualTo("sg-query");
        input.sendKeys("institution");
        // "Federation Proxy (many institutions)" matches too, ranked after names that start with the query.
        chromium.await(d -> shownInOrder().equals(List.of("social-institution-a", "social-institution-b",
                "social-institution-saml", "social-federation-proxy")));
        input.sendKeys(Keys.ARROW_DOWN);
        String first = chromium.driver().switchTo().activeElement().getAttribute("id");
        chromium.driver().switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
        String second = chromium.driver().switchTo().activeElement().getAttribute("id");
        chromium.driver().switchTo().activeElement().sendKeys(Keys.ARROW_UP);
        assertThat(chromium.driver().switchTo().activeElement().getAttribute("id")).isEqualTo(first);
        assertThat(second).isNotEqualTo(first).startsWith("social-");
        assertThat(first).isEqualTo("social-institution-a");

        chromium.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
        String callback = signInUpstream("institution-a", "alice", HubClient.JUPYTERHUB);
        assertThat(exchange(HubClient.JUPYTERHUB, callback)).isEqualTo("alice");
    }

    @Test
    @DisplayName("Given \"remember my choice\", then the next login skips the picker; prompt=login shows it again and \"forget\" undoes it")
    void rememberSkipsPickerAndCanBeUndone() {
        browser(true);
        openPicker(HubClient.JUPYTERHUB, Map.of());
        chromium.driver().findElement(By.cssSelector("label[for=sg-remember]")).click();
        assertThat(chromium.driver().findElement(By.id("sg-remember")).isSelected()).isTrue();
        typeQuery("bergen");
        awaitShown(List.of("social-institution-b"));
        chromium.driver().findElement(By.id("sg-query")).sendKeys(Keys.ARROW_DOWN);
        chromium.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
        assertThat(exchange(HubClient.JUPYTERHUB, signInUpstream("institution-b", "carol", HubClient.JUPYTERHUB)))
                .isEqualTo("carol");
        assertThat(chromium.cookieNames()).contains("SG_INSTITUTION_REMEMBERED", "SG_INSTITUTIONS_RECENT");

        // A new login in the same browser, without any Keycloak session: straight to institution-b.
        chromium.deleteCookiesExcept("SG_");
        chromium.driver().get(authorizationUrl(HubClient.JUPYTERHUB, Map.of()));
        chromium.await(d -> d.getCurrentUrl().startsWith(server.realmUrl("institution-b")));
        assertThat(chromium.driver().findElements(By.id("sg-picker"))).isEmpty();

        // The application asks to choose again: the picker shows the remembered choice, recent first, and forgets it.
        chromium.deleteCookiesExcept("SG_");
        openPicker(HubClient.JUPYTERHUB, Map.of("prompt", "login"));
        assertThat(chromium.driver().findElement(By.id("sg-remembered")).getText()).contains("Institution B");
        assertThat(chromium.driver().findElements(By.cssSelector("#sg-results a.sg-institution")).get(0)
                .getAttribute("id")).isEqualTo("social-institution-b");
        assertThat(chromium.driver().findElement(By.id("social-institution-b")).getText()).contains("Recently used");
        WebElement forget = chromium.driver().findElement(By.id("sg-forget"));
        forget.click();
        // The old page also has a picker: wait until the form post has replaced it.
        chromium.await(ExpectedConditions.stalenessOf(forget));
        chromium.await(ExpectedConditions.presenceOfElementLocated(By.id("sg-picker")));
        assertThat(chromium.driver().findElements(By.id("sg-remembered"))).isEmpty();
        assertThat(chromium.cookieNames()).doesNotContain("SG_INSTITUTION_REMEMBERED");

        chromium.deleteCookiesExcept("SG_");
        openPicker(HubClient.JUPYTERHUB, Map.of());
        awaitShown(JUPYTERHUB_INSTITUTIONS);
    }

    @Test
    @DisplayName("Given jupyterhub, then only its allowed institutions are offered (not institution-blocked), while other-gateway offers institution-blocked and zed signs in there")
    void onlyAllowedInstitutions() throws Exception {
        browser(true);
        openPicker(HubClient.JUPYTERHUB, Map.of());
        awaitShown(JUPYTERHUB_INSTITUTIONS);
        typeQuery("blocked");
        awaitShown(List.of());
        assertThat(search("client_id=jupyterhub&q=blocked").path("total").asInt()).isZero();
        assertThat(search("client_id=jupyterhub").path("total").asInt()).isEqualTo(4);

        JsonNode other = search("client_id=other-gateway&q=blocked");
        assertThat(other.path("items").get(0).path("alias").asText()).isEqualTo("institution-blocked");

        openPicker(HubClient.OTHER_GATEWAY, Map.of());
        typeQuery("blocked");
        awaitShown(List.of("social-institution-blocked"));
        chromium.driver().findElement(By.id("social-institution-blocked")).click();
        assertThat(exchange(HubClient.OTHER_GATEWAY, signInUpstream("institution-blocked", "zed", HubClient.OTHER_GATEWAY)))
                .isEqualTo("zed");
    }

    @Test
    @DisplayName("Given kc_idp_hint with several aliases, then the picker lists only the hinted ones the client allows")
    void hintNarrows() throws Exception {
        browser(true);
        openPicker(HubClient.JUPYTERHUB, Map.of("kc_idp_hint", "institution-a,institution-b,institution-blocked"));
        awaitShown(List.of("social-institution-a", "social-institution-b"));
        typeQuery("sorbonne");
        awaitShown(List.of());
        typeQuery("institution");
        awaitShown(List.of("social-institution-a", "social-institution-b"));
        assertThat(search("client_id=jupyterhub&hint=institution-saml,institution-blocked").path("total").asInt())
                .isEqualTo(1);
    }

    @Test
    @DisplayName("Given JavaScript disabled, then the search form, its results and the brokered login still work")
    void worksWithoutJavaScript() {
        browser(false);
        openPicker(HubClient.JUPYTERHUB, Map.of());
        assertThat(chromium.driver().findElement(By.id("sg-remember-group")).isDisplayed()).isFalse();
        typeQuery("allowed");
        chromium.driver().findElement(By.id("sg-search")).click();
        chromium.await(d -> shownInstitutions().equals(List.of("social-federation-proxy")));
        assertThat(chromium.driver().findElement(By.id("sg-query")).getAttribute("value")).isEqualTo("allowed");
        assertThat(status()).isEqualTo("Institutions found: 1");
        chromium.screenshot("search-without-javascript-desktop");

        chromium.driver().findElement(By.id("social-federation-proxy")).click();
        assertThat(exchange(HubClient.JUPYTERHUB, signInUpstream("federation-proxy", "erin", HubClient.JUPYTERHUB)))
                .isEqualTo("erin");
    }

    @Test
    @DisplayName("Given the picker, a search and the refusal page at desktop and mobile widths, then axe-core finds no serious or critical violation")
    void accessible() {
        browser(true);
        for (Dimension size : List.of(HeadlessChromium.DESKTOP, HeadlessChromium.MOBILE)) {
            chromium.size(size);
            openPicker(HubClient.JUPYTERHUB, Map.of());
            awaitShown(JUPYTERHUB_INSTITUTIONS);
            assertThat(chromium.seriousAccessibilityViolations()).as("picker at %s", size).isEmpty();
            typeQuery("bergen");
            awaitShown(List.of("social-institution-b"));
            assertThat(chromium.seriousAccessibilityViolations()).as("search at %s", size).isEmpty();

            chromium.driver().get(authorizationUrl(HubClient.JUPYTERHUB, Map.of("kc_idp_hint", "institution-blocked")));
            chromium.await(ExpectedConditions.presenceOfElementLocated(By.id("kc-error-message")));
            assertThat(chromium.driver().findElement(By.id("kc-page-title")).getText()).isEqualTo("Institution not allowed");
            assertThat(chromium.driver().findElement(By.id("kc-error-message")).getText())
                    .contains("not allowed for this service").contains("Choose another institution");
            chromium.screenshot(size == HeadlessChromium.DESKTOP ? "refusal-desktop" : "refusal-mobile");
            assertThat(chromium.seriousAccessibilityViolations()).as("refusal page at %s", size).isEmpty();
        }
    }

    @Test
    @DisplayName("Given an identity provider renamed through the admin API, then the next search lists the new name (the cached directory follows the change)")
    void directoryFollowsIdentityProviderChanges() throws Exception {
        assertThat(search("client_id=jupyterhub&q=bergen").path("total").asInt()).isEqualTo(1);
        String path = "/admin/realms/vre/identity-provider/instances/institution-b";
        com.fasterxml.jackson.databind.node.ObjectNode idp = (com.fasterxml.jackson.databind.node.ObjectNode) admin.get(path).ok();
        String original = idp.path("displayName").asText();
        try {
            admin.put(path, idp.deepCopy().put("displayName", "Trondheim Polytechnic")).ok();
            assertThat(search("client_id=jupyterhub&q=trondheim").path("items").get(0).path("alias").asText())
                    .isEqualTo("institution-b");
            assertThat(search("client_id=jupyterhub&q=bergen%20tech").path("total").asInt())
                    .as("the old name is gone; the domain bergen-tech still matches").isEqualTo(1);
            assertThat(search("client_id=jupyterhub&q=bergen%20institute").path("total").asInt()).isZero();
        } finally {
            admin.put(path, idp.put("displayName", original)).ok();
        }
        assertThat(search("client_id=jupyterhub&q=bergen%20institute").path("total").asInt()).isEqualTo(1);
    }

    @Test
    @DisplayName("Given bad input to the search endpoint, then it answers 400/403 with a specific error, never a 500")
    void searchEndpointRejectsBadInput() throws Exception {
        JsonNode noClient = search("q=a");
        assertThat(noClient.path("status").asInt()).isEqualTo(400);
        assertThat(noClient.path("error").asText()).isEqualTo("invalid_request");
        assertThat(search("client_id=nope").path("error").asText()).isEqualTo("invalid_client");
        assertThat(search("client_id=jupyterhub&page=x").path("error_description").asText()).contains("page");
        assertThat(search("client_id=jupyterhub&page=0").path("status").asInt()).isEqualTo(400);
        assertThat(search("client_id=jupyterhub&q=" + "a".repeat(101)).path("error_description").asText())
                .contains("100");
        JsonNode ok = search("client_id=jupyterhub&q=aalborg&page=7");
        assertThat(ok.path("status").asInt()).isEqualTo(200);
        assertThat(ok.path("page").asInt()).isEqualTo(1);
        assertThat(ok.path("items").get(0).path("logo").asText()).isEqualTo("theme:img/logos/institution-a.svg");
        assertThat(ok.path("items").get(0).path("logoUrl").asText())
                .matches("/resources/[^/]+/login/science-gateway/img/logos/institution-a.svg");
    }
}
