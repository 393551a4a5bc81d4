package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Row 3: token issuance cost and token size for users in many groups, in realm {@code vre-bench}: four clients that
 * differ only in their group mapper (none, Keycloak's built-in Group Membership with full paths, ours unfiltered,
 * ours filtered to the subtree {@code /escape}). Each token comes from the refresh-token grant, which runs every
 * mapper again without password hashing. Groups are created in batches of 1,000 under {@code /bench-groups-<k>}.
 */
final class GroupClaimsComparison {

    static final List<String> VARIANTS = List.of("no group mapper", "built-in Group Membership", "ours, unfiltered",
            "ours, subtree /escape");
    private static final String REALM = BenchmarkRealm.NAME;
    private static final int GROUPS_PER_ROOT = 1000;
    private static final int EIGHT_KB = 8 * 1024;
    private static final Duration TOKEN_TIMEOUT = Duration.ofMinutes(5);

    /** Per size: per variant, the per-round median in ms; the last tokens' sizes. */
    record SizeResult(int groups, List<List<Double>> millis, int[] accessBytes, int[] idBytes) {
        List<Double> ratios(int variant) {
            List<Double> ratios = new ArrayList<>();
            for (int round = 0; round < millis.get(0).size(); round++) {
                ratios.add(millis.get(variant).get(round) / millis.get(0).get(round));
            }
            return ratios;
        }
    }

    private final KeycloakServer server;
    private final KeycloakAdmin admin;
    private final BenchmarkSettings settings;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Seeded: the same sequence of orders in every run. */
    private final java.util.Random random = new java.util.Random(8);

    GroupClaimsComparison(KeycloakServer server, KeycloakAdmin admin, BenchmarkSettings settings) {
        this.server = server;
        this.admin = admin;
        this.settings = settings;
    }

    void setUp(BenchmarkRealm realm) {
        int max = settings.largestGroupCount();
        for (int root = 0; root * GROUPS_PER_ROOT < max; root++) {
            List<Map<String, Object>> subGroups = new ArrayList<>();
            for (int i = root * GROUPS_PER_ROOT; i < Math.min(max, (root + 1) * GROUPS_PER_ROOT); i++) {
                subGroups.add(Map.of("name", "g" + i, "path", groupPath(i)));
            }
            realm.partialImport(Map.of("ifResourceExists", "FAIL", "groups",
                    List.of(Map.of("name", root(root), "path", "/" + root(root), "subGroups", subGroups))));
        }
        for (int size : settings.groupCounts()) {
            List<String> groups = new ArrayList<>();
            groups.add("/escape/users");
            for (int i = 0; i < size - 1; i++) {
                groups.add(groupPath(i));
            }
            realm.partialImport(Map.of("ifResourceExists", "FAIL", "users", List.of(Map.of("username", user(size),
                    "enabled", true, "email", user(size) + "@vre.example.org", "emailVerified", true,
                    "firstName", "Bench", "lastName", "User" + size, "groups", groups, "credentials",
                    List.of(Map.of("type", "password", "value", user(size), "temporary", false))))));
        }
        String clients = "/admin/realms/" + REALM + "/clients";
        for (int v = 0; v < VARIANTS.size(); v++) {
            admin.post(clients, Map.of("clientId", client(v), "secret", client(v), "publicClient", false,
                    "standardFlowEnabled", false, "directAccessGrantsEnabled", true)).ok();
        }
        String models = clients + "/%s/protocol-mappers/models";
        Map<String, String> targets = Map.of("id.token.claim", "true", "access.token.claim", "true",
                "userinfo.token.claim", "true", "introspection.token.claim", "true");
        admin.post(String.format(models, admin.clientUuid(REALM, client(1))), Map.of("name", "groups",
                "protocol", "openid-connect", "protocolMapper", "oidc-group-membership-mapper",
                "config", merge(targets, Map.of("claim.name", "groups", "full.path", "true")))).ok();
        admin.post(String.format(models, admin.clientUuid(REALM, client(2))), Map.of("name", "groups",
                "protocol", "openid-connect", "protocolMapper", "science-gateway-group-mapper",
                "config", merge(targets, Map.of("claim.name", "groups")))).ok();
        admin.post(String.format(models, admin.clientUuid(REALM, client(3))), Map.of("name", "groups",
                "protocol", "openid-connect", "protocolMapper", "science-gateway-group-mapper",
                "config", merge(targets, Map.of("claim.name", "groups", "group.subtree.roots", "/escape")))).ok();
    }

