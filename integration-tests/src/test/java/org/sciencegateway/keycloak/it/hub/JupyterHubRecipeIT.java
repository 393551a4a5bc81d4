package org.sciencegateway.keycloak.it.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.keycloak.representations.AccessToken;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.OneTimeCode;
import org.sciencegateway.keycloak.testing.ReadmeBlocks;
import org.sciencegateway.keycloak.testing.RucioTokenRules;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * The README's JupyterHub recipes ("For hub admins: the JupyterHub recipe"), extracted from README.md at run time, on
 * a real JupyterHub: Debian's {@code jupyterhub} (3.0) with {@code configurable-http-proxy}, a stock
 * oauthenticator {@code GenericOAuthenticator} from its pinned source (see {@link #OAUTHENTICATOR_SOURCE}), against
 * the lab realm {@code vre} of the shared server. The lab's {@code jupyterhub} client gets this hub's redirect URI and
 * hub access tokens of {@value #HUB_TOKEN_SECONDS} s for the test (restored afterwards); the hub refreshes every
 * {@value #REFRESH_AGE_SECONDS} s instead of the README's 240 s. Single-user servers are a stand-in
 * ({@code hub-recipe/notebook_stand_in.py}) that runs the README's notebook side with its own API token.
 * <p>
 * The hub starts once; the tests run in order on alice's server, then oscar logs in with a one-time code.
 */
@DisplayName("The README's JupyterHub recipes on a real JupyterHub 3.0 with oauthenticator's GenericOAuthenticator")
@ExtendWith({JupyterHubRecipeIT.OauthenticatorSource.class, SharedKeycloak.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JupyterHubRecipeIT {

    /**
     * Where oauthenticator's source is (the release tree, never committed): system property
     * {@code oauthenticator.source}, else environment variable {@code OAUTHENTICATOR_SOURCE}, else
     * {@code /work/.cache/oauthenticator-17.4.0}. Without it the test is skipped.
     */
    static final String OAUTHENTICATOR_SOURCE = Optional.ofNullable(System.getProperty("oauthenticator.source"))
            .or(() -> Optional.ofNullable(System.getenv("OAUTHENTICATOR_SOURCE")))
            .orElse("/work/.cache/oauthenticator-17.4.0");
    private static final String REALM = "vre";
    private static final int HUB_TOKEN_SECONDS = 8;
    private static final int REFRESH_AGE_SECONDS = 2;
    private static final int FILE_INTERVAL_SECONDS = 1;
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    private static Path dir;
    private static int port;
    private static String hubUrl;
    private static HubClient hubClient;
    private static String adminToken;
    private static String cullerToken;
    private static Process hub;
    private static JsonNode originalClient;
    private static RucioTokenRules rucio;
    private static final HttpClient HTTP = Http.client().version(HttpClient.Version.HTTP_1_1).build();

    /** Skips the class, with the reason, before the shared server starts, when oauthenticator's source is absent. */
    static final class OauthenticatorSource implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Path source = Path.of(OAUTHENTICATOR_SOURCE);
            return Files.isRegularFile(source.resolve("oauthenticator/generic.py"))
                    ? ConditionEvaluationResult.enabled("oauthenticator source at " + source)
                    : ConditionEvaluationResult.disabled("oauthenticator source not found at " + source
                            + " (set OAUTHENTICATOR_SOURCE; README, Development)");
        }
    }

    @BeforeAll
    static void startHub() throws Exception {
        Path source = Path.of(OAUTHENTICATOR_SOURCE);
        for (String program : List.of("/usr/bin/jupyterhub", "/usr/bin/configurable-http-proxy")) {
            assertThat(Path.of(program)).as("Debian's jupyterhub and node-configurable-http-proxy (./test.sh installs them)")
                    .exists();
        }
        rucio = RucioTokenRules.forIssuer(server.realmUrl(REALM));
        dir = Path.of("target", "hub-recipe").toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir);
        port = freePortBlock();
        hubUrl = "http://127.0.0.1:" + port;
        hubClient = new HubClient(REALM, "jupyterhub", "jupyterhub-lab-secret", hubUrl + "/hub/oauth_callback");
        adminToken = random();
        cullerToken = random();

        String clientPath = "/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, "jupyterhub");
        originalClient = admin.get(clientPath).ok();
        ObjectNode client = originalClient.deepCopy();
        client.withArray("redirectUris").add(hubClient.redirectUri());
        client.with("attributes").put("access.token.lifespan", String.valueOf(HUB_TOKEN_SECONDS));
        admin.put(clientPath, client).ok();

        writeReadmeBlocks();
        Path site = dir.resolve("site");
        oauthenticatorEntryPoints(source, site);
        Path resources = Path.of("src", "test", "resources", "hub-recipe").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/jupyterhub", "-f",
                resources.resolve("jupyterhub_config.py").toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("jupyterhub.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("PYTHONPATH", source + ":" + site);
        // Debian's programs first (python3 with the python3-* packages); configurable-http-proxy's node modules are
        // Debian's, in /usr/share/nodejs, which a node from elsewhere (e.g. NodeSource's) does not search by itself.
        env.put("PATH", "/usr/bin:/bin:" + env.getOrDefault("PATH", ""));
        env.put("NODE_PATH", "/usr/share/nodejs");
        env.put("JUPYTERHUB_CRYPT_KEY", HexFormat.of().formatHex(bytes(32)));
        env.put("HUB_RECIPE_DIR", dir.toString());
        env.put("HUB_RECIPE_PORT", String.valueOf(port));
        env.put("HUB_RECIPE_ADMIN_TOKEN", adminToken);
        env.put("HUB_RECIPE_CULLER_TOKEN", cullerToken);
        env.put("HUB_RECIPE_REFRESH_AGE", String.valueOf(REFRESH_AGE_SECONDS));
        env.put("HUB_RECIPE_FILE_INTERVAL", String.valueOf(FILE_INTERVAL_SECONDS));
        hub = builder.start();
        await("the hub answers at " + hubUrl, () -> {
            try {
                return hubApi("GET", "/hub/api/", adminToken).statusCode() == 200;
            } catch (AssertionError notYet) {
                return false;
            }
        });
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (hub != null) {
            List<ProcessHandle> children = hub.descendants().toList();
            hub.destroy();
            if (!hub.waitFor(15, TimeUnit.SECONDS)) {
                hub.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroy);
        }
        if (originalClient != null) {
            admin.put("/admin/realms/" + REALM + "/clients/" + originalClient.get("id").asText(), originalClient).ok();
        }
    }

    @Test
    @Order(1)
    @DisplayName("Given the README's roles, then alice's server spawns, its token reads her auth_state, and both spawn-time recipes hand it a Rucio token")
    void readmeRolesLetServersSpawnWithTheirRucioToken() throws Exception {
        loginThroughTheHub(LabUser.ALICE, false);
        spawn("alice");
        JsonNode env = JSON.readTree(dir.resolve("spawn-env-alice.json").toFile());
        for (String variable : List.of("PRESPAWN_RUCIO_ACCESS_TOKEN", "RUCIO_ACCESS_TOKEN")) {
            assertThat(env.path(variable).isTextual()).as(variable + " in the server's environment").isTrue();
            AccessToken token = rucio.validate(env.get(variable).asText());
            assertThat(token.getAudience()).as(variable).containsExactly("rucio");
            assertThat(token.getPreferredUsername()).isEqualTo("alice");
        }
    }

    @Test
    @Order(2)
    @DisplayName("Given the README's notebook side, then the notebook's token file holds a valid Rucio token renewed over several hub-token lifetimes")
    void notebookFileIsRenewedOverSeveralHubTokenLifetimes() throws Exception {
        Path file = tokenFile("alice");
        await("the notebook side writes " + file, () -> Files.exists(file));
        Set<String> rucioTokens = new LinkedHashSet<>();
        Set<String> hubTokens = new LinkedHashSet<>();
        Instant end = Instant.now().plusSeconds(HUB_TOKEN_SECONDS * 7L / 2);
        while (Instant.now().isBefore(end)) {
            String token = Files.readString(file);
            if (rucioTokens.add(token)) {
                AccessToken claims = rucio.validate(token);
                assertThat(claims.getAudience()).containsExactly("rucio");
            }
            hubTokens.add(authState("alice").path("access_token").asText());
            Thread.sleep(500);
        }
        assertThat(hubTokens).as("hub access tokens over 3.5 of their lifetimes").hasSizeGreaterThanOrEqualTo(3);
        assertThat(rucioTokens).as("distinct Rucio tokens the notebook's file held").hasSizeGreaterThanOrEqualTo(3);
        AccessToken last = rucio.validate(Files.readString(file));
        assertThat(last.getExp()).as("the file's token outlives the hub's own").isGreaterThan(
                Instant.now().getEpochSecond() + HUB_TOKEN_SECONDS);
    }

    @Test
    @Order(3)
    @DisplayName("Given z2jh's idle culler role in load_roles before hub.extraConfig, then the README's roles keep it")
    void readmeRolesKeepTheCullersRole() throws Exception {
        HttpResponse<String> users = hubApi("GET", "/hub/api/users", cullerToken);
        assertThat(users.statusCode()).as("the culler lists users: " + users.body()).isEqualTo(200);
        assertThat(users.body()).contains("\"alice\"");
    }

    @Test
    @Order(4)
    @DisplayName("Given alice (not in /escape/cluster-users) logged in through the hub, then her hub token gets 403 access_denied for ssh-gateway")
    void nonMembersGetNoClusterToken() throws Exception {
        // The hub renews its token at the notebook's next request once it has expired: wait for a live one.
        await("a live hub access token for alice", () -> TokenSet.claims(authState("alice").path("access_token")
                .asText()).path("exp").asLong() > Instant.now().getEpochSecond() + 2);
        Answer refused = new TokenEndpointClient(server, REALM).post(
                TokenEndpointClient.seed002(hubClient, authState("alice").path("access_token").asText())
                        .set("audience", "ssh-gateway"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("access_denied");
    }

    @Test
    @Order(5)
    @DisplayName("Given alice leaves /escape/users, then the hub logs the refusal and the notebook's token file is removed, and comes back when she returns")
    void leavingTheGroupRemovesTheNotebooksToken() throws Exception {
        Path file = tokenFile("alice");
        await("the notebook's token file", () -> Files.exists(file));
        String user = admin.userId(REALM, "alice");
        String group = groupId("/escape/users");
        admin.delete("/admin/realms/" + REALM + "/users/" + user + "/groups/" + group);
        try {
            await("the notebook side removes " + file, () -> !Files.exists(file));
            assertThat(hubLog()).containsPattern("No Rucio token for alice.*access_denied");
            assertThat(notebookLog("alice")).contains("removed " + file);
        } finally {
            admin.put("/admin/realms/" + REALM + "/users/" + user + "/groups/" + group, Map.of()).ok();
        }
        await("a fresh token once alice is back in /escape/users", () -> Files.exists(file));
        rucio.validate(Files.readString(file));
    }

    @Test
    @Order(6)
    @DisplayName("Given an admin logs alice out in Keycloak, then the hub's refresh fails and the notebook's token file is removed")
    void adminLogoutRemovesTheNotebooksToken() throws Exception {
        Path file = tokenFile("alice");
        await("the notebook's token file", () -> Files.exists(file));
        String user = admin.userId(REALM, "alice");
        assertThat(admin.post("/admin/realms/" + REALM + "/users/" + user + "/logout", Map.of()).status()).isEqualTo(204);
        await("the notebook side removes " + file, () -> !Files.exists(file));
        assertThat(notebookLog("alice")).contains("the hub answered 403");
        assertThat(hubLog()).contains("Error using refresh_token for alice");
    }

    @Test
    @Order(7)
    @DisplayName("Given the README's acr_values, then oscar types a one-time code at the hub's login and his session yields an ssh-gateway token at MFA")
    void mfaRecipeAsksOscarForHisCode() throws Exception {
        loginThroughTheHub(LabUser.OSCAR, true);
        JsonNode authState = authState("oscar");
        JsonNode hubToken = TokenSet.claims(authState.path("access_token").asText());
        assertThat(hubToken.path("acr").asText()).isEqualTo("https://refeds.org/profile/mfa");
        Answer exchanged = new TokenEndpointClient(server, REALM).post(
                TokenEndpointClient.seed002(hubClient, authState.path("access_token").asText())
                        .set("audience", "ssh-gateway"));
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
        JsonNode claims = exchanged.tokens().accessTokenClaims();
        assertThat(claims.path("aud").asText()).isEqualTo("ssh-gateway");
        assertThat(claims.path("acr").asText()).isEqualTo("https://refeds.org/profile/mfa");
        assertThat(claims.path("exp").asLong()).as("15 min at most, never past the hub's token (README)")
                .isLessThanOrEqualTo(Math.min(claims.path("iat").asLong() + 900, hubToken.path("exp").asLong()));
        // What the SSH side authorises and maps on (issue 29/5): the cluster groups and the Linux account.
        assertThat(claims.path("posix_username").asText()).isEqualTo("oolsen");
        assertThat(claims.path("groups").toString()).isEqualTo("[\"/escape/cluster-users\"]");
    }

    // --- the hub --------------------------------------------------------------------------------------------------

    /** The README's blocks, with the example URLs, secret and paths replaced by this test's. */
    private static void writeReadmeBlocks() throws IOException {
        ReadmeBlocks readme = ReadmeBlocks.section("## For hub admins: the JupyterHub recipe");
        Files.writeString(dir.resolve("values.yaml"), readme.block("yaml", "GenericOAuthenticator:")
                .replace("https://keycloak.example.org", server.baseUrl())
                .replace("https://hub.example.org", hubUrl)
                .replace("<the client's secret>", hubClient.clientSecret()));
        Files.writeString(dir.resolve("prespawn.py"), readme.block("python", "async def rucio_token("));
        Files.writeString(dir.resolve("renewal.py"), readme.block("python", "modify_auth_state_hook"));
        Path script = Path.of(System.getProperty("repository.root", "..")).resolve("tools/hub/rucio-token-file.py")
                .toAbsolutePath().normalize();
        Files.writeString(dir.resolve("notebook.sh"), readme.block("bash", "rucio-token-file.py")
                .replace("/usr/local/bin/rucio-token-file.py", script.toString())
                .replace("/home/jovyan", "$HOME")
                .replace("/tmp/rucio-token-file.log", "$HOME/rucio-token-file.log"));
    }

    /** oauthenticator's entry points (pyproject.toml), as installing it would register them: generic-oauth. */
    private static void oauthenticatorEntryPoints(Path source, Path site) throws IOException {
        String pyproject = Files.readString(source.resolve("pyproject.toml"));
        String version = Files.readString(source.resolve("oauthenticator/_version.py"))
                .replaceAll("(?s).*__version__ = \"([^\"]+)\".*", "$1");
        int start = pyproject.indexOf("[project.entry-points.\"jupyterhub.authenticators\"]");
        assertThat(start).as("entry points in " + source.resolve("pyproject.toml")).isNotNegative();
        String table = pyproject.substring(pyproject.indexOf('\n', start) + 1);
        table = table.substring(0, table.contains("\n[") ? table.indexOf("\n[") : table.length());
        StringBuilder entryPoints = new StringBuilder("[jupyterhub.authenticators]\n");
        for (String line : table.split("\n")) {
            if (line.contains("=")) {
                entryPoints.append(line.replace("\"", "")).append('\n');
            }
        }
        Path info = site.resolve("oauthenticator-" + version + ".dist-info");
        Files.createDirectories(info);
        Files.writeString(info.resolve("METADATA"), "Metadata-Version: 2.1\nName: oauthenticator\nVersion: " + version + "\n");
        Files.writeString(info.resolve("entry_points.txt"), entryPoints.toString());
    }

    /** alice's or oscar's login through the hub's own /hub/oauth_login, in a browser, up to the hub's login cookie. */
    private static void loginThroughTheHub(LabUser user, boolean oneTimeCode) {
        HubLogin login = new HubLogin(server, new BrowserSession(HttpClient.Version.HTTP_1_1), hubClient);
        login.visit(hubUrl + "/hub/oauth_login");
        login.chooseIdentityProvider(user.identityProvider());
        login.signIn(user.username(), user.password());
        assertThat(login.asksForOneTimeCode()).as("asks " + user.username() + " for a one-time code: " + login.page())
                .isEqualTo(oneTimeCode);
        if (oneTimeCode) {
            login.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
        }
        assertThat(login.reachedHub()).as("back at the hub: " + login.page()).isTrue();
        BrowserSession.Page callback = login.browser().get(login.page().location());
        assertThat(callback.status()).as("the hub's callback: " + callback + "\n" + hubLog()).isEqualTo(302);
        assertThat(callback.location()).doesNotContain("oauth_login");
    }

    private static void spawn(String user) throws Exception {
        HttpResponse<String> spawn = hubApi("POST", "/hub/api/users/" + user + "/server", adminToken);
        assertThat(spawn.statusCode()).as("spawning %s's server: %s\n%s", user, spawn.body(), hubLog()).isIn(201, 202);
        await(user + "'s server is ready", () -> {
            JsonNode model = json(hubApi("GET", "/hub/api/users/" + user, adminToken));
            return model.path("servers").path("").path("ready").asBoolean();
        });
    }

    private static JsonNode authState(String user) throws IOException {
        HttpResponse<String> response = hubApi("GET", "/hub/api/users/" + user, adminToken);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).path("auth_state");
    }

    private static Path tokenFile(String user) {
        return dir.resolve("home-" + user).resolve(".rucio-token");
    }

    private static String notebookLog(String user) throws IOException {
        Path log = dir.resolve("home-" + user).resolve("rucio-token-file.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static String hubLog() {
        try {
            return Files.readString(dir.resolve("jupyterhub.log"));
        } catch (IOException e) {
            return "(no hub log: " + e + ")";
        }
    }

    private static HttpResponse<String> hubApi(String method, String path, String token) {
        HttpRequest request = HttpRequest.newBuilder(java.net.URI.create(hubUrl + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "token " + token)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            if (hub != null && !hub.isAlive()) {
                throw new AssertionError("The hub exited while waiting for " + what + ":\n" + tail(hubLog()));
            }
            if (check.holds()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Not within " + WAIT.toSeconds() + " s: " + what + "\n" + tail(hubLog()));
            }
            Thread.sleep(250);
        }
    }

    private static String tail(String log) {
        return log.substring(Math.max(0, log.length() - 6000));
    }

    private static String groupId(String path) {
        return admin.get("/admin/realms/" + REALM + "/group-by-path" + path).ok().get("id").asText();
    }

    /** Three consecutive free ports: the hub's public one, the proxy's API and the hub's internal one. */
    private static int freePortBlock() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket socket = new ServerSocket(0)) {
                base = socket.getLocalPort();
            }
            if (base + 2 < 65536 && free(base + 1) && free(base + 2)) {
                return base;
            }
        }
        throw new IllegalStateException("no three consecutive free ports");
    }

    private static boolean free(int candidate) {
        try (ServerSocket socket = new ServerSocket(candidate)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String random() {
        return HexFormat.of().formatHex(bytes(24));
    }

    private static <T> T failed(IOException e) {
        throw new AssertionError(e);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
