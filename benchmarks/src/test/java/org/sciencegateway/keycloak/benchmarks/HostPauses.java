package org.sciencegateway.keycloak.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Notices when the whole machine stops. A thread of the soak's own JVM sleeps {@link #TICK} over and over and records
 * every wake-up more than {@link #LATE} late. On a running machine, however busy, the scheduler wakes it within
 * milliseconds (the soak JVM's own GC pauses are milliseconds too); a wake-up seconds late means that nothing on the
 * machine ran — the hypervisor paused or descheduled the virtual machine, the load generator, the database and both
 * nodes with it. A stall of the servers leaves this thread on time; that is how the two are told apart.
 *
 * <p>Why not the {@code steal} column of {@code /proc/stat}: a hypervisor reports steal only if it implements it;
 * the Firecracker machine this suite runs on reports 0 for ever ({@link HostCpu#stealReported()}). So the thread also
 * measures steal itself: at each tick it spins a fixed piece of work ({@link #CANARY_ITERATIONS}) and reads the CPU
 * time the guest kernel charged for it. The guest's clock runs on while the hypervisor has taken its CPU away, and
 * without steal accounting that time is charged to whatever thread the guest believed was running — so the work
 * costs its usual CPU time when the machine runs, and more when the host took the CPU during it. The share of the
 * charged time above the usual ({@link #stolen}) samples the time the host took; a share above
 * {@link #STARVED_SHARE} at consecutive ticks for longer than {@link #LATE} is recorded as a pause too (the machine
 * was not stopped but crawled). A stall of the servers charges the canary nothing extra: the guest's own threads
 * competing for the CPU preempt it, which costs wall time, not CPU time.
 */
final class HostPauses implements AutoCloseable {

    static final Duration TICK = Duration.ofMillis(100);
    static final Duration LATE = Duration.ofSeconds(1);
    /** About a third of a millisecond of arithmetic: 0.3 % of one core at one run per tick. */
    static final int CANARY_ITERATIONS = 200_000;
    /** Share of a canary run's charged CPU time taken by the host above which the machine counts as starved. */
    static final double STARVED_SHARE = 0.8;
    /** Samples before the usual cost is judged (the canary is compiled by then). */
    private static final int WARM_UP_SAMPLES = 50;

    /** A time during which the watching thread did not run: from when it should have woken to when it did. */
    record Pause(Instant from, Instant to) {
        Duration length() {
            return Duration.between(from, to);
        }

        boolean overlaps(Instant start, Instant end) {
            return from.isBefore(end) && to.isAfter(start);
        }
    }

    private final List<Pause> pauses = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread = new Thread(this::watch, "host-pauses");
    private final ThreadMXBean cpuClock = ManagementFactory.getThreadMXBean();
    /** Per canary run: when (epoch ms) and the CPU nanoseconds the guest charged. */
    private final long[][] samples = {new long[1 << 16], new long[1 << 16]};
    private int sampleCount;
    private long usualNanos = Long.MAX_VALUE;
    private volatile long sink;
    private Instant starvedSince;
    private Instant lastStarved;

    HostPauses start() {
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
        return this;
    }

    private void watch() {
        long tick = TICK.toNanos();
        boolean canary = cpuClock.isCurrentThreadCpuTimeSupported();
        while (!Thread.currentThread().isInterrupted()) {
            long before = System.nanoTime();
            Instant due = Instant.now().plus(TICK);
            try {
                Thread.sleep(TICK.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            long late = System.nanoTime() - before - tick;
            if (late > LATE.toNanos()) {
                pauses.add(new Pause(due, due.plusNanos(late)));
            }
            if (canary) {
                Instant ran = Instant.now();
                observe(ran, canaryRun());
            }
        }
    }

    /**
     * Keeps one canary run's charged CPU time; ends a starved span (recorded as a pause when longer than
     * {@link #LATE}) at the first run the host did not take most of.
     */
    void observe(Instant at, long cpuNanos) {
        if (record(at, cpuNanos)) {
            starvedSince = starvedSince == null ? at : starvedSince;
            lastStarved = at;
        } else if (starvedSince != null) {
            if (Duration.between(starvedSince, lastStarved).compareTo(LATE) > 0) {
                pauses.add(new Pause(starvedSince, lastStarved));
            }
            starvedSince = null;
        }
    }

    /** The fixed piece of work, and the CPU time the guest charged for it. */
    private long canaryRun() {
        long start = cpuClock.getCurrentThreadCpuTime();
        long x = sink;
        for (int i = 0; i < CANARY_ITERATIONS; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink = x;
        return cpuClock.getCurrentThreadCpuTime() - start;
    }

    /** Keeps a sample; whether the host took most of it. */
    private synchronized boolean record(Instant at, long cpuNanos) {
        if (sampleCount == samples[0].length) {
            samples[0] = java.util.Arrays.copyOf(samples[0], sampleCount * 2);
            samples[1] = java.util.Arrays.copyOf(samples[1], sampleCount * 2);
        }
        samples[0][sampleCount] = at.toEpochMilli();
        samples[1][sampleCount] = cpuNanos;
        sampleCount++;
        if (sampleCount <= WARM_UP_SAMPLES) {
            return false;
        }
        usualNanos = Math.min(usualNanos, cpuNanos);
        return stolenShare(cpuNanos, usualNanos) > STARVED_SHARE;
    }

    static double stolenShare(long chargedNanos, long usualNanos) {
        return chargedNanos <= 0 ? 0 : Math.max(0, chargedNanos - usualNanos) / (double) chargedNanos;
    }

    /**
     * The share of the canary's charged CPU time in {@code [start, end]} that the host took (0 to 1): a sample of the
     * time this virtual machine's CPUs were taken away, as {@code /proc/stat}'s steal would say if the hypervisor
     * reported it. {@code NaN} without samples.
     */
    synchronized double stolen(Instant start, Instant end) {
        long from = start.toEpochMilli();
        long to = end.toEpochMilli();
        long charged = 0;
        long usual = 0;
        for (int i = WARM_UP_SAMPLES; i < sampleCount; i++) {
            if (samples[0][i] >= from && samples[0][i] <= to) {
                charged += samples[1][i];
                usual += Math.min(samples[1][i], usualNanos);
            }
        }
        return charged == 0 ? Double.NaN : (charged - usual) / (double) charged;
    }

    /**
     * Normal latency a request may add to a pause: at half load the soak's p99 is tens of milliseconds, so a request
     * that a pause of at least {@code timeout - 1 s} did not push over the timeout was slow for another reason.
     */
    static final Duration LATENCY_ALLOWANCE = Duration.ofSeconds(1);

    /**
     * Whether one node's failed exchanges in an interval are what the machine's pauses did, and nothing else: every
     * failure is a wrk timeout (no error status, no socket error), and there are at most as many as the connections
     * had requests in flight during pauses long enough to time one out — one per connection and such pause.
     */
    static boolean explainFailures(List<Pause> pauses, Wrk.Result load, int connections) {
        Duration enough = Wrk.TIMEOUT.minus(LATENCY_ALLOWANCE);
        long longEnough = pauses.stream().filter(p -> p.length().compareTo(enough) >= 0).count();
        return load.errors() > 0 && load.errors() == load.timeouts()
                && load.timeouts() <= (long) connections * longEnough;
    }

    /**
     * Whether a slow probe is what the machine's pauses did: without the paused time in it, it would have answered
     * within {@code slow}.
     */
    static boolean explainSlowProbe(List<Pause> pauses, Instant start, Duration took, Duration slow) {
        Instant end = start.plus(took);
        Duration paused = Duration.ZERO;
        for (Pause p : pauses) {
            if (p.overlaps(start, end)) {
                Instant from = p.from().isAfter(start) ? p.from() : start;
                Instant to = p.to().isBefore(end) ? p.to() : end;
                paused = paused.plus(Duration.between(from, to));
            }
        }
        return took.minus(paused).compareTo(slow) <= 0;
    }

    /** The pauses that overlap {@code [start, end]}. */
    List<Pause> within(Instant start, Instant end) {
        synchronized (pauses) {
            return pauses.stream().filter(p -> p.overlaps(start, end)).toList();
        }
    }

    List<Pause> all() {
        synchronized (pauses) {
            return List.copyOf(pauses);
        }
    }

    Duration longest() {
        return all().stream().map(Pause::length).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /**
     * Watches this machine until stopped, printing each pause as it ends: {@code java -cp
     * benchmarks/target/test-classes org.sciencegateway.keycloak.benchmarks.HostPauses}.
     */
    public static void main(String[] args) throws InterruptedException {
        HostPauses pauses = new HostPauses().start();
        System.out.println("watching: a wake-up more than " + LATE.toMillis() + " ms late is printed");
        int seen = 0;
        while (true) {
            Thread.sleep(TICK.toMillis());
            List<Pause> all = pauses.all();
            for (; seen < all.size(); seen++) {
                System.out.println("paused " + all.get(seen).from() + " for " + all.get(seen).length().toMillis()
                        + " ms");
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
