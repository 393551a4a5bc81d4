package org.sciencegateway.keycloak.it.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sciencegateway.keycloak.testing.MonitoringFiles;

/**
 * Issue 31: the shipped alert rules and dashboard, checked by Prometheus's own tool ({@code promtool}, Debian's
 * {@code prometheus} package, which {@code ./test.sh} installs): the rules parse, each alert fires (and stays
 * silent) as its unit tests in {@code alerts-test.yml} say, and every dashboard query is valid PromQL. That the
 * metrics they use are served is {@link MetricsIT}'s.
 */
@DisplayName("Alert rules and dashboard queries checked by promtool (issue 31)")
class PrometheusRulesIT {

    private static String promtool(Path directory, String... arguments) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(process.exitValue()).as("promtool %s:%n%s", String.join(" ", arguments), output).isZero();
        return output;
    }

    @Test
    @DisplayName("Given docs/monitoring/alerts.yml, then promtool checks it and its unit tests pass: each alert fires "
            + "on its series and stays silent on the healthy ones")
    void alertRulesPassPromtool() throws Exception {
        Path directory = MonitoringFiles.directory();
        assertThat(promtool(directory, "check", "rules", "alerts.yml")).contains("SUCCESS: 9 rules found");
        assertThat(promtool(directory, "test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    @Test
    @DisplayName("Given the Grafana dashboard, then every panel query is PromQL that promtool accepts")
    void dashboardQueriesArePromQl(@TempDir Path work) throws Exception {
        List<String> expressions = MonitoringFiles.dashboardExpressions();
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(10);
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < expressions.size(); i++) {
            // Grafana substitutes the realm variable; any regular expression stands in for it here
            String expression = expressions.get(i).replace("$realm", ".*");
            rules.append("      - record: sg_dashboard_query_").append(i).append("\n        expr: '")
                    .append(expression.replace("'", "''")).append("'\n");
        }
        Files.writeString(work.resolve("dashboard-queries.yml"), rules);
        assertThat(promtool(work, "check", "rules", "dashboard-queries.yml"))
                .contains("SUCCESS: " + expressions.size() + " rules found");
    }
}
