package org.sciencegateway.keycloak.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
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
 * Row 1 again, measured with {@code wrk} instead of the Java harness, so that anyone can rerun it: the policy against
 * two stock V2 requests at 4 and 16 keep-alive connections, rounds interleaved and rotating which variant goes first,
 * ratios per round. Stock V2 is asked twice because one word changes its work: with {@code openid} in the scope it
 * signs an ID token next to the access token (the policy never does), without it one token, as the policy. Measured
 * for the lab's browser-login subject tokens and the outside review's setup (password-grant subject tokens from
 * clients {@code hub} and {@code hub-stock}); with load generator and server pinned apart when the run is pinned, and
 * sharing every core as a user first runs the lab.
 */
public final class WrkExchangeComparison {

    static final int[] CONNECTIONS = {4, 16};

    /** Where the subject tokens come from: the lab's browser logins, or the outside review's password grants. */
    enum SubjectSource {
        BROWSER_LOGIN("browser", "browser login through institution-a (clients jupyterhub / te-stock-hub)"),
        PASSWORD_GRANT("password", "password grant of a local user (clients hub / hub-stock, the review's setup)");

        final String label;
        final String description;

        SubjectSource(String label, String description) {
            this.label = label;
            this.description = description;
        }
    }

    /** Which cores wrk and the server run on. */
    enum Placement {
        PINNED("pinned apart"), SHARED("cores shared");

        final String label;

        Placement(String label) {
            this.label = label;
        }
    }

    /** The three requests of a round. */
    enum Variant {
        STOCK_ID_TOKEN("stock V2, `openid profile` + audience scope (signs access and ID token)"),
        STOCK_ACCESS_ONLY("stock V2, `profile` + audience scope (signs the access token only)"),
        POLICY("audience policy (this project; signs the access token only)");

        final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    /** The placements this run measures: pinned apart only when the run pins, sharing the cores always. */
    static List<Placement> placements(BenchmarkSettings settings) {
        return settings.pinned() ? List.of(Placement.PINNED, Placement.SHARED) : List.of(Placement.SHARED);
    }

    /** Rows of the section: placements × subject-token sources × concurrencies. */
    public static int setupCount(BenchmarkSettings settings) {
        return placements(settings).size() * SubjectSource.values().length * CONNECTIONS.length;
    }

    /** The review's requesters: {@code hub} for the policy, {@code hub-stock} for stock V2, both with password grant. */
    static final HubClient REVIEW_HUB = new HubClient(TokenExchangeFixtures.REALM, "hub", "hub-bench-secret",
            "http://localhost:8020/hub/oauth_callback");
    static final HubClient REVIEW_STOCK_HUB = new HubClient(TokenExchangeFixtures.REALM, "hub-stock",
            "hub-stock-bench-secret", "http://localhost:8021/hub/oauth_callback");
    private static final String LOCAL_USER = "bench-local";
    private static final String LOCAL_PASSWORD = "bench-local-password";

    /** One wrk run and the server JVM's CPU over it (cores busy). */
    record Measured(Wrk.Result load, double serverCores) {
    }

    /** One round at one concurrency: every variant, back to back. */
    record Round(Map<Variant, Measured> byVariant) {
        Measured get(Variant variant) {
            return byVariant.get(variant);
        }

        double throughputRatio(Variant stock) {
            return get(Variant.POLICY).load().throughput() / get(stock).load().throughput();
        }

        double p99Ratio(Variant stock) {
            return get(Variant.POLICY).load().p99Millis() / get(stock).load().p99Millis();
        }
    }

    record Setup(Placement placement, SubjectSource source) {
        String label() {
            return source.label + ", " + placement.label;
        }
    }

    record Result(Map<Setup, Map<Integer, List<Round>>> bySetup) {
        long errors() {
            return bySetup.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
                    .flatMap(r -> r.byVariant().values().stream()).mapToLong(m -> m.load().errors()).sum();
        }
    }

    private final KeycloakServer server;
    private final BenchmarkSettings settings;
    private KeycloakAdmin admin;

    WrkExchangeComparison(KeycloakServer server, BenchmarkSettings settings) {
        this.server = server;
        this.settings = settings;
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
        this.admin = admin;
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
        Map<Setup, Map<Integer, List<Round>>> out = new LinkedHashMap<>();
        for (Placement placement : placements(settings)) {
            Wrk wrk = new Wrk(placement == Placement.PINNED ? List.of("taskset", "-c", settings.loadCpus())
                    : List.of());
            if (placement == Placement.SHARED && settings.pinned()) {
                CpuPinning.pin(server.jvm(), CpuPinning.allCpus());
            }
            try {
                for (SubjectSource source : SubjectSource.values()) {
                    out.put(new Setup(placement, source), measure(wrk, exchange, source));
                    clearEvents();
                }
            } finally {
                if (placement == Placement.SHARED && settings.pinned()) {
                    CpuPinning.pin(server.jvm(), settings.serverCpus());
                }
            }
        }
        return new Result(out);
    }

