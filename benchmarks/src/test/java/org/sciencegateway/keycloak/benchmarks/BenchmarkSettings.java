package org.sciencegateway.keycloak.benchmarks;

import java.time.Duration;
import java.util.Arrays;

/**
 * How big and how long: {@code -Dbenchmark=full} for the real measurement ({@code ./benchmark.sh}); anything else is
 * the smoke mode that the default {@code mvn verify} runs (tiny sizes, one short round, to prove every comparison runs
 * end to end). Single figures can be overridden, e.g. {@code -Dbenchmark.rounds=3}.
 */
public record BenchmarkSettings(
        boolean full,
        int rounds,
        int concurrency,
        Duration exchangeWarmUp,
        Duration exchangeRound,
        Duration signingRound,
        int[] identityProviderCounts,
        int loginWarmUp,
        int loginsPerRound,
        int pageWarmUp,
        int pagesPerRound,
        int[] groupCounts,
        int tokenWarmUp,
        int tokensPerRound,
        int federationEntities,
        String serverCpus,
        String loadCpus) {

    public static BenchmarkSettings fromSystemProperties() {
        boolean full = "full".equals(System.getProperty("benchmark"));
        return new BenchmarkSettings(full,
                Integer.getInteger("benchmark.rounds", full ? 5 : 1),
                Integer.getInteger("benchmark.concurrency", full ? 4 : 2),
                Duration.ofSeconds(Integer.getInteger("benchmark.warmup.seconds", full ? 10 : 1)),
                Duration.ofSeconds(Integer.getInteger("benchmark.seconds", full ? 10 : 1)),
                Duration.ofSeconds(Integer.getInteger("benchmark.signing.seconds", full ? 5 : 1)),
                ints("benchmark.idps", full ? "10,5000" : "10,20"),
                full ? 10 : 1,
                Integer.getInteger("benchmark.logins", full ? 8 : 1),
                full ? 3 : 1,
                Integer.getInteger("benchmark.pages", full ? 8 : 1),
                ints("benchmark.groups", full ? "10,1000,10000" : "10,20"),
                full ? 5 : 1,
                Integer.getInteger("benchmark.tokens", full ? 12 : 1),
                Integer.getInteger("benchmark.federation.entities", full ? 12_000 : 40),
                System.getProperty("benchmark.server.cpus", ""),
                System.getProperty("benchmark.load.cpus", ""));
    }

    public String mode() {
        return full ? "full" : "smoke";
    }

    public int largestIdentityProviderCount() {
        return Arrays.stream(identityProviderCounts).max().orElseThrow();
    }

    public int largestGroupCount() {
        return Arrays.stream(groupCounts).max().orElseThrow();
    }

    public boolean pinned() {
        return !serverCpus.isBlank() && !loadCpus.isBlank();
    }

    private static int[] ints(String property, String defaults) {
        return Arrays.stream(System.getProperty(property, defaults).split(","))
                .map(String::trim).mapToInt(Integer::parseInt).sorted().toArray();
    }
}
