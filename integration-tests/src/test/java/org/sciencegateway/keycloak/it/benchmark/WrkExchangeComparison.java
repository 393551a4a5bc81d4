package org.sciencegateway.keycloak.it.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;

/**
 * Row 1 again, measured with {@code wrk} instead of the Java harness, so that anyone can rerun it: the same two
 * requests (stock V2 with an audience scope, and the audience policy) at 4 and 16 keep-alive connections, rounds
 * interleaved and alternating which variant goes first, ratios per round; once with the lab's browser-login subject
 * tokens and once in the outside review's setup (password-grant subject tokens from clients {@code hub} and
 * {@code hub-stock}).
 */
final class WrkExchangeComparison {

    static final int[] CONNECTIONS = {4, 16};

    /** Where the subject tokens come from: the lab's browser logins, or the outside review's password grants. */
    enum SubjectSource {
        BROWSER_LOGIN("browser login through institution-a (clients jupyterhub / te-stock-hub)"),
        PASSWORD_GRANT("password grant of a local user (clients hub / hub-stock, the review's setup)");

        final String description;

        SubjectSource(String description) {
            this.description = description;
        }
    }

    /** The review's requesters: {@code hub} for the policy, {@code hub-stock} for stock V2, both with password grant. */
    static final HubClient REVIEW_HUB = new HubClient(TokenExchangeFixtures.REALM, "hub", "hub-bench-secret",
            "http://localhost:8020/hub/oauth_callback");
    static final HubClient REVIEW_STOCK_HUB = new HubClient(TokenExchangeFixtures.REALM, "hub-stock",
            "hub-stock-bench-secret", "http://localhost:8021/hub/oauth_callback");
    private static final String LOCAL_USER = "bench-local";
    private static final String LOCAL_PASSWORD = "bench-local-password";

    /** One round at one concurrency: both variants back to back, with the server's CPU during each. */
    record Pair(Wrk.Result stock, Wrk.Result policy, double stockServerCores, double policyServerCores) {
        double throughputRatio() {
            return policy.throughput() / stock.throughput();
        }

        double p99Ratio() {
            return policy.p99Millis() / stock.p99Millis();
        }
    }

    record Result(Map<SubjectSource, Map<Integer, List<Pair>>> bySource) {
        long errors() {
            return bySource.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
                    .mapToLong(p -> p.stock().errors() + p.policy().errors()).sum();
        }
    }

    private final KeycloakServer server;
    private final BenchmarkSettings settings;
    private final Wrk wrk;

    WrkExchangeComparison(KeycloakServer server, BenchmarkSettings settings) {
        this.server = server;
        this.settings = settings;
        this.wrk = new Wrk(settings.pinned() ? List.of("taskset", "-c", settings.loadCpus()) : List.of());
    }

    private String url() {
        return server.realmUrl(TokenExchangeFixtures.REALM) + "/protocol/openid-connect/token";
    }

    /**
     * The review's setup next to the lab's: clients {@code hub} (an allowed requester of the {@code rucio} policy,
     * for this run) and {@code hub-stock} (standard token exchange, the stock audience scope optional), both with the
     * password grant, and a local user in {@code /escape/users}. {@link #tearDown} removes all of it.
     */
    void setUp(KeycloakAdmin admin, String stockScopeId) {
        String realm = TokenExchangeFixtures.REALM;
        for (HubClient hub : List.of(REVIEW_HUB, REVIEW_STOCK_HUB)) {
            Map<String, Object> client = new LinkedHashMap<>();
            client.put("clientId", hub.clientId());
            client.put("publicClient", false);
            client.put("secret", hub.clientSecret());
            client.put("directAccessGrantsEnabled", true);
            client.put("standardFlowEnabled", false);
            client.put("attributes", hub == REVIEW_STOCK_HUB ? Map.of("standard.token.exchange.enabled", "true")
                    : Map.of());
            admin.post("/admin/realms/" + realm + "/clients", client);
        }
        admin.put("/admin/realms/" + realm + "/clients/" + admin.clientUuid(realm, REVIEW_STOCK_HUB.clientId())
                + "/optional-client-scopes/" + stockScopeId, Map.of()).ok();
        admin.post("/admin/realms/" + realm + "/users", Map.of("username", LOCAL_USER, "enabled", true,
                "email", LOCAL_USER + "@lab.example", "emailVerified", true, "firstName", "Bench", "lastName", "Local",
                "groups", List.of("/escape/users"), "credentials", List.of(Map.of("type", "password",
                        "value", LOCAL_PASSWORD, "temporary", false))));
        setRucioRequesters(admin, "jupyterhub##" + REVIEW_HUB.clientId());
    }

