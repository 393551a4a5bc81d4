package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;

/**
 * Row 2: alice's complete brokered login through {@code institution-a} (authorization request with
 * {@code kc_idp_hint}, the institution's login form, the broker callback, the hub's code exchange), with the
 * institution filter and without it, in realm {@code vre-bench} with 10 and 5,000 identity providers.
 * <ul>
 * <li>With: client {@code jupyterhub} (its Institution filter mapper), the realm's filter browser flow
 * (selection authenticator + enforce step) and IdP {@code institution-a} with the filter's post-broker-login flow.
 * <li>Without: client {@code bench-login-stock}, a copy of {@code jupyterhub} without the filter mapper whose browser
 * flow is Keycloak's built-in {@code browser}, through {@code institution-a-unfiltered}, the same institution
 * without a post-broker-login flow (alice is linked to both).
 * </ul>
 * The hint skips the login page in both variants, so that page rendering (row 4) does not hide the filter's cost.
 */
final class LoginComparison {

    static final String UNFILTERED_IDP = "institution-a-unfiltered";
    private static final String REDIRECT = "http://localhost:8000/hub/oauth_callback";
    static final HubClient FILTERED = new HubClient(BenchmarkRealm.NAME, "jupyterhub",
            System.getenv().getOrDefault("JUPYTERHUB_CLIENT_SECRET", "jupyterhub-lab-secret"), REDIRECT);
    static final HubClient STOCK = new HubClient(BenchmarkRealm.NAME, "bench-login-stock", "bench-login-stock-secret",
            REDIRECT);

