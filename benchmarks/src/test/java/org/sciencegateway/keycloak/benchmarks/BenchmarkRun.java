package org.sciencegateway.keycloak.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;

/**
 * Runs every comparison on the shared server, in an order that keeps realms small while they matter: the token
 * exchange in the lab realm {@code vre} first, then logins and pages in {@code vre-bench} at each number of identity
 * providers, then group claims; then a federation's aggregate in its own realm; the benchmark realms and every stock
 * configuration are removed afterwards.
 */
public final class BenchmarkRun {

    private final BenchmarkSettings settings;
    private final Path directory;
    private long failedRequests;

    public BenchmarkRun(BenchmarkSettings settings, Path directory) {
        this.settings = settings;
        this.directory = directory;
    }

    public BenchmarkReport runAll() throws Exception {
        if (settings.pinned()) {
            CpuPinning.pinThisJvm(settings.loadCpus());
        }
        String loadBefore = MachineDescription.loadAverage();
        KeycloakServer server = KeycloakServer.shared();
        KeycloakAdmin admin = new KeycloakAdmin(server);

        TokenExchangeComparison exchange = new TokenExchangeComparison(server, admin, settings);
        TokenExchangeComparison.Result exchangeResult;
        WrkExchangeComparison wrkExchange = new WrkExchangeComparison(server, settings);
        WrkExchangeComparison.Result wrkResult;
        if (!Wrk.installed()) {
            throw new IllegalStateException("wrk is not installed (Debian package wrk; ./benchmark.sh and .ci/run "
                    + "install it)");
        }
        progress("token exchange and signing ceiling");
        exchange.setUp();
        try {
            exchangeResult = exchange.run();
            progress("token exchange with wrk");
            wrkExchange.setUp(admin, exchange.scopeId());
            try {
                wrkResult = wrkExchange.run(exchange);
            } finally {
                wrkExchange.tearDown(admin);
            }
        } finally {
            exchange.tearDown();
        }
        failedRequests += exchangeResult.failures() + wrkResult.errors();

        LoginComparison login = new LoginComparison(server, admin, settings);
        PickerComparison picker = new PickerComparison(server, admin, settings);
        GroupClaimsComparison groups = new GroupClaimsComparison(server, admin, settings);
        List<LoginComparison.SizeResult> logins = new ArrayList<>();
        List<PickerComparison.SizeResult> pages = new ArrayList<>();
        List<GroupClaimsComparison.SizeResult> claims = new ArrayList<>();
        try (BenchmarkRealm realm = new BenchmarkRealm(server, admin)) {
            progress("creating realm " + BenchmarkRealm.NAME);
            realm.create();
            login.setUp(realm);
            picker.setUp(realm);
            for (int count : settings.identityProviderCounts()) {
                progress("identity providers: growing to " + count);
                realm.growIdentityProvidersTo(count);
                int actual = realm.identityProviderCount();
                if (actual != count) {
                    throw new IllegalStateException("Realm has " + actual + " identity providers, not " + count);
                }
                progress("logins with " + count + " identity providers");
                logins.add(login.measure(count));
                progress("login pages with " + count + " identity providers");
                pages.add(picker.measure(count, realm.fillerCount()));
            }
            progress("groups: creating " + settings.largestGroupCount());
            groups.setUp(realm);
            for (int size : settings.groupCounts()) {
                progress("group claims for a user in " + size + " groups");
                claims.add(groups.measure(size));
            }
        }

        progress("SAML federation: " + settings.federationEntities() + " entities in realm "
                + FederationComparison.REALM);
        FederationComparison federation = new FederationComparison(server, admin, settings, directory);
        FederationComparison.Result federationResult = federation.run();

        progress("institution rules: a deny pattern on long claims");
        RulePatternComparison rules = new RulePatternComparison(settings);
        RulePatternComparison.Result rulesResult = rules.run();

        progress("done; " + BenchmarkRealm.NAME + " and " + FederationComparison.REALM + " removed");
        String machine = MachineDescription.describe(settings, System.getProperty("keycloak.command.prefix", ""),
                loadBefore, MachineDescription.loadAverage());
        BenchmarkReport report = new BenchmarkReport(directory, settings, machine);
        exchange.report(report, exchangeResult);
        wrkExchange.report(report, wrkResult);
        login.report(report, logins);
        groups.report(report, claims);
        picker.report(report, pages);
        rules.report(report, rulesResult);
        federation.report(report, federationResult);
        return report;
    }

    private static void progress(String step) {
        System.out.println("[benchmark " + java.time.LocalTime.now().withNano(0) + ", load "
                + MachineDescription.loadAverage() + "] " + step);
    }

    /** Requests that failed under concurrent load (every other failure throws). */
    public long failedRequests() {
        return failedRequests;
    }
}
