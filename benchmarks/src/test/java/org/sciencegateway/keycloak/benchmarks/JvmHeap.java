package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Heap in use after a full GC of another JVM, read with the JDK's {@code jcmd} ({@code GC.run}, {@code GC.heap_info});
 * and the heap after each of its garbage collections during a stretch of work, from a flight recording
 * ({@code jcmd JFR.start}, {@code JFR.stop}; the events {@code jdk.GCHeapSummary} that {@code jfr print} shows too).
 */
public final class JvmHeap {

    /** The heap in use right after one garbage collection. */
    public record AfterGc(Instant at, double megabytes) {
    }

    /** A running flight recording of another JVM; {@link #stop()} ends it and reads its collections. */
    public static final class GcRecording {
        private final ProcessHandle jvm;
        private final String javaHome;
        private final String name;
        private final Path file;

        private GcRecording(ProcessHandle jvm, String javaHome, String name, Path file) {
            this.jvm = jvm;
            this.javaHome = javaHome;
            this.name = name;
            this.file = file;
        }

        /** Ends the recording; the heap after every collection it saw, in order. */
        public List<AfterGc> stop() {
            jcmd(jvm, javaHome, "JFR.stop", "name=" + name);
            List<AfterGc> collections = new ArrayList<>();
            try {
                for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                    if ("jdk.GCHeapSummary".equals(event.getEventType().getName())
                            && "After GC".equals(event.getString("when"))) {
                        collections.add(new AfterGc(event.getStartTime(), event.getLong("heapUsed") / 1048576.0));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the flight recording " + file, e);
            }
            collections.sort(java.util.Comparator.comparing(AfterGc::at));
            return collections;
        }
    }

    private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

    private JvmHeap() {
    }

    /** Megabytes in use right after {@code System.gc()} (a full collection with G1, Keycloak's default). */
    public static double afterFullGcMegabytes(ProcessHandle jvm, String javaHome) {
        jcmd(jvm, javaHome, "GC.run");
        return parseUsedMegabytes(jcmd(jvm, javaHome, "GC.heap_info"));
    }

    /** Starts a flight recording (JDK's {@code default} settings) of {@code jvm} into {@code file}. */
    public static GcRecording recordCollections(ProcessHandle jvm, String javaHome, Path file) {
        String name = "sg-benchmark-" + System.nanoTime();
        try {
            Files.deleteIfExists(file);
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        jcmd(jvm, javaHome, "JFR.start", "name=" + name, "settings=default",
                "filename=" + file.toAbsolutePath());
        return new GcRecording(jvm, javaHome, name, file.toAbsolutePath());
    }

    static double parseUsedMegabytes(String heapInfo) {
        Matcher matcher = USED.matcher(heapInfo);
        if (!matcher.find()) {
            throw new IllegalArgumentException("jcmd GC.heap_info printed no heap usage:\n" + heapInfo);
        }
        return Long.parseLong(matcher.group(1)) / 1024.0;
    }

    private static String jcmd(ProcessHandle jvm, String javaHome, String... command) {
        String home = javaHome != null && !javaHome.isBlank() ? javaHome : System.getProperty("java.home");
        List<String> line = new ArrayList<>(List.of(Path.of(home, "bin", "jcmd").toString(),
                String.valueOf(jvm.pid())));
        line.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("jcmd failed: " + line + "\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