    SizeResult measure(int size) {
        int variants = VARIANTS.size();
        String[] refreshTokens = new String[variants];
        TokenSet[] last = new TokenSet[variants];
        for (int v = 0; v < variants; v++) {
            last[v] = token(Map.of("grant_type", "password", "client_id", client(v), "client_secret", client(v),
                    "username", user(size), "password", user(size), "scope", "openid"));
            refreshTokens[v] = last[v].refreshToken();
            for (int w = 0; w < settings.tokenWarmUp(); w++) {
                refreshTokens[v] = refresh(v, refreshTokens[v]).refreshToken();
            }
        }
        List<List<Double>> millis = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            millis.add(new ArrayList<>());
        }
        for (int round = 0; round < settings.rounds(); round++) {
            List<List<Long>> nanos = new ArrayList<>();
            for (int v = 0; v < variants; v++) {
                nanos.add(new ArrayList<>());
            }
            // Variants interleaved token by token in a fresh random order each time, so that drift hits every
            // variant alike and no variant always follows another: issuing a 320 KB token leaves the server garbage
            // to collect, which a fixed order would always bill to the same successor.
            for (int i = 0; i < tokensPerRound(size); i++) {
                List<Integer> order = new ArrayList<>();
                for (int v = 0; v < variants; v++) {
                    order.add(v);
                }
                java.util.Collections.shuffle(order, random);
                for (int v : order) {
                    // Timed up to the response's last byte; the load generator parses it afterwards.
                    long start = System.nanoTime();
                    String body = send(refreshForm(v, refreshTokens[v]));
                    nanos.get(v).add(System.nanoTime() - start);
                    TokenSet tokens = TokenSet.parse(body);
                    refreshTokens[v] = tokens.refreshToken();
                    last[v] = tokens;
                }
            }
            for (int v = 0; v < variants; v++) {
                millis.get(v).add(Spread.of(nanos.get(v)).median() / 1e6);
            }
        }
        // The variants emit what they are named for.
        assertThat(last[0].accessTokenClaims().has("groups")).as("no group mapper").isFalse();
        assertThat(last[1].accessTokenClaims().get("groups").size()).as("built-in at %d", size).isEqualTo(size);
        assertThat(last[2].accessTokenClaims().get("groups").size()).as("ours unfiltered at %d", size).isEqualTo(size);
        assertThat(last[3].accessTokenClaims().get("groups").toString()).as("ours, subtree /escape")
                .isEqualTo("[\"/escape/users\"]");
        int[] access = new int[variants];
        int[] id = new int[variants];
        for (int v = 0; v < variants; v++) {
            access[v] = last[v].accessToken().length();
            id[v] = last[v].idToken().length();
        }
        return new SizeResult(size, millis, access, id);
    }

    /**
     * Tokens per variant and round, by size: a token for 10 memberships costs a few milliseconds, where one garbage
     * collection moves a round's median, so small sizes get many tokens (10 groups: 10×, 1,000: 6×); 10,000
     * memberships cost a third of a second per token and get twice the base number.
     */
    private int tokensPerRound(int size) {
        if (!settings.full()) {
            return settings.tokensPerRound();
        }
        int factor = size < 1_000 ? 10 : size < 10_000 ? 6 : 2;
        return factor * settings.tokensPerRound();
    }

    private TokenSet refresh(int variant, String refreshToken) {
        return TokenSet.parse(send(refreshForm(variant, refreshToken)));
    }

    private static Map<String, String> refreshForm(int variant, String refreshToken) {
        return Map.of("grant_type", "refresh_token", "client_id", client(variant), "client_secret", client(variant),
                "refresh_token", refreshToken);
    }

    private TokenSet token(Map<String, String> form) {
        return TokenSet.parse(send(form));
    }

    /** Own HTTP client with a long timeout: the first token for a user in 10,000 groups loads them all. */
    private String send(Map<String, String> form) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.realmUrl(REALM)
                            + "/protocol/openid-connect/token")).timeout(TOKEN_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(BrowserSession.formEncode(form))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("Token request failed: " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void report(BenchmarkReport report, List<SizeResult> results) {
        BenchmarkReport.Section section = report.section("3. Group claims: no mapper, built-in, ours",
                String.format(Locale.ROOT, "Users in %s groups (one of them `/escape/users`) in realm `%s`; four "
                        + "clients that differ only in their group mapper. Tokens from the refresh-token grant (every "
                        + "mapper runs again, no password hashing). %d warm-up token(s) per variant, then %d round(s) "
                        + "of %s tokens per variant, variants interleaved token by token in a random order drawn "
                        + "afresh for each token. "
                        + "Time: from sending the request to the response's last byte (the load generator parses "
                        + "it afterwards), per-round median; ratio: against no group mapper in the same round. Sizes: the "
                        + "access and ID token as issued (characters of the compact JWS).",
                        sizes(), REALM, settings.tokenWarmUp(), settings.rounds(), tokenCounts()),
                "groups", "variant", "ms per token", "vs no mapper", "access token bytes", "ID token bytes");
        BarChart time = new BarChart("Token issuance time relative to no group mapper", "× no group mapper", false)
                .reference(1.05, "+5% target");
        BarChart bytes = new BarChart("Access token size (log scale)", "bytes", true)
                .reference(EIGHT_KB, "8 KB");
        for (SizeResult r : results) {
            String category = String.format(Locale.ROOT, "%,d groups", r.groups());
            for (int v = 0; v < VARIANTS.size(); v++) {
                Spread ms = Spread.of(r.millis().get(v));
                Spread ratio = Spread.of(r.ratios(v));
                section.row(String.format(Locale.ROOT, "%,d", r.groups()), VARIANTS.get(v), ms.format("%.1f"),
                        v == 0 ? "1" : ratio.format("%.3f"), String.format(Locale.ROOT, "%,d", r.accessBytes()[v]),
                        String.format(Locale.ROOT, "%,d", r.idBytes()[v]));
                if (v > 0) {
                    time.bar(category, VARIANTS.get(v), ratio);
                }
                bytes.bar(category, VARIANTS.get(v), Spread.of(List.of(r.accessBytes()[v])));
                if (v >= 2) {
                    report.target(String.format(Locale.ROOT, "Group mapper (%s), %,d groups", VARIANTS.get(v),
                                    r.groups()), "≤ 1.05× no mapper", ratio.format("%.3f×"), ratio.median() <= 1.05,
                            missedWhy(v, r.groups()));
                }
            }
        }
        report.chart(section, "group-claims-time.png", time);
        report.chart(section, "group-claims-size.png", bytes);
        SizeResult largest = results.get(results.size() - 1);
        int tokenMax = Math.max(largest.accessBytes()[3], largest.idBytes()[3]);
        report.target(String.format(Locale.ROOT, "Subtree-filtered tokens at %,d memberships", largest.groups()),
                "< 8 KB (access and ID token)", String.format(Locale.ROOT, "%,d / %,d bytes",
                        largest.accessBytes()[3], largest.idBytes()[3]), tokenMax < EIGHT_KB,
                "the filtered token reached 8 KB");
    }

    private static String missedWhy(int variant, int groups) {
        if (variant == 2 && groups >= 1000) {
            return "unfiltered, the tokens carry every path: serialising, signing and sending them costs what the "
                    + "built-in mapper's equally large tokens cost";
        }
        return "reading the user's memberships and their paths (`user.getGroupsStream()` and each group's parent "
                + "from the realm cache), which any group mapper pays before it can filter";
    }

    private String tokenCounts() {
        StringBuilder text = new StringBuilder();
        for (int size : settings.groupCounts()) {
            text.append(text.length() == 0 ? "" : ", ").append(tokensPerRound(size));
        }
        return text + " (by size)";
    }

    private String sizes() {
        StringBuilder text = new StringBuilder();
        for (int size : settings.groupCounts()) {
            text.append(text.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,d", size));
        }
        return text.toString();
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> merged = new HashMap<>(a);
        merged.putAll(b);
        return merged;
    }

    private static String root(int index) {
        return "bench-groups-" + index;
    }

    private static String groupPath(int index) {
        return "/" + root(index / GROUPS_PER_ROOT) + "/g" + index;
    }

    private static String client(int variant) {
        return "bench-group-claims-" + variant;
    }

    private static String user(int size) {
        return "bench-member-of-" + size;
    }
}
