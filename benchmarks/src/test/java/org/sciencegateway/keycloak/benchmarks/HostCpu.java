package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The host's CPU time from {@code /proc/stat} (Linux): what the whole machine did between two readings — busy,
 * waiting for I/O, and stolen by the hypervisor. A stall with high steal or I/O wait is the machine's; one with an
 * idle machine is the software's.
 */
record HostCpu(long user, long nice, long system, long idle, long iowait, long irq, long softirq, long steal) {

    static HostCpu read() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            long[] v = Arrays.stream(line.trim().split("\\s+")).skip(1).limit(8).mapToLong(Long::parseLong).toArray();
            return new HostCpu(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v.length > 7 ? v[7] : 0);
        } catch (IOException | RuntimeException e) {
            return new HostCpu(0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /** Whether the hypervisor reports stolen time at all (a reading since boot without any: it does not). */
    boolean stealReported() {
        return steal > 0;
    }

    private long total() {
        return user + nice + system + idle + iowait + irq + softirq + steal;
    }

    /** Shares (percent) of the time since {@code before}: busy, I/O wait, steal. */
    Shares since(HostCpu before) {
        double total = Math.max(1, total() - before.total());
        double busy = (user + nice + system + irq + softirq) - (before.user + before.nice + before.system + before.irq
                + before.softirq);
        return new Shares(100 * busy / total, 100 * (iowait - before.iowait) / total, 100 * (steal - before.steal) / total);
    }

    record Shares(double busy, double iowait, double steal) {
    }
}
