package org.sciencegateway.keycloak.hubtenants.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HubRegistrationRulesTest {

    private static final Map<String, String> TAKEN = Map.of("https://hub.physics.example.org", "physics-hub",
            "https://idp.example.org", "this server");

    private static HubRegistrationRules.Request hub(String... redirectUris) {
        return new HubRegistrationRules.Request(null, "Astro Hub", List.of(redirectUris), false, List.of());
    }

    private static Optional<HubRegistrationRules.Problem> judge(HubRegistrationRules.Request request) {
        return HubRegistrationRules.judge(request, Set.of("rucio", "ssh-gateway"), TAKEN);
    }

    @Test
    @DisplayName("Given a confidential hub with one https callback of its own, then it may register")
    void goodRequest() {
        assertThat(judge(hub("https://hub.astro.example.org/hub/oauth_callback"))).isEmpty();
        assertThat(judge(hub("https://hub.astro.example.org:8443/hub/oauth_callback",
                "https://hub.astro.example.org:8443/user/oauth_callback"))).isEmpty();
    }

    @Test
    @DisplayName("Given http, a wildcard, a relative URI, a query, a fragment or user info, then invalid_redirect_uri "
            + "naming the URI")
    void badRedirectUris() {
        for (String bad : List.of("http://hub.astro.example.org/hub/oauth_callback", "https://*.astro.example.org/cb",
                "https://hub.astro.example.org/*", "/hub/oauth_callback", "https://hub.astro.example.org/cb?x=1",
                "https://hub.astro.example.org/cb#f", "https://evil@hub.astro.example.org/cb", "https://[bad/cb")) {
            HubRegistrationRules.Problem problem = judge(hub(bad)).orElseThrow(() -> new AssertionError(bad));
            assertThat(problem.error()).as(bad).isEqualTo(HubRegistrationRules.INVALID_REDIRECT_URI);
            assertThat(problem.field()).isEqualTo("redirect_uris");
            assertThat(problem.description()).contains(bad.replace("\u0000", "?"));
        }
        assertThat(judge(hub()).orElseThrow().error()).isEqualTo(HubRegistrationRules.INVALID_REDIRECT_URI);
    }

    @Test
    @DisplayName("Given callbacks under two origins, or another client's origin (another hub, this server), then "
            + "invalid_redirect_uri; the default port is the same origin")
    void origins() {
        assertThat(judge(hub("https://hub.astro.example.org/a", "https://other.example.org/b")).orElseThrow()
                .description()).contains("share one origin");
        assertThat(judge(hub("https://HUB.physics.example.org:443/hub/oauth_callback")).orElseThrow()
                .description()).contains("belongs to another client");
        assertThat(judge(hub("https://idp.example.org/realms/vre/account/")).orElseThrow().error())
                .isEqualTo(HubRegistrationRules.INVALID_REDIRECT_URI);
    }

    @Test
    @DisplayName("Given a public client, other grants, no name, or a reserved client id, then invalid_client_metadata "
            + "naming the field")
    void badMetadata() {
        String cb = "https://hub.astro.example.org/hub/oauth_callback";
        assertThat(judge(new HubRegistrationRules.Request(null, "Astro", List.of(cb), true, List.of())).orElseThrow()
                .field()).isEqualTo("token_endpoint_auth_method");
        assertThat(judge(new HubRegistrationRules.Request(null, "Astro", List.of(cb), false,
                List.of("client_credentials", "password"))).orElseThrow().description())
                .contains("client_credentials, password");
        assertThat(judge(new HubRegistrationRules.Request(null, " ", List.of(cb), false, List.of())).orElseThrow()
                .field()).isEqualTo("client_name");
        for (String reserved : List.of("Rucio", "ssh-gateway", "admin-cli", "security-admin-console", "master-realm")) {
            HubRegistrationRules.Problem problem = judge(new HubRegistrationRules.Request(reserved, "Astro",
                    List.of(cb), false, List.of())).orElseThrow();
            assertThat(problem.error()).isEqualTo(HubRegistrationRules.INVALID_CLIENT_METADATA);
            assertThat(problem.field()).isEqualTo("client_id");
        }
        // an id close to a reserved one is not reserved
        assertThat(judge(new HubRegistrationRules.Request("ssh-gateway-2", "Astro", List.of(cb), false, List.of())))
                .isEmpty();
    }

    @Test
    @DisplayName("Given control characters in a refused value, then the message shows them as '?'")
    void printable() {
        assertThat(HubRegistrationRules.printable("a\nb\u0000")).isEqualTo("a?b?");
    }

    @Test
    @DisplayName("Given a hub's other URLs, then each must be https under the hub's own origin (a path or + is fine); "
            + "an address elsewhere — where Keycloak would send users or make calls — names its field")
    void otherUrlsStayUnderTheHubsOrigin() {
        List<String> redirect = List.of("https://hub.astro.example.org/hub/oauth_callback");
        java.util.Map<String, String> fine = new java.util.LinkedHashMap<>();
        fine.put("rootUrl", "https://hub.astro.example.org");
        fine.put("baseUrl", "/hub/");
        fine.put("webOrigins", "+");
        fine.put("post.logout.redirect.uris", "https://hub.astro.example.org/hub/*##+");
        fine.put("backchannel.logout.url", null);
        assertThat(HubRegistrationRules.urlsUnderHubOrigin(redirect, fine)).isEmpty();
        for (var bad : java.util.Map.of("adminUrl", "http://10.0.0.1:8080/", "backchannel.logout.url",
                "https://internal.example.org/logout", "jwks.url", "//evil.example.org/jwks",
                "post.logout.redirect.uris", "https://hub.astro.example.org/*##https://evil.example.org/*",
                "rootUrl", "http://hub.astro.example.org").entrySet()) {
            var problem = HubRegistrationRules.urlsUnderHubOrigin(redirect, java.util.Map.of(bad.getKey(), bad.getValue()));
            assertThat(problem).as(bad.toString()).isPresent();
            assertThat(problem.get().field()).isEqualTo(bad.getKey());
            assertThat(problem.get().description()).contains("https://hub.astro.example.org");
        }
    }

    @Test
    @DisplayName("Given another client on localhost, then a hub on 127.0.0.1 or [::1] with the same port is refused: one "
            + "machine's loopback origins are one host's")
    void loopbackNamesAreOneHost() {
        java.util.Map<String, String> taken = java.util.Map.of("https://localhost:8001", "other-gateway");
        for (String uri : List.of("https://127.0.0.1:8001/hub/oauth_callback", "https://[::1]:8001/cb",
                "https://127.0.0.2:8001/cb")) {
            assertThat(HubRegistrationRules.judge(new HubRegistrationRules.Request(null, "H", List.of(uri), false,
                    List.of()), java.util.Set.of(), taken)).as(uri).isPresent();
        }
        assertThat(HubRegistrationRules.judge(new HubRegistrationRules.Request(null, "H",
                List.of("https://127.0.0.1:8002/cb"), false, List.of()), java.util.Set.of(), taken)).isEmpty();
    }

    @Test
    @DisplayName("Given the third review's spellings of this machine and of another hub's host (trailing dot, ::1 in "
            + "full, IPv4-mapped, one decimal number, 0.0.0.0), then each is refused as the origin it names")
    void everySpellingOfAHostIsThatHost() {
        java.util.Map<String, String> taken = java.util.Map.of("https://localhost:8001", "other-gateway",
                "https://localhost:18080", "this server", "https://hub.other.example.org", "other-hub");
        for (String uri : List.of("https://localhost.:8001/x", "https://LOCALHOST.:8001/x",
                "https://[0:0:0:0:0:0:0:1]:18080/cb", "https://[::ffff:127.0.0.1]:18080/cb",
                "https://2130706433:18080/cb", "https://0x7f.1:18080/cb", "https://0177.0.0.1:18080/cb",
                "https://0.0.0.0:18080/cb", "https://[::]:18080/cb", "https://hub.other.example.org./cb",
                "https://HUB.other.example.org.:443/cb")) {
            assertThat(HubRegistrationRules.judge(new HubRegistrationRules.Request(null, "H", List.of(uri), false,
                    List.of()), java.util.Set.of(), taken)).as(uri).isPresent();
        }
        assertThat(HubRegistrationRules.canonicalHost("2130706433")).isEqualTo("127.0.0.1");
        assertThat(HubRegistrationRules.canonicalHost("0x7f.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(HubRegistrationRules.canonicalHost("127.1")).isEqualTo("127.0.0.1");
        assertThat(HubRegistrationRules.canonicalHost("[2001:0db8:0:0:0:0:0:0001]")).isEqualTo("[2001:db8::1]");
        assertThat(HubRegistrationRules.canonicalHost("[::ffff:7f00:1]")).isEqualTo("127.0.0.1");
        assertThat(HubRegistrationRules.canonicalHost("hub.example.org.")).isEqualTo("hub.example.org");
        assertThat(HubRegistrationRules.canonicalHost("1.2.3.4.example.org")).isEqualTo("1.2.3.4.example.org");
        assertThat(HubRegistrationRules.canonicalHost("256.1.1.1")).isEqualTo("256.1.1.1"); // no address: a name
        // different hosts stay different
        assertThat(HubRegistrationRules.judge(new HubRegistrationRules.Request(null, "H",
                List.of("https://hub.new.example.org/cb"), false, List.of()), java.util.Set.of(), taken)).isEmpty();
    }
}
