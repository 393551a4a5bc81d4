package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WrkTest {

    private static final String REPORT = """
            Running 15s test @ http://localhost:8080/realms/vre/protocol/openid-connect/token
              1 threads and 4 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     4.61ms    1.29ms 1.02s    80.12%
                Req/Sec   871.07     56.70     1.00k    72.00%
              Latency Distribution
                 50%  440.00us
                 75%    5.06ms
                 90%    6.03ms
                 99%    1.13s
              13010 requests in 15.01s, 21.45MB read
              Socket errors: connect 0, read 2, write 0, timeout 1
              Non-2xx or 3xx responses: 12
            Requests/sec:    866.91
            Transfer/sec:      1.43MB
            wrk-cpu 3.20 4.31
            """;

    @Test
    @DisplayName("Given wrk's --latency report, then requests, duration, percentiles in ms and every error are read")
    void parsesTheReport() {
        Wrk.Result result = Wrk.parse(REPORT);

        assertThat(result.requests()).isEqualTo(13010);
        assertThat(result.seconds()).isEqualTo(15.01);
        assertThat(result.p50Millis()).isEqualTo(0.44);
        assertThat(result.p90Millis()).isEqualTo(6.03);
        assertThat(result.p99Millis()).isEqualTo(1130.0);
        assertThat(result.non2xx()).isEqualTo(12);
        assertThat(result.socketErrors()).isEqualTo(3);
        assertThat(result.timeouts()).isEqualTo(1);
        assertThat(result.errors()).isEqualTo(15);
        assertThat(result.throughput()).isBetween(866.0, 867.0);
        assertThat(result.cpuSeconds()).isEqualTo(7.51, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(result.generatorCores()).isBetween(0.50, 0.51);
    }

    @Test
    @DisplayName("Given a clean run, then no errors; given a report without the distribution, then it is refused")
    void cleanAndIncompleteReports() {
        String clean = REPORT.replace("  Socket errors: connect 0, read 2, write 0, timeout 1\n", "")
                .replace("  Non-2xx or 3xx responses: 12\n", "");
        assertThat(Wrk.parse(clean).errors()).isZero();

        assertThatThrownBy(() -> Wrk.parse(REPORT.replaceAll("(?m)^\\s+\\d\\d%.*\\n", "")))
                .hasMessageContaining("no latency distribution");
    }
}
