package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Pins this JVM (the load generator) to a set of cores with {@code taskset}, so that it and the server (started
 * under {@code taskset} by the harness) do not compete for the same cores. Threads started later inherit the
 * affinity of the thread that starts them, so pinning every existing thread pins the JVM.
 */
final class CpuPinning {

    private static final Path TASKSET = Path.of("/usr/bin/taskset");

    private CpuPinning() {
    }

    static boolean available() {
        return Files.isExecutable(TASKSET);
    }

    /**
     * Pins every thread of this JVM to {@code cpus} (taskset's list syntax, e.g. {@code 0} or {@code 1-3}). A thread
     * that ends while taskset walks the list makes it fail; the walk is then repeated.
     */
    static void pinThisJvm(String cpus) {
        pin(ProcessHandle.current(), cpus);
    }

    /** Every core of this machine, in taskset's list syntax. */
    static String allCpus() {
        return "0-" + (MachineDescription.cores() - 1);
    }

    /**
     * Moves every thread of a running process to {@code cpus}; threads it starts later inherit that affinity. The
     * benchmark widens the pinned server to every core this way for the rows measured as a user first runs the lab.
     */
    static void pin(ProcessHandle target, String cpus) {
        String pid = String.valueOf(target.pid());
        String output = "";
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                Process process = new ProcessBuilder(TASKSET.toString(), "-a", "-p", "-c", cpus, pid)
                        .redirectErrorStream(true).start();
                output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0) {
                    return;
                }
            } catch (IOException e) {
                throw new IllegalStateException("taskset failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("taskset failed for cpus " + cpus + ": " + output);
    }
}
