package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Keycloak server started from the unpacked distribution, with the project's provider JARs in {@code providers/}
 * and the realm exports imported at start. Used by the integration tests (one shared server per test JVM) and by
 * {@code ./lab.sh}. Only JDK classes, so that the lab needs nothing but a JDK to run it.
 * <p>
 * Test harness, not shipped. It is long because it owns a whole server process: distribution layout, the options of
 * dev and production mode, start, readiness, logs and stop; {@link ProductionCluster}, {@link PostgresServer} and
 * {@link LabServer} build on it.
 */
public final class KeycloakServer implements AutoCloseable {

    public static final String ADMIN_USERNAME = "admin";
    public static final String ADMIN_PASSWORD = "admin";

    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private static KeycloakServer shared;

    private final Settings settings;
    private final Path home;
    private final int port;
    /** The management interface (health, {@code /metrics}) of a {@code start-dev} server: a port of its own. */
    private final int managementPort;
    private volatile Process process;

    private KeycloakServer(Settings settings) {
        this.settings = settings;
        this.home = settings.workDir.resolve("keycloak");
        this.port = settings.port > 0 ? settings.port : freePort();
        this.managementPort = freePort();
    }

    /** The management interface of a {@code start-dev} server, whose {@code /metrics} serves Keycloak's registry. */
    public String managementUrl() {
        return "http://localhost:" + managementPort;
    }

