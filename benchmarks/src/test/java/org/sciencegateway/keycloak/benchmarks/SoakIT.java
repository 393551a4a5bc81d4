package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The soak on the production topology ({@link SoakRun}). {@code mvn verify} runs it in smoke mode (two 20-second
 * intervals) to prove the whole machinery — cluster, paced {@code wrk} on both nodes, heap probes, report — end to
 * end; {@code ./benchmark.sh soak} runs 30 minutes. It asserts no speed, only that nothing failed.
 */
@DisplayName("Soak: the Rucio exchange at half capacity on two optimized nodes")
class SoakIT {

    @Test
    @DisplayName("Given the production topology under paced wrk load, then no request fails and every interval and heap probe is reported")
    void soak() throws Exception {
        assertThat(Wrk.installed()).as("wrk (Debian package wrk) is installed; .ci/run installs it").isTrue();
        SoakRun.Settings settings = SoakRun.Settings.fromSystemProperties();

        SoakRun.Result result = new SoakRun(settings, Path.of("target", "benchmarks")).run();
        String report = Files.readString(result.report());
        System.out.println(report);

        assertThat(result.errors()).as("failed exchanges during the soak").isZero();
        assertThat(result.serverStalls()).as("stalls of the servers while the machine ran (report: %s)",
                result.report()).isEmpty();
        assertThat(result.capacity()).hasSize(2).allSatisfy(c -> assertThat(c.requests()).isPositive());
        assertThat(result.counted()).hasSize(2 * settings.intervals())
                .allSatisfy(i -> assertThat(i.load().requests()).as("interval %d on %s", i.index(), i.node())
                        .isPositive());
        assertThat(result.heap()).hasSize(settings.intervals() + 1)
                .allSatisfy(h -> assertThat(h.megabytesPerNode()).hasSize(2).allSatisfy(mb -> assertThat(mb).isPositive()));
        for (SoakRun.Interval interval : result.counted()) {
            assertThat(report).contains("| " + interval.index() + " | " + interval.node() + " | "
                    + interval.load().requests() + " |");
        }
        assertThat(report).contains("**Total:**", "after interval " + settings.intervals(), "## Stalls", "probes");
        assertThat(result.intervals()).allSatisfy(i -> assertThat(i.host().busy()).as("host CPU read").isPositive())
                .allSatisfy(i -> assertThat(i.canarySteal()).as("the CPU canary measured interval %d", i.index())
                        .isBetween(0.0, 1.0));
    }
}
