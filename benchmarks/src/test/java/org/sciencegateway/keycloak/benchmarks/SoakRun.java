package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.ProductionCluster;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;

/**
 * The soak: seed 002's exchange at half the measured capacity on the production topology (two optimized nodes,
 * PostgreSQL, Infinispan cluster), for a long time, with {@code wrk} on each node. Reports, per interval and node,
 * requests, achieved rate, errors and latency percentiles, and each node's heap after a full GC at every interval
 * boundary, so that a leak (heap rising from boundary to boundary) or a slow drift (p99 rising) shows.
 */
public final class SoakRun {

    /** How long and how hard: {@code ./benchmark.sh soak} sets 30 minutes in 5-minute intervals. */
    public record Settings(Duration total, Duration interval, Duration warmUp, Duration capacityRound,
            int connections) {

        public static Settings fromSystemProperties() {
            boolean full = "full".equals(System.getProperty("soak"));
            return new Settings(Duration.ofSeconds(Integer.getInteger("soak.seconds", full ? 1800 : 40)),
                    Duration.ofSeconds(Integer.getInteger("soak.interval.seconds", full ? 300 : 20)),
                    Duration.ofSeconds(Integer.getInteger("soak.warmup.seconds", full ? 30 : 5)),
                    Duration.ofSeconds(Integer.getInteger("soak.capacity.seconds", full ? 30 : 5)),
                    Integer.getInteger("soak.connections", 4));
        }

        public int intervals() {
            return (int) Math.max(1, total.toSeconds() / interval.toSeconds());
        }

        String mode() {
            return "full".equals(System.getProperty("soak")) ? "full" : "smoke";
        }
    }

    /**
     * One node's load in one interval, with what the host did meanwhile (CPU shares from {@code /proc/stat}, time the
     * whole machine stood still from {@link HostPauses}) and the cluster views the node logged (a view change
     * mid-soak is a member suspected or lost). {@code repeated}: the interval's failures were all what a pause of
     * the machine does ({@link HostPauses#explainFailures}), so it was run once more; this attempt is reported, not
     * counted.
     */
    public record Interval(int index, String node, Wrk.Result load, double capacityShare, HostCpu.Shares host,
                           long viewChanges, Duration hostPaused, double canarySteal, boolean repeated) {
    }

    /** Heap after a full GC of each node, taken before the first interval and after each one. */
    public record HeapSample(String when, List<Double> megabytesPerNode) {
    }

    public record Result(List<Wrk.Result> capacity, List<Long> delaysMillis, List<Interval> intervals,
            List<HeapSample> heap, List<StallWatch.Stall> stalls, List<StallWatch.Stall> serverStalls,
            List<HostPauses.Pause> hostPauses, Path report) {

        /** The intervals that count: every one not repeated because the machine paused. */
        public List<Interval> counted() {
            return SoakRun.counted(intervals);
        }

        public long errors() {
            return counted().stream().mapToLong(i -> i.load().errors()).sum();
        }
    }

    private static final String[] NODES = {"A", "B"};

    /** The intervals that count: every one not repeated because the machine paused. */
    static List<Interval> counted(List<Interval> intervals) {
        return intervals.stream().filter(i -> !i.repeated()).toList();
    }

    private final Settings settings;
    private final Path outputDirectory;

    public SoakRun(Settings settings, Path outputDirectory) {
        this.settings = settings;
        this.outputDirectory = outputDirectory;
    }

