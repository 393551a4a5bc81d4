package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The production topology, as operators run Keycloak: one {@code kc.sh build --db=postgres --health-enabled=true}
 * with the project's JARs, then N nodes started from it with {@code start --optimized} on one real PostgreSQL
 * ({@link PostgresServer}), clustered by Infinispan over the default {@code jdbc-ping} stack bound to 127.0.0.1
 * (each node its own cluster and management port), a fixed {@code --hostname} and proxy headers on. The hostname
 * is node A's URL, so every node issues tokens with the same issuer; a real deployment puts its ingress there (see
 * the README: it must forward {@code X-Forwarded-*} and may balance requests over the nodes, no stickiness needed).
 * Node A imports the realm exports; the others find them in the database.
 */
public final class ProductionCluster implements AutoCloseable {

    /** Build options, as the README's production recipe gives them. */
    public static final List<String> BUILD_OPTIONS = List.of("--db=postgres", "--health-enabled=true",
            "--metrics-enabled=true", FileVault.BUILD_OPTION, KeycloakServer.DECLARATIVE_UI);

    private static final Pattern CLUSTER_VIEW = Pattern.compile("ISPN000094: Received new cluster view for channel \\S+: \\[[^\\]]*\\] \\((\\d+)\\)");
    private static final Duration CLUSTER_TIMEOUT = Duration.ofMinutes(2);

    private final PostgresServer database;
    private final List<KeycloakServer> nodes = new ArrayList<>();
    private Path built;
    private FileVault vault;
    private final List<Path> gcLogs = new ArrayList<>();

    private ProductionCluster(PostgresServer database) {
        this.database = database;
    }

    /** Starts PostgreSQL, builds once, starts {@code size} nodes one after another and waits for the full view. */
    public static ProductionCluster start(KeycloakServer.Settings base, int size) {
        return start(base, size, 0);
    }

    /**
     * As {@link #start(KeycloakServer.Settings, int)}, the nodes' HTTP ports {@code firstPort}, {@code firstPort + 1}…
     * ({@code 0}: free ports).
     */
    public static ProductionCluster start(KeycloakServer.Settings base, int size, int firstPort) {
        PostgresServer database = PostgresServer.start();
        ProductionCluster cluster = new ProductionCluster(database);
        try {
            Path work = base.workDir().resolve("production");
            Path built = cluster.built = KeycloakServer.buildDistribution(base.distribution(), base.providers(), work.resolve("built"),
                    BUILD_OPTIONS, base.javaHome());
            Path noProviders = Files.createDirectories(work.resolve("no-providers"));
            // One directory for all nodes, as one Kubernetes secret mounted into every pod.
            FileVault vault = cluster.vault = FileVault.empty(work.resolve("vault"));
            int[] httpPorts = new int[size];
            for (int i = 0; i < size; i++) {
                httpPorts[i] = firstPort > 0 ? firstPort + i : KeycloakServer.freePort();
            }
            String hostname = "http://localhost:" + httpPorts[0];
            for (int i = 0; i < size; i++) {
                List<String> arguments = new ArrayList<>(List.of("start", "--optimized",
                        "--http-enabled=true", "--hostname=" + hostname, "--proxy-headers=xforwarded",
                        "--db-url=" + database.jdbcUrl(), "--db-username=" + PostgresServer.USERNAME,
                        "--db-password=" + PostgresServer.PASSWORD,
                        "--cache-embedded-network-bind-address=127.0.0.1",
                        "--cache-embedded-network-bind-port=" + KeycloakServer.freePort(),
                        "--http-management-port=" + KeycloakServer.freePort()));
                arguments.addAll(vault.startOptions());
                // GC pauses and safepoints, with wall-clock times: a stall's evidence (the soak's stall watch)
                Path gcLog = work.resolve("node-" + (char) ('a' + i) + "-gc.log");
                cluster.gcLogs.add(gcLog);
                KeycloakServer node = KeycloakServer.create(base.productionNode(built, noProviders,
                        work.resolve("node-" + (char) ('a' + i)), httpPorts[i], Map.of("LAB_BASE_URL", hostname,
                                "JAVA_OPTS_APPEND", "-Xlog:gc,safepoint:file=" + gcLog + ":time,uptime"),
                        arguments, i == 0));
                cluster.nodes.add(node);
                node.start();
            }
            cluster.awaitView(size);
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Node {@code index}'s GC and safepoint log ({@code -Xlog:gc,safepoint}, wall-clock and uptime stamps). */
    public Path gcLog(int index) {
        return gcLogs.get(index);
    }

    public KeycloakServer node(int index) {
        return nodes.get(index);
    }

    /** The distribution every node was started from ({@code kc.sh build} done), e.g. for {@code kc.sh import}. */
    public Path builtDistribution() {
        return built;
    }

    /** The file vault every node reads. */
    public FileVault vault() {
        return vault;
    }

    /** The database options every node runs with. */
    public List<String> databaseOptions() {
        return List.of("--db-url=" + database.jdbcUrl(), "--db-username=" + PostgresServer.USERNAME,
                "--db-password=" + PostgresServer.PASSWORD);
    }

    public PostgresServer database() {
        return database;
    }

    /** Waits until every running node's log shows a cluster view of {@code members}. */
    public void awaitView(int members) {
        Instant deadline = Instant.now().plus(CLUSTER_TIMEOUT);
        for (KeycloakServer node : nodes) {
            if (!node.isRunning()) {
                continue;
            }
            while (lastView(node) != members) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("No cluster view of " + members + " on " + node.baseUrl()
                            + " (last: " + lastView(node) + "):\n" + node.tail(40));
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Members in the newest cluster view the node logged, 1 when it logged none (alone). */
    public static int lastView(KeycloakServer node) {
        Matcher matcher = CLUSTER_VIEW.matcher(node.log());
        int members = 1;
        while (matcher.find()) {
            members = Integer.parseInt(matcher.group(1));
        }
        return members;
    }

    @Override
    public void close() {
        for (KeycloakServer node : nodes) {
            node.close();
        }
        database.close();
    }
}
