package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Token issuance cost and token size for users in many groups, on one server in one run: no group mapper,
 * Keycloak's built-in Group Membership mapper, ours unfiltered, and ours filtered to the subtree {@code /escape}.
 * Each token is issued by the refresh-token grant (which runs every mapper again, without password hashing).
 * Opt-in, since it creates 10,000 groups: {@code -Dgroupmapper.benchmark=true}; sizes with
 * {@code -Dgroupmapper.benchmark.sizes=10,1000,10000}, timed tokens per variant with
 * {@code -Dgroupmapper.benchmark.iterations=30}. The table goes to the log and to
 * {@code integration-tests/target/group-mapper-benchmark.md}.
 */
@EnabledIfSystemProperty(named = "groupmapper.benchmark", matches = "true")
@DisplayName("group-mapper: benchmark of token issuance and size for users in many groups")
class GroupMapperBenchmarkIT {

    private static final String REALM = "vre";
    private static final String ROOT = "gm-bench";
    private static final int WARMUP = 5;
    private static final int EIGHT_KB = 8 * 1024;
    private static final int GROUPS_PER_ROOT = 1000;
    private static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(15);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient TOKEN_HTTP = HttpClient.newHttpClient();

    private static final List<String> VARIANTS = List.of("no group mapper", "built-in Group Membership",
            "ours, unfiltered", "ours, subtree /escape");

