package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 31: README's Performance table is the committed report's, every row, met or missed. */
class ReadmePerformanceTest {

    @Test
    @DisplayName("Given docs/benchmark-report.md, then README.md's Performance table is exactly the one "
            + "./benchmark.sh readme produces from it (every target row, its figures and verdict)")
    void readmeTableIsTheReports() throws Exception {
        String report = Files.readString(ReadmePerformance.root().resolve("docs/benchmark-report.md"),
                StandardCharsets.UTF_8);
        String readme = Files.readString(ReadmePerformance.root().resolve("README.md"), StandardCharsets.UTF_8);
        assertThat(ReadmePerformance.currentBlock(readme))
                .as("README.md's Performance table differs from docs/benchmark-report.md: run ./benchmark.sh readme")
                .isEqualTo(ReadmePerformance.block(report));
        long rows = report.substring(report.indexOf("\n## Targets\n"), report.indexOf("\n## ", report.indexOf(
                "\n## Targets\n") + 5)).lines().filter(line -> line.startsWith("| ") && !line.startsWith("| Row")
                && !line.startsWith("|---")).count();
        assertThat(ReadmePerformance.currentBlock(readme).lines().filter(line -> line.startsWith("| ")
                && !line.startsWith("| Row") && !line.startsWith("|---")).count()).isEqualTo(rows);
    }

    @Test
    @DisplayName("Given a missed target with its reason, then the README row says missed and keeps the figures")
    void missedRowsStayMissed() {
        String report = """
                # Benchmark report
                
                Run of 2026-12-07T04:00:00Z, command `./benchmark.sh`. Mode: **full**. Every figure …
                
                ## Machine
                
                | | |
                |---|---|
                | CPU | Test CPU |
                | Cores | 2 |
                | Memory | 23.5 GiB |
                | JDK (load generator and server) | 17 |
                | Keycloak | 26.7.5 |
                
                ## Targets
                
                | Row | Target | Measured | Verdict |
                |---|---|---|---|
                | A | ≥ 1.1× | 1.5× | met |
                | B | < 50 ms | 138 ms | **missed**: the picker rebuilds |
                
                ## 1. Next
                """;
        String block = ReadmePerformance.block(report);
        assertThat(block).contains("| A | ≥ 1.1× | 1.5× | met |", "| B | < 50 ms | 138 ms | **missed** |",
                "2026-12-07T04:00:00Z", "Keycloak 26.7.5", "2 cores (Test CPU)");
    }
}
