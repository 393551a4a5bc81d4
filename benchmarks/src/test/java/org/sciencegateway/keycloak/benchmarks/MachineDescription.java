package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What the figures were measured on: they only mean something next to it. */
final class MachineDescription {

    private MachineDescription() {
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String describe(BenchmarkSettings settings, String serverCommandPrefix, String loadBefore,
            String loadAfter) {
        String javaHome = System.getProperty("keycloak.java.home", "");
        return String.join("\n", List.of(
                "| | |",
                "|---|---|",
                "| CPU | " + cpuModel() + " |",
                "| Cores | " + cores() + " |",
                "| Memory | " + memory() + " |",
                "| OS | " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
                        + System.getProperty("os.arch") + ") |",
                "| JDK (load generator" + (javaHome.isBlank() ? " and server" : "") + ") | "
                        + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version") + " |",
                javaHome.isBlank() ? "| JDK (server) | the same |" : "| JDK (server) | " + javaHome + " |",
                "| Keycloak | " + System.getProperty("keycloak.server.version", "unknown")
                        + " (keycloak-quarkus-dist, `start-dev`, in-memory H2, local caches) |",
                "| Server options | `start-dev --db=dev-mem --cache=local`, KC_CACHE_EMBEDDED_REALMS_MAX_COUNT="
                        + System.getenv().getOrDefault("KC_CACHE_EMBEDDED_REALMS_MAX_COUNT", "unset (Keycloak's default)")
                        + " |",
                "| Pinning | " + (settings.pinned()
                        ? "load generator on CPU " + settings.loadCpus() + ", server on CPU " + settings.serverCpus()
                                + " (`" + serverCommandPrefix + "`)"
                        : "none (taskset " + (CpuPinning.available() ? "present but not requested" : "not found")
                                + ")") + " |",
                "| Load average (1, 5, 15 min) | before: " + loadBefore + "; after: " + loadAfter
                        + " (other work on the machine shows here) |"));
    }

    /** The machine's cores, not this JVM's (which pinning may have narrowed). */
    static long cores() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }
}
