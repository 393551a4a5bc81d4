package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Form;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Rows 1 and 5: seed 002's exchange through this provider's audience policy ({@code jupyterhub} → {@code rucio} in
 * realm {@code vre}) against Keycloak's standard V2 exchange configured the stock way (an audience client, a client
 * scope whose audience mapper adds it, optional on a hub with standard token exchange enabled, requested as
 * {@code scope=openid profile <scope>}); then the RS256 signing ceiling on the server's cores.
 */
final class TokenExchangeComparison {

    static final String STOCK_AUDIENCE = "bench-stock-audience";
    static final String STOCK_SCOPE = "bench-stock-audience-scope";
    private static final String REALM = TokenExchangeFixtures.REALM;

    /** One timed load round of one variant. */
    /** {@code generatorCores}: CPU time this JVM used per second of the round (1.0 = one core busy). */
    record Round(long requests, long failures, double seconds, double p50Millis, double p99Millis,
            double generatorCores) {
        double throughput() {
            return requests / seconds;
        }
    }

    record Result(List<Round> stock, List<Round> policy, List<Double> signaturesPerSecond) {
        long failures() {
            return stock.stream().mapToLong(Round::failures).sum() + policy.stream().mapToLong(Round::failures).sum();
        }
    }

    private final KeycloakServer server;
    private final KeycloakAdmin admin;
    private final BenchmarkSettings settings;

    TokenExchangeComparison(KeycloakServer server, KeycloakAdmin admin, BenchmarkSettings settings) {
        this.server = server;
        this.admin = admin;
        this.settings = settings;
    }

    /** The stock configuration, as an admin following Keycloak's documentation would set it up. */
    void setUp() {
        TokenExchangeFixtures.ensure(admin);
        tolerateExisting(admin.post("/admin/realms/" + REALM + "/clients", Map.of("clientId", STOCK_AUDIENCE,
                "publicClient", false, "secret", STOCK_AUDIENCE + "-secret", "standardFlowEnabled", false)));
        tolerateExisting(admin.post("/admin/realms/" + REALM + "/client-scopes", Map.of("name", STOCK_SCOPE,
                "protocol", "openid-connect", "protocolMappers", List.of(Map.of("name", "audience",
                        "protocol", "openid-connect", "protocolMapper", "oidc-audience-mapper", "config", Map.of(
                                "included.client.audience", STOCK_AUDIENCE, "access.token.claim", "true",
                                "id.token.claim", "false"))))));
        String hub = admin.clientUuid(REALM, TokenExchangeFixtures.STOCK_HUB.clientId());
        admin.put("/admin/realms/" + REALM + "/clients/" + hub + "/optional-client-scopes/" + scopeId(), Map.of()).ok();
    }

    void tearDown() {
        // The measured exchanges' events live in the in-memory database, i.e. the server's heap (see row 1b).
        admin.delete("/admin/realms/" + REALM + "/events");
        String hub = admin.clientUuid(REALM, TokenExchangeFixtures.STOCK_HUB.clientId());
        String scope = scopeId();
        admin.delete("/admin/realms/" + REALM + "/clients/" + hub + "/optional-client-scopes/" + scope);
        admin.delete("/admin/realms/" + REALM + "/client-scopes/" + scope);
        admin.delete("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, STOCK_AUDIENCE));
    }

    Result run() throws Exception {
        SigningCeiling ceiling = new SigningCeiling();
        List<Round> stock = new ArrayList<>();
        List<Round> policy = new ArrayList<>();
        List<Double> signatures = new ArrayList<>();
        Forms forms = freshForms();
        checkBothExchangesWork(forms);
        load(forms.stock, settings.exchangeWarmUp());
        load(forms.policy, settings.exchangeWarmUp());
        ceiling.signaturesPerSecond(settings.concurrency(), Duration.ofSeconds(1));
        for (int round = 0; round < settings.rounds(); round++) {
            // Fresh subject tokens: the lab's access tokens live 5 minutes, a full run is longer.
            forms = freshForms();
            if (round % 2 == 0) {
                stock.add(load(forms.stock, settings.exchangeRound()));
                policy.add(load(forms.policy, settings.exchangeRound()));
            } else {
                policy.add(load(forms.policy, settings.exchangeRound()));
                stock.add(load(forms.stock, settings.exchangeRound()));
            }
            signatures.add(onServerCores(() -> ceiling.signaturesPerSecond(settings.concurrency(),
                    settings.signingRound())));
        }
        return new Result(stock, policy, signatures);
    }

    record Forms(Form stock, Form policy) {
    }

    /** Seed 002's request for both variants, with subject tokens from fresh browser logins of alice. */
    Forms freshForms() {
        String policySubject = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE)
                .accessToken();
        String stockSubject = HubLogin.loginThroughHomeInstitution(server, TokenExchangeFixtures.STOCK_HUB,
                LabUser.ALICE).accessToken();
        return new Forms(TokenEndpointClient.seed002(TokenExchangeFixtures.STOCK_HUB, stockSubject)
                .set("scope", "openid profile " + STOCK_SCOPE).set("audience", STOCK_AUDIENCE),
                TokenEndpointClient.seed002(HubClient.JUPYTERHUB, policySubject));
    }

