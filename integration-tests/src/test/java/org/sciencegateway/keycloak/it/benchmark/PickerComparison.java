package org.sciencegateway.keycloak.it.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;

/**
 * Row 4: the first page a user sees, in realm {@code vre-bench} with all its identity providers as institutions.
 * The picker: client {@code bench-picker} with an Institution filter admitting every IdP (so the picker has all
 * of them to offer) under the realm's theme {@code science-gateway}. Stock: client {@code bench-picker-stock}
 * without a filter, Keycloak's built-in {@code browser} flow and login theme {@code keycloak.v2}, which renders
 * one button per identity provider. Timed from the authorization request to the page's last byte, in a fresh
 * browser each time; bytes are the HTML document as served (uncompressed).
 */
final class PickerComparison {

    static final HubClient PICKER = new HubClient(BenchmarkRealm.NAME, "bench-picker", "bench-picker-secret",
            "http://localhost:8011/hub/oauth_callback");
    static final HubClient STOCK_PAGE = new HubClient(BenchmarkRealm.NAME, "bench-picker-stock",
            "bench-picker-stock-secret", "http://localhost:8012/hub/oauth_callback");
    private static final String ADMIT_ALL = "{\"localAccounts\": true, \"allow\": [{\"idpPattern\": \".*\"}]}";