    private static KeycloakServer server;
    private static KeycloakAdmin admin;
    private static final int[] SIZES = Arrays.stream(System.getProperty("groupmapper.benchmark.sizes", "10,1000,10000")
            .split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    private static final int ITERATIONS = Integer.getInteger("groupmapper.benchmark.iterations", 30);

    @BeforeAll
    static void createGroupsUsersAndClients() {
        server = KeycloakServer.shared();
        admin = new KeycloakAdmin(server);
        // Groups in batches of GROUPS_PER_ROOT under /gm-bench-<k> roots, so that each import stays short.
        int max = Arrays.stream(SIZES).max().orElseThrow();
        for (int root = 0; root * GROUPS_PER_ROOT < max; root++) {
            List<Map<String, Object>> subGroups = new ArrayList<>();
            for (int i = root * GROUPS_PER_ROOT; i < Math.min(max, (root + 1) * GROUPS_PER_ROOT); i++) {
                subGroups.add(Map.of("name", "g" + i, "path", groupPath(i)));
            }
            longAdminPost("/admin/realms/" + REALM + "/partialImport", Map.of("ifResourceExists", "FAIL",
                    "groups", List.of(Map.of("name", root(root), "path", "/" + root(root), "subGroups", subGroups))));
        }
        for (int size : SIZES) {
            List<String> groups = new ArrayList<>();
            groups.add("/escape/users");
            for (int i = 0; i < size - 1; i++) {
                groups.add(groupPath(i));
            }
            longAdminPost("/admin/realms/" + REALM + "/partialImport", Map.of("ifResourceExists", "FAIL",
                    "users", List.of(Map.of("username", user(size), "enabled", true,
                            "email", user(size) + "@vre.example.org", "emailVerified", true, "firstName", "Bench",
                            "lastName", "User" + size, "groups", groups, "credentials",
                            List.of(Map.of("type", "password", "value", user(size), "temporary", false))))));
        }

        for (int v = 0; v < VARIANTS.size(); v++) {
            admin.post("/admin/realms/" + REALM + "/clients", Map.of("clientId", client(v), "secret", client(v),
                    "publicClient", false, "standardFlowEnabled", false, "directAccessGrantsEnabled", true)).ok();
        }
        String models = "/admin/realms/" + REALM + "/clients/%s/protocol-mappers/models";
        Map<String, String> targets = Map.of("id.token.claim", "true", "access.token.claim", "true",
                "userinfo.token.claim", "true", "introspection.token.claim", "true");
        admin.post(String.format(models, admin.clientUuid(REALM, client(1))), Map.of("name", "groups",
                "protocol", "openid-connect", "protocolMapper", "oidc-group-membership-mapper",
                "config", merge(targets, Map.of("claim.name", "groups", "full.path", "true")))).ok();
        admin.post(String.format(models, admin.clientUuid(REALM, client(2))), Map.of("name", "groups",
                "protocol", "openid-connect", "protocolMapper", "science-gateway-group-mapper",
                "config", merge(targets, Map.of("claim.name", "groups")))).ok();
        admin.post(String.format(models, admin.clientUuid(REALM, client(3))), Map.of("name", "groups",
                "protocol", "openid-connect", "protocolMapper", "science-gateway-group-mapper",
                "config", merge(targets, Map.of("claim.name", "groups", "group.subtree.roots", "/escape")))).ok();
    }

    @AfterAll
    static void removeEverything() {
        for (int v = 0; v < VARIANTS.size(); v++) {
            admin.delete("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, client(v)));
        }
        for (int size : SIZES) {
            admin.delete("/admin/realms/" + REALM + "/users/" + admin.userId(REALM, user(size)));
        }
        int max = Arrays.stream(SIZES).max().orElseThrow();
        for (int root = 0; root * GROUPS_PER_ROOT < max; root++) {
            JsonNode group = admin.get("/admin/realms/" + REALM + "/group-by-path/" + root(root)).json();
            if (group.has("id")) {
                admin.delete("/admin/realms/" + REALM + "/groups/" + group.get("id").asText());
            }
        }
    }

    @Test
    @DisplayName("Given users in 10, 1,000 and 10,000 groups, then ours costs about what no mapper costs and the subtree-filtered token stays under 8 KB")
    void tokenIssuanceAndSize() {
        StringBuilder table = new StringBuilder("| groups | variant | median ms | p90 ms | vs no mapper | access token bytes | ID token bytes |\n"
                + "|---:|---|---:|---:|---:|---:|---:|\n");
        for (int size : SIZES) {
            String[] refreshTokens = new String[VARIANTS.size()];
            TokenSet[] last = new TokenSet[VARIANTS.size()];
            List<List<Long>> nanos = new ArrayList<>();
            for (int v = 0; v < VARIANTS.size(); v++) {
                last[v] = passwordGrant(v, user(size));
                refreshTokens[v] = last[v].refreshToken();
                nanos.add(new ArrayList<>());
                for (int w = 0; w < WARMUP; w++) {
                    refreshTokens[v] = refresh(v, refreshTokens[v]).refreshToken();
                }
            }
            // Interleaved rounds, rotating the order, so that drift on a shared machine hits every variant alike.
            for (int round = 0; round < ITERATIONS; round++) {
                for (int k = 0; k < VARIANTS.size(); k++) {
                    int v = (round + k) % VARIANTS.size();
                    long start = System.nanoTime();
                    TokenSet tokens = refresh(v, refreshTokens[v]);
                    nanos.get(v).add(System.nanoTime() - start);
                    refreshTokens[v] = tokens.refreshToken();
                    last[v] = tokens;
                }
            }
            double baseline = median(nanos.get(0));
            for (int v = 0; v < VARIANTS.size(); v++) {
                double median = median(nanos.get(v));
                table.append(String.format("| %,d | %s | %.1f | %.1f | %+.1f%% | %,d | %,d |%n", size, VARIANTS.get(v),
                        median / 1e6, percentile(nanos.get(v), 0.9) / 1e6, 100 * (median - baseline) / baseline,
                        last[v].accessToken().length(), last[v].idToken().length()));
            }
            System.out.println("group-mapper benchmark so far:\n" + table);
            TokenSet filtered = last[3];
            assertThat(filtered.accessTokenClaims().get("groups").toString()).isEqualTo("[\"/escape/users\"]");
            assertThat(filtered.accessToken().length()).as("subtree-filtered access token at %d groups", size)
                    .isLessThan(EIGHT_KB);
            assertThat(filtered.idToken().length()).as("subtree-filtered ID token at %d groups", size)
                    .isLessThan(EIGHT_KB);
            assertThat(last[2].accessTokenClaims().get("groups").size()).as("unfiltered groups at %d", size)
                    .isEqualTo(size);
        }
        String report = "Token issuance by refresh grant, " + ITERATIONS + " timed tokens per variant and size, "
                + "one server, one run (" + Runtime.getRuntime().availableProcessors() + " cores).\n\n" + table;
        System.out.println(report);
        try {
            Files.writeString(Path.of("target", "group-mapper-benchmark.md"), report, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TokenSet passwordGrant(int variant, String username) {
        return token(Map.of("grant_type", "password", "client_id", client(variant), "client_secret", client(variant),
                "username", username, "password", username, "scope", "openid"));
    }

    private static TokenSet refresh(int variant, String refreshToken) {
        return token(Map.of("grant_type", "refresh_token", "client_id", client(variant), "client_secret", client(variant),
                "refresh_token", refreshToken));
    }

    /** Own client: the first token for a user in 10,000 groups loads them all and can outlast a browser's patience. */
    private static TokenSet token(Map<String, String> form) {
        try {
            HttpResponse<String> response = TOKEN_HTTP.send(HttpRequest.newBuilder(URI.create(server.realmUrl(REALM)
                            + "/protocol/openid-connect/token")).timeout(IMPORT_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(BrowserSession.formEncode(form))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("Token request failed: " + response.statusCode() + " " + response.body());
            }
            return TokenSet.parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double median(List<Long> values) {
        return percentile(values, 0.5);
    }

    private static double percentile(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> merged = new HashMap<>(a);
        merged.putAll(b);
        return merged;
    }

    private static String root(int index) {
        return ROOT + "-" + index;
    }

    private static String groupPath(int index) {
        return "/" + root(index / GROUPS_PER_ROOT) + "/g" + index;
    }

    /** Bulk imports outlast the admin client's timeout; this one waits up to {@link #IMPORT_TIMEOUT}. */
    private static void longAdminPost(String path, Object body) {
        try {
            HttpClient http = HttpClient.newHttpClient();
            String form = BrowserSession.formEncode(Map.of("grant_type", "password", "client_id", "admin-cli",
                    "username", KeycloakServer.ADMIN_USERNAME, "password", KeycloakServer.ADMIN_PASSWORD));
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(server.realmUrl("master")
                            + "/protocol/openid-connect/token")).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            String token = MAPPER.readTree(login.body()).get("access_token").asText();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                    .timeout(IMPORT_TIMEOUT).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new AssertionError("Import answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String client(int variant) {
        return "gm-bench-" + variant;
    }

    private static String user(int size) {
        return "gm-bench-user-" + size;
    }
}
