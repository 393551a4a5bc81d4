package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

/**
 * The production realm export ({@code realm-exports/production/vre-realm.json}): every site value is an environment
 * placeholder, it imports into a real Keycloak with our providers, and the lab realm is that realm plus the demo
 * layer (institutions, users, a second hub, localhost URLs) and nothing else.
 */
@DisplayName("The production realm export")
@ExtendWith(SharedKeycloak.class)
class ProductionRealmIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Keycloak's placeholder syntax in import files: ${NAME} or ${NAME:default}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([^}]*))?}");
    private static final String CHECK_REALM = "vre-production-check";

    /** What a site sets; the values a deployment would give. */
    private static final Map<String, String> SITE = Map.of(
            "JUPYTERHUB_URL", "https://hub.vre.example.org",
            "JUPYTERHUB_CLIENT_SECRET", "hub-secret-from-a-vault",
            "RUCIO_CLIENT_SECRET", "rucio-secret-from-a-vault",
            "SSH_GATEWAY_CLIENT_SECRET", "ssh-secret-from-a-vault",
            "FEDERATION_PROXY_CLIENT_ID", "cilogon:/client_id/0123456789");
    /** The federation proxy's client secret is a vault entry, not an import variable. */
    private static final String PROXY_SECRET_KEY = "federation-proxy-client-secret";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static String productionText;

    @BeforeAll
    static void importProductionRealm() throws IOException {
        productionText = Files.readString(Path.of(System.getProperty("production.realms.dir"), "vre-realm.json"));
        ObjectNode realm = (ObjectNode) MAPPER.readTree(substitute(productionText, SITE));
        realm.put("realm", CHECK_REALM);
        server.vault().put(CHECK_REALM, PROXY_SECRET_KEY, "cilogon-secret-from-a-vault");
        admin.post("/admin/realms", realm).ok();
    }

    @AfterAll
    static void removeRealm() {
        if (admin != null) {
            admin.delete("/admin/realms/" + CHECK_REALM);
        }
    }

    @Test
    @DisplayName("Given the production file, then it holds no demo user, no demo institution and no lab secret or URL")
    void holdsNoLabData() throws IOException {
        JsonNode production = MAPPER.readTree(productionText);

        assertThat(production.path("users")).isEmpty();
        List<String> aliases = new ArrayList<>();
        production.path("identityProviders").forEach(idp -> aliases.add(idp.get("alias").asText()));
        assertThat(aliases).containsExactly("federation-proxy");
        assertThat(productionText).doesNotContain("lab-secret", "localhost", "127.0.0.1", "institution-a",
                "institution-b", "institution-saml", "institution-blocked", "other-gateway", "LAB_BASE_URL");
    }

    @Test
    @DisplayName("Given the production file, then every secret, hub URL, audience and upstream endpoint is a placeholder")
    void siteValuesArePlaceholders() {
        Set<String> names = new TreeSet<>();
        Matcher matcher = PLACEHOLDER.matcher(productionText);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }

        assertThat(names).containsAll(SITE.keySet()).contains("JUPYTERHUB_CLIENT_ID", "RUCIO_AUDIENCE",
                "SSH_GATEWAY_AUDIENCE", "FEDERATION_PROXY_ISSUER", "FEDERATION_PROXY_AUTHORIZATION_URL",
                "FEDERATION_PROXY_TOKEN_URL", "FEDERATION_PROXY_JWKS_URL");
        Matcher secrets = Pattern.compile("\"secret\":\\s*\"([^\"]*)\"").matcher(productionText);
        while (secrets.find()) {
            assertThat(secrets.group(1)).as("client secret").matches("\\$\\{[A-Z0-9_]+}");
        }
        // The federation proxy's secret is read from Keycloak's vault at each use and never stored in the database.
        Matcher idpSecrets = Pattern.compile("\"clientSecret\":\\s*\"([^\"]*)\"").matcher(productionText);
        assertThat(idpSecrets.find()).isTrue();
        assertThat(idpSecrets.group(1)).isEqualTo("${vault." + PROXY_SECRET_KEY + "}");
        assertThat(idpSecrets.find()).as("one identity-provider secret").isFalse();
    }

    @Test
    @DisplayName("Given the site's values, then the realm imports with the hub's group and institution mappers and both exchange policies")
    void importsWithEveryProvider() {
        JsonNode hub = client("jupyterhub");
        assertThat(hub.get("redirectUris")).extracting(JsonNode::asText)
                .containsExactly("https://hub.vre.example.org/hub/oauth_callback");
        assertThat(mapperTypes(hub)).contains("sg-institution-filter", "science-gateway-group-mapper");

        JsonNode rucio = client("rucio");
        JsonNode rucioPolicy = mapper(rucio, "audience-exchange-policy");
        assertThat(rucioPolicy.path("config").path("allowed.requesters").asText()).isEqualTo("jupyterhub");
        assertThat(rucioPolicy.path("config").path("refresh.allowed").asText()).isEqualTo("true");

        JsonNode sshGateway = client("ssh-gateway");
        JsonNode sshPolicy = mapper(sshGateway, "audience-exchange-policy");
        assertThat(sshPolicy.path("config").path("max.lifetime.seconds").asText()).isEqualTo("900");
        assertThat(sshPolicy.path("config").path("refresh.allowed").asText()).isEqualTo("false");
        assertThat(sshGateway.path("description").asText()).contains("motley_cue");

        JsonNode proxy = admin.get("/admin/realms/" + CHECK_REALM + "/identity-provider/instances/federation-proxy").ok();
        assertThat(proxy.path("config").path("issuer").asText()).isEqualTo("https://cilogon.org");
        assertThat(proxy.path("config").path("clientId").asText()).isEqualTo("cilogon:/client_id/0123456789");
        assertThat(proxy.path("postBrokerLoginFlowAlias").asText()).isEqualTo("institution filter post broker login");
        JsonNode realm = admin.get("/admin/realms/" + CHECK_REALM).ok();
        assertThat(realm.path("browserFlow").asText()).isEqualTo("institution filter browser");
        assertThat(realm.path("loginTheme").asText()).isEqualTo("science-gateway");
    }

    @Test
    @DisplayName("Given the lab realm, then it is the production realm plus the demo layer: same flows, groups, policies and hub mappers")
    void labIsProductionPlusDemoLayer() throws IOException {
        JsonNode production = MAPPER.readTree(substitute(productionText, Map.of()));
        JsonNode lab = MAPPER.readTree(Files.readString(Path.of(System.getProperty("realms.dir"), "vre-realm.json")));

        assertThat(lab.get("authenticationFlows")).isEqualTo(production.get("authenticationFlows"));
        for (String field : List.of("browserFlow", "registrationFlow", "resetCredentialsFlow", "groups", "loginTheme",
                "sslRequired", "registrationAllowed", "resetPasswordAllowed", "accessTokenLifespan",
                "ssoSessionIdleTimeout", "ssoSessionMaxLifespan", "eventsEnabled")) {
            assertThat(lab.get(field)).as(field).isEqualTo(production.get(field));
        }
        JsonNode labHub = byClientId(lab, "jupyterhub");
        JsonNode productionHub = byClientId(production, "jupyterhub");
        assertThat(mapperTypes(labHub)).isEqualTo(mapperTypes(productionHub));
        for (String type : mapperTypes(productionHub)) {
            if (!type.equals("sg-institution-filter")) {
                assertThat(mapper(labHub, type)).as(type).isEqualTo(mapper(productionHub, type));
            }
        }
        assertThat(mapper(byClientId(lab, "rucio"), "audience-exchange-policy"))
                .isEqualTo(mapper(byClientId(production, "rucio"), "audience-exchange-policy"));
        JsonNode labProxyMapper = null;
        for (JsonNode mapper : lab.get("identityProviderMappers")) {
            if (mapper.get("identityProviderAlias").asText().equals("federation-proxy")) {
                labProxyMapper = mapper;
            }
        }
        assertThat(production.get("identityProviderMappers")).containsExactly(labProxyMapper);
    }

    private static JsonNode client(String clientId) {
        return admin.get("/admin/realms/" + CHECK_REALM + "/clients/" + admin.clientUuid(CHECK_REALM, clientId)).ok();
    }

    private static JsonNode byClientId(JsonNode realm, String clientId) {
        for (JsonNode client : realm.get("clients")) {
            if (client.get("clientId").asText().equals(clientId)) {
                return client;
            }
        }
        throw new AssertionError("No client " + clientId);
    }

    private static List<String> mapperTypes(JsonNode client) {
        List<String> types = new ArrayList<>();
        client.path("protocolMappers").forEach(m -> types.add(m.get("protocolMapper").asText()));
        types.sort(null);
        return types;
    }

    private static JsonNode mapper(JsonNode client, String type) {
        for (JsonNode mapper : client.path("protocolMappers")) {
            if (mapper.get("protocolMapper").asText().equals(type)) {
                ObjectNode copy = mapper.deepCopy();
                copy.remove("id");
                return copy;
            }
        }
        throw new AssertionError("No " + type + " mapper on " + client.get("clientId"));
    }

    /**
     * Keycloak's substitution of import placeholders: the variable's value, else its default; a placeholder
     * without a default that the site does not set fails, as it would leave a literal in the realm.
     */
    @Test
    @DisplayName("Given only JUPYTERHUB_URL set, then the import is refused and names every unset secret variable; nothing is created")
    void unsetSecretsRefuseTheImport() throws IOException {
        String realmName = "vre-unset-secrets";
        ObjectNode realm = (ObjectNode) MAPPER.readTree(substituteLikeKeycloak(productionText,
                Map.of("JUPYTERHUB_URL", "https://hub.vre.example.org")));
        realm.put("realm", realmName);

        KeycloakAdmin.Response refused = admin.post("/admin/realms", realm);

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains("was not imported", "JUPYTERHUB_CLIENT_SECRET (client jupyterhub: secret)",
                "RUCIO_CLIENT_SECRET (client rucio: secret)", "SSH_GATEWAY_CLIENT_SECRET (client ssh-gateway: secret)",
                "FEDERATION_PROXY_CLIENT_ID (identity provider federation-proxy: clientId)",
                "the server's vault has no entry for: " + PROXY_SECRET_KEY
                        + " (identity provider federation-proxy: clientSecret)",
                "DIR/" + realmName + "_KEY");
        assertThat(admin.get("/admin/realms/" + realmName).status()).as("realm left behind").isEqualTo(404);
    }

    /** What Keycloak's import does: a set variable or the default replaces the placeholder, an unset one stays. */
    private static String substituteLikeKeycloak(String text, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.containsKey(matcher.group(1)) ? values.get(matcher.group(1))
                    : matcher.group(2) != null ? matcher.group(2) : matcher.group();
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static String substitute(String text, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        Map<String, String> missing = new LinkedHashMap<>();
        while (matcher.find()) {
            String value = values.containsKey(matcher.group(1)) ? values.get(matcher.group(1)) : matcher.group(2);
            if (value == null) {
                missing.put(matcher.group(1), matcher.group());
                value = "unset-" + matcher.group(1);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        if (!values.isEmpty()) {
            assertThat(missing).as("placeholders without a default that the site must set").isEmpty();
        }
        return out.toString();
    }
}
