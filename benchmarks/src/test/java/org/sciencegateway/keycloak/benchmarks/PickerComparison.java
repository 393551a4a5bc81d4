package org.sciencegateway.keycloak.benchmarks;

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
 * browser each time; bytes are the HTML document as served (uncompressed). Then, in headless Chromium, the time
 * from each keystroke in the picker's search field to its results on screen ({@link PickerKeystrokes}).
 */
final class PickerComparison {

    static final HubClient PICKER = new HubClient(BenchmarkRealm.NAME, "bench-picker", "bench-picker-secret",
            "http://localhost:8011/hub/oauth_callback");
    static final HubClient STOCK_PAGE = new HubClient(BenchmarkRealm.NAME, "bench-picker-stock",
            "bench-picker-stock-secret", "http://localhost:8012/hub/oauth_callback");
    private static final String ADMIT_ALL = "{\"localAccounts\": true, \"allow\": [{\"idpPattern\": \".*\"}]}";

    record SizeResult(int identityProviders, List<Double> pickerMillis, List<Double> stockMillis, int pickerBytes,
            int stockBytes, int stockButtons, int pickerResults, PickerKeystrokes.Result keystrokes) {
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
        createClients(admin, realm, PICKER, STOCK_PAGE);
    }

    /**
     * In {@code realm}: {@code picker} with an Institution filter admitting every IdP (the realm's theme), and
     * {@code stock} without one, on Keycloak's {@code browser} flow and theme {@code keycloak.v2}.
     */
    static void createClients(KeycloakAdmin admin, BenchmarkRealm realm, HubClient picker, HubClient stock) {
        String clients = "/admin/realms/" + realm.name() + "/clients";
        admin.post(clients, client(picker, Map.of())).ok();
        admin.post(clients + "/" + admin.clientUuid(realm.name(), picker.clientId())
                + "/protocol-mappers/models", Map.of("name", "institution filter", "protocol", "openid-connect",
                "protocolMapper", "sg-institution-filter", "config", Map.of("rules", ADMIT_ALL))).ok();
        Map<String, Object> stockClient = client(stock, Map.of("login_theme", "keycloak.v2"));
        stockClient.put("authenticationFlowBindingOverrides", Map.of("browser", realm.flowId("browser")));
        admin.post(clients, stockClient).ok();
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

    /** Per round the median milliseconds of each page; the last page of each as served. */
    record PageRounds(List<Double> pickerMillis, List<Double> stockMillis, BrowserSession.Page pickerPage,
                      BrowserSession.Page stockPage) {
    }

    /** Warm-up loads, then rounds of loads of both clients' first page, alternating which goes first. */
    static PageRounds alternate(KeycloakServer server, BenchmarkSettings settings, HubClient pickerClient,
                                HubClient stockClient) {
        for (int i = 0; i < settings.pageWarmUp(); i++) {
            load(server, pickerClient);
            load(server, stockClient);
        }
        List<Double> picker = new ArrayList<>();
        List<Double> stock = new ArrayList<>();
        BrowserSession.Page pickerPage = null;
        BrowserSession.Page stockPage = null;
        for (int round = 0; round < settings.rounds(); round++) {
            List<Long> pickerNanos = new ArrayList<>();
            List<Long> stockNanos = new ArrayList<>();
            for (int i = 0; i < settings.pagesPerRound(); i++) {
                boolean pickerFirst = (round + i) % 2 == 0;
                long t0 = System.nanoTime();
                BrowserSession.Page first = load(server, pickerFirst ? pickerClient : stockClient);
                long t1 = System.nanoTime();
                BrowserSession.Page second = load(server, pickerFirst ? stockClient : pickerClient);
                long t2 = System.nanoTime();
                pickerNanos.add(pickerFirst ? t1 - t0 : t2 - t1);
                stockNanos.add(pickerFirst ? t2 - t1 : t1 - t0);
                pickerPage = pickerFirst ? first : second;
                stockPage = pickerFirst ? second : first;
            }
            picker.add(Spread.of(pickerNanos).median() / 1e6);
            stock.add(Spread.of(stockNanos).median() / 1e6);
        }
        return new PageRounds(picker, stock, pickerPage, stockPage);
    }

    /** @param fillers the realm's look-alike institutions, {@code bench-university-00001} to this number */
    SizeResult measure(int identityProviders, int fillers) {
        PageRounds pages = alternate(server, settings, PICKER, STOCK_PAGE);
        BrowserSession.Page pickerPage = pages.pickerPage();
        BrowserSession.Page stockPage = pages.stockPage();
        int visible = visibleIdentityProviders();
        // What is compared is what the issue describes: every IdP as a button, against one page of the picker.
        assertThat(stockPage.document().select("[id^=social-]")).as("stock page buttons").hasSize(visible);
        assertThat(stockPage.document().getElementById("sg-picker")).as("stock page has no picker").isNull();
        assertThat(pickerPage.document().getElementById("sg-picker")).as("picker page: %s", pickerPage).isNotNull();
        int results = pickerPage.document().select("#sg-results li").size();
        assertThat(results).as("picker results on the first page").isBetween(1, 10);
        assertThat(pickerPage.document().getElementById("sg-status").text())
                .as("the picker offers every institution").contains(String.valueOf(visible));
        return new SizeResult(identityProviders, pages.pickerMillis(), pages.stockMillis(), bytes(pickerPage),
                bytes(stockPage), stockPage.document().select("[id^=social-]").size(), results,
                new PickerKeystrokes(server, PICKER, settings).measure(round -> queries(fillers, round)));
    }

    /** Per round, other institutions: one typed by name, one by domain, one by a word inside the name. */
    private static List<PickerKeystrokes.Query> queries(int fillers, int round) {
        int a = 1 + Math.floorMod(round * 7919 + 4242, fillers);
        int b = 1 + Math.floorMod(round * 104_729 + 1_234, fillers);
        return List.of(new PickerKeystrokes.Query("benchmark university " + a, alias(a)),
                new PickerKeystrokes.Query("uni" + b + ".bench", alias(b)),
                new PickerKeystrokes.Query("univ " + a, alias(a)));
    }

    private static String alias(int filler) {
        return String.format(Locale.ROOT, "bench-university-%05d", filler);
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

    static BrowserSession.Page load(KeycloakServer server, HubClient client) {
        BrowserSession.Page page = new HubLogin(server, new BrowserSession(), client).start();
        if (page.status() != 200 || !page.contentType().startsWith("text/html")) {
            throw new AssertionError("Not a login page: " + page);
        }
        return page;
    }

    static int bytes(BrowserSession.Page page) {
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
                        + "each, then %d round(s) of %d loads per variant, alternating. Keystroke to results: in "
                        + "headless Chromium (on the load generator's CPU), queries typed one key at a time into the "
                        + "picker (an institution's full name, its domain, a word of its name; other institutions in "
                        + "each round, a fresh page per query); each key timed in the page from the keydown event to "
                        + "the first animation frame after the results for the text typed so far are in the list, "
                        + "the next key typed once they are shown; per round the median and 90th percentile over "
                        + "its keys.", BenchmarkRealm.NAME,
                        PICKER.clientId(), STOCK_PAGE.clientId(), settings.pageWarmUp(), settings.rounds(),
                        settings.pagesPerRound()),
                "identity providers", "stock page ms", "picker ms", "ratio picker / stock", "stock page bytes",
                "picker bytes", "stock buttons / picker results", "keystroke → results ms, median",
                "keystroke → results ms, p90");
        BarChart time = new BarChart("Login page render time: stock page vs institution picker",
                "milliseconds per page", false);
        BarChart size = new BarChart("Login page size: stock page vs institution picker (log scale)",
                "bytes of HTML", true);
        BarChart typing = new BarChart("Institution picker in Chromium: keystroke to results on screen",
                "milliseconds per keystroke", false);
        for (SizeResult r : results) {
            Spread stock = Spread.of(r.stockMillis());
            Spread picker = Spread.of(r.pickerMillis());
            Spread ratio = Spread.of(r.ratios());
            section.row(String.format(Locale.ROOT, "%,d", r.identityProviders()), stock.format("%.1f"),
                    picker.format("%.1f"), ratio.format("%.3f"), String.format(Locale.ROOT, "%,d", r.stockBytes()),
                    String.format(Locale.ROOT, "%,d", r.pickerBytes()),
                    String.format(Locale.ROOT, "%,d / %d", r.stockButtons(), r.pickerResults()),
                    Spread.of(r.keystrokes().medianMillis()).format("%.1f"),
                    Spread.of(r.keystrokes().p90Millis()).format("%.1f"));
            String category = String.format(Locale.ROOT, "%,d IdPs", r.identityProviders());
            typing.bar(category, "median", Spread.of(r.keystrokes().medianMillis()))
                    .bar(category, "90th percentile", Spread.of(r.keystrokes().p90Millis()));
            time.bar(category, "stock page (keycloak.v2)", stock).bar(category, "institution picker", picker);
            size.bar(category, "stock page (keycloak.v2)", Spread.of(List.of(r.stockBytes())))
                    .bar(category, "institution picker", Spread.of(List.of(r.pickerBytes())));
        }
        report.chart(section, "picker-time.png", time);
        report.chart(section, "picker-bytes.png", size.reference(100 * 1024, "100 KB target"));
        report.chart(section, "picker-keystrokes.png", typing.reference(50, "50 ms target"));
        SizeResult largest = results.get(results.size() - 1);
        Spread ratio = Spread.of(largest.ratios());
        report.target(String.format(Locale.ROOT, "Picker render time, %,d institutions", largest.identityProviders()),
                "≤ 0.1× the stock page", ratio.format("%.3f×"), ratio.median() <= 0.1,
                "the picker page costs more than a tenth of the stock page");
        report.target(String.format(Locale.ROOT, "Picker first load, %,d institutions", largest.identityProviders()),
                "≤ 100 KB", String.format(Locale.ROOT, "%,d bytes", largest.pickerBytes()),
                largest.pickerBytes() <= 100 * 1024, "the picker's HTML exceeds 100 KB");
        Spread p90 = Spread.of(largest.keystrokes().p90Millis());
        report.target(String.format(Locale.ROOT, "Picker keystroke to results in Chromium, %,d institutions",
                        largest.identityProviders()), "< 50 ms (90th percentile of the keystrokes)",
                p90.format("%.1f ms") + String.format(Locale.ROOT, "; slowest of %d keys %.1f ms",
                        largest.keystrokes().keys(), largest.keystrokes().maxMillis()),
                p90.median() < 50, "results appear more than 50 ms after the key");
    }
}
