package org.sciencegateway.keycloak.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jsoup.nodes.Element;

/**
 * A hub's login at realm {@code vre}: the authorization-code flow with PKCE, state and nonce, driven through
 * Keycloak's real pages by a {@link BrowserSession}, then the code exchange the hub makes with its secret.
 */
public final class HubLogin {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeycloakServer server;
    private final BrowserSession browser;
    private final HubClient client;
    private final Map<String, String> extraParameters = new LinkedHashMap<>();
    private final String state = random();
    private final String nonce = random();
    private final String codeVerifier = random() + random();
    private String scope = "openid profile email";
    private BrowserSession.Page page;

    public HubLogin(KeycloakServer server, BrowserSession browser, HubClient client) {
        this.server = server;
        this.browser = browser;
        this.client = client;
    }

    /** One complete login of {@code user} through their home institution; fails with the page if it does not end at the hub. */
    public static TokenSet loginThroughHomeInstitution(KeycloakServer server, HubClient client, LabUser user) {
        HubLogin login = new HubLogin(server, new BrowserSession(), client);
        login.start();
        login.chooseIdentityProvider(user.identityProvider());
        login.signIn(user.username(), user.password());
        return login.exchangeCode();
    }

    public HubLogin scope(String scope) {
        this.scope = scope;
        return this;
    }

    /** Adds an authorization request parameter, e.g. {@code kc_idp_hint} or {@code prompt}. */
    public HubLogin parameter(String name, String value) {
        extraParameters.put(name, value);
        return this;
    }

    public String authorizationUrl() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", client.clientId());
        query.put("response_type", "code");
        query.put("redirect_uri", client.redirectUri());
        query.put("scope", scope);
        query.put("state", state);
        query.put("nonce", nonce);
        query.put("code_challenge", challenge(codeVerifier));
        query.put("code_challenge_method", "S256");
        query.putAll(extraParameters);
        return server.realmUrl(client.realm()) + "/protocol/openid-connect/auth?" + BrowserSession.formEncode(query);
    }

    /** Opens the authorization URL and follows redirects until a page needs the user, or the hub's callback. */
    public BrowserSession.Page start() {
        page = browser.follow(browser.get(authorizationUrl()), client.redirectUri());
        return page;
    }

    /** Opens {@code url} in this login's browser (e.g. a crafted broker URL) and follows it like {@link #start()}. */
    public BrowserSession.Page visit(String url) {
        page = browser.follow(browser.get(url), client.redirectUri());
        return page;
    }

    /** Continues this login from {@code from} (a page its browser got), following like {@link #start()}. */
    public BrowserSession.Page visitFollowing(BrowserSession.Page from) {
        page = browser.follow(from, client.redirectUri());
        return page;
    }

    /** Clicks the identity provider's button on the current login page. */
    public BrowserSession.Page chooseIdentityProvider(String alias) {
        String link = page.identityProviderLink(alias)
                .orElseThrow(() -> new AssertionError("No identity provider '" + alias + "' on the page: " + page));
        page = browser.follow(browser.get(link), client.redirectUri());
        return page;
    }

    /** Fills the (upstream institution's) login form and follows until a page needs the user or the hub is reached. */
    public BrowserSession.Page signIn(String username, String password) {
        Element form = page.loginForm().orElseThrow(() -> new AssertionError("No login form on the page: " + page));
        page = browser.follow(browser.submit(page, form, Map.of("username", username, "password", password)),
                client.redirectUri());
        return page;
    }

    /**
     * Whether the page asks only for the password of a user it already knows (Keycloak's re-authentication after
     * {@code prompt=login} or {@code max_age}).
     */
    public boolean asksForPasswordOnly() {
        return page.loginForm().isEmpty() && page.document().selectFirst("form:has(input[name=password])") != null;
    }

    /** Fills a password-only form and follows until a page needs the user or the hub is reached. */
    public BrowserSession.Page reenterPassword(String password) {
        Element form = Optional.ofNullable(page.document().selectFirst("form:has(input[name=password])"))
                .orElseThrow(() -> new AssertionError("No password form on the page: " + page));
        page = browser.follow(browser.submit(page, form, Map.of("password", password)), client.redirectUri());
        return page;
    }

    /** Whether the current page asks for a one-time code (Keycloak's OTP form). */
    public boolean asksForOneTimeCode() {
        return page.document().selectFirst("form:has(input[name=otp])") != null;
    }

    /** Types {@code code} into the one-time-code form and follows until a page needs the user or the hub is reached. */
    public BrowserSession.Page enterOneTimeCode(String code) {
        Element form = Optional.ofNullable(page.document().selectFirst("form:has(input[name=otp])"))
                .orElseThrow(() -> new AssertionError("No one-time-code form on the page: " + page));
        page = browser.follow(browser.submit(page, form, Map.of("otp", code)), client.redirectUri());
        return page;
    }

    /** The PKCE verifier this login sent the challenge of (for a code returned in a fragment). */
    public String codeVerifier() {
        return codeVerifier;
    }

    public BrowserSession.Page page() {
        return page;
    }

    public BrowserSession browser() {
        return browser;
    }

    public HubClient client() {
        return client;
    }

    /** True once Keycloak redirected to the hub's callback with a code. */
    public boolean reachedHub() {
        return page.isRedirect() && page.location().startsWith(client.redirectUri());
    }

    public Map<String, String> callbackParameters() {
        if (!reachedHub()) {
            throw new AssertionError("The login did not reach the hub's callback: " + page);
        }
        return BrowserSession.queryParameters(page.location());
    }

    /** The hub's back-channel code exchange, with the client secret and the PKCE verifier. */
    public TokenSet exchangeCode() {
        BrowserSession.Page response = exchangeCodeResponse();
        if (response.status() != 200) {
            throw new AssertionError("Code exchange failed: " + response.status() + " " + response.body());
        }
        TokenSet tokens = TokenSet.parse(response.body());
        String tokenNonce = tokens.idTokenClaims().path("nonce").asText();
        if (!nonce.equals(tokenNonce)) {
            throw new AssertionError("Nonce mismatch in ID token: " + tokenNonce);
        }
        return tokens;
    }

    /** The token endpoint's answer to the hub's code exchange, whatever it is (for refusals). */
    public BrowserSession.Page exchangeCodeResponse() {
        Map<String, String> callback = callbackParameters();
        if (!state.equals(callback.get("state"))) {
            throw new AssertionError("State mismatch in callback " + callback);
        }
        String code = callback.get("code");
        if (code == null) {
            throw new AssertionError("No code in callback " + callback);
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", client.redirectUri());
        form.put("client_id", client.clientId());
        if (client.clientSecret() != null) {
            // public clients (account-console, security-admin-console) send none
            form.put("client_secret", client.clientSecret());
        }
        form.put("code_verifier", codeVerifier);
        return new BrowserSession().post(server.realmUrl(client.realm()) + "/protocol/openid-connect/token", form);
    }

    private static String random() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
