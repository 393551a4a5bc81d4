package org.sciencegateway.keycloak.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Markdown report and its PNG charts under one directory: a targets table first (each target next to what
 * was measured and whether it is met), then one section per comparison with its method, its table and its charts.
 */
public final class BenchmarkReport {

    public enum Verdict {
        MET("met"), MISSED("**missed**"), NOT_JUDGED("not judged (smoke mode)");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    public record Target(String row, String target, String measured, Verdict verdict, String note) {
    }

    /** One comparison: how it was measured, one table, its charts and remarks. */
    public static final class Section {
        private final String title;
        private final String method;
        private final List<String> header;
        private final List<List<String>> rows = new ArrayList<>();
        private final List<String> charts = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        private Section(String title, String method, List<String> header) {
            this.title = title;
            this.method = method;
            this.header = header;
        }

        public Section row(String... cells) {
            if (cells.length != header.size()) {
                throw new IllegalArgumentException("Row " + List.of(cells) + " does not fit header " + header);
            }
            rows.add(List.of(cells));
            return this;
        }

        public Section note(String text) {
            notes.add(text);
            return this;
        }

        public String title() {
            return title;
        }

        public List<List<String>> rows() {
            return rows;
        }
    }

    private final Path directory;
    private final BenchmarkSettings settings;
    private final String machine;
    private final List<Target> targets = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();
    private final List<Path> chartFiles = new ArrayList<>();

    public BenchmarkReport(Path directory, BenchmarkSettings settings, String machine) {
        this.directory = directory;
        this.settings = settings;
        this.machine = machine;
    }

    public Section section(String title, String method, String... header) {
        Section section = new Section(title, method, List.of(header));
        sections.add(section);
        return section;
    }

    /** Records a target; in smoke mode (tiny sizes) it is shown but never judged. */
    public void target(String row, String target, String measured, boolean met, String noteWhenMissed) {
        Verdict verdict = !settings.full() ? Verdict.NOT_JUDGED : met ? Verdict.MET : Verdict.MISSED;
        targets.add(new Target(row, target, measured, verdict, verdict == Verdict.MISSED ? noteWhenMissed : ""));
    }

    public void chart(Section section, String fileName, BarChart chart) {
        Path file = directory.resolve(fileName);
        chart.write(file);
        chartFiles.add(file);
        section.charts.add(fileName);
    }

    public List<Target> targets() {
        return targets;
    }

    /** In the order of their numbered titles, whatever the order they were measured in. */
    public List<Section> sections() {
        return sections.stream().sorted(java.util.Comparator.comparing(Section::title)).toList();
    }

    public List<Path> chartFiles() {
        return chartFiles;
    }

    public Path file() {
        return directory.resolve("report.md");
    }

    public Path write() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark report: the science-gateway extensions against stock Keycloak\n\n");
        md.append("Run of ").append(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0))
                .append(settings.full() ? ", command `./benchmark.sh`" : ", part of `mvn -B verify`")
                .append(". Mode: **").append(settings.mode()).append("**");
        if (!settings.full()) {
            md.append(" (tiny sizes, one short round: proves that every comparison runs; the figures mean nothing)");
        }
        md.append(". Every figure compares against stock Keycloak on the same server in the same run; rounds are "
                + "interleaved, each after a warm-up, and reported as median (min–max) over the rounds.\n\n");
        md.append("## Machine\n\n").append(machine).append("\n\n");
        md.append("## Targets\n\n| Row | Target | Measured | Verdict |\n|---|---|---|---|\n");
        for (Target t : targets) {
            md.append("| ").append(t.row()).append(" | ").append(t.target()).append(" | ").append(t.measured())
                    .append(" | ").append(t.verdict().text)
                    .append(t.note().isEmpty() ? "" : ": " + t.note()).append(" |\n");
        }
        for (Section s : sections()) {
            md.append("\n## ").append(s.title).append("\n\n").append(s.method).append("\n\n");
            md.append("| ").append(String.join(" | ", s.header)).append(" |\n|");
            md.append("---|".repeat(s.header.size())).append('\n');
            for (List<String> row : s.rows) {
                md.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            for (String note : s.notes) {
                md.append('\n').append(note).append('\n');
            }
            for (String chart : s.charts) {
                md.append("\n![").append(s.title).append("](").append(chart).append(")\n");
            }
        }
        try {
            Files.createDirectories(directory);
            Files.writeString(file(), md.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file();
    }
}
