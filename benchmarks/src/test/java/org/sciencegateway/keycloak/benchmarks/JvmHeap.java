package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heap in use after a full GC of another JVM, read with the JDK's {@code jcmd} ({@code GC.run}, {@code GC.heap_info}). */
public final class JvmHeap {

    private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

    private JvmHeap() {
    }

    /** Megabytes in use right after {@code System.gc()} (a full collection with G1, Keycloak's default). */
    public static double afterFullGcMegabytes(ProcessHandle jvm, String javaHome) {
        jcmd(jvm, javaHome, "GC.run");
        return parseUsedMegabytes(jcmd(jvm, javaHome, "GC.heap_info"));
    }

    static double parseUsedMegabytes(String heapInfo) {
        Matcher matcher = USED.matcher(heapInfo);
        if (!matcher.find()) {
            throw new IllegalArgumentException("jcmd GC.heap_info printed no heap usage:\n" + heapInfo);
        }
        return Long.parseLong(matcher.group(1)) / 1024.0;
    }

    private static String jcmd(ProcessHandle jvm, String javaHome, String command) {
        String home = javaHome != null && !javaHome.isBlank() ? javaHome : System.getProperty("java.home");
        List<String> line = List.of(Path.of(home, "bin", "jcmd").toString(), String.valueOf(jvm.pid()), command);
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
