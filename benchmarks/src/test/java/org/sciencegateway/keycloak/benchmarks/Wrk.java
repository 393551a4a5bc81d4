package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code wrk} load generator (Debian package {@code wrk}), so that an HTTP figure is one anyone can reproduce
 * with a standard tool: one thread, keep-alive connections, one form POSTed over and over, latency distribution on.
 * A per-request pause ({@code wrk}'s Lua {@code delay()}) turns it into a paced load for soaks.
 */
public final class Wrk {

    /**
     * What {@code wrk --latency} printed, in requests, seconds and milliseconds. {@code timeouts} (part of
     * {@code socketErrors}): requests answered, but later than {@code --timeout} — wrk 4.1 counts a request only
     * when its answer arrives, so one still unanswered when the run ends is in no count at all.
     */
    public record Result(long requests, double seconds, long non2xx, long socketErrors, long timeouts, double p50Millis,
            double p90Millis, double p99Millis, double cpuSeconds, String output) {

        public double throughput() {
            return requests / seconds;
        }

        /** wrk's own CPU (user + system) per second of the run: near 1.0 (its one thread), wrk set the pace. */
        public double generatorCores() {
            return cpuSeconds / seconds;
        }

        /** Every request that did not get a 2xx/3xx answer. */
        public long errors() {
            return non2xx + socketErrors;
        }
    }

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m|h)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|90|99)%\\s+([\\d.]+)(us|ms|s|m)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    /** Printed by the shell's {@code time} around wrk (see {@link #post}): user and system CPU seconds. */
    private static final Pattern CPU = Pattern.compile("^wrk-cpu ([\\d.]+) ([\\d.]+)$", Pattern.MULTILINE);

    /** The script in the repository ({@code tools/wrk/form-post.lua}), so that every row can be rerun by hand. */
    static final Path SCRIPT = Path.of(System.getProperty("repository.root", ".."), "tools", "wrk", "form-post.lua")
            .toAbsolutePath().normalize();

    /** wrk's {@code --timeout}: an answer later than this is a timeout error. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<String> prefix;

    /** {@code prefix}: e.g. {@code taskset -c 0} to keep the generator off the server's cores; may be empty. */
    public Wrk(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    public static boolean installed() {
        return Files.isExecutable(Path.of("/usr/bin/wrk"));
    }

    /**
     * POSTs {@code formBody} to {@code url} on {@code connections} connections for {@code duration}, each connection
     * pausing {@code delayMillis} between its requests (0: as fast as the server answers).
     */
    public Result post(String url, String formBody, int connections, Duration duration, long delayMillis) {
        List<String> command = new ArrayList<>(prefix);
        // The shell's time builtin reports wrk's CPU, so the report can show whether the generator was the limit.
        command.addAll(List.of("bash", "-c", "TIMEFORMAT='wrk-cpu %U %S'; time wrk \"$@\" 2>&1", "wrk",
                "-t1", "-c" + connections, "-d" + duration.toSeconds() + "s",
                "--timeout", TIMEOUT.toSeconds() + "s", "--latency", "-s", SCRIPT.toString(), url));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WRK_FORM", formBody);
        builder.environment().put("WRK_DELAY_MS", String.valueOf(delayMillis));
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("wrk failed: " + command + "\n" + output);
            }
            return parse(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** How to rerun a row by hand: the same command with the form in {@code WRK_FORM}. */
    public static String reproduce(String url, int connections, Duration duration) {
        return "WRK_FORM='<the form>' wrk -t1 -c" + connections + " -d" + duration.toSeconds() + "s --latency -s "
                + "tools/wrk/form-post.lua " + url;
    }

    /** Parses {@code wrk --latency}'s report; anything missing is an error, not a zero. */
    public static Result parse(String output) {
        Matcher requests = find(REQUESTS, output, "request count");
        double p50 = Double.NaN;
        double p90 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find()) {
            double millis = millis(Double.parseDouble(percentile.group(2)), percentile.group(3));
            switch (percentile.group(1)) {
                case "50" -> p50 = millis;
                case "90" -> p90 = millis;
                default -> p99 = millis;
            }
        }
        if (Double.isNaN(p50) || Double.isNaN(p90) || Double.isNaN(p99)) {
            throw new IllegalArgumentException("wrk printed no latency distribution (run with --latency):\n" + output);
        }
        long socket = 0;
        long timeouts = 0;
        Matcher socketErrors = SOCKET_ERRORS.matcher(output);
        if (socketErrors.find()) {
            for (int group = 1; group <= 4; group++) {
                socket += Long.parseLong(socketErrors.group(group));
            }
            timeouts = Long.parseLong(socketErrors.group(4));
        }
        Matcher non2xx = NON_2XX.matcher(output);
        Matcher cpu = CPU.matcher(output);
        double cpuSeconds = cpu.find() ? Double.parseDouble(cpu.group(1)) + Double.parseDouble(cpu.group(2)) : Double.NaN;
        return new Result(Long.parseLong(requests.group(1)),
                millis(Double.parseDouble(requests.group(2)), requests.group(3)) / 1000.0,
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, socket, timeouts, p50, p90, p99, cpuSeconds, output);
    }

    private static Matcher find(Pattern pattern, String output, String what) {
        Matcher matcher = pattern.matcher(output);
        if (!matcher.find()) {
            throw new IllegalArgumentException("wrk printed no " + what + ":\n" + output);
        }
        return matcher;
    }

    private static double millis(double value, String unit) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> value / 1000.0;
            case "ms" -> value;
            case "s" -> value * 1000.0;
            case "m" -> value * 60_000.0;
            case "h" -> value * 3_600_000.0;
            default -> throw new IllegalArgumentException("unknown wrk unit " + unit);
        };
    }
}