    public Result run() throws Exception {
        String loadBefore = MachineDescription.loadAverage();
        Instant started = Instant.now();
        try (HostPauses pauses = new HostPauses().start();
             ProductionCluster cluster = ProductionCluster.start(KeycloakServer.Settings.fromSystemProperties(), 2);
             StallWatch watch = new StallWatch(cluster, List.of(cluster.node(0), cluster.node(1)),
                     outputDirectory.resolve("soak-evidence")).start()) {
            List<KeycloakServer> nodes = List.of(cluster.node(0), cluster.node(1));
            KeycloakServer a = nodes.get(0);
            // Subject tokens must outlive an interval (the lab's access tokens live 5 minutes).
            setAccessTokenLifespan(new KeycloakAdmin(a), settings.interval().toSeconds() + 600);
            String form = freshForm(a);
            for (KeycloakServer node : nodes) {
                JsonNode claims = new TokenEndpointClient(node, "vre").post(TokenEndpointClient.seed002(
                        HubClient.JUPYTERHUB, subjectOf(form))).tokens().accessTokenClaims();
                assertThat(claims.path("aud").asText()).as("exchange on %s", node.baseUrl()).isEqualTo("rucio");
            }

            Wrk wrk = new Wrk(List.of());
            onBoth(nodes, node -> wrk.post(tokenUrl(node), form, settings.connections(), settings.warmUp(), 0));
            List<Wrk.Result> capacity = onBoth(nodes,
                    node -> wrk.post(tokenUrl(node), form, settings.connections(), settings.capacityRound(), 0));
            // Each connection pauses so that connections / (latency + pause) is half the measured rate. Latency at
            // half load is lower than at capacity, so one paced calibration round measures it and fixes the pause.
            int c = settings.connections();
            List<Long> firstGuess = new ArrayList<>();
            for (Wrk.Result measured : capacity) {
                firstGuess.add(Math.max(1L, Math.round(1000.0 * c / (measured.throughput() / 2) - measured.p50Millis())));
            }
            List<Wrk.Result> calibration = onBoth(nodes, node -> wrk.post(tokenUrl(node), form, c,
                    settings.capacityRound(), firstGuess.get(nodes.indexOf(node))));
            List<Long> delays = new ArrayList<>();
            for (int n = 0; n < nodes.size(); n++) {
                double latencyMillis = 1000.0 * c / calibration.get(n).throughput() - firstGuess.get(n);
                double target = capacity.get(n).throughput() / 2;
                delays.add(Math.max(1L, Math.round(1000.0 * c / target - Math.max(0, latencyMillis))));
            }

            List<HeapSample> heap = new ArrayList<>();
            heap.add(new HeapSample("start (after warm-up and capacity)", heapOf(nodes)));
            List<Interval> intervals = new ArrayList<>();
            for (int i = 1; i <= settings.intervals(); i++) {
                for (int attempt = 1; attempt <= 2; attempt++) {
                    String intervalForm = freshForm(a);
                    watch.exchangeWith(intervalForm);
                    HostCpu before = HostCpu.read();
                    List<Long> viewsBefore = nodes.stream().map(SoakRun::views).toList();
                    Instant from = Instant.now();
                    List<Wrk.Result> loads = onBoth(nodes, node -> wrk.post(tokenUrl(node), intervalForm,
                            settings.connections(), settings.interval(), delays.get(nodes.indexOf(node))));
                    HostCpu.Shares host = HostCpu.read().since(before);
                    List<HostPauses.Pause> paused = pauses.within(from, Instant.now());
                    Duration pausedFor = paused.stream().map(HostPauses.Pause::length).reduce(Duration.ZERO,
                            Duration::plus);
                    boolean failed = loads.stream().anyMatch(load -> load.errors() > 0);
                    // Failures that are all what the machine's pause did are measured again, once; anything else
                    // (an error status, a socket error, more timeouts than requests in flight) counts as it is.
                    boolean repeat = failed && attempt == 1 && loads.stream().allMatch(load -> load.errors() == 0
                            || HostPauses.explainFailures(paused, load, settings.connections()));
                    for (int n = 0; n < nodes.size(); n++) {
                        intervals.add(new Interval(i, NODES[n], loads.get(n),
                                loads.get(n).throughput() / capacity.get(n).throughput(), host,
                                views(nodes.get(n)) - viewsBefore.get(n), pausedFor,
                                pauses.stolen(from, Instant.now()), repeat));
                    }
                    if (failed) {
                        watch.captureNow("interval " + i + " had failed exchanges");
                    }
                    if (!repeat) {
                        break;
                    }
                }
                heap.add(new HeapSample("after interval " + i, heapOf(nodes)));
            }
            // An error status is the servers' answer; a slow or missing one is the machine's if its pauses explain it.
            List<StallWatch.Stall> serverStalls = watch.stalls().stream().filter(stall -> stall.refused()
                    || stall.millis() > 0 && !HostPauses.explainSlowProbe(pauses.all(), stall.at(),
                            Duration.ofMillis(stall.millis()), StallWatch.SLOW)).toList();
            Path report = write(capacity, delays, intervals, heap, watch, serverStalls, pauses,
                    List.of(longestGcPause(cluster.gcLog(0)), longestGcPause(cluster.gcLog(1))), loadBefore,
                    MachineDescription.loadAverage(), Duration.between(started, Instant.now()));
            return new Result(capacity, delays, intervals, heap, watch.stalls(), serverStalls, pauses.all(), report);
        }
    }