    void tearDown(KeycloakAdmin admin) {
        String realm = TokenExchangeFixtures.REALM;
        setRucioRequesters(admin, "jupyterhub");
        for (HubClient hub : List.of(REVIEW_HUB, REVIEW_STOCK_HUB)) {
            admin.delete("/admin/realms/" + realm + "/clients/" + admin.clientUuid(realm, hub.clientId()));
        }
        admin.delete("/admin/realms/" + realm + "/users/" + admin.userId(realm, LOCAL_USER));
    }

    private static void setRucioRequesters(KeycloakAdmin admin, String requesters) {
        String path = TokenExchangeFixtures.mappersPath(admin, "rucio");
        for (JsonNode mapper : admin.get(path).ok()) {
            if ("audience-exchange-policy".equals(mapper.path("protocolMapper").asText())) {
                ObjectNode update = mapper.deepCopy();
                ((ObjectNode) update.path("config")).put("allowed.requesters", requesters);
                admin.put(path + "/" + mapper.path("id").asText(), update).ok();
            }
        }
    }

    Result run(TokenExchangeComparison exchange) {
        Map<SubjectSource, Map<Integer, List<Pair>>> out = new LinkedHashMap<>();
        for (SubjectSource source : SubjectSource.values()) {
            Map<Integer, List<Pair>> byConnections = new LinkedHashMap<>();
            for (int connections : CONNECTIONS) {
                byConnections.put(connections, new ArrayList<>());
            }
            out.put(source, byConnections);
            TokenExchangeComparison.Forms forms = forms(exchange, source);
            wrk.post(url(), forms.stock().encode(), CONNECTIONS[0], settings.exchangeWarmUp(), 0);
            wrk.post(url(), forms.policy().encode(), CONNECTIONS[0], settings.exchangeWarmUp(), 0);
            for (int round = 0; round < settings.rounds(); round++) {
                forms = forms(exchange, source);
                for (int connections : CONNECTIONS) {
                    Measured stock;
                    Measured policy;
                    if (round % 2 == 0) {
                        stock = measure(forms.stock(), connections);
                        policy = measure(forms.policy(), connections);
                    } else {
                        policy = measure(forms.policy(), connections);
                        stock = measure(forms.stock(), connections);
                    }
                    byConnections.get(connections).add(new Pair(stock.load(), policy.load(), stock.serverCores(),
                            policy.serverCores()));
                }
            }
        }
        return new Result(out);
    }

    private record Measured(Wrk.Result load, double serverCores) {
    }

    /** One wrk run, and the server JVM's CPU time over it (per second: cores busy). */
    private Measured measure(TokenEndpointClient.Form form, int connections) {
        ProcessHandle jvm = server.jvm();
        java.time.Duration before = jvm.info().totalCpuDuration().orElse(java.time.Duration.ZERO);
        Wrk.Result load = wrk.post(url(), form.encode(), connections, settings.exchangeRound(), 0);
        java.time.Duration after = jvm.info().totalCpuDuration().orElse(java.time.Duration.ZERO);
        return new Measured(load, (after.toNanos() - before.toNanos()) / 1e9 / load.seconds());
    }

    private TokenExchangeComparison.Forms forms(TokenExchangeComparison exchange, SubjectSource source) {
        if (source == SubjectSource.BROWSER_LOGIN) {
            return exchange.freshForms();
        }
        TokenEndpointClient tokens = new TokenEndpointClient(server, TokenExchangeFixtures.REALM);
        String policySubject = passwordGrant(tokens, REVIEW_HUB);
        String stockSubject = passwordGrant(tokens, REVIEW_STOCK_HUB);
        TokenEndpointClient.Form policy = TokenEndpointClient.seed002(REVIEW_HUB, policySubject);
        TokenEndpointClient.Form stock = TokenEndpointClient.seed002(REVIEW_STOCK_HUB, stockSubject)
                .set("scope", "openid profile " + TokenExchangeComparison.STOCK_SCOPE)
                .set("audience", TokenExchangeComparison.STOCK_AUDIENCE);
        for (TokenEndpointClient.Form form : List.of(policy, stock)) {
            TokenEndpointClient.Answer answer = tokens.post(form);
            if (answer.status() != 200) {
                throw new IllegalStateException("The review's exchange does not work: " + answer.body());
            }
        }
        return new TokenExchangeComparison.Forms(stock, policy);
    }

