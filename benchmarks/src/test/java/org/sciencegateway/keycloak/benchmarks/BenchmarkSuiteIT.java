package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every benchmark comparison against stock Keycloak on the shared server, written to
 * {@code integration-tests/target/benchmarks/report.md} with PNG charts. The default {@code mvn verify} runs it in
 * smoke mode (tiny sizes, one short round) to prove that every comparison runs end to end and that the report and
 * charts hold every row; it never asserts a speed. {@code ./benchmark.sh} runs it with {@code -Dbenchmark=full}.
 */
@DisplayName("Benchmark suite: every comparison against stock Keycloak, one server, one run")
class BenchmarkSuiteIT {

    @Test
    @DisplayName("Given the server with our JARs, then every comparison runs and the report and charts show every row")
    void everyComparison() throws Exception {
        BenchmarkSettings settings = BenchmarkSettings.fromSystemProperties();
        BenchmarkRun run = new BenchmarkRun(settings, Path.of("target", "benchmarks"));
        BenchmarkReport report = run.runAll();
        Path file = report.write();
        String markdown = Files.readString(file);
        System.out.println(markdown);

        assertThat(run.failedRequests()).as("failed requests under load").isZero();
        assertThat(report.sections()).extracting(BenchmarkReport.Section::title).containsExactly(
                "1. Token exchange: audience policy vs stock V2",
                "1b. Token exchange measured with wrk",
                "2. Login: institution filter vs the same flow without it",
                "3. Group claims: no mapper, built-in, ours",
                "4. Institution picker vs the stock login page",
                "5. The ceiling: RS256 signing on the server's cores",
                "6. Institution rules: a backtracking-prone deny pattern on long claims",
                "7. SAML federation: a signed aggregate imported and synced",
                "7b. Institution picker over the imported federation");
        int idpSizes = settings.identityProviderCounts().length;
        // wrk: per placement (pinned apart, cores shared), subject-token source and concurrency, three variants and
        // two ratios; two targets (throughput, p99) each.
        int wrkSetups = WrkExchangeComparison.setupCount(settings);
        int groupSizes = settings.groupCounts().length;
        assertThat(report.sections()).extracting(s -> s.rows().size())
                .containsExactly(3, 5 * wrkSetups, idpSizes, 4 * groupSizes, idpSizes, 3,
                        3 + 3, 3 + 2, 1);
        for (BenchmarkReport.Section section : report.sections()) {
            assertThat(markdown).contains("## " + section.title());
            for (List<String> row : section.rows()) {
                assertThat(markdown).contains("| " + String.join(" | ", row) + " |");
            }
        }
        // Federation: first import, unchanged re-sync, heap growth; keystrokes over the imported institutions.
        assertThat(report.targets()).hasSize(3 + 2 * wrkSetups + (idpSizes + 1) + (2 * groupSizes + 1) + 3 + 1
                + 3 + 1 + 1);
        for (BenchmarkReport.Target target : report.targets()) {
            assertThat(markdown).contains("| " + target.row() + " | " + target.target() + " | " + target.measured());
        }
        assertThat(report.chartFiles()).hasSize(10);
        for (Path chart : report.chartFiles()) {
            BufferedImage image = ImageIO.read(chart.toFile());
            assertThat(image).as("PNG %s", chart).isNotNull();
            assertThat(image.getWidth()).as("width of %s", chart).isPositive();
            assertThat(markdown).contains("](" + chart.getFileName() + ")");
        }
    }
}