    /**
     * The server shared by every test class of this JVM, started on first use from the layout that the build
     * prepared (see {@link Settings#fromSystemProperties()}) and stopped when the JVM exits.
     */
    public static synchronized KeycloakServer shared() {
        if (shared == null) {
            KeycloakServer server = new KeycloakServer(Settings.fromSystemProperties());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "keycloak-server-stop"));
            server.start();
            shared = server;
        }
        return shared;
    }

    /** A server that {@link #start()} starts; register its {@link #close()} first so that no signal can orphan it. */
    /**
     * Keycloak drops OIDC request parameters longer than its limits (4,000 characters; 20,000 for tokens) unless told
     * to fail: then the request gets {@code invalid_request}. The lab, the tests and the production recipe all set it.
     */
    /** The console page of the saml-federation module (Keycloak's declarative UI, an experimental feature). */
    public static final String DECLARATIVE_UI = "--features=declarative-ui";

    public static final List<String> FAIL_FAST_OPTIONS = List.of(
            "--spi-login-protocol--openid-connect--add-req-params-fail-fast=true",
            "--spi-login-protocol--openid-connect--add-req-token-params-fail-fast=true");

    public static KeycloakServer create(Settings settings) {
        return new KeycloakServer(settings);
    }

    /** Where {@link LabFederation} publishes the lab federation's signed aggregate for this server. */
    public Path labFederationFile() {
        return federationDirectory().resolve("lab-federation.xml");
    }

    /**
     * The one directory whose files this server's federation sources may read ({@code file:} URLs): the SPI option
     * {@code --spi-ui-page--saml-federation--file-directory}. Nothing else of the server's files is readable to them.
     */
    public Path federationDirectory() {
        return home.resolve("federation");
    }

    /**
     * Where federation sources may fetch from, a server admin's decision: {@link #federationDirectory()} for
     * {@code file:}, and of the internal addresses only {@code 127.0.0.1}, where the tests' metadata servers
     * ({@code FederationFeed}) listen. Every other loopback, private and link-local address stays refused.
     */
    public List<String> federationFetchOptions() {
        return List.of("--spi-ui-page--saml-federation--file-directory=" + federationDirectory(),
                "--spi-ui-page--saml-federation--internal-networks=127.0.0.1");
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public String realmUrl(String realm) {
        return baseUrl() + "/realms/" + realm;
    }

    /** The server's installation directory (its bin/ holds kcadm.sh). */
    public Path home() {
        return home;
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return settings.workDir.resolve("server.log");
    }

    /**
     * The file vault a dev-mode server reads ({@code ${vault.key}} in its realms). Production nodes read their
     * cluster's ({@link ProductionCluster#vault()}).
     */
    public FileVault vault() {
        return new FileVault(settings.workDir.resolve("vault"));
    }

    /** The server log so far; tests attach it to failures, e.g. to show a provider's stack trace. */
    public String log() {
        try {
            return Files.readString(logFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void start() {
        try {
            prepareHome();
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(SETSID)) {
                // Its own session: a terminal's Ctrl-C reaches only the launcher, which then stops the server in order.
                command.add(SETSID.toString());
            }
            // E.g. "taskset -c 1": pins the server (and every thread it starts) apart from a load generator.
            command.addAll(settings.commandPrefix);
            command.addAll(List.of("bash", home.resolve("bin/kc.sh").toString()));
            if (settings.serverArguments == null) {
                command.addAll(List.of("start-dev", "--http-port=" + port, "--import-realm", "--db=dev-mem",
                        "--cache=local", FileVault.BUILD_OPTION, DECLARATIVE_UI, "--metrics-enabled=true",
                        "--http-management-port=" + managementPort));
                command.addAll(vault().startOptions());
            } else {
                // Production: the distribution was built with `kc.sh build`; these are start --optimized's options.
                command.addAll(settings.serverArguments);
                command.add("--http-port=" + port);
                if (settings.importRealms) {
                    command.add("--import-realm");
                }
            }
            command.addAll(List.of("--log-console-output=default", "--log-console-color=false"));
            // Refuse over-long request parameters instead of silently dropping them (the production recipe's setting).
            command.addAll(FAIL_FAST_OPTIONS);
            command.addAll(federationFetchOptions());
            command.addAll(settings.extraArguments);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
            Map<String, String> env = builder.environment();
            env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USERNAME);
            env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
            env.put("LAB_BASE_URL", baseUrl());
            // the lab realm's federation source reads the aggregate LabFederation writes here
            env.put("LAB_FEDERATION_URL", labFederationFile().toUri().toString());
            env.putAll(settings.environment);
            if (settings.javaHome != null) {
                env.put("JAVA_HOME", settings.javaHome);
            }
            process = builder.start();
            awaitReady();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start Keycloak from " + home, e);
        }
    }

    /** A fresh copy of the distribution per server, so that the lab and a test run never share state. */
    private void prepareHome() throws IOException {
        if (!Files.isRegularFile(settings.distribution.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("No Keycloak distribution at " + settings.distribution
                    + ": run 'mvn package' first (the integration-tests module unpacks it).");
        }
        Files.createDirectories(settings.workDir);
        deleteRecursively(home);
        Files.deleteIfExists(logFile());
        FileVault.empty(vault().directory());
        copyRecursively(settings.distribution, home);
        Path providers = home.resolve("providers");
        Path imports = home.resolve("data/import");
        Files.createDirectories(providers);
        Files.createDirectories(imports);
        Files.createDirectories(federationDirectory());
        for (Path jar : list(settings.providers, ".jar")) {
            Files.copy(jar, providers.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        List<Path> realms = list(settings.realms, "-realm.json");
        if (realms.isEmpty()) {
            throw new IllegalStateException("No realm exports (*-realm.json) in " + settings.realms);
        }
        if (settings.importRealms) {
            for (Path realm : realms) {
                Files.copy(realm, imports.resolve(realm.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Ready means: the process lives and every imported realm serves its discovery document. */
    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        List<String> realmNames = realmNames();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        int realmIndex = 0;
        while (realmIndex < realmNames.size()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with status " + process.exitValue()
                        + " before it was ready; log: " + logFile() + "\n" + tail(60));
            }
            if (Instant.now().isAfter(deadline)) {
                close();
                throw new IllegalStateException("Keycloak not ready after " + START_TIMEOUT + "; log: " + logFile()
                        + "\n" + tail(60));
            }
            String url = realmUrl(realmNames.get(realmIndex)) + "/.well-known/openid-configuration";
            if (respondsOk(http, url)) {
                realmIndex++;
            } else {
                waitBriefly();
            }
        }
    }

    private static boolean respondsOk(HttpClient http, String url) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
        }
    }

    /** Polling interval while the server boots; the loop ends as soon as the server answers. */
    private void waitBriefly() {
        try {
            process.waitFor(250, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
        }
    }

    private List<String> realmNames() {
        List<String> names = new ArrayList<>(List.of("master"));
        for (Path realm : list(settings.realms, "-realm.json")) {
            String file = realm.getFileName().toString();
            names.add(file.substring(0, file.length() - "-realm.json".length()));
        }
        return names;
    }

    /**
     * Stops Keycloak and every process it started (kc.sh runs the JVM as a child and may re-launch it): TERM to the
     * whole tree, KILL to whatever outlives the timeout, until nothing of it is left.
     */
    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        Instant deadline = Instant.now().plus(STOP_TIMEOUT);
        List<ProcessHandle> alive = tree();
        while (!alive.isEmpty()) {
            boolean force = Instant.now().isAfter(deadline);
            for (ProcessHandle handle : alive) {
                if (force) {
                    handle.destroyForcibly();
                } else {
                    handle.destroy();
                }
            }
            for (ProcessHandle handle : alive) {
                try {
                    handle.onExit().get(force ? 5_000 : 1_000, TimeUnit.MILLISECONDS);
                } catch (Exception stillRunning) {
                    // checked again on the next round
                }
            }
            alive = tree();
        }
        process = null;
    }

    /** SIGKILL to the server and everything it started, at once: a node crash, not a shutdown. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> alive = tree();
        alive.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : alive) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by isRunning()
            }
        }
        process = null;
    }

    public boolean isRunning() {
        Process current = process;
        return current != null && current.isAlive();
    }

    /**
     * Runs {@code kc.sh build} with {@code buildOptions} in a copy of {@code distribution} at {@code target} that
     * holds the provider JARs: the one build every production node starts from with {@code start --optimized}.
     */
    public static Path buildDistribution(Path distribution, Path providers, Path target, List<String> buildOptions,
                                         String javaHome) {
        try {
            deleteRecursively(target);
            copyRecursively(distribution, target);
            Path installed = target.resolve("providers");
            Files.createDirectories(installed);
            for (Path jar : list(providers, ".jar")) {
                Files.copy(jar, installed.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> command = new ArrayList<>(List.of("bash", target.resolve("bin/kc.sh").toString(), "build"));
            command.addAll(buildOptions);
            ProcessBuilder builder = new ProcessBuilder(command).directory(target.toFile()).redirectErrorStream(true)
                    .redirectOutput(target.resolve("build.log").toFile());
            if (javaHome != null && !javaHome.isBlank()) {
                builder.environment().put("JAVA_HOME", javaHome);
            }
            Process build = builder.start();
            if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
                throw new IllegalStateException("kc.sh build failed; log: " + target.resolve("build.log") + "\n"
                        + Files.readString(target.resolve("build.log")));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The server's JVM (kc.sh runs it as a child), for diagnostics such as {@code jcmd}. */
    public ProcessHandle jvm() {
        return tree().stream()
                .filter(handle -> handle.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("No Keycloak JVM running for " + baseUrl()));
    }

    /** The JDK the server runs on ({@code null}: the one on the PATH). */
    public String javaHome() {
        return settings.javaHome;
    }

    private List<ProcessHandle> tree() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().filter(ProcessHandle::isAlive).toList());
        if (process.isAlive()) {
            tree.add(process.toHandle());
        }
        return tree;
    }

    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static List<Path> list(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Missing directory " + dir + ": run 'mvn package' first.");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port nothing listens on now (the harness's servers, PostgreSQL and cluster ports alike). */
    /**
     * A port nothing listens on now and that no earlier call in this JVM handed out. Ports are chosen before the
     * servers that bind them start, and the operating system gives a port back as soon as the probing socket closes:
     * without the memory, a cluster node's management port once came back as the same node's HTTP port (both bound
     * it, and half of the node's connections reached the management interface).
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("No free port", e);
            }
        }
        throw new IllegalStateException("No free port that was not handed out before");
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void copyRecursively(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, target.resolve(source.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Where the distribution, provider JARs and realm exports are, and how to run the server. */
    public static final class Settings {
        private final Path distribution;
        private final Path providers;
        private final Path realms;
        private final Path workDir;
        private final int port;
        private final String javaHome;
        private final Map<String, String> environment;
        private final List<String> extraArguments;
        private final List<String> commandPrefix;
        /** {@code null}: {@code start-dev} with H2 in memory; otherwise the options of {@code start --optimized}. */
        private final List<String> serverArguments;
        private final boolean importRealms;

        public Settings(Path distribution, Path providers, Path realms, Path workDir, int port, String javaHome,
                Map<String, String> environment, List<String> extraArguments) {
            this(distribution, providers, realms, workDir, port, javaHome, environment, extraArguments, List.of());
        }

        /** {@code commandPrefix}: words put before the server's command line, e.g. {@code taskset -c 1}. */
        public Settings(Path distribution, Path providers, Path realms, Path workDir, int port, String javaHome,
                Map<String, String> environment, List<String> extraArguments, List<String> commandPrefix) {
            this.distribution = distribution.toAbsolutePath().normalize();
            this.providers = providers.toAbsolutePath().normalize();
            this.realms = realms.toAbsolutePath().normalize();
            this.workDir = workDir.toAbsolutePath().normalize();
            this.port = port;
            this.javaHome = javaHome == null || javaHome.isBlank() ? null : javaHome;
            this.environment = Map.copyOf(environment);
            this.extraArguments = List.copyOf(extraArguments);
            this.commandPrefix = List.copyOf(commandPrefix);
            this.serverArguments = null;
            this.importRealms = true;
        }

        private Settings(Settings base, Path distribution, Path providers, Path workDir, int port,
                         Map<String, String> environment, List<String> serverArguments, boolean importRealms) {
            this.distribution = distribution.toAbsolutePath().normalize();
            this.providers = providers.toAbsolutePath().normalize();
            this.realms = base.realms;
            this.workDir = workDir.toAbsolutePath().normalize();
            this.port = port;
            this.javaHome = base.javaHome;
            this.environment = Map.copyOf(environment);
            this.extraArguments = base.extraArguments;
            this.commandPrefix = base.commandPrefix;
            this.serverArguments = List.copyOf(serverArguments);
            this.importRealms = importRealms;
        }

        /**
         * A production node of these settings: started with {@code start --optimized} and {@code serverArguments}
         * from the already built {@code builtDistribution} (its providers are inside it, so {@code noProviders} is an
         * empty directory), importing the realm exports only when {@code importRealms}.
         */
        public Settings productionNode(Path builtDistribution, Path noProviders, Path workDir, int port,
                                       Map<String, String> environment, List<String> serverArguments,
                                       boolean importRealms) {
            return new Settings(this, builtDistribution, noProviders, workDir, port, environment, serverArguments,
                    importRealms);
        }

        public Path distribution() {
            return distribution;
        }

        public Path providers() {
            return providers;
        }

        public Path workDir() {
            return workDir;
        }

        public String javaHome() {
            return javaHome;
        }

        /**
         * The layout the Maven build prepares in {@code integration-tests/target} (Failsafe passes these paths as
         * system properties). {@code keycloak.java.home} runs the server on another JDK than the tests;
         * {@code keycloak.command.prefix} (words separated by spaces, e.g. {@code taskset -c 1}) prefixes its command.
         */
        public static Settings fromSystemProperties() {
            Map<String, String> env = new LinkedHashMap<>();
            return new Settings(
                    Path.of(required("keycloak.dist.dir")),
                    Path.of(required("providers.dir")),
                    Path.of(required("realms.dir")),
                    Path.of(required("server.work.dir")),
                    Integer.getInteger("keycloak.port", 0),
                    System.getProperty("keycloak.java.home"),
                    env,
                    List.of(),
                    words(System.getProperty("keycloak.command.prefix", "")));
        }

        private static List<String> words(String value) {
            return value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
        }

        private static String required(String name) {
            String value = System.getProperty(name);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException("System property '" + name + "' is not set: run the tests through"
                        + " Maven (mvn verify), which sets it to the layout prepared under integration-tests/target.");
            }
            return value;
        }
    }
}
