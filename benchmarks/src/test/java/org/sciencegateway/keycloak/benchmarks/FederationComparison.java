package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabFederation;

/**
 * Rows 7 and 7b: a federation's signed metadata aggregate, eduGAIN-sized in full mode, imported by the lab's source
 * {@code lab-federation} in realm {@value #REALM} (a copy of {@code vre}), then synced again unchanged and with one
 * identity provider in a hundred renamed; each sync timed by the server (the status's {@code durationMillis}, fetch to
 * last batch) and from the request to the status, with the server's heap after every garbage collection during it
 * from a flight recording. Then the login page over the imported institutions: the picker against Keycloak's stock
 * page, and keystroke to results. Stock Keycloak cannot read an aggregate at all, so the sync rows have goals, not a
 * stock counterpart.
 */
final class FederationComparison {

    static final String REALM = "vre-federation-bench";
    static final HubClient PICKER = new HubClient(REALM, "bench-federation-picker", "bench-federation-picker-secret",
            "http://localhost:8013/hub/oauth_callback");
    static final HubClient STOCK_PAGE = new HubClient(REALM, "bench-federation-stock",
            "bench-federation-stock-secret", "http://localhost:8014/hub/oauth_callback");
    private static final String REVISION = "r2";
    private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(20);

    /** One sync: its status as the server recorded it, the wall time, and the heap around it. */
    record Sync(String kind, JsonNode status, double wallSeconds, double heapBeforeMegabytes,
                double peakAfterGcMegabytes, double retainedMegabytes, int collections) {
        double serverSeconds() {
            return status.path("changes").path("durationMillis").asLong() / 1000.0;
        }

        JsonNode changes() {
            return status.path("changes");
        }

        /** Heap growth: the highest heap after a collection during the sync (or after it), less the heap before. */
        double peakGrowthMegabytes() {
            return Math.max(peakAfterGcMegabytes, retainedMegabytes) - heapBeforeMegabytes;
        }
    }