    private static String passwordGrant(TokenEndpointClient tokens, HubClient hub) {
        TokenEndpointClient.Answer answer = tokens.post(new TokenEndpointClient.Form()
                .add("grant_type", "password").add("client_id", hub.clientId())
                .add("client_secret", hub.clientSecret()).add("username", LOCAL_USER)
                .add("password", LOCAL_PASSWORD).add("scope", "openid profile"));
        if (answer.status() != 200) {
            throw new IllegalStateException("Password grant for " + hub.clientId() + ": " + answer.body());
        }
        return answer.tokens().accessToken();
    }

    void report(BenchmarkReport report, Result result) {
        BenchmarkReport.Section section = report.section("1b. Token exchange measured with wrk",
                String.format(Locale.ROOT, "The requests of row 1, sent by `wrk` (Debian package, one thread, "
                        + "keep-alive, `tools/wrk/form-post.lua`) instead of the Java harness: %d round(s) of %d s "
                        + "per variant and concurrency after %d s of warm-up, rounds alternating which variant goes "
                        + "first, ratios per round. %s Errors (non-2xx and socket errors): %d. Rerun a row by hand "
                        + "with `%s` (the form: row 1's request, printed by `TokenEndpointClient.seed002`).",
                        settings.rounds(), settings.exchangeRound().toSeconds(), settings.exchangeWarmUp().toSeconds(),
                        settings.pinned() ? "wrk on CPU " + settings.loadCpus() + ", server on CPU "
                                + settings.serverCpus() + "." : "wrk and the server share the cores.",
                        result.errors(), Wrk.reproduce(url(), CONNECTIONS[0], settings.exchangeRound())),
                "subject tokens, connections", "variant", "exchanges/s", "p50 ms", "p99 ms", "wrk CPU (cores)",
                "server CPU (cores)");
        for (Map.Entry<SubjectSource, Map<Integer, List<Pair>>> bySource : result.bySource().entrySet()) {
            String source = bySource.getKey() == SubjectSource.BROWSER_LOGIN ? "browser" : "password";
            for (Map.Entry<Integer, List<Pair>> entry : bySource.getValue().entrySet()) {
                List<Pair> pairs = entry.getValue();
                String c = source + ", c=" + entry.getKey();
                section.row(c, "stock V2 (audience scope)",
                        Spread.of(pairs.stream().map(p -> p.stock().throughput()).toList()).format("%,.0f"),
                        Spread.of(pairs.stream().map(p -> p.stock().p50Millis()).toList()).format("%.1f"),
                        Spread.of(pairs.stream().map(p -> p.stock().p99Millis()).toList()).format("%.1f"),
                        Spread.of(pairs.stream().map(p -> p.stock().generatorCores()).toList()).format("%.2f"),
                        Spread.of(pairs.stream().map(Pair::stockServerCores).toList()).format("%.2f"));
                section.row(c, "audience policy (this project)",
                        Spread.of(pairs.stream().map(p -> p.policy().throughput()).toList()).format("%,.0f"),
                        Spread.of(pairs.stream().map(p -> p.policy().p50Millis()).toList()).format("%.1f"),
                        Spread.of(pairs.stream().map(p -> p.policy().p99Millis()).toList()).format("%.1f"),
                        Spread.of(pairs.stream().map(p -> p.policy().generatorCores()).toList()).format("%.2f"),
                        Spread.of(pairs.stream().map(Pair::policyServerCores).toList()).format("%.2f"));
                Spread ratio = Spread.of(pairs.stream().map(Pair::throughputRatio).toList());
                Spread p99 = Spread.of(pairs.stream().map(Pair::p99Ratio).toList());
                section.row(c, "ratio policy / stock (per round: " + perRound(pairs) + ")", ratio.format("%.2f"), "",
                        p99.format("%.2f"), "", "");
                report.target("Token exchange throughput, wrk " + c, "≥ 1.1× stock V2", ratio.format("%.2f×"),
                        ratio.median() >= 1.1,
                        "the policy path is not 10% faster than stock under wrk on this machine");
            }
        }
        section.note("Subject tokens: browser = " + SubjectSource.BROWSER_LOGIN.description + "; password = "
                + SubjectSource.PASSWORD_GRANT.description + ".");
    }

    private static String perRound(List<Pair> pairs) {
        List<String> ratios = new ArrayList<>();
        for (Pair pair : pairs) {
            ratios.add(String.format(Locale.ROOT, "%.2f", pair.throughputRatio()));
        }
        return String.join(", ", ratios);
    }
}
