package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * What a browser does during a Keycloak login, over plain HTTP: keeps cookies, follows redirects one by one, submits
 * Keycloak's real HTML forms (login forms, SAML POST-binding forms). It never runs JavaScript, exactly like a
 * browser with scripts off; the pages Keycloak serves work that way.
 */
public final class BrowserSession {

    private static final int MAX_STEPS = 30;

    private final HttpClient http;
    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);

    public BrowserSession() {
        this(HttpClient.Version.HTTP_2);
    }

    /**
     * A session speaking {@code version}: {@code HTTP_1_1} for servers behind a proxy that takes Java's HTTP/2
     * upgrade request ({@code Upgrade: h2c}) for a WebSocket, such as JupyterHub's configurable-http-proxy.
     */
    public BrowserSession(HttpClient.Version version) {
        this.http = Http.client()
                .version(version)
                .cookieHandler(new LocalhostSecureContext(cookies))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public CookieManager cookies() {
        return cookies;
    }

    public Page get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    public Page post(String url, Map<String, String> form) {
        return send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formEncode(form))));
    }

    /**
     * Follows redirects and auto-submitting forms from {@code page} until a page needs a person, or a redirect or an
     * auto-submitting form goes to the stop URL.
     */
    public Page follow(Page page, String stopPrefix) {
        Page current = page;
        for (int step = 0; step < MAX_STEPS; step++) {
            if (current.isRedirect()) {
                String location = current.location();
                if (stopPrefix != null && location.startsWith(stopPrefix)) {
                    return current;
                }
                current = get(location);
                continue;
            }
            Optional<Element> autoForm = current.autoSubmitForm();
            if (autoForm.isPresent()) {
                if (stopPrefix != null && autoForm.get().absUrl("action").startsWith(stopPrefix)) {
                    // A SAML response (or form_post) addressed to the application: where the application takes over.
                    return current;
                }
                current = submit(current, autoForm.get(), Map.of());
                continue;
            }
            return current;
        }
        throw new AssertionError("More than " + MAX_STEPS + " redirects; last: " + current);
    }

    /** Submits {@code form} of {@code page} with its own fields plus {@code values}, as a browser would. */
    public Page submit(Page page, Element form, Map<String, String> values) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : form.select("input[name]")) {
            String type = input.attr("type");
            if (("checkbox".equals(type) || "radio".equals(type)) && !input.hasAttr("checked")) {
                continue;
            }
            if ("submit".equals(type)) {
                continue;
            }
            fields.put(input.attr("name"), input.val());
        }
        fields.putAll(values);
        String action = form.absUrl("action");
        if (action.isEmpty()) {
            action = page.url();
        }
        if ("get".equalsIgnoreCase(form.attr("method"))) {
            String separator = action.contains("?") ? "&" : "?";
            return get(action + separator + formEncode(fields));
        }
        return post(action, fields);
    }

    private Page send(HttpRequest.Builder request) {
        return new Page(Http.send(http, request.timeout(Http.REQUEST_TIMEOUT).header("Accept", "text/html,*/*").build()));
    }

    /**
     * Browsers treat {@code http://localhost} as a secure context and send it {@code Secure} cookies, which Keycloak
     * sets on its session cookies; Java's cookie manager would drop them over plain HTTP.
     */
    private static final class LocalhostSecureContext extends CookieHandler {
        private final CookieHandler delegate;

        LocalhostSecureContext(CookieHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Map<String, List<String>> get(URI uri, Map<String, List<String>> headers) throws IOException {
            return delegate.get(secure(uri), headers);
        }

        @Override
        public void put(URI uri, Map<String, List<String>> headers) throws IOException {
            delegate.put(secure(uri), headers);
        }

        private static URI secure(URI uri) {
            boolean local = "localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost());
            if (!local || !"http".equals(uri.getScheme())) {
                return uri;
            }
            try {
                return new URI("https", uri.getUserInfo(), uri.getHost(), uri.getPort(), uri.getPath(),
                        uri.getQuery(), null);
            } catch (URISyntaxException e) {
                return uri;
            }
        }
    }

    public static String formEncode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /** The decoded query parameters of {@code url}, in order (the inverse of {@link #formEncode}). */
    public static Map<String, String> queryParameters(String url) {
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        String raw = java.net.URI.create(url).getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                parameters.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    /** One HTTP response as a browser sees it. */
    public static final class Page {
        private final HttpResponse<String> response;
        private Document document;

        Page(HttpResponse<String> response) {
            this.response = response;
        }

        public int status() {
            return response.statusCode();
        }

        public String url() {
            return response.uri().toString();
        }

        public String body() {
            return response.body();
        }

        public HttpResponse<String> response() {
            return response;
        }

        public boolean isRedirect() {
            return status() >= 300 && status() < 400 && response.headers().firstValue("Location").isPresent();
        }

        public String location() {
            String location = response.headers().firstValue("Location")
                    .orElseThrow(() -> new AssertionError("No Location header: " + this));
            return response.uri().resolve(location).toString();
        }

        public Document document() {
            if (document == null) {
                document = Jsoup.parse(body(), url());
            }
            return document;
        }

        public String title() {
            return document().title();
        }

        /** Keycloak's login form: username and password fields. */
        public Optional<Element> loginForm() {
            return Optional.ofNullable(document().selectFirst("form:has(input[name=username]):has(input[name=password])"));
        }

        /** The link of an identity provider on Keycloak's login page ({@code id="social-<alias>"}). */
        public Optional<String> identityProviderLink(String alias) {
            return Optional.ofNullable(document().getElementById("social-" + alias)).map(a -> a.absUrl("href"));
        }

        /** Forms that a browser submits on load: SAML POST binding and OIDC form_post pages. */
        Optional<Element> autoSubmitForm() {
            if (status() != 200 || !contentType().startsWith("text/html")) {
                return Optional.empty();
            }
            Element saml = document().selectFirst("form:has(input[name=SAMLRequest]), form:has(input[name=SAMLResponse])");
            if (saml != null) {
                return Optional.of(saml);
            }
            Element body = document().body();
            if (body != null && body.attr("onload").contains("submit()")) {
                return Optional.ofNullable(document().selectFirst("form"));
            }
            return Optional.empty();
        }

        public String contentType() {
            return response.headers().firstValue("Content-Type").orElse("");
        }

        /** Visible text of Keycloak's error/feedback area, or the whole page text. */
        public String message() {
            Element feedback = document().selectFirst("#input-error, .kc-feedback-text, .pf-v5-c-alert__title, #kc-error-message, .alert-error");
            return feedback != null ? feedback.text() : document().text();
        }

        @Override
        public String toString() {
            String text = status() == 200 ? document().text() : body();
            return status() + " " + url() + (isRedirect() ? " -> " + location() : "") + "\n"
                    + text.substring(0, Math.min(text.length(), 2000));
        }
    }
}