    /** Both variants must really issue what they claim to, or the comparison compares nothing. */
    private void checkBothExchangesWork(Forms forms) {
        TokenEndpointClient tokens = new TokenEndpointClient(server, REALM);
        TokenSet policyToken = tokens.post(forms.policy).tokens();
        assertThat(audiences(policyToken.accessTokenClaims())).as("policy exchange audience").containsExactly("rucio");
        TokenSet stockToken = tokens.post(forms.stock).tokens();
        assertThat(audiences(stockToken.accessTokenClaims())).as("stock exchange audience").contains(STOCK_AUDIENCE);
    }

    private static List<String> audiences(JsonNode claims) {
        JsonNode aud = claims.path("aud");
        List<String> list = new ArrayList<>();
        if (aud.isArray()) {
            aud.forEach(a -> list.add(a.asText()));
        } else if (!aud.isMissingNode()) {
            list.add(aud.asText());
        }
        return list;
    }

    private Round load(Form form, Duration duration) throws Exception {
        int threads = settings.concurrency();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long cpuStart = processCpuNanos();
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            List<Future<long[]>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    TokenEndpointClient client = new TokenEndpointClient(server, REALM);
                    long[] latencies = new long[1024];
                    int count = 0;
                    long failures = 0;
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        int status = client.post(form).status();
                        if (count == latencies.length) {
                            latencies = java.util.Arrays.copyOf(latencies, count * 2);
                        }
                        latencies[count++] = System.nanoTime() - t0;
                        if (status != 200) {
                            failures++;
                        }
                    }
                    long[] result = java.util.Arrays.copyOf(latencies, count + 1);
                    result[count] = failures;
                    return result;
                }));
            }
            List<Long> latencies = new ArrayList<>();
            long failures = 0;
            for (Future<long[]> worker : workers) {
                long[] result = worker.get();
                for (int i = 0; i < result.length - 1; i++) {
                    latencies.add(result[i]);
                }
                failures += result[result.length - 1];
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double generatorCores = (processCpuNanos() - cpuStart) / 1e9 / seconds;
            latencies.sort(null);
            return new Round(latencies.size(), failures, seconds, Spread.quantile(latencies, 0.50) / 1e6,
                    Spread.quantile(latencies, 0.99) / 1e6, generatorCores);
        } finally {
            pool.shutdownNow();
        }
    }

    /** CPU time of this JVM so far: shows whether the load generator, not the server, was the limit. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private interface Measurement {
        double measure() throws Exception;
    }

    /** Runs the signing loop on the server's cores (idle meanwhile), then pins this JVM back to the load cores. */
    private double onServerCores(Measurement measurement) throws Exception {
        if (!settings.pinned()) {
            return measurement.measure();
        }
        CpuPinning.pinThisJvm(settings.serverCpus());
        try {
            return measurement.measure();
        } finally {
            CpuPinning.pinThisJvm(settings.loadCpus());
        }
    }

    void report(BenchmarkReport report, Result result) {
        List<Double> throughputRatios = new ArrayList<>();
        List<Double> p50Ratios = new ArrayList<>();
        List<Double> p99Ratios = new ArrayList<>();
        List<Double> policyFractions = new ArrayList<>();
        List<Double> stockFractions = new ArrayList<>();
        for (int i = 0; i < result.stock().size(); i++) {
            Round s = result.stock().get(i);
            Round p = result.policy().get(i);
            throughputRatios.add(p.throughput() / s.throughput());
            p50Ratios.add(p.p50Millis() / s.p50Millis());
            p99Ratios.add(p.p99Millis() / s.p99Millis());
            policyFractions.add(p.throughput() / result.signaturesPerSecond().get(i));
            stockFractions.add(s.throughput() / result.signaturesPerSecond().get(i));
        }
        Spread stockThroughput = Spread.of(result.stock().stream().map(Round::throughput).toList());
        Spread policyThroughput = Spread.of(result.policy().stream().map(Round::throughput).toList());
        Spread stockP50 = Spread.of(result.stock().stream().map(Round::p50Millis).toList());
        Spread policyP50 = Spread.of(result.policy().stream().map(Round::p50Millis).toList());
        Spread stockP99 = Spread.of(result.stock().stream().map(Round::p99Millis).toList());
        Spread policyP99 = Spread.of(result.policy().stream().map(Round::p99Millis).toList());
        Spread throughputRatio = Spread.of(throughputRatios);
        Spread p99Ratio = Spread.of(p99Ratios);
        Spread signatures = Spread.of(result.signaturesPerSecond());
        Spread policyFraction = Spread.of(policyFractions);

        BenchmarkReport.Section exchange = report.section("1. Token exchange: audience policy vs stock V2",
                String.format(Locale.ROOT, "Seed 002's request (`jupyterhub` exchanges alice's access token for "
                        + "audience `rucio`, `scope=openid profile`) through the audience policy, against Keycloak's "
                        + "standard token exchange V2 configured the stock way (client `%s` with standard token "
                        + "exchange on; optional client scope `%s` whose audience mapper adds `%s`; the request "
                        + "adds that scope). Concurrency %d, %d round(s) of %d s per variant after %d s of warm-up "
                        + "each, variants alternating which goes first. Ratios are taken per round (same minute, "
                        + "same machine state). Requests: %,d, failed: %d.", TokenExchangeFixtures.STOCK_HUB.clientId(),
                        STOCK_SCOPE, STOCK_AUDIENCE, settings.concurrency(), settings.rounds(),
                        settings.exchangeRound().toSeconds(), settings.exchangeWarmUp().toSeconds(),
                        result.stock().stream().mapToLong(Round::requests).sum()
                                + result.policy().stream().mapToLong(Round::requests).sum(), result.failures()),
                "variant", "exchanges/s", "p50 ms", "p99 ms", "load generator CPU (cores)");
        exchange.row("stock V2 (audience scope)", stockThroughput.format("%,.0f"), stockP50.format("%.1f"),
                stockP99.format("%.1f"), Spread.of(result.stock().stream().map(Round::generatorCores).toList())
                        .format("%.2f"));
        exchange.row("audience policy (this project)", policyThroughput.format("%,.0f"), policyP50.format("%.1f"),
                policyP99.format("%.1f"), Spread.of(result.policy().stream().map(Round::generatorCores).toList())
                        .format("%.2f"));
        exchange.row("ratio policy / stock", throughputRatio.format("%.2f"), Spread.of(p50Ratios).format("%.2f"),
                p99Ratio.format("%.2f"), "");
        exchange.note("Load generator CPU is the test JVM's CPU time per second of a round"
                + (settings.pinned() ? " (pinned to CPU " + settings.loadCpus() + ")" : "")
                + ": near the number of cores it may use, the client rather than the server would set the pace. "
                + "Stock V2 signs an ID token next to the access token here (the scope holds `openid`); row 1b "
                + "also measures it without, signing one token as the policy does.");
        report.chart(exchange, "token-exchange-throughput.png", new BarChart(
                "Token exchange throughput, concurrency " + settings.concurrency(), "exchanges per second", false)
                .bar("exchanges/s", "stock V2", stockThroughput)
                .bar("exchanges/s", "audience policy", policyThroughput)
                .bar("exchanges/s", "RS256 signing ceiling", signatures));
        report.chart(exchange, "token-exchange-latency.png", new BarChart(
                "Token exchange latency, concurrency " + settings.concurrency(), "milliseconds", false)
                .bar("p50", "stock V2", stockP50).bar("p50", "audience policy", policyP50)
                .bar("p99", "stock V2", stockP99).bar("p99", "audience policy", policyP99));

        BenchmarkReport.Section ceiling = report.section("5. The ceiling: RS256 signing on the server's cores",
                String.format(Locale.ROOT, "A JDK `Signature` loop (SHA256withRSA, 2048-bit key) with %d threads, "
                        + "the exchange load's concurrency, %s, one %d s round after each exchange round. Every "
                        + "issued token needs at least one such signature.", settings.concurrency(),
                        settings.pinned() ? "pinned to the server's cores (" + settings.serverCpus() + ")"
                                : "on all cores (not pinned)", settings.signingRound().toSeconds()),
                "figure", "value");
        ceiling.row("RS256 signatures/s", signatures.format("%,.0f"));
        ceiling.row("audience policy exchanges / signing ceiling", policyFraction.format("%.2f"));
        ceiling.row("stock V2 exchanges / signing ceiling", Spread.of(stockFractions).format("%.2f"));

        report.target("Token exchange throughput", "≥ 1.1× stock V2", throughputRatio.format("%.2f×"),
                throughputRatio.median() >= 1.1, "the policy path is not 10% faster than stock on this machine");
        report.target("Token exchange p99 latency", "≤ 1.0× stock V2 (no worse)", p99Ratio.format("%.2f×"),
                p99Ratio.median() <= 1.0, "p99 higher than stock's");
        report.target("Token exchange vs signing ceiling", "≥ 0.55 of RS256 signatures/s",
                policyFraction.format("%.2f"), policyFraction.median() >= 0.55,
                "the rest of an exchange (HTTP, client authentication, subject-token verification, user-session "
                        + "lookup, building the token, storing the event) costs more than its signature on this "
                        + "server (dev mode, in-memory H2)");
    }

    /** The id of the stock audience scope (for other comparisons that offer it to their own stock client). */
    String scopeId() {
        for (JsonNode scope : admin.get("/admin/realms/" + REALM + "/client-scopes").ok()) {
            if (STOCK_SCOPE.equals(scope.path("name").asText())) {
                return scope.path("id").asText();
            }
        }
        throw new AssertionError("No client scope " + STOCK_SCOPE);
    }

    private static void tolerateExisting(KeycloakAdmin.Response response) {
        if (response.status() != 201 && response.status() != 409) {
            throw new AssertionError("Admin API answered " + response.status() + ": " + response.body());
        }
    }
}
