package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HostPausesTest {

    private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");
    private static final int CONNECTIONS = 4;

    private static HostPauses.Pause pause(int fromSecond, int seconds) {
        return new HostPauses.Pause(T.plusSeconds(fromSecond), T.plusSeconds(fromSecond + seconds));
    }

    private static Wrk.Result load(long non2xx, long otherSocketErrors, long timeouts) {
        return new Wrk.Result(1000, 20, non2xx, otherSocketErrors + timeouts, timeouts, 5, 10, 30, 1, "");
    }

    @Test
    @DisplayName("Given a 2-minute pause of the machine, then one wrk timeout per connection is its doing; an error status, a socket error or more timeouts than requests in flight are not")
    void failuresAMachinePauseExplains() {
        List<HostPauses.Pause> twoMinutes = List.of(pause(5, 120));

        assertThat(HostPauses.explainFailures(twoMinutes, load(0, 0, 4), CONNECTIONS)).isTrue();
        assertThat(HostPauses.explainFailures(twoMinutes, load(0, 0, 1), CONNECTIONS)).isTrue();
        assertThat(HostPauses.explainFailures(twoMinutes, load(0, 0, 5), CONNECTIONS)).isFalse();
        assertThat(HostPauses.explainFailures(twoMinutes, load(1, 0, 4), CONNECTIONS)).isFalse();
        assertThat(HostPauses.explainFailures(twoMinutes, load(0, 1, 3), CONNECTIONS)).isFalse();
        assertThat(HostPauses.explainFailures(twoMinutes, load(0, 0, 0), CONNECTIONS)).as("nothing to explain").isFalse();
        assertThat(HostPauses.explainFailures(List.of(pause(5, 120), pause(200, 30)), load(0, 0, 8), CONNECTIONS))
                .as("two long pauses, two requests per connection").isTrue();
        assertThat(HostPauses.explainFailures(List.of(pause(5, 3)), load(0, 0, 4), CONNECTIONS))
                .as("a 3-s pause times out no request of a 10-s timeout").isFalse();
        assertThat(HostPauses.explainFailures(List.of(), load(0, 0, 4), CONNECTIONS)).isFalse();
    }

    @Test
    @DisplayName("Given a slow probe, then it is the machine's only if it would have answered in time without the paused time in it")
    void slowProbes() {
        Duration slow = StallWatch.SLOW;
        List<HostPauses.Pause> pauses = List.of(pause(10, 60));

        assertThat(HostPauses.explainSlowProbe(pauses, T.plusSeconds(9), Duration.ofSeconds(62), slow)).isTrue();
        assertThat(HostPauses.explainSlowProbe(pauses, T.plusSeconds(9), Duration.ofSeconds(75), slow))
                .as("15 s of it while the machine ran").isFalse();
        assertThat(HostPauses.explainSlowProbe(pauses, T.plusSeconds(100), Duration.ofSeconds(8), slow))
                .as("after the pause").isFalse();
        assertThat(HostPauses.explainSlowProbe(List.of(), T, Duration.ofSeconds(6), slow)).isFalse();
    }

    @Test
    @DisplayName("Given canary runs, then the share the host took is read from their charged CPU time, and a starved span over a second is a pause")
    void stolenTimeFromTheCanary() {
        HostPauses pauses = new HostPauses();
        Instant t = T;
        for (int i = 0; i < 60; i++, t = t.plusMillis(100)) {
            pauses.observe(t, 300_000); // the usual cost
        }
        Instant starved = t;
        for (int i = 0; i < 15; i++, t = t.plusMillis(100)) {
            pauses.observe(t, 3_000_000); // the host took 90 % of each run
        }
        Instant lastStarved = t.minusMillis(100);
        pauses.observe(t, 310_000);
        pauses.observe(t.plusMillis(100), 300_000);

        assertThat(pauses.stolen(T.plusSeconds(5), T.plusMillis(5900))).isZero();
        assertThat(pauses.stolen(starved, lastStarved)).isCloseTo(0.9, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(pauses.stolen(T.minusSeconds(10), T.minusSeconds(9))).isNaN();
        assertThat(pauses.all()).containsExactly(new HostPauses.Pause(starved, lastStarved));

        HostPauses brief = new HostPauses();
        Instant u = T;
        for (int i = 0; i < 60; i++, u = u.plusMillis(100)) {
            brief.observe(u, 300_000);
        }
        for (int i = 0; i < 5; i++, u = u.plusMillis(100)) {
            brief.observe(u, 3_000_000);
        }
        brief.observe(u, 300_000);
        assertThat(brief.all()).as("half a second starved is no pause").isEmpty();
        assertThat(HostPauses.stolenShare(300_000, 300_000)).isZero();
        assertThat(HostPauses.stolenShare(1_200_000, 300_000)).isEqualTo(0.75);
    }

    @Test
    @DisplayName("Given a process that watches the machine, when it is stopped for 3 s (as a paused virtual machine stops everything), then it reports a pause of about 3 s")
    void aStoppedProcessSeesItsPause() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process watcher = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                HostPauses.class.getName()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(watcher.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("watching");
            Thread.sleep(500); // a few ticks, so that the stop falls inside one of its timed sleeps
            signal("STOP", watcher.pid());
            Thread.sleep(3000); // the length of the stop: what the watcher must report
            signal("CONT", watcher.pid());
            String reported = out.readLine();
            assertThat(reported).startsWith("paused ");
            long millis = Long.parseLong(reported.replaceAll(".* for (\\d+) ms$", "$1"));
            assertThat(millis).isBetween(2500L, 6000L);
        } finally {
            watcher.destroyForcibly();
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