    /**
     * Realm {@code vre} stores its events, in the benchmark server's in-memory database, that is in its heap
     * (Keycloak's default 512 MB outside containers): hundreds of thousands of exchanges would fill it before the
     * rows that follow. The events of the measured exchanges are removed after each setup.
     */
    private void clearEvents() {
        KeycloakAdmin.Response response = admin.delete("/admin/realms/" + TokenExchangeFixtures.REALM + "/events");
        if (response.status() != 204) {
            throw new IllegalStateException("Could not clear the events of realm " + TokenExchangeFixtures.REALM
                    + ": " + response.status() + " " + response.body());
        }
    }

    private Map<Integer, List<Round>> measure(Wrk wrk, TokenExchangeComparison exchange, SubjectSource source) {
        Map<Integer, List<Round>> byConnections = new LinkedHashMap<>();
        for (int connections : CONNECTIONS) {
            byConnections.put(connections, new ArrayList<>());
        }
        Map<Variant, TokenEndpointClient.Form> forms = forms(exchange, source);
        for (TokenEndpointClient.Form form : forms.values()) {
            wrk.post(url(), form.encode(), CONNECTIONS[0], settings.exchangeWarmUp(), 0);
        }
        List<Variant> order = new ArrayList<>(List.of(Variant.values()));
        for (int round = 0; round < settings.rounds(); round++) {
            forms = forms(exchange, source);
            for (int connections : CONNECTIONS) {
                Map<Variant, Measured> byVariant = new EnumMap<>(Variant.class);
                for (Variant variant : order) {
                    byVariant.put(variant, measure(wrk, forms.get(variant), connections));
                }
                byConnections.get(connections).add(new Round(byVariant));
            }
            // The next round starts with the variant after this round's first.
            Collections.rotate(order, -1);
        }
        return byConnections;
    }

    /** One wrk run, and the server JVM's CPU time over it (per second: cores busy). */
    private Measured measure(Wrk wrk, TokenEndpointClient.Form form, int connections) {
        ProcessHandle jvm = server.jvm();
        java.time.Duration before = jvm.info().totalCpuDuration().orElse(java.time.Duration.ZERO);
        Wrk.Result load = wrk.post(url(), form.encode(), connections, settings.exchangeRound(), 0);
        java.time.Duration after = jvm.info().totalCpuDuration().orElse(java.time.Duration.ZERO);
        return new Measured(load, (after.toNanos() - before.toNanos()) / 1e9 / load.seconds());
    }