    private interface NodeLoad {
        Wrk.Result on(KeycloakServer node) throws Exception;
    }

    /** The same load on both nodes at once, as a balancing ingress would spread it. */
    private static List<Wrk.Result> onBoth(List<KeycloakServer> nodes, NodeLoad load) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<Wrk.Result>> futures = new ArrayList<>();
            for (KeycloakServer node : nodes) {
                futures.add(pool.submit(() -> load.on(node)));
            }
            List<Wrk.Result> results = new ArrayList<>();
            for (Future<Wrk.Result> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static final java.util.regex.Pattern GC_PAUSE = java.util.regex.Pattern.compile("Pause.* (\\d+(?:\\.\\d+)?)ms$");

    /** The longest GC pause a node's {@code -Xlog:gc} file records, in ms (0 when none or no file). */
    static double longestGcPause(Path gcLog) {
        try {
            return Files.readAllLines(gcLog).stream().map(GC_PAUSE::matcher).filter(java.util.regex.Matcher::find)
                    .mapToDouble(m -> Double.parseDouble(m.group(1))).max().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The cluster views a node has logged (Infinispan's ISPN000094). */
    private static long views(KeycloakServer node) {
        return node.log().lines().filter(line -> line.contains("ISPN000094")).count();
    }

    private static List<Double> heapOf(List<KeycloakServer> nodes) {
        return nodes.stream().map(node -> JvmHeap.afterFullGcMegabytes(node.jvm(), node.javaHome())).toList();
    }

    /** A browser login of alice through her institution on node A; the hub's token as seed 002's subject token. */
    private static String freshForm(KeycloakServer a) {
        String subject = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE).accessToken();
        return TokenEndpointClient.seed002(HubClient.JUPYTERHUB, subject).encode();
    }

    private static String subjectOf(String form) {
        for (String pair : form.split("&")) {
            if (pair.startsWith("subject_token=")) {
                return java.net.URLDecoder.decode(pair.substring("subject_token=".length()),
                        java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        throw new IllegalStateException("no subject_token in " + form);
    }

    private static String tokenUrl(KeycloakServer node) {
        return node.realmUrl("vre") + "/protocol/openid-connect/token";
    }

    private static void setAccessTokenLifespan(KeycloakAdmin admin, long seconds) {
        String uuid = admin.clientUuid("vre", HubClient.JUPYTERHUB.clientId());
        ObjectNode client = (ObjectNode) admin.get("/admin/realms/vre/clients/" + uuid).ok();
        ((ObjectNode) client.path("attributes")).put("access.token.lifespan", String.valueOf(seconds));
        admin.put("/admin/realms/vre/clients/" + uuid, client).ok();
    }

    private Path write(List<Wrk.Result> capacity, List<Long> delays, List<Interval> intervals, List<HeapSample> heap,
                       StallWatch watch, List<StallWatch.Stall> serverStalls, HostPauses machine,
                       List<Double> gcPauses, String loadBefore, String loadAfter, Duration took) {
        boolean stealReported = HostCpu.read().stealReported();
        List<HostPauses.Pause> hostPauses = machine.all();
        StringBuilder md = new StringBuilder();
        md.append("# Soak: seed 002's exchange at half capacity on the production topology\n\n")
                .append("Mode **").append(settings.mode()).append("**: ").append(settings.intervals())
                .append(" intervals of ").append(settings.interval().toSeconds()).append(" s, ")
                .append(settings.connections()).append(" keep-alive connections per node (`wrk -t1 -c")
                .append(settings.connections()).append(" --latency`, a paced Lua `delay()`), both nodes at once; ")
                .append("run took ").append(took.toMinutes()).append(" min. Made with `./benchmark.sh soak`.\n\n")
                .append("Topology: `ProductionCluster` — one `kc.sh build ")
                .append(String.join(" ", ProductionCluster.BUILD_OPTIONS))
                .append("`, two nodes `start --optimized` on one PostgreSQL, Infinispan over jdbc-ping on 127.0.0.1. ")
                .append("The request is seed 002's (`jupyterhub` → `rucio`, alice's hub token from a browser login ")
                .append("through her institution, renewed each interval). Server, database and load generator share ")
                .append("the machine's cores: the figures are for this machine only, the trend is what counts.\n\n")
                .append("| | |\n|---|---|\n")
                .append("| CPU | ").append(MachineDescription.cpuModel()).append(" |\n")
                .append("| Cores | ").append(MachineDescription.cores()).append(" |\n")
                .append("| Memory | ").append(MachineDescription.memory()).append(" |\n")
                .append("| Keycloak | ").append(System.getProperty("keycloak.server.version", "unknown")).append(" |\n")
                .append("| Load average (1, 5, 15 min) | before: ").append(loadBefore).append("; after: ")
                .append(loadAfter).append(" |\n")
                .append(String.format(Locale.ROOT, "| Longest GC pause (`-Xlog:gc`), node A / B | %.1f ms / %.1f ms |%n%n",
                        gcPauses.get(0), gcPauses.get(1)));

        md.append("## Capacity (no pause, both nodes at once)\n\n| Node | exchanges/s | p50 ms | p99 ms | errors | ")
                .append("pause per request for half of it (after one paced calibration round) |\n|---|---|---|---|---|---|\n");
        for (int n = 0; n < capacity.size(); n++) {
            Wrk.Result c = capacity.get(n);
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %d | %d ms |%n", NODES[n],
                    c.throughput(), c.p50Millis(), c.p99Millis(), c.errors(), delays.get(n)));
        }

        md.append("\n## Per interval\n\nHost CPU: the whole machine's shares during the interval (`/proc/stat`): busy, ")
                .append("I/O wait, steal (time the hypervisor took the CPUs away").append(stealReported ? ")"
                        : "; this hypervisor does not report it, so the column shows what the soak's CPU canary "
                        + "measured: the share of a fixed piece of work's charged CPU time above its usual cost)")
                .append(". Machine paused: seconds during which nothing on the machine ran (the soak's own ")
                .append(HostPauses.TICK.toMillis()).append(" ms timer woke more than ")
                .append(HostPauses.LATE.toSeconds()).append(" s late: the hypervisor stopped the virtual machine, ")
                .append("load generator, database and nodes alike). Views: cluster views the node logged during it ")
                .append("(ISPN000094; a change mid-soak means a member was suspected or lost). An interval marked ")
                .append("*repeated* failed only as a pause of the machine makes requests fail (wrk timeouts, at most ")
                .append("one per connection and pause of ").append(Wrk.TIMEOUT.minus(HostPauses.LATENCY_ALLOWANCE)
                        .toSeconds()).append(" s or more) and was run once more; it is shown, not counted.\n\n")
                .append("| Interval | Node | requests | exchanges/s | share of capacity | errors | ")
                .append("p50 ms | p90 ms | p99 ms | host busy % | iowait % | steal % | machine paused s | views |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Interval i : intervals) {
            Wrk.Result r = i.load();
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.2f | %d | %.1f | %.1f | %.1f | %.0f | %.1f | %s | %.1f | %d |%n",
                    i.index() + (i.repeated() ? " (repeated)" : ""), i.node(), r.requests(), r.throughput(),
                    i.capacityShare(), r.errors(), r.p50Millis(), r.p90Millis(), r.p99Millis(), i.host().busy(),
                    i.host().iowait(), String.format(Locale.ROOT, "%.1f",
                            stealReported ? i.host().steal() : 100 * i.canarySteal()),
                    i.hostPaused().toMillis() / 1000.0, i.viewChanges()));
        }
        List<StallWatch.Stall> stalls = watch.stalls();
        md.append("\n## Stalls\n\nEvery ").append(StallWatch.PERIOD.toSeconds()).append(" s each node was asked for its ")
                .append("discovery document and, during the intervals, for the soak's exchange itself; an answer ")
                .append("slower than ").append(StallWatch.SLOW.toSeconds())
                .append(" s (or none, or not 200) is a stall, and its evidence (thread dumps of both nodes, the database's ")
                .append("waiting sessions and locks, host CPU, cluster views, log tails) was written while it lasted. ")
                .append("A stall is the machine's when, without the time the machine stood still during it, the ")
                .append("probe would have answered in time; an error status, or a delay the machine's pauses do not ")
                .append("explain, is the servers', and the soak fails. ")
                .append(String.format(Locale.ROOT, "%d probes, %d stalls (%d the servers'); highest I/O wait ",
                        watch.probes(), stalls.stream().filter(st -> st.millis() > 0 || st.refused()).count(),
                        serverStalls.size()))
                .append(String.format(Locale.ROOT, "%.1f %%", watch.maxIowait()))
                .append(stealReported ? String.format(Locale.ROOT, ", highest steal %.1f %%", watch.maxSteal()) : "")
                .append(" between probes.\n");
        for (StallWatch.Stall stall : stalls) {
            String whose = stall.millis() == 0 && !stall.refused() ? "evidence taken after failed exchanges"
                    : serverStalls.contains(stall) ? "**the servers'** (the machine ran meanwhile)"
                    : "the machine's (it stood still for most of the probe)";
            md.append(String.format(Locale.ROOT, "- %s %s: %d ms, %s; host busy %.0f %%, iowait %.1f %%, "
                    + "steal (canary) during it %.1f %%%s%n", stall.at(), stall.probe(), stall.millis(), whose,
                    stall.host().busy(), stall.host().iowait(),
                    100 * machine.stolen(stall.at(), stall.at().plusMillis(Math.max(stall.millis(), 1000))),
                    stall.evidence() == null ? "" : "; evidence: `" + stall.evidence() + "`"));
        }
        md.append(String.format(Locale.ROOT, "%nMachine pauses over %d s (stopped, or starved: the host took over "
                + "%.0f %% of the canary's time at every tick): %d", HostPauses.LATE.toSeconds(),
                100 * HostPauses.STARVED_SHARE, hostPauses.size()));
        md.append(hostPauses.isEmpty() ? ".\n" : String.format(Locale.ROOT, ", longest %.1f s:%n",
                machine.longest().toMillis() / 1000.0));
        for (HostPauses.Pause pause : hostPauses) {
            md.append(String.format(Locale.ROOT, "- %s, %.1f s%n", pause.from(), pause.length().toMillis() / 1000.0));
        }

        md.append("\n## Heap after a full GC (`jcmd <pid> GC.run`, then `GC.heap_info`)\n\n| When | node A MiB | ")
                .append("node B MiB |\n|---|---|---|\n");
        for (HeapSample sample : heap) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", sample.when(),
                    sample.megabytesPerNode().get(0), sample.megabytesPerNode().get(1)));
        }
        long errors = counted(intervals).stream().mapToLong(i -> i.load().errors()).sum();
        long requests = counted(intervals).stream().mapToLong(i -> i.load().requests()).sum();
        md.append(String.format(Locale.ROOT, "%n**Total:** %d exchanges, %d errors.%n", requests, errors));
        try {
            Files.createDirectories(outputDirectory);
            Path file = outputDirectory.resolve("soak-report.md");
            Files.writeString(file, md.toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
