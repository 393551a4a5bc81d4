package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README's Performance table, produced from the committed benchmark report ({@code docs/benchmark-report.md}): the
 * run's date, machine and Keycloak, and every row of the report's Targets table, met or missed, as the report states
 * it. The README holds it between two markers; {@code ./benchmark.sh readme} rewrites it there
 * ({@link #main}), and {@code ReadmePerformanceTest} fails when the README and the report disagree.
 */
public final class ReadmePerformance {

    static final String BEGIN = "<!-- performance-table: generated from docs/benchmark-report.md by ./benchmark.sh readme; do not edit -->";
    static final String END = "<!-- /performance-table -->";
    private static final Pattern RUN = Pattern.compile("^Run of (\\S+), command `([^`]*)`\\. Mode: \\*\\*(\\w+)\\*\\*",
            Pattern.MULTILINE);

    private ReadmePerformance() {
    }

    /** The README block (markers included) for {@code report}, the text of a benchmark report. */
    static String block(String report) {
        Matcher run = RUN.matcher(report);
        if (!run.find()) {
            throw new IllegalArgumentException("The report has no 'Run of …' line");
        }
        Map<String, String> machine = table(section(report, "## Machine"));
        List<String> targets = section(report, "## Targets").lines().filter(line -> line.startsWith("|")).toList();
        if (targets.size() < 3) {
            throw new IllegalArgumentException("The report has no Targets table");
        }
        StringBuilder out = new StringBuilder(BEGIN).append("\n\n");
        out.append("Latest ").append(run.group(3)).append(" run: [docs/benchmark-report.md](docs/benchmark-report.md), ")
                .append(run.group(1)).append(" (`").append(run.group(2)).append("`); ")
                .append(machine.getOrDefault("Cores", "?")).append(" cores (").append(machine.getOrDefault("CPU", "?"))
                .append("), ").append(machine.getOrDefault("Memory", "?")).append(", JDK ")
                .append(machine.getOrDefault("JDK (load generator and server)", "?")).append(", Keycloak ")
                .append(machine.getOrDefault("Keycloak", "?")).append(". Every row of the report's targets, as it ")
                .append("states them: median (min–max) over interleaved rounds, each a ratio against stock Keycloak ")
                .append("in the same run unless the target is absolute; why a target is missed is in the report.\n\n");
        for (String line : targets) {
            out.append(shortVerdict(line)).append('\n');
        }
        return out.append('\n').append(END).toString();
    }

    /** A table row with its verdict cut to "met" / "**missed**" (the report gives the reason). */
    private static String shortVerdict(String row) {
        List<String> cells = new ArrayList<>(List.of(row.substring(1, row.length() - 1).split("\\|", -1)));
        String last = cells.get(cells.size() - 1).trim();
        int reason = last.indexOf(':');
        if (last.startsWith("**missed**") && reason > 0) {
            cells.set(cells.size() - 1, " **missed** ");
        }
        return "|" + String.join("|", cells) + "|";
    }

    private static String section(String report, String heading) {
        int start = report.indexOf("\n" + heading + "\n");
        if (start < 0) {
            throw new IllegalArgumentException("The report has no section " + heading);
        }
        int next = report.indexOf("\n## ", start + heading.length() + 1);
        return report.substring(start + heading.length() + 2, next < 0 ? report.length() : next);
    }

    private static Map<String, String> table(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        text.lines().filter(line -> line.startsWith("| ") && !line.startsWith("| |")).forEach(line -> {
            String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
            if (cells.length == 2) {
                values.put(cells[0].trim(), cells[1].trim());
            }
        });
        return values;
    }

    /** The README with its block replaced by the one for {@code report}. */
    static String updatedReadme(String readme, String report) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("README.md has no performance-table markers");
        }
        return readme.substring(0, begin) + block(report) + readme.substring(end + END.length());
    }

    /** The README's block as it stands. */
    static String currentBlock(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("README.md has no performance-table markers");
        }
        return readme.substring(begin, end + END.length());
    }

    static Path root() {
        return Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    }

    /** {@code ./benchmark.sh readme}: rewrites README.md's table from docs/benchmark-report.md. */
    public static void main(String[] args) throws IOException {
        Path readme = root().resolve("README.md");
        String report = Files.readString(root().resolve("docs/benchmark-report.md"), StandardCharsets.UTF_8);
        Files.writeString(readme, updatedReadme(Files.readString(readme, StandardCharsets.UTF_8), report),
                StandardCharsets.UTF_8);
        System.out.println("README.md: Performance table rewritten from docs/benchmark-report.md");
    }
}
