package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;

/**
 * Realm {@code vre-bench} (or another name): a copy of the lab realm {@code vre} (same flows, theme, clients, users
 * linked to the same institutions) that the benchmark may fill with thousands of identity providers and groups, and
 * removes with one call. Its identity providers log in at the lab's institution realms, whose {@code vre-broker} clients
 * get this realm's broker endpoint as an extra redirect URI for the duration.
 */
final class BenchmarkRealm implements AutoCloseable {

    static final String NAME = "vre-bench";
    /** The filter's post-broker-login flow, which every IdP of {@code vre} runs. */
    static final String FILTER_POST_BROKER_FLOW = "institution filter post broker login";
    /** Bulk requests (thousands of groups or IdPs, deleting the realm) outlast the admin client's timeout. */
    private static final Duration BULK_TIMEOUT = Duration.ofMinutes(20);
    private static final int BATCH = 500;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+):([^}]*)}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> BROKERED_INSTITUTIONS = List.of("institution-a", "institution-blocked");

    private final KeycloakServer server;
    private final KeycloakAdmin admin;
    private final String name;
    private final Map<String, String> placeholders;
    private final HttpClient http = HttpClient.newHttpClient();
    private int fillerCount;

    BenchmarkRealm(KeycloakServer server, KeycloakAdmin admin) {
        this(server, admin, NAME, Map.of());
    }

    /** Another copy, named {@code name}; {@code placeholders} give values for the export's {@code ${VAR:default}}. */
    BenchmarkRealm(KeycloakServer server, KeycloakAdmin admin, String name, Map<String, String> placeholders) {
        this.server = server;
        this.admin = admin;
        this.name = name;
        this.placeholders = placeholders;
    }

    String name() {
        return name;
    }

    /** Creates the realm from the lab's {@code vre-realm.json} with the placeholders the server would resolve. */
    void create() {
        try {
            String text = Files.readString(Path.of(System.getProperty("realms.dir"), "vre-realm.json"));
            ObjectNode realm = (ObjectNode) JSON.readTree(resolvePlaceholders(text));
            realm.put("realm", name);
            realm.put("displayName", "vre (benchmark copy)");
            disableFederationSources(realm);
            bulk("DELETE", "/admin/realms/" + name, null, true);
            bulk("POST", "/admin/realms", realm, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String institution : BROKERED_INSTITUTIONS) {
            brokerRedirect(institution, true);
        }
    }

    private String resolvePlaceholders(String text) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String variable = matcher.group(1);
            String value = "LAB_BASE_URL".equals(variable) ? server.baseUrl() : placeholders.getOrDefault(variable,
                    System.getenv().getOrDefault(variable, defaultValue(variable, matcher.group(2))));
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    /**
     * A placeholder's default: the lab federation's file, unless a comparison names its own, lies in the one directory
     * the server lets federation sources read (a source elsewhere is refused when the realm is created).
     */
    private String defaultValue(String variable, String fallback) {
        return "LAB_FEDERATION_URL".equals(variable)
                ? server.federationDirectory().resolve("lab-federation.xml").toUri().toString() : fallback;
    }

    /**
     * The copy's federation sources (the lab's {@code lab-federation}) are disabled: the server's timer never syncs
     * them, only a sync the benchmark starts (which forces one) does, so that each measured sync is the only one.
     */
    private static void disableFederationSources(ObjectNode realm) {
        for (JsonNode source : realm.path("components").path("org.keycloak.services.ui.extend.UiPageProvider")) {
            if ("saml-federation".equals(source.path("providerId").asText())) {
                ((ObjectNode) source.with("config")).putArray("enabled").add("false");
            }
        }
    }

    /** Adds (or removes) this realm's broker endpoints to the redirect URIs of the institution's broker client. */
    private void brokerRedirect(String institution, boolean add) {
        JsonNode clients = admin.get("/admin/realms/" + institution + "/clients?clientId=vre-broker").ok();
        ObjectNode client = (ObjectNode) clients.get(0);
        ArrayNode uris = (ArrayNode) client.withArray("redirectUris");
        String uri = server.realmUrl(name) + "/broker/*";
        for (int i = uris.size() - 1; i >= 0; i--) {
            if (uri.equals(uris.get(i).asText())) {
                uris.remove(i);
            }
        }
        if (add) {
            uris.add(uri);
        }
        admin.put("/admin/realms/" + institution + "/clients/" + client.get("id").asText(), client).ok();
    }

    /**
     * A second identity provider for the same institution realm, without the filter's post-broker-login flow,
     * and {@code username}'s link to it (the same upstream account), so that the stock login needs no first
     * broker login.
     */
    void addUnfilteredCopy(String alias, String copyAlias, String username) {
        ObjectNode idp = (ObjectNode) admin.get("/admin/realms/" + name + "/identity-provider/instances/" + alias).ok();
        idp.remove("internalId");
        idp.put("alias", copyAlias);
        idp.put("displayName", idp.path("displayName").asText() + " (no filter)");
        idp.remove("postBrokerLoginFlowAlias");
        // The admin API masks the secret when reading; the lab's value (or its environment override) is the same.
        ((ObjectNode) idp.get("config")).put("clientSecret",
                System.getenv().getOrDefault("LAB_BROKER_CLIENT_SECRET", "vre-broker-lab-secret"));
        admin.post("/admin/realms/" + name + "/identity-provider/instances", idp).ok();
        String user = admin.userId(name, username);
        JsonNode link = null;
        for (JsonNode identity : admin.get("/admin/realms/" + name + "/users/" + user + "/federated-identity").ok()) {
            if (alias.equals(identity.path("identityProvider").asText())) {
                link = identity;
            }
        }
        if (link == null) {
            throw new AssertionError(username + " has no link to " + alias);
        }
        admin.post("/admin/realms/" + name + "/users/" + user + "/federated-identity/" + copyAlias,
                Map.of("identityProvider", copyAlias, "userId", link.path("userId").asText(),
                        "userName", link.path("userName").asText())).ok();
    }

    /** The look-alike identity providers added so far: {@code bench-university-00001} up to this number. */
    int fillerCount() {
        return fillerCount;
    }

    int identityProviderCount() {
        return admin.get("/admin/realms/" + name + "/identity-provider/instances?briefRepresentation=true&max=100000")
                .ok().size();
    }

    /**
     * Adds OIDC identity providers that look like eduGAIN members (name, domain, the filter's post-broker-login
     * flow) until the realm has {@code total}. They are never logged in through.
     */
    void growIdentityProvidersTo(int total) {
        int missing = total - identityProviderCount();
        while (missing > 0) {
            List<Map<String, Object>> batch = new ArrayList<>();
            for (int i = 0; i < Math.min(BATCH, missing); i++) {
                fillerCount++;
                String host = "idp" + fillerCount + ".bench-federation.example.org";
                Map<String, String> config = new LinkedHashMap<>();
                config.put("issuer", "https://" + host);
                config.put("authorizationUrl", "https://" + host + "/auth");
                config.put("tokenUrl", "https://" + host + "/token");
                config.put("clientId", "vre");
                config.put("clientSecret", "unused");
                config.put("clientAuthMethod", "client_secret_post");
                config.put("syncMode", "IMPORT");
                config.put("institution.domains", "uni" + fillerCount + ".bench-federation.example.org");
                Map<String, Object> idp = new LinkedHashMap<>();
                idp.put("alias", String.format("bench-university-%05d", fillerCount));
                idp.put("displayName", "Benchmark University " + fillerCount);
                idp.put("providerId", "oidc");
                idp.put("enabled", true);
                idp.put("firstBrokerLoginFlowAlias", "first broker login");
                idp.put("postBrokerLoginFlowAlias", FILTER_POST_BROKER_FLOW);
                idp.put("config", config);
                batch.add(idp);
            }
            partialImport(Map.of("ifResourceExists", "SKIP", "identityProviders", batch));
            missing -= batch.size();
        }
    }

    void partialImport(Map<String, Object> body) {
        bulk("POST", "/admin/realms/" + name + "/partialImport", body, false);
    }

    /** The id of a top-level authentication flow of this realm by alias (e.g. Keycloak's built-in {@code browser}). */
    String flowId(String alias) {
        for (JsonNode flow : admin.get("/admin/realms/" + name + "/authentication/flows").ok()) {
            if (alias.equals(flow.path("alias").asText())) {
                return flow.path("id").asText();
            }
        }
        throw new AssertionError("No flow " + alias + " in " + name);
    }

    @Override
    public void close() {
        for (String institution : BROKERED_INSTITUTIONS) {
            brokerRedirect(institution, false);
        }
        bulk("DELETE", "/admin/realms/" + name, null, true);
    }

    /** An admin call with a long timeout; {@code missingOk} tolerates 404. */
    void bulk(String method, String path, Object body, boolean missingOk) {
        try {
            String form = BrowserSession.formEncode(Map.of("grant_type", "password", "client_id", "admin-cli",
                    "username", KeycloakServer.ADMIN_USERNAME, "password", KeycloakServer.ADMIN_PASSWORD));
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(server.realmUrl("master")
                            + "/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            String token = JSON.readTree(login.body()).get("access_token").asText();
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                    .timeout(BULK_TIMEOUT).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").method(method, publisher).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2 && !(missingOk && response.statusCode() == 404)) {
                throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