    record Result(int entities, long feedBytes, int identityProviders, List<Sync> syncs,
                  PickerComparison.PageRounds pages, double pickerFirstLoadMillis, int listed, int stockButtons,
                  int pickerResults, PickerKeystrokes.Result keystrokes) {
        List<Double> ratios() {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < pages.stockMillis().size(); i++) {
                ratios.add(pages.pickerMillis().get(i) / pages.stockMillis().get(i));
            }
            return ratios;
        }
    }

    private final KeycloakServer server;
    private final KeycloakAdmin admin;
    private final BenchmarkSettings settings;
    private final Path directory;

    FederationComparison(KeycloakServer server, KeycloakAdmin admin, BenchmarkSettings settings, Path directory) {
        this.server = server;
        this.admin = admin;
        this.settings = settings;
        this.directory = directory.toAbsolutePath();
    }

    Result run() {
        int entities = settings.federationEntities();
        // within the one directory the server lets federation sources read (file:)
        Path feed = server.federationDirectory().resolve("federation-aggregate.xml");
        try (BenchmarkRealm realm = new BenchmarkRealm(server, admin, REALM,
                Map.of("LAB_FEDERATION_URL", feed.toUri().toString()))) {
            realm.create();
            PickerComparison.createClients(admin, realm, PICKER, STOCK_PAGE);
            FederationSourceAdmin sources = new FederationSourceAdmin(admin, REALM);
            String source = sources.id(LabFederation.SOURCE);
            String institutionSaml = server.realmUrl("institution-saml");
            String descriptor = new BrowserSession().get(institutionSaml + "/protocol/saml/descriptor").body();

            List<Sync> syncs = new ArrayList<>();
            publish(feed, LabFederation.aggregate(descriptor, institutionSaml, entities));
            syncs.add(sync(sources, source, "first import"));
            syncs.add(sync(sources, source, "re-sync, feed unchanged"));
            publish(feed, LabFederation.aggregate(descriptor, institutionSaml, entities, REVISION));
            syncs.add(sync(sources, source, "re-sync, 1 identity provider in 100 renamed"));
            // Memory before trust: documents an attacker controlling the bytes could serve, refused by the reader
            // before anything is buffered (the signature must be the first child), with the heap recorded as above.
            String genuine = LabFederation.aggregate(descriptor, institutionSaml, entities, REVISION);
            publishGenerated(feed, genuine, false);
            syncs.add(sync(sources, source, REFUSED_UNSIGNED, "unsigned"));
            publishGenerated(feed, genuine, true);
            syncs.add(sync(sources, source, REFUSED_SIGNATURE_LAST, "unsigned"));
            publish(feed, genuine);

            int selected = syncs.get(0).status().path("feed").path("selected").asInt();
            int renamed = 0;
            for (int i = 1; i < entities; i++) {
                renamed += LabFederation.identityProvider(i) && LabFederation.renamedInRevision(i) ? 1 : 0;
            }
            // Each sync did what its row says, or its figures would describe something else.
            assertThat(syncs.get(0).changes().path("created").asInt()).as("first import").isEqualTo(selected)
                    .isEqualTo(1 + entities / 2);
            assertThat(syncs.get(1).changes().path("unchanged").asInt()).as("unchanged re-sync").isEqualTo(selected);
            assertThat(syncs.get(1).changes().path("updated").asInt()).as("unchanged re-sync").isZero();
            assertThat(syncs.get(2).changes().path("updated").asInt()).as("renamed").isEqualTo(renamed);
            assertThat(syncs.get(2).changes().path("unchanged").asInt()).isEqualTo(selected - renamed);

            Map<String, String> aliases = new HashMap<>();
            for (JsonNode idp : sources.identityProviders(source)) {
                aliases.put(idp.path("config").path("sg.federation.entityId").asText(), idp.path("alias").asText());
            }
            assertThat(aliases).hasSize(selected);

            // The first login page after a sync rebuilds the picker's directory of the realm.
            long t0 = System.nanoTime();
            PickerComparison.load(server, PICKER);
            double firstLoad = (System.nanoTime() - t0) / 1e6;
            PickerComparison.PageRounds pages = PickerComparison.alternate(server, settings, PICKER, STOCK_PAGE);
            int listed = 0;
            int buttons = 0;
            for (JsonNode idp : admin.get("/admin/realms/" + REALM + "/identity-provider/instances?max=100000").ok()) {
                boolean offered = idp.path("enabled").asBoolean() && !idp.path("linkOnly").asBoolean();
                boolean hidden = idp.path("hideOnLogin").asBoolean();
                buttons += offered && !hidden ? 1 : 0;
                listed += offered && (!hidden || "true".equals(idp.path("config").path("institution.listed")
                        .asText())) ? 1 : 0;
            }
            BrowserSession.Page stockPage = pages.stockPage();
            BrowserSession.Page pickerPage = pages.pickerPage();
            assertThat(stockPage.document().select("[id^=social-]")).as("stock page: the realm's own IdPs only")
                    .hasSize(buttons);
            assertThat(pickerPage.document().getElementById("sg-status").text())
                    .as("the picker offers every listed institution").contains(String.valueOf(listed));
            int results = pickerPage.document().select("#sg-results li").size();
            PickerKeystrokes.Result keystrokes = new PickerKeystrokes(server, PICKER, settings)
                    .measure(round -> queries(entities, round, aliases));
            return new Result(entities, syncs.get(0).status().path("feed").path("bytes").asLong(), selected, syncs,
                    pages, firstLoad, listed, buttons, results, keystrokes);
        }
    }

    private static void publish(Path feed, String xml) {
        try {
            Files.createDirectories(feed.getParent());
            Files.writeString(feed, xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final long ATTACK_BYTES = 100L * 1024 * 1024;
    static final String REFUSED_UNSIGNED = "refused: 100 MB unsigned document";
    static final String REFUSED_SIGNATURE_LAST = "refused: 100 MB, signature as last child";

    /**
     * A document of {@link #ATTACK_BYTES}: the genuine aggregate's root, then service providers up to the size, then
     * (when {@code signatureLast}) the genuine signature as the root's last child — valid XML-DSig placement, but not
     * where the metadata schema puts it. Written while generated.
     */
    private static void publishGenerated(Path feed, String genuine, boolean signatureLast) {
        int rootStart = genuine.indexOf("<md:EntitiesDescriptor");
        String root = genuine.substring(rootStart, genuine.indexOf('>', rootStart) + 1);
        String signature = genuine.substring(genuine.indexOf("<ds:Signature"),
                genuine.indexOf("</ds:Signature>") + "</ds:Signature>".length());
        String tail = (signatureLast ? signature : "") + "</md:EntitiesDescriptor>\n";
        try (var out = new java.io.BufferedWriter(Files.newBufferedWriter(feed, StandardCharsets.UTF_8), 1 << 16)) {
            out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            out.write(root);
            long written = root.length();
            for (int i = 0; written + tail.length() < ATTACK_BYTES - 400; i++) {
                String entity = "<md:EntityDescriptor entityID=\"https://sp" + i + ".attack.example/shibboleth\">"
                        + "<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                        + "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
                        + "Location=\"https://sp.attack.example/acs\" index=\"0\"/></md:SPSSODescriptor>"
                        + "</md:EntityDescriptor>\n";
                out.write(entity);
                written += entity.length();
            }
            out.write(tail);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Sync sync(FederationSourceAdmin sources, String source, String kind) {
        return sync(sources, source, kind, null);
    }

    /** One sync with the heap recorded; {@code refusedAs}: the error code the sync must end with (null: ok). */
    private Sync sync(FederationSourceAdmin sources, String source, String kind, String refusedAs) {
        double before = JvmHeap.afterFullGcMegabytes(server.jvm(), server.javaHome());
        JvmHeap.GcRecording recording = JvmHeap.recordCollections(server.jvm(), server.javaHome(),
                directory.resolve("federation-sync.jfr"));
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        JsonNode status = sources.sync(source, SYNC_TIMEOUT);
        double wall = (System.nanoTime() - t0) / 1e9;
        Instant ended = Instant.now();
        List<JvmHeap.AfterGc> collections = recording.stop().stream()
                .filter(gc -> !gc.at().isBefore(started) && !gc.at().isAfter(ended)).toList();
        double retained = JvmHeap.afterFullGcMegabytes(server.jvm(), server.javaHome());
        if (refusedAs == null) {
            assertThat(status.path("state").asText()).as("%s: %s", kind, status).isEqualTo("ok");
        } else {
            assertThat(status.path("errorCode").asText()).as("%s: %s", kind, status).isEqualTo(refusedAs);
        }
        double peak = collections.stream().mapToDouble(JvmHeap.AfterGc::megabytes).max().orElse(retained);
        return new Sync(kind, status, wall, before, peak, retained, collections.size());
    }

    /**
     * Per round, other imported institutions: one typed by its English name, one by its domain (its
     * {@code shibmd:Scope}), one by the start of a word of its name and its number.
     */
    private static List<PickerKeystrokes.Query> queries(int entities, int round, Map<String, String> aliases) {
        int a = listedInstitution(entities, round * 7919 + 4242);
        int b = listedInstitution(entities, round * 104_729 + 1_234);
        String kind = LabFederation.institutionName(a).split(" ")[1].toLowerCase(Locale.ROOT).substring(0, 4);
        return List.of(new PickerKeystrokes.Query(LabFederation.institutionName(a), alias(aliases, a)),
                new PickerKeystrokes.Query(LabFederation.institutionScope(b), alias(aliases, b)),
                new PickerKeystrokes.Query(kind + " " + a, alias(aliases, a)));
    }

    /** A synthetic identity provider of the feed (odd number below {@code entities}) that the picker lists. */
    private static int listedInstitution(int entities, int seed) {
        int i = 1 + 2 * Math.floorMod(seed, entities / 2);
        return LabFederation.hiddenFromDiscovery(i) ? i - 2 : i;
    }

    private static String alias(Map<String, String> aliases, int institution) {
        String alias = aliases.get(LabFederation.institutionEntityId(institution));
        if (alias == null) {
            throw new AssertionError("institution " + institution + " was not imported");
        }
        return alias;
    }

    void report(BenchmarkReport report, Result r) {
        BenchmarkReport.Section syncs = report.section("7. SAML federation: a signed aggregate imported and synced",
                String.format(Locale.ROOT, "A signed metadata aggregate of %,d entities (%,d identity providers, "
                        + "%.1f MB; the lab federation's generator, `LAB_FEDERATION_ENTITIES`), read by the source "
                        + "`%s` of realm `%s` from a `file:` URL, the signature verified against the pinned lab "
                        + "key. Each sync once, in this order (a first import happens once per realm): the first "
                        + "import, a re-sync of the unchanged feed, a re-sync after one identity provider in a "
                        + "hundred was renamed; then two 100 MB documents an attacker who controls the bytes could "
                        + "serve (the feed's root and 100 MB of service providers, unsigned, or with the genuine "
                        + "signature as the last child), which must be refused before anything is buffered. Server: `changes.durationMillis` of the source's status (fetch, "
                        + "verification, parsing, every batch written), as `GET /admin/realms/%s/saml-federation/"
                        + "sources/{id}` shows it after `POST …/{id}/sync`; wall: from that request to the status. "
                        + "Heap: a full GC (`jcmd GC.run`) before the sync; the highest heap after any garbage "
                        + "collection during it (`jcmd JFR.start`, events `jdk.GCHeapSummary`, as `jfr print` shows "
                        + "them) or after a full GC after it, less the heap before: an upper bound of what the sync "
                        + "holds. By hand: `LAB_FEDERATION_ENTITIES=12000 ./lab.sh`, then the same requests with "
                        + "curl. Stock Keycloak cannot read an aggregate: these rows have goals, no stock "
                        + "counterpart.", r.entities(), r.identityProviders(), r.feedBytes() / 1048576.0,
                        LabFederation.SOURCE, REALM, REALM),
                "sync", "created / updated / unchanged / left", "server s", "wall s", "heap before MB",
                "heap growth MB, peak", "heap retained after MB", "collections during the sync");
        BarChart time = new BarChart("SAML federation: sync time of the signed aggregate (server)", "seconds",
                false);
        BarChart heap = new BarChart("SAML federation: heap growth during a sync (peak after a collection)",
                "megabytes", false);
        for (Sync s : r.syncs()) {
            JsonNode c = s.changes();
            boolean refused = !"ok".equals(s.status().path("state").asText());
            syncs.row(s.kind(), refused ? "refused (" + s.status().path("errorCode").asText() + "), nothing changed"
                            : String.format(Locale.ROOT, "%,d / %,d / %,d / %,d", c.path("created").asInt(),
                            c.path("updated").asInt(), c.path("unchanged").asInt(), c.path("left").asInt()),
                    refused ? "—" : String.format(Locale.ROOT, "%.1f", s.serverSeconds()),
                    String.format(Locale.ROOT, "%.1f", s.wallSeconds()),
                    String.format(Locale.ROOT, "%.0f", s.heapBeforeMegabytes()),
                    String.format(Locale.ROOT, "%.0f", s.peakGrowthMegabytes()),
                    String.format(Locale.ROOT, "%.0f", s.retainedMegabytes() - s.heapBeforeMegabytes()),
                    String.valueOf(s.collections()));
            if (refused) {
                heap.bar(s.kind(), "peak growth", Spread.of(List.of(s.peakGrowthMegabytes())));
                continue;
            }
            time.bar(s.kind(), "server", Spread.of(List.of(s.serverSeconds())))
                    .bar(s.kind(), "wall", Spread.of(List.of(s.wallSeconds())));
            heap.bar(s.kind(), "peak growth", Spread.of(List.of(s.peakGrowthMegabytes())));
        }
        report.chart(syncs, "federation-sync-time.png", time);
        report.chart(syncs, "federation-sync-heap.png", heap.reference(256, "256 MB goal"));
        String size = String.format(Locale.ROOT, "%,d entities, %,d IdPs", r.entities(), r.identityProviders());
        Sync first = r.syncs().get(0);
        report.target("Federation first import, " + size, "≤ 5 min",
                String.format(Locale.ROOT, "%.1f s", first.serverSeconds()), first.serverSeconds() <= 300,
                "the first import takes longer than 5 minutes");
        Sync unchanged = r.syncs().get(1);
        report.target("Federation re-sync of the unchanged feed, " + size, "≤ 60 s",
                String.format(Locale.ROOT, "%.1f s", unchanged.serverSeconds()), unchanged.serverSeconds() <= 60,
                "an unchanged feed takes longer than a minute");
        double refusedGrowth = r.syncs().stream().filter(s -> s.kind().startsWith("refused"))
                .mapToDouble(Sync::peakGrowthMegabytes).max().orElseThrow();
        report.target("Federation heap growth while refusing a 100 MB unsigned or signature-last document", "≤ 64 MB",
                String.format(Locale.ROOT, "%.0f MB", refusedGrowth), refusedGrowth <= 64,
                "refusing a document holds more than 64 MB: it is buffered before the trust decision");
        double growth = r.syncs().stream().filter(s -> !s.kind().startsWith("refused"))
                .mapToDouble(Sync::peakGrowthMegabytes).max().orElseThrow();
        report.target("Federation heap growth during a sync, " + size, "≤ 256 MB",
                String.format(Locale.ROOT, "%.0f MB (highest of the three syncs)", growth), growth <= 256,
                "a sync holds more than 256 MB");

        BenchmarkReport.Section picker = report.section("7b. Institution picker over the imported federation",
                String.format(Locale.ROOT, "Realm `%s` after the syncs of row 7: the imported identity providers "
                        + "are hidden on Keycloak's login page and listed by the picker (unless tagged "
                        + "hide-from-discovery). Picker: client `%s` (an Institution filter admitting every IdP, "
                        + "theme `science-gateway`); stock: client `%s` (Keycloak's `browser` flow, theme "
                        + "`keycloak.v2`), which shows the realm's own IdPs and none of the imported ones. First "
                        + "load: the first picker page after the last sync (it builds the realm's institution "
                        + "directory). Then as row 4: %d warm-up load(s) each, %d round(s) of %d loads per variant, "
                        + "alternating; keystroke to results in headless Chromium, typing an imported institution's "
                        + "English name, its domain (`shibmd:Scope`), a word's start and its number.", REALM,
                        PICKER.clientId(), STOCK_PAGE.clientId(), settings.pageWarmUp(), settings.rounds(),
                        settings.pagesPerRound()),
                "institutions listed", "stock page ms", "picker first load after the sync ms", "picker ms",
                "ratio picker / stock", "stock page bytes", "picker bytes", "stock buttons / picker results",
                "keystroke → results ms, median", "keystroke → results ms, p90");
        Spread p90 = Spread.of(r.keystrokes().p90Millis());
        picker.row(String.format(Locale.ROOT, "%,d", r.listed()), Spread.of(r.pages().stockMillis()).format("%.1f"),
                String.format(Locale.ROOT, "%.1f", r.pickerFirstLoadMillis()),
                Spread.of(r.pages().pickerMillis()).format("%.1f"), Spread.of(r.ratios()).format("%.3f"),
                String.format(Locale.ROOT, "%,d", PickerComparison.bytes(r.pages().stockPage())),
                String.format(Locale.ROOT, "%,d", PickerComparison.bytes(r.pages().pickerPage())),
                String.format(Locale.ROOT, "%d / %d", r.stockButtons(), r.pickerResults()),
                Spread.of(r.keystrokes().medianMillis()).format("%.1f"), p90.format("%.1f"));
        report.target(String.format(Locale.ROOT, "Picker keystroke to results in Chromium, %,d imported "
                        + "institutions", r.listed()), "< 50 ms (90th percentile of the keystrokes)",
                p90.format("%.1f ms") + String.format(Locale.ROOT, "; slowest of %d keys %.1f ms",
                        r.keystrokes().keys(), r.keystrokes().maxMillis()),
                p90.median() < 50, "results appear more than 50 ms after the key");
    }
}
