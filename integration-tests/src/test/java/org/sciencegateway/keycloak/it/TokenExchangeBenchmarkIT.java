package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Form;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;

/**
 * Throughput and latency of this provider's exchange against Keycloak's standard V2 exchange configured the stock
 * way (an optional client scope with an audience mapper, requested as a scope), on the same server in the same run,
 * rounds interleaved. A measurement, not a timed test: it only fails if an exchange fails.
 * Run: {@code mvn -B verify -pl integration-tests -am -Dit.test=TokenExchangeBenchmarkIT -Dbenchmark=true
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false} (optional
 * {@code -Dbenchmark.concurrency=4 -Dbenchmark.seconds=15}).
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@DisplayName("Token exchange benchmark: audience policy vs stock V2")
class TokenExchangeBenchmarkIT {

    private static final String STOCK_AUDIENCE = "te-bench-stock-audience";
    private static final String STOCK_SCOPE = "te-bench-stock-audience-scope";

    private static KeycloakServer server;
    private static TokenEndpointClient tokens;

    @BeforeAll
    static void setUp() {
        server = KeycloakServer.shared();
        KeycloakAdmin admin = new KeycloakAdmin(server);
        tokens = new TokenEndpointClient(server, "vre");
        TokenExchangeFixtures.ensure(admin);
        // The stock way: an audience client, a client scope whose audience mapper adds it, optional on the hub.
        admin.post("/admin/realms/vre/clients", Map.of("clientId", STOCK_AUDIENCE, "publicClient", false,
                "secret", STOCK_AUDIENCE + "-secret", "standardFlowEnabled", false));
        admin.post("/admin/realms/vre/client-scopes", Map.of("name", STOCK_SCOPE, "protocol", "openid-connect",
                "protocolMappers", List.of(Map.of("name", "audience", "protocol", "openid-connect",
                        "protocolMapper", "oidc-audience-mapper", "config", Map.of(
                                "included.client.audience", STOCK_AUDIENCE, "access.token.claim", "true",
                                "id.token.claim", "false")))));
        String scopeId = null;
        for (var scope : admin.get("/admin/realms/vre/client-scopes").ok()) {
            if (STOCK_SCOPE.equals(scope.path("name").asText())) {
                scopeId = scope.path("id").asText();
            }
        }
        String hub = admin.clientUuid("vre", TokenExchangeFixtures.STOCK_HUB.clientId());
        admin.put("/admin/realms/vre/clients/" + hub + "/optional-client-scopes/" + scopeId, Map.of());
    }

    record Result(String name, long requests, long failures, double seconds, long p50Micros, long p99Micros) {
        double throughput() {
            return requests / seconds;
        }

        @Override
        public String toString() {
            return String.format("%-16s %8.1f exchanges/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d failed)",
                    name, throughput(), p50Micros / 1000.0, p99Micros / 1000.0, requests, failures);
        }
    }

    @Test
    @DisplayName("Given both exchanges on one server, then report throughput, p50/p99 and their ratio")
    void compare() throws Exception {
        int concurrency = Integer.getInteger("benchmark.concurrency", 4);
        Duration round = Duration.ofSeconds(Integer.getInteger("benchmark.seconds", 15));
        String aliceHub = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE).accessToken();
        String aliceStock = HubLogin.loginThroughHomeInstitution(server, TokenExchangeFixtures.STOCK_HUB, LabUser.ALICE)
                .accessToken();
        Form policy = TokenEndpointClient.seed002(HubClient.JUPYTERHUB, aliceHub);
        Form stock = TokenEndpointClient.seed002(TokenExchangeFixtures.STOCK_HUB, aliceStock)
                .set("scope", "openid profile " + STOCK_SCOPE).set("audience", STOCK_AUDIENCE);
        assertThat(tokens.post(policy).status()).isEqualTo(200);
        assertThat(tokens.post(stock).status()).as("stock exchange configured the stock way").isEqualTo(200);

        run("warm-up stock", stock, concurrency, Duration.ofSeconds(5));
        run("warm-up policy", policy, concurrency, Duration.ofSeconds(5));
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            results.add(run("stock V2", stock, concurrency, round));
            results.add(run("audience policy", policy, concurrency, round));
        }
        Result stockTotal = merge("stock V2", results.get(0), results.get(2));
        Result policyTotal = merge("audience policy", results.get(1), results.get(3));
        System.out.println("=== token exchange benchmark, concurrency " + concurrency + " ===");
        results.forEach(r -> System.out.println("  " + r));
        System.out.println("  " + stockTotal);
        System.out.println("  " + policyTotal);
        System.out.printf("  throughput ratio (policy / stock): %.2f   p99 ratio: %.2f%n",
                policyTotal.throughput() / stockTotal.throughput(),
                (double) policyTotal.p99Micros() / stockTotal.p99Micros());
        assertThat(stockTotal.failures() + policyTotal.failures()).isZero();
    }

    /** Sorted latencies (µs) of each measured round, to merge rounds into one percentile. */
    private final Map<Result, List<Long>> rounds = new IdentityHashMap<>();

    private Result run(String name, Form form, int concurrency, Duration duration) throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong failures = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            workers.add(pool.submit(() -> {
                TokenEndpointClient client = new TokenEndpointClient(server, "vre");
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    int status = client.post(form).status();
                    latencies.add((System.nanoTime() - t0) / 1000);
                    if (status != 200) {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        Result result = new Result(name, sorted.size(), failures.get(), seconds,
                percentile(sorted, 50), percentile(sorted, 99));
        rounds.put(result, sorted);
        return result;
    }

    private Result merge(String name, Result a, Result b) {
        List<Long> all = new ArrayList<>(rounds.get(a));
        all.addAll(rounds.get(b));
        Collections.sort(all);
        return new Result(name, a.requests() + b.requests(), a.failures() + b.failures(), a.seconds() + b.seconds(),
                percentile(all, 50), percentile(all, 99));
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