    record SizeResult(int identityProviders, List<Double> pickerMillis, List<Double> stockMillis, int pickerBytes,
            int stockBytes, int stockButtons, int pickerResults) {
        List<Double> ratios() {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < stockMillis.size(); i++) {
                ratios.add(pickerMillis.get(i) / stockMillis.get(i));
            }
            return ratios;
        }
    }

    private final KeycloakServer server;
    private final KeycloakAdmin admin;
    private final BenchmarkSettings settings;

    PickerComparison(KeycloakServer server, KeycloakAdmin admin, BenchmarkSettings settings) {
        this.server = server;
        this.admin = admin;
        this.settings = settings;
    }

    void setUp(BenchmarkRealm realm) {
        String clients = "/admin/realms/" + BenchmarkRealm.NAME + "/clients";
        admin.post(clients, client(PICKER, Map.of())).ok();
        admin.post(clients + "/" + admin.clientUuid(BenchmarkRealm.NAME, PICKER.clientId())
                + "/protocol-mappers/models", Map.of("name", "institution filter", "protocol", "openid-connect",
                "protocolMapper", "sg-institution-filter", "config", Map.of("rules", ADMIT_ALL))).ok();
        Map<String, Object> stock = client(STOCK_PAGE, Map.of("login_theme", "keycloak.v2"));
        stock.put("authenticationFlowBindingOverrides", Map.of("browser", realm.flowId("browser")));
        admin.post(clients, stock).ok();
    }

    private static Map<String, Object> client(HubClient client, Map<String, String> attributes) {
        Map<String, Object> rep = new java.util.LinkedHashMap<>();
        rep.put("clientId", client.clientId());
        rep.put("secret", client.clientSecret());
        rep.put("publicClient", false);
        rep.put("standardFlowEnabled", true);
        rep.put("redirectUris", List.of(client.redirectUri()));
        rep.put("attributes", attributes);
        return rep;
    }

    SizeResult measure(int identityProviders) {
        for (int i = 0; i < settings.pageWarmUp(); i++) {
            load(PICKER);
            load(STOCK_PAGE);
        }
        List<Double> picker = new ArrayList<>();
        List<Double> stock = new ArrayList<>();
        BrowserSession.Page pickerPage = null;
        BrowserSession.Page stockPage = null;
        for (int round = 0; round < settings.rounds(); round++) {
            List<Long> pickerNanos = new ArrayList<>();
            List<Long> stockNanos = new ArrayList<>();
            for (int i = 0; i < settings.pagesPerRound(); i++) {
                long t0 = System.nanoTime();
                BrowserSession.Page first = load((round + i) % 2 == 0 ? PICKER : STOCK_PAGE);
                long t1 = System.nanoTime();
                BrowserSession.Page second = load((round + i) % 2 == 0 ? STOCK_PAGE : PICKER);
                long t2 = System.nanoTime();
                if ((round + i) % 2 == 0) {
                    pickerNanos.add(t1 - t0);
                    stockNanos.add(t2 - t1);
                    pickerPage = first;
                    stockPage = second;
                } else {
                    stockNanos.add(t1 - t0);
                    pickerNanos.add(t2 - t1);
                    stockPage = first;
                    pickerPage = second;
                }
            }
            picker.add(Spread.of(pickerNanos).median() / 1e6);
            stock.add(Spread.of(stockNanos).median() / 1e6);
        }
        int visible = visibleIdentityProviders();
        // What is compared is what the issue describes: every IdP as a button, against one page of the picker.
        assertThat(stockPage.document().select("[id^=social-]")).as("stock page buttons").hasSize(visible);
        assertThat(stockPage.document().getElementById("sg-picker")).as("stock page has no picker").isNull();
        assertThat(pickerPage.document().getElementById("sg-picker")).as("picker page: %s", pickerPage).isNotNull();
        int results = pickerPage.document().select("#sg-results li").size();
        assertThat(results).as("picker results on the first page").isBetween(1, 10);
        assertThat(pickerPage.document().getElementById("sg-status").text())
                .as("the picker offers every institution").contains(String.valueOf(visible));
        return new SizeResult(identityProviders, picker, stock, bytes(pickerPage), bytes(stockPage),
                stockPage.document().select("[id^=social-]").size(), results);
    }

    private int visibleIdentityProviders() {
        int visible = 0;
        for (JsonNode idp : admin.get("/admin/realms/" + BenchmarkRealm.NAME
                + "/identity-provider/instances?max=100000").ok()) {
            if (idp.path("enabled").asBoolean() && !idp.path("hideOnLogin").asBoolean()
                    && !idp.path("linkOnly").asBoolean()) {
                visible++;
            }
        }
        return visible;
    }

    private BrowserSession.Page load(HubClient client) {
        BrowserSession.Page page = new HubLogin(server, new BrowserSession(), client).start();
        if (page.status() != 200 || !page.contentType().startsWith("text/html")) {
            throw new AssertionError("Not a login page: " + page);
        }
        return page;
    }

    private static int bytes(BrowserSession.Page page) {
        return page.body().getBytes(StandardCharsets.UTF_8).length;
    }

    void report(BenchmarkReport report, List<SizeResult> results) {
        BenchmarkReport.Section section = report.section("4. Institution picker vs the stock login page",
                String.format(Locale.ROOT, "The first page of a login in realm `%s`, every identity provider an "
                        + "institution. Picker: client `%s`, an Institution filter admitting every IdP, theme "
                        + "`science-gateway`. Stock: client `%s`, no filter, Keycloak's `browser` flow, theme "
                        + "`keycloak.v2` (one button per IdP). Time from the authorization request to the page's "
                        + "last byte in a fresh browser; bytes of the HTML as served, uncompressed (stylesheets and "
                        + "scripts are static, cacheable files shared by every page of the theme). %d warm-up load(s) "
                        + "each, then %d round(s) of %d loads per variant, alternating.", BenchmarkRealm.NAME,
                        PICKER.clientId(), STOCK_PAGE.clientId(), settings.pageWarmUp(), settings.rounds(),
                        settings.pagesPerRound()),
                "identity providers", "stock page ms", "picker ms", "ratio picker / stock", "stock page bytes",
                "picker bytes", "stock buttons / picker results");
        BarChart time = new BarChart("Login page render time: stock page vs institution picker",
                "milliseconds per page", false);
        BarChart size = new BarChart("Login page size: stock page vs institution picker (log scale)",
                "bytes of HTML", true);
        for (SizeResult r : results) {
            Spread stock = Spread.of(r.stockMillis());
            Spread picker = Spread.of(r.pickerMillis());
            Spread ratio = Spread.of(r.ratios());
            section.row(String.format(Locale.ROOT, "%,d", r.identityProviders()), stock.format("%.1f"),
                    picker.format("%.1f"), ratio.format("%.3f"), String.format(Locale.ROOT, "%,d", r.stockBytes()),
                    String.format(Locale.ROOT, "%,d", r.pickerBytes()),
                    String.format(Locale.ROOT, "%,d / %d", r.stockButtons(), r.pickerResults()));
            String category = String.format(Locale.ROOT, "%,d IdPs", r.identityProviders());
            time.bar(category, "stock page (keycloak.v2)", stock).bar(category, "institution picker", picker);
            size.bar(category, "stock page (keycloak.v2)", Spread.of(List.of(r.stockBytes())))
                    .bar(category, "institution picker", Spread.of(List.of(r.pickerBytes())));
        }
        report.chart(section, "picker-time.png", time);
        report.chart(section, "picker-bytes.png", size.reference(100 * 1024, "100 KB target"));
        SizeResult largest = results.get(results.size() - 1);
        Spread ratio = Spread.of(largest.ratios());
        report.target(String.format(Locale.ROOT, "Picker render time, %,d institutions", largest.identityProviders()),
                "≤ 0.1× the stock page", ratio.format("%.3f×"), ratio.median() <= 0.1,
                "the picker page costs more than a tenth of the stock page");
        report.target(String.format(Locale.ROOT, "Picker first load, %,d institutions", largest.identityProviders()),
                "≤ 100 KB", String.format(Locale.ROOT, "%,d bytes", largest.pickerBytes()),
                largest.pickerBytes() <= 100 * 1024, "the picker's HTML exceeds 100 KB");
    }
}