    /**
     * The round's requests with fresh subject tokens. The stock form of row 1 asks {@code openid profile} and the
     * audience scope; its one-token twin drops {@code openid}. Each is sent once and its answer checked: the labels
     * of the report (which variant signs an ID token) are facts of this run, not assumptions.
     */
    private Map<Variant, TokenEndpointClient.Form> forms(TokenExchangeComparison exchange, SubjectSource source) {
        TokenEndpointClient.Form policy;
        TokenEndpointClient.Form stock;
        if (source == SubjectSource.BROWSER_LOGIN) {
            TokenExchangeComparison.Forms rowOne = exchange.freshForms();
            policy = rowOne.policy();
            stock = rowOne.stock();
        } else {
            TokenEndpointClient tokens = new TokenEndpointClient(server, TokenExchangeFixtures.REALM);
            policy = TokenEndpointClient.seed002(REVIEW_HUB, passwordGrant(tokens, REVIEW_HUB));
            stock = TokenEndpointClient.seed002(REVIEW_STOCK_HUB, passwordGrant(tokens, REVIEW_STOCK_HUB))
                    .set("scope", "openid profile " + TokenExchangeComparison.STOCK_SCOPE)
                    .set("audience", TokenExchangeComparison.STOCK_AUDIENCE);
        }
        Map<Variant, TokenEndpointClient.Form> forms = new EnumMap<>(Variant.class);
        forms.put(Variant.STOCK_ID_TOKEN, stock);
        forms.put(Variant.STOCK_ACCESS_ONLY, stock.copy().set("scope", "profile " + TokenExchangeComparison.STOCK_SCOPE));
        forms.put(Variant.POLICY, policy);
        TokenEndpointClient tokens = new TokenEndpointClient(server, TokenExchangeFixtures.REALM);
        for (Map.Entry<Variant, TokenEndpointClient.Form> form : forms.entrySet()) {
            TokenEndpointClient.Answer answer = tokens.post(form.getValue());
            if (answer.status() != 200) {
                throw new IllegalStateException(form.getKey() + " does not work: " + answer.body());
            }
            boolean idToken = answer.json().hasNonNull("id_token");
            if (idToken != (form.getKey() == Variant.STOCK_ID_TOKEN)) {
                throw new IllegalStateException(form.getKey() + (idToken ? " got" : " got no") + " ID token: "
                        + answer.body());
            }
        }
        return forms;
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
                        + "keep-alive, `tools/wrk/form-post.lua`) instead of the Java harness, plus stock V2 without "
                        + "`openid`: %d round(s) of %d s per variant and concurrency after %d s of warm-up, rounds "
                        + "rotating which variant goes first, ratios per round. %s Errors (non-2xx and socket "
                        + "errors): %d. Rerun a row by hand with `%s` (the form: row 1's request, printed by "
                        + "`TokenEndpointClient.seed002`).",
                        settings.rounds(), settings.exchangeRound().toSeconds(), settings.exchangeWarmUp().toSeconds(),
                        settings.pinned() ? "Pinned apart: wrk on CPU " + settings.loadCpus() + ", server on CPU "
                                + settings.serverCpus() + "; cores shared: both on every core, as a user first runs "
                                + "the lab (the server's affinity widened for these rows)."
                                : "wrk and the server share the cores.",
                        result.errors(), Wrk.reproduce(url(), CONNECTIONS[0], settings.exchangeRound())),
                "subject tokens, cores, connections", "variant", "exchanges/s", "p50 ms", "p99 ms", "wrk CPU (cores)",
                "server CPU (cores)");
        for (Map.Entry<Setup, Map<Integer, List<Round>>> bySetup : result.bySetup().entrySet()) {
            for (Map.Entry<Integer, List<Round>> entry : bySetup.getValue().entrySet()) {
                List<Round> rounds = entry.getValue();
                String c = bySetup.getKey().label() + ", c=" + entry.getKey();
                for (Variant variant : Variant.values()) {
                    section.row(c, variant.label,
                            spread(rounds, r -> r.get(variant).load().throughput()).format("%,.0f"),
                            spread(rounds, r -> r.get(variant).load().p50Millis()).format("%.1f"),
                            spread(rounds, r -> r.get(variant).load().p99Millis()).format("%.1f"),
                            spread(rounds, r -> r.get(variant).load().generatorCores()).format("%.2f"),
                            spread(rounds, r -> r.get(variant).serverCores()).format("%.2f"));
                }
                for (Variant stock : List.of(Variant.STOCK_ID_TOKEN, Variant.STOCK_ACCESS_ONLY)) {
                    section.row(c, "ratio policy / " + (stock == Variant.STOCK_ID_TOKEN ? "stock with ID token"
                                    : "stock access token only") + " (per round: " + perRound(rounds, stock) + ")",
                            spread(rounds, r -> r.throughputRatio(stock)).format("%.2f"), "",
                            spread(rounds, r -> r.p99Ratio(stock)).format("%.2f"), "", "");
                }
                Spread withId = spread(rounds, r -> r.throughputRatio(Variant.STOCK_ID_TOKEN));
                Spread accessOnly = spread(rounds, r -> r.throughputRatio(Variant.STOCK_ACCESS_ONLY));
                Spread p99WithId = spread(rounds, r -> r.p99Ratio(Variant.STOCK_ID_TOKEN));
                Spread p99AccessOnly = spread(rounds, r -> r.p99Ratio(Variant.STOCK_ACCESS_ONLY));
                report.target("Token exchange throughput, wrk " + c, "≥ 1.1× stock V2 (with ID token / access "
                                + "token only)", withId.format("%.2f×") + " / " + accessOnly.format("%.2f×"),
                        withId.median() >= 1.1 && accessOnly.median() >= 1.1, accessOnly.median() >= 1.1
                                ? "the policy is not 10% faster than stock V2 signing an ID token as well"
                                : ONE_SIGNATURE_REASON);
                report.target("Token exchange p99, wrk " + c, "≤ 1.0× stock V2 (with ID token / access token only)",
                        p99WithId.format("%.2f×") + " / " + p99AccessOnly.format("%.2f×"),
                        p99WithId.median() <= 1.0 && p99AccessOnly.median() <= 1.0,
                        "the policy's slowest 1% of exchanges are slower than stock's");
            }
        }
        section.note("Subject tokens: browser = " + SubjectSource.BROWSER_LOGIN.description + "; password = "
                + SubjectSource.PASSWORD_GRANT.description + ". Stock V2 signs an ID token whenever the scope holds "
                + "`openid`, also for `requested_token_type=…:access_token`; the policy issues the access token "
                + "only (RFC 8693 returns one token), so the one-token stock request is the like-for-like pair.");
    }

    /** Why the policy is not 10% faster than a stock exchange that signs one token (docs/benchmarks.md, row 1b). */
    static final String ONE_SIGNATURE_REASON = "against stock V2 signing one token as well, both paths do the same "
            + "Keycloak work (client authentication, subject-token verification and session lookup, an "
            + "authentication session, building and signing one token, storing the event); the policy's edge over "
            + "the `openid` request is the ID token stock V2 also signs";

    private static Spread spread(List<Round> rounds, java.util.function.ToDoubleFunction<Round> figure) {
        return Spread.of(rounds.stream().map(r -> figure.applyAsDouble(r)).toList());
    }

    private static String perRound(List<Round> rounds, Variant stock) {
        List<String> ratios = new ArrayList<>();
        for (Round round : rounds) {
            ratios.add(String.format(Locale.ROOT, "%.2f", round.throughputRatio(stock)));
        }
        return String.join(", ", ratios);
    }
}