    record SizeResult(int identityProviders, List<Double> stockMillis, List<Double> filteredMillis, int logins) {
        List<Double> ratios() {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < stockMillis.size(); i++) {
                ratios.add(filteredMillis.get(i) / stockMillis.get(i));
            }
            return ratios;
        }
    }

    private final KeycloakServer server;
    private final KeycloakAdmin admin;
    private final BenchmarkSettings settings;
    private final LabUser user = LabUser.ALICE;

    LoginComparison(KeycloakServer server, KeycloakAdmin admin, BenchmarkSettings settings) {
        this.server = server;
        this.admin = admin;
        this.settings = settings;
    }

    void setUp(BenchmarkRealm realm) {
        realm.addUnfilteredCopy(user.identityProvider(), UNFILTERED_IDP, user.username());
        String realmPath = "/admin/realms/" + BenchmarkRealm.NAME;
        ObjectNode hub = (ObjectNode) admin.get(realmPath + "/clients/" + admin.clientUuid(BenchmarkRealm.NAME,
                FILTERED.clientId())).ok();
        hub.remove("id");
        hub.put("clientId", STOCK.clientId());
        hub.put("secret", STOCK.clientSecret());
        ArrayNode mappers = hub.putArray("protocolMappers");
        for (JsonNode mapper : admin.get(realmPath + "/clients/" + admin.clientUuid(BenchmarkRealm.NAME,
                FILTERED.clientId()) + "/protocol-mappers/models").ok()) {
            if (!"sg-institution-filter".equals(mapper.path("protocolMapper").asText())) {
                ObjectNode copy = ((ObjectNode) mapper).deepCopy();
                copy.remove("id");
                mappers.add(copy);
            }
        }
        hub.putObject("authenticationFlowBindingOverrides").put("browser", realm.flowId("browser"));
        admin.post(realmPath + "/clients", hub).ok();

        // The two variants differ as intended: the filter refuses an IdP the hub does not allow, stock does not.
        HubLogin refused = new HubLogin(server, new BrowserSession(), FILTERED)
                .parameter("kc_idp_hint", "institution-blocked");
        refused.start();
        assertThat(refused.page().status()).as("filtered client, disallowed hint: %s", refused.page()).isEqualTo(403);
        HubLogin unrestricted = new HubLogin(server, new BrowserSession(), STOCK)
                .parameter("kc_idp_hint", "institution-blocked");
        unrestricted.start();
        assertThat(unrestricted.page().url()).as("stock client, any hint").startsWith(server.realmUrl("institution-blocked"));
    }

    SizeResult measure(int identityProviders) {
        for (int i = 0; i < settings.loginWarmUp(); i++) {
            login(STOCK, UNFILTERED_IDP);
            login(FILTERED, user.identityProvider());
        }
        List<Double> stock = new ArrayList<>();
        List<Double> filtered = new ArrayList<>();
        for (int round = 0; round < settings.rounds(); round++) {
            List<Long> stockNanos = new ArrayList<>();
            List<Long> filteredNanos = new ArrayList<>();
            // Login by login, alternating which variant goes first.
            for (int i = 0; i < settings.loginsPerRound(); i++) {
                if ((round + i) % 2 == 0) {
                    stockNanos.add(login(STOCK, UNFILTERED_IDP));
                    filteredNanos.add(login(FILTERED, user.identityProvider()));
                } else {
                    filteredNanos.add(login(FILTERED, user.identityProvider()));
                    stockNanos.add(login(STOCK, UNFILTERED_IDP));
                }
            }
            stock.add(Spread.of(stockNanos).median() / 1e6);
            filtered.add(Spread.of(filteredNanos).median() / 1e6);
        }
        return new SizeResult(identityProviders, stock, filtered, settings.rounds() * settings.loginsPerRound());
    }

    /** One full login in a fresh browser; the hub's code exchange must succeed. */
    private long login(HubClient client, String identityProvider) {
        long start = System.nanoTime();
        HubLogin login = new HubLogin(server, new BrowserSession(), client).parameter("kc_idp_hint", identityProvider);
        login.start();
        if (!login.page().url().startsWith(server.realmUrl(user.identityProvider()))) {
            throw new AssertionError("Not at the institution's login page: " + login.page());
        }
        login.signIn(user.username(), user.password());
        login.exchangeCode();
        return System.nanoTime() - start;
    }

    void report(BenchmarkReport report, List<SizeResult> results) {
        BenchmarkReport.Section section = report.section("2. Login: institution filter vs the same flow without it",
                String.format(Locale.ROOT, "alice's complete brokered login through `institution-a` in realm `%s` (a "
                        + "copy of `vre`), from the authorization request with `kc_idp_hint` to the hub's code "
                        + "exchange, each in a fresh browser. With the filter: client `jupyterhub` (its rules), the "
                        + "filter browser flow and the filter's post-broker-login flow. Without: client `%s` (the same "
                        + "client without the Institution filter mapper, Keycloak's built-in `browser` flow) through "
                        + "`%s` (the same institution without a post-broker-login flow). The hint skips the login "
                        + "page in both, so that page rendering (section 4) does not mask the filter's cost. "
                        + "%d warm-up login(s) per variant, then %d round(s) of %d logins per variant, login by "
                        + "login alternating; figures are per-round medians.", BenchmarkRealm.NAME,
                        STOCK.clientId(), UNFILTERED_IDP, settings.loginWarmUp(), settings.rounds(),
                        settings.loginsPerRound()),
                "identity providers in the realm", "without filter, ms", "with filter, ms", "ratio with / without");
        BarChart chart = new BarChart("Brokered login time with and without the institution filter",
                "milliseconds per login", false);
        for (SizeResult r : results) {
            Spread stock = Spread.of(r.stockMillis());
            Spread filtered = Spread.of(r.filteredMillis());
            Spread ratio = Spread.of(r.ratios());
            section.row(String.format(Locale.ROOT, "%,d", r.identityProviders()), stock.format("%.1f"),
                    filtered.format("%.1f"), ratio.format("%.3f"));
            String category = String.format(Locale.ROOT, "%,d IdPs", r.identityProviders());
            chart.bar(category, "without filter", stock).bar(category, "with filter", filtered);
            report.target(String.format(Locale.ROOT, "Login with the filter, %,d IdPs", r.identityProviders()),
                    "≤ 1.02× without", ratio.format("%.3f×"), ratio.median() <= 1.02,
                    "a post-broker-login flow, which the filter needs (bypass 3), makes Keycloak serialise the "
                            + "brokered identity into the authentication session and send the browser through one more "
                            + "redirect (`/broker/after-post-broker-login`); that and the filter's steps add more than 2%");
        }
        report.chart(section, "login.png", chart);
        SizeResult smallest = results.get(0);
        SizeResult largest = results.get(results.size() - 1);
        double change = Spread.of(largest.ratios()).median() - Spread.of(smallest.ratios()).median();
        report.target(String.format(Locale.ROOT, "Filter flat from %,d to %,d IdPs", smallest.identityProviders(),
                        largest.identityProviders()),
                "ratio at the largest − ratio at the smallest ≤ 0.02",
                String.format(Locale.ROOT, "%+.3f", change), change <= 0.02,
                "the filter's share of the login grows with the number of identity providers");
    }
}
