package org.sciencegateway.keycloak.it.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;

/**
 * Row 1 again, measured with {@code wrk} instead of the Java harness, so that anyone can rerun it: the same two
 * requests (stock V2 with an audience scope, and the audience policy) at 4 and 16 keep-alive connections, rounds
 * interleaved and alternating which variant goes first, ratios per round.
 */
final class WrkExchangeComparison {

    static final int[] CONNECTIONS = {4, 16};

    /** One round at one concurrency: both variants back to back. */
    record Pair(Wrk.Result stock, Wrk.Result policy) {
        double throughputRatio() {
            return policy.throughput() / stock.throughput();
        }

        double p99Ratio() {
            return policy.p99Millis() / stock.p99Millis();
        }
    }

    record Result(Map<Integer, List<Pair>> byConnections) {
        long errors() {
            return byConnections.values().stream().flatMap(List::stream)
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

    Result run(TokenExchangeComparison exchange) {
        Map<Integer, List<Pair>> out = new LinkedHashMap<>();
        for (int connections : CONNECTIONS) {
            out.put(connections, new ArrayList<>());
        }
        TokenExchangeComparison.Forms forms = exchange.freshForms();
        wrk.post(url(), forms.stock().encode(), CONNECTIONS[0], settings.exchangeWarmUp(), 0);
        wrk.post(url(), forms.policy().encode(), CONNECTIONS[0], settings.exchangeWarmUp(), 0);
        for (int round = 0; round < settings.rounds(); round++) {
            forms = exchange.freshForms();
            for (int connections : CONNECTIONS) {
                Wrk.Result stock;
                Wrk.Result policy;
                if (round % 2 == 0) {
                    stock = wrk.post(url(), forms.stock().encode(), connections, settings.exchangeRound(), 0);
                    policy = wrk.post(url(), forms.policy().encode(), connections, settings.exchangeRound(), 0);
                } else {
                    policy = wrk.post(url(), forms.policy().encode(), connections, settings.exchangeRound(), 0);
                    stock = wrk.post(url(), forms.stock().encode(), connections, settings.exchangeRound(), 0);
                }
                out.get(connections).add(new Pair(stock, policy));
            }
        }
        return new Result(out);
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
                "connections", "variant", "exchanges/s", "p50 ms", "p99 ms");
        for (Map.Entry<Integer, List<Pair>> entry : result.byConnections().entrySet()) {
            List<Pair> pairs = entry.getValue();
            String c = String.valueOf(entry.getKey());
            section.row(c, "stock V2 (audience scope)",
                    Spread.of(pairs.stream().map(p -> p.stock().throughput()).toList()).format("%,.0f"),
                    Spread.of(pairs.stream().map(p -> p.stock().p50Millis()).toList()).format("%.1f"),
                    Spread.of(pairs.stream().map(p -> p.stock().p99Millis()).toList()).format("%.1f"));
            section.row(c, "audience policy (this project)",
                    Spread.of(pairs.stream().map(p -> p.policy().throughput()).toList()).format("%,.0f"),
                    Spread.of(pairs.stream().map(p -> p.policy().p50Millis()).toList()).format("%.1f"),
                    Spread.of(pairs.stream().map(p -> p.policy().p99Millis()).toList()).format("%.1f"));
            Spread ratio = Spread.of(pairs.stream().map(Pair::throughputRatio).toList());
            Spread p99 = Spread.of(pairs.stream().map(Pair::p99Ratio).toList());
            section.row(c, "ratio policy / stock (per round: " + perRound(pairs) + ")", ratio.format("%.2f"), "",
                    p99.format("%.2f"));
            report.target("Token exchange throughput, wrk c=" + c, "≥ 1.1× stock V2", ratio.format("%.2f×"),
                    ratio.median() >= 1.1, "the policy path is not 10% faster than stock under wrk on this machine");
        }
    }

    private static String perRound(List<Pair> pairs) {
        List<String> ratios = new ArrayList<>();
        for (Pair pair : pairs) {
            ratios.add(String.format(Locale.ROOT, "%.2f", pair.throughputRatio()));
        }
        return String.join(", ", ratios);
    }
}
