package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.ProductionCluster;

/**
 * Watches a soak for stalls and keeps their evidence while they happen. Every {@link #PERIOD} it asks each node for
 * its realm's discovery document (no database write, no session) and, once the soak has given it its form
 * ({@link #exchangeWith}), for the soak's exchange itself; an answer slower than {@link #SLOW} (or none, or not 200)
 * is a stall. On the first stalls (at most {@link #MAX_CAPTURES}) it writes, at once: both nodes' thread dumps
 * ({@code jcmd Thread.print}), the database's non-idle sessions and waiting locks, the host's CPU shares since the
 * previous probe (busy, I/O wait, steal), and the cluster views each node logged — so that a stall can be told to be
 * the machine's (steal, I/O wait), the database's (locks), the cluster's (view changes) or the server's (threads).
 */
final class StallWatch implements AutoCloseable {

    static final Duration PERIOD = Duration.ofSeconds(5);
    static final Duration SLOW = Duration.ofSeconds(5);
    static final int MAX_CAPTURES = 3;

    /** One probe slower than {@link #SLOW} (sent {@code at}), and where its evidence is. */
    record Stall(Instant at, String probe, long millis, int status, HostCpu.Shares host, Path evidence) {

        /** Answered, but with an error status: the servers', however long the machine stood still. */
        boolean refused() {
            return status != 0 && status != 200;
        }
    }

    private final ProductionCluster cluster;
    private final List<KeycloakServer> nodes;
    private final Path directory;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(SLOW).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Stall> stalls = Collections.synchronizedList(new ArrayList<>());
    private volatile HostCpu last = HostCpu.read();
    private volatile double maxSteal;
    private volatile double maxIowait;
    private volatile long probes;
    private volatile String exchangeForm;

    StallWatch(ProductionCluster cluster, List<KeycloakServer> nodes, Path directory) {
        this.cluster = cluster;
        this.nodes = nodes;
        this.directory = directory;
    }

    StallWatch start() {
        timer.scheduleWithFixedDelay(this::probe, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void probe() {
        HostCpu now = HostCpu.read();
        HostCpu.Shares host = now.since(last);
        last = now;
        maxSteal = Math.max(maxSteal, host.steal());
        maxIowait = Math.max(maxIowait, host.iowait());
        for (KeycloakServer node : nodes) {
            List<HttpRequest> requests = new ArrayList<>();
            requests.add(HttpRequest.newBuilder(URI.create(node.realmUrl("vre") + "/.well-known/openid-configuration"))
                    .timeout(SLOW).build());
            String form = exchangeForm;
            if (form != null) {
                requests.add(HttpRequest.newBuilder(URI.create(node.realmUrl("vre") + "/protocol/openid-connect/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).timeout(SLOW).build());
            }
            for (HttpRequest request : requests) {
                probes++;
                Instant sent = Instant.now();
                long started = System.nanoTime();
                int status;
                try {
                    status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    status = 0;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                if (status != 200 || millis > SLOW.toMillis()) {
                    String what = node.baseUrl() + " " + request.method() + " " + request.uri().getPath()
                            + (status == 0 ? " (no answer)" : status == 200 ? "" : " (HTTP " + status + ")");
                    Path evidence = stalls.size() < MAX_CAPTURES ? capture(what, millis, host) : null;
                    stalls.add(new Stall(sent, what, millis, status, host, evidence));
                }
            }
        }
    }

    /** From now on each probe also sends this exchange (the soak's current form) to each node's token endpoint. */
    void exchangeWith(String form) {
        exchangeForm = form;
    }

    private Path capture(String stalled, long millis, HostCpu.Shares host) {
        try {
            Path dir = directory.resolve("stall-" + (stalls.size() + 1));
            Files.createDirectories(dir);
            StringBuilder summary = new StringBuilder();
            summary.append("probe of ").append(stalled).append(": ").append(millis).append(" ms at ")
                    .append(Instant.now()).append('\n').append(String.format(java.util.Locale.ROOT,
                            "host since the previous probe: busy %.0f %%, iowait %.0f %%, steal %.0f %%%n",
                            host.busy(), host.iowait(), host.steal()))
                    .append("load average: ").append(MachineDescription.loadAverage()).append('\n');
            for (int n = 0; n < nodes.size(); n++) {
                KeycloakServer node = nodes.get(n);
                String log = node.log();
                summary.append("node ").append(n).append(" cluster views logged: ")
                        .append(log.lines().filter(l -> l.contains("ISPN000094")).count()).append('\n');
                Files.writeString(dir.resolve("node-" + n + "-threads.txt"), threads(node));
                Files.writeString(dir.resolve("node-" + n + "-log-tail.txt"), node.tail(300));
                Path gc = cluster.gcLog(n);
                if (Files.isRegularFile(gc)) {
                    List<String> lines = Files.readAllLines(gc);
                    Files.write(dir.resolve("node-" + n + "-gc-tail.txt"),
                            lines.subList(Math.max(0, lines.size() - 200), lines.size()));
                }
            }
            Files.writeString(dir.resolve("database.txt"), cluster.database().activity());
            Files.writeString(dir.resolve("summary.txt"), summary);
            return dir;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String threads(KeycloakServer node) {
        try {
            ProcessHandle jvm = node.jvm();
            Path jcmd = Path.of(node.javaHome() == null ? System.getProperty("java.home") : node.javaHome(),
                    "bin", "jcmd");
            Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(jvm.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            process.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException | RuntimeException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /** Evidence now, without a slow probe (e.g. an interval whose exchanges failed); recorded as a stall of 0 ms. */
    void captureNow(String why) {
        if (stalls.size() < MAX_CAPTURES) {
            HostCpu.Shares host = HostCpu.read().since(last);
            Path evidence = capture(why, 0, host);
            stalls.add(new Stall(Instant.now(), why, 0, 0, host, evidence));
        }
    }

    List<Stall> stalls() {
        return List.copyOf(stalls);
    }

    long probes() {
        return probes;
    }

    double maxSteal() {
        return maxSteal;
    }

    double maxIowait() {
        return maxIowait;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
