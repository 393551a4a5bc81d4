package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * One real-server test per format and option of the group mapper. Each test creates its own client with the
 * mappers under test through the admin REST API (so the console's save-time validation runs), signs in a test
 * user of realm {@code vre} with the authorization-code flow, and removes what it created.
 */
@DisplayName("group-mapper: formats, options and save-time validation on a real server")
@ExtendWith(SharedKeycloak.class)
class GroupMapperFormatsIT {

    private static final String REALM = "vre";
    private static final String USER = "gm-tester";
    private static final String REALM_ROLE = "gm-staff";
    private static final String INTROSPECTOR = "gm-formats-introspector";
    private static final String INTROSPECTOR_SECRET = "gm-formats-introspector-secret";
    private static final String REDIRECT_URI = "http://localhost:8999/gm/callback";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static String userId;
    private static int clientCounter;

    private final List<String> createdClients = new ArrayList<>();
    private final List<String> createdClientScopes = new ArrayList<>();

    @BeforeAll
    static void createUserAndIntrospector() {
        admin.post("/admin/realms/" + REALM + "/roles", Map.of("name", REALM_ROLE)).ok();
        admin.post("/admin/realms/" + REALM + "/users", Map.of("username", USER, "enabled", true,
                "email", USER + "@vre.example.org", "emailVerified", true, "firstName", "Group", "lastName", "Tester",
                "credentials", List.of(Map.of("type", "password", "value", USER, "temporary", false)))).ok();
        userId = admin.userId(REALM, USER);
        for (String path : List.of("escape/users", "escape/admins", "escape/data-managers", "other-project/users")) {
            admin.put(users("/groups/" + groupId(path)), Map.of()).ok();
        }
        JsonNode role = admin.get("/admin/realms/" + REALM + "/roles/" + REALM_ROLE).ok();
        admin.post(users("/role-mappings/realm"), List.of(role)).ok();
        admin.post("/admin/realms/" + REALM + "/clients", Map.of("clientId", INTROSPECTOR, "secret", INTROSPECTOR_SECRET,
                "publicClient", false, "standardFlowEnabled", false,
                "attributes", Map.of("allow.token.introspection.without.audience.check", "true"))).ok();
    }

    @AfterAll
    static void removeUserAndIntrospector() {
        admin.delete(users("")).ok();
        admin.delete("/admin/realms/" + REALM + "/roles/" + REALM_ROLE).ok();
        admin.delete("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, INTROSPECTOR)).ok();
    }

    @AfterEach
    void removeCreated() {
        for (String uuid : createdClients) {
            admin.delete("/admin/realms/" + REALM + "/clients/" + uuid).ok();
        }
        for (String id : createdClientScopes) {
            admin.delete("/admin/realms/" + REALM + "/client-scopes/" + id).ok();
        }
    }

    // ---------------------------------------------------------------- formats

    @Test
    @DisplayName("Given format name over two subtrees, then each name appears once (users is in both), sorted by path")
    void nameFormat() {
        HubClient client = client(Map.of());
        addMapper(client, "names", Map.of("group.format", "name", "group.subtree.roots", "/escape##/other-project"));

        assertThat(strings(login(client).idTokenClaims(), "names")).containsExactly("admins", "data-managers", "users");
    }

    @Test
    @DisplayName("Given format full-path with include and exclude patterns, then only matching, non-excluded paths appear")
    void fullPathWithPatterns() {
        HubClient client = client(Map.of());
        addMapper(client, "groups", Map.of("group.format", "full-path", "group.include.patterns", "/escape/.*",
                "group.exclude.patterns", ".*/data-managers"));

        assertThat(strings(login(client).idTokenClaims(), "groups")).containsExactly("/escape/admins", "/escape/users");
    }

    @Test
    @DisplayName("Given format path-without-leading-slash, then groups read escape/users as INDIGO IAM writes them")
    void pathWithoutLeadingSlash() {
        HubClient client = client(Map.of());
        addMapper(client, "groups", Map.of("group.format", "path-without-leading-slash", "group.subtree.roots", "/escape"));

        assertThat(strings(login(client).idTokenClaims(), "groups"))
                .containsExactly("escape/admins", "escape/data-managers", "escape/users");
    }

    @Test
    @DisplayName("Given format relative-path with subtree /escape, then paths are relative to it")
    void relativePath() {
        HubClient client = client(Map.of());
        addMapper(client, "groups", Map.of("group.format", "relative-path", "group.subtree.roots", "/escape"));

        assertThat(strings(login(client).idTokenClaims(), "groups")).containsExactly("admins", "data-managers", "users");
    }

    @Test
    @DisplayName("Given parent groups on, then /escape joins its members' groups; off, a child does not imply its parent")
    void parentGroups() {
        HubClient client = client(Map.of());
        addMapper(client, "with_parents", Map.of("group.subtree.roots", "/escape", "group.include.parents", "true"));
        addMapper(client, "without_parents", Map.of("group.subtree.roots", "/escape", "group.include.parents", "false"));

        JsonNode id = login(client).idTokenClaims();

        assertThat(strings(id, "with_parents"))
                .containsExactly("/escape", "/escape/admins", "/escape/data-managers", "/escape/users");
        assertThat(strings(id, "without_parents")).containsExactly("/escape/admins", "/escape/data-managers", "/escape/users");
    }

    @Test
    @DisplayName("Given realm roles and the client roles of a chosen client, then their names join the groups in the same claim")
    void rolesInTheSameClaim() {
        HubClient client = client(Map.of());
        String clientUuid = admin.clientUuid(REALM, client.clientId());
        grantClientRoleToGroup(clientUuid, "manager", "escape/admins");
        addMapper(client, "groups", Map.of("group.subtree.roots", "/escape", "roles.realm", "true",
                "roles.client", client.clientId()));

        List<String> groups = strings(login(client).idTokenClaims(), "groups");

        assertThat(groups).startsWith("/escape/admins", "/escape/data-managers", "/escape/users")
                .contains(REALM_ROLE, "manager")
                .doesNotContain("manage-account", "view-profile")
                .doesNotHaveDuplicates();
    }

    @Test
    @DisplayName("Given format wlcg with an optional group, then it appears only when requested by scope wlcg.groups:/vo/group, and first")
    void wlcgOptionalGroupRequestedByScope() {
        String scope = "wlcg.groups:/escape/data-managers";
        HubClient client = client(Map.of());
        addOptionalClientScope(client, scope);
        addMapper(client, "wlcg.groups", Map.of("claim.name.literal", "true", "group.format", "wlcg",
                "group.subtree.roots", "/escape", "wlcg.optional.groups", "/escape/data-managers"));

        JsonNode unrequested = login(client).accessTokenClaims();
        JsonNode requested = login(client, "openid " + scope).accessTokenClaims();

        assertThat(strings(unrequested, "wlcg.groups")).containsExactly("/escape/admins", "/escape/users");
        assertThat(strings(requested, "wlcg.groups"))
                .containsExactly("/escape/data-managers", "/escape/admins", "/escape/users");
        assertThat(requested.get("scope").asText()).contains(scope);
    }

    @Test
    @DisplayName("Given a WLCG scope for a group outside the subtree, then requesting it adds nothing (bypass: scope widens selection)")
    void wlcgRequestCannotWidenSelection() {
        String scope = "wlcg.groups:/other-project/users";
        HubClient client = client(Map.of());
        addOptionalClientScope(client, scope);
        addMapper(client, "wlcg.groups", Map.of("claim.name.literal", "true", "group.format", "wlcg",
                "group.subtree.roots", "/escape"));

        JsonNode token = login(client, "openid " + scope).accessTokenClaims();

        assertThat(token.get("scope").asText()).contains(scope);
        assertThat(strings(token, "wlcg.groups"))
                .containsExactly("/escape/admins", "/escape/data-managers", "/escape/users");
    }

    @Test
    @DisplayName("Given AARC entitlements with client roles and an authority, then each group has role=member plus one value per role it grants")
    void aarcEntitlements() {
        HubClient client = client(Map.of());
        String clientUuid = admin.clientUuid(REALM, client.clientId());
        grantClientRoleToGroup(clientUuid, "manager", "escape/admins");
        addMapper(client, "eduperson_entitlement", Map.of("group.format", "aarc-entitlement",
                "group.subtree.roots", "/escape", "roles.client", client.clientId(),
                "aarc.namespace", "urn:mace:vre.example.org", "aarc.authority", "aai.vre.example.org"));

        assertThat(strings(login(client).idTokenClaims(), "eduperson_entitlement")).containsExactly(
                "urn:mace:vre.example.org:group:escape:admins:role=member#aai.vre.example.org",
                "urn:mace:vre.example.org:group:escape:admins:role=manager#aai.vre.example.org",
                "urn:mace:vre.example.org:group:escape:data-managers:role=member#aai.vre.example.org",
                "urn:mace:vre.example.org:group:escape:users:role=member#aai.vre.example.org");
    }

    // ---------------------------------------------------------------- claim names and targets

    @Test
    @DisplayName("Given dotted claim names, then the literal option and the \\. escape keep one claim; a plain dot nests")
    void literalDottedClaimNames() {
        HubClient client = client(Map.of());
        addMapper(client, "a.b", Map.of("claim.name.literal", "true", "group.subtree.roots", "/escape"));
        addMapper(client, "c\\.d", Map.of("group.subtree.roots", "/escape"));
        addMapper(client, "e.f", Map.of("group.subtree.roots", "/escape"));

        JsonNode id = login(client).idTokenClaims();

        assertThat(strings(id, "a.b")).contains("/escape/users");
        assertThat(strings(id, "c.d")).contains("/escape/users");
        assertThat(id.has("a")).isFalse();
        assertThat(id.has("c")).isFalse();
        assertThat(id.has("e.f")).isFalse();
        assertThat(strings(id.get("e"), "f")).contains("/escape/users");
    }

    @Test
    @DisplayName("Given a client with lightweight access tokens, then only mappers targeting the lightweight token put groups in it")
    void lightweightAccessToken() {
        HubClient client = client(Map.of("client.use.lightweight.access.token.enabled", "true"));
        addMapper(client, "lightweight_groups", Map.of("group.subtree.roots", "/escape", "lightweight.claim", "true"));
        addMapper(client, "regular_groups", Map.of("group.subtree.roots", "/escape", "lightweight.claim", "false"));

        TokenSet tokens = login(client);
        JsonNode access = tokens.accessTokenClaims();

        assertThat(strings(access, "lightweight_groups")).containsExactly("/escape/admins", "/escape/data-managers", "/escape/users");
        assertThat(access.has("regular_groups")).isFalse();
        assertThat(strings(tokens.idTokenClaims(), "regular_groups")).contains("/escape/users");
    }

    @Test
    @DisplayName("Given the introspection target only, then groups are absent from the tokens and present in the introspection response")
    void introspectionTarget() {
        HubClient client = client(Map.of());
        addMapper(client, "introspected_groups", Map.of("group.subtree.roots", "/escape", "id.token.claim", "false",
                "access.token.claim", "false", "userinfo.token.claim", "false", "introspection.token.claim", "true"));

        TokenSet tokens = login(client);
        JsonNode introspection = OidcCalls.introspect(server, REALM, INTROSPECTOR, INTROSPECTOR_SECRET, tokens.accessToken());

        assertThat(tokens.accessTokenClaims().has("introspected_groups")).isFalse();
        assertThat(tokens.idTokenClaims().has("introspected_groups")).isFalse();
        assertThat(strings(introspection, "introspected_groups"))
                .containsExactly("/escape/admins", "/escape/data-managers", "/escape/users");
    }

    @Test
    @DisplayName("Given the userinfo target only, then groups are in the userinfo response and in no token")
    void userinfoTarget() {
        HubClient client = client(Map.of());
        addMapper(client, "userinfo_groups", Map.of("group.subtree.roots", "/escape", "id.token.claim", "false",
                "access.token.claim", "false", "userinfo.token.claim", "true", "introspection.token.claim", "false"));

        TokenSet tokens = login(client);

        assertThat(tokens.accessTokenClaims().has("userinfo_groups")).isFalse();
        assertThat(tokens.idTokenClaims().has("userinfo_groups")).isFalse();
        assertThat(strings(OidcCalls.userinfo(server, REALM, tokens.accessToken()), "userinfo_groups"))
                .containsExactly("/escape/admins", "/escape/data-managers", "/escape/users");
    }

    // ---------------------------------------------------------------- save-time validation

    static List<Arguments> badConfigs() {
        return List.of(
                Arguments.of("a pattern that does not compile", Map.of("group.include.patterns", "/escape/(users"),
                        "Include pattern \"/escape/(users\" is not a valid regular expression (Unclosed group"),
                Arguments.of("an exclude pattern that does not compile", Map.of("group.exclude.patterns", "/escape/{2"),
                        "Exclude pattern \"/escape/{2\" is not a valid regular expression"),
                Arguments.of("an unknown client for client roles", Map.of("roles.client", "no-such-client"),
                        "Client \"no-such-client\" chosen for client roles does not exist in realm \"vre\""),
                Arguments.of("AARC without namespace", Map.of("group.format", "aarc-entitlement",
                        "aarc.authority", "aai.vre.example.org"), "AARC entitlements need a namespace"),
                Arguments.of("AARC without authority", Map.of("group.format", "aarc-entitlement",
                        "aarc.namespace", "urn:mace:vre.example.org"), "AARC entitlements need a group authority"),
                Arguments.of("a subtree root that is no group", Map.of("group.subtree.roots", "/escape/no-such-group"),
                        "Subtree root \"/escape/no-such-group\" is not a group path in realm \"vre\""),
                Arguments.of("a subtree root that is not a path", Map.of("group.subtree.roots", "escape"),
                        "Subtree root \"escape\" is not a group path: it must start with \"/\""),
                Arguments.of("WLCG with roles", Map.of("group.format", "wlcg", "roles.realm", "true"),
                        "WLCG groups carry no roles"),
                Arguments.of("a WLCG optional group that is no group", Map.of("group.format", "wlcg",
                        "wlcg.optional.groups", "/escape/nope"), "WLCG optional group \"/escape/nope\" is not a group path"),
                Arguments.of("an unknown format", Map.of("group.format", "csv"), "Group format \"csv\" is unknown"),
                Arguments.of("a standard claim as claim name (bypass: groups into aud)", Map.of("claim.name", "aud"),
                        "Token claim name \"aud\" is a standard claim"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    @DisplayName("Given a bad configuration, when an admin saves the mapper, then it is refused with a message saying what to fix")
    void badConfigRefusedAtSave(String description, Map<String, String> config, String message) {
        HubClient client = client(Map.of());
        String models = "/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, client.clientId())
                + "/protocol-mappers/models";

        KeycloakAdmin.Response response = admin.post(models, mapper("bad", config));

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().path("error_description").asText()).contains(message);
        assertThat(admin.get(models).ok().findValuesAsText("name")).doesNotContain("bad");
    }

    @Test
    @DisplayName("Given a saved mapper, when an admin updates it with a bad pattern, then the update is refused and the mapper unchanged")
    void badUpdateRefused() {
        HubClient client = client(Map.of());
        String models = "/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, client.clientId())
                + "/protocol-mappers/models";
        addMapper(client, "groups", Map.of("group.subtree.roots", "/escape"));
        JsonNode saved = admin.get(models).ok().findParents("name").stream()
                .filter(m -> m.path("name").asText().equals("groups")).findFirst().orElseThrow();
        Map<String, Object> update = MAPPER.convertValue(saved, Map.class);
        Map<String, String> config = new HashMap<>(MAPPER.convertValue(saved.get("config"), Map.class));
        config.put("group.include.patterns", "[a-");
        update.put("config", config);

        KeycloakAdmin.Response response = admin.put(models + "/" + saved.get("id").asText(), update);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().path("error_description").asText())
                .contains("Include pattern \"[a-\" is not a valid regular expression");
        assertThat(admin.get(models + "/" + saved.get("id").asText()).ok().path("config").has("group.include.patterns"))
                .isFalse();
    }

    // ---------------------------------------------------------------- helpers

    private HubClient client(Map<String, String> attributes) {
        String clientId = "gm-formats-" + (++clientCounter);
        String secret = clientId + "-secret";
        admin.post("/admin/realms/" + REALM + "/clients", Map.of("clientId", clientId, "secret", secret,
                "publicClient", false, "standardFlowEnabled", true, "directAccessGrantsEnabled", false,
                "redirectUris", List.of(REDIRECT_URI), "attributes", attributes)).ok();
        createdClients.add(admin.clientUuid(REALM, clientId));
        return new HubClient(REALM, clientId, secret, REDIRECT_URI);
    }

    /** Adds a group mapper through the admin API (save-time validation runs); every token target on unless overridden. */
    private static void addMapper(HubClient client, String claimName, Map<String, String> config) {
        Map<String, String> full = new HashMap<>(Map.of("claim.name", claimName, "id.token.claim", "true",
                "access.token.claim", "true", "userinfo.token.claim", "true", "introspection.token.claim", "true"));
        full.putAll(config);
        admin.post("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, client.clientId())
                + "/protocol-mappers/models", mapper(claimName, full)).ok();
    }

    private static Map<String, Object> mapper(String name, Map<String, String> config) {
        Map<String, String> full = new HashMap<>(config);
        full.putIfAbsent("claim.name", "groups");
        return Map.of("name", name, "protocol", "openid-connect", "protocolMapper", "science-gateway-group-mapper",
                "config", full);
    }

    /** WLCG group requests are client scopes named like the scope value, offered to the client as optional. */
    private void addOptionalClientScope(HubClient client, String name) {
        admin.post("/admin/realms/" + REALM + "/client-scopes", Map.of("name", name, "protocol", "openid-connect",
                "attributes", Map.of("include.in.token.scope", "true", "display.on.consent.screen", "false"))).ok();
        String scopeId = admin.get("/admin/realms/" + REALM + "/client-scopes").ok().findParents("name").stream()
                .filter(s -> s.path("name").asText().equals(name)).findFirst().orElseThrow().get("id").asText();
        createdClientScopes.add(scopeId);
        admin.put("/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, client.clientId())
                + "/optional-client-scopes/" + scopeId, Map.of()).ok();
    }

    private static void grantClientRoleToGroup(String clientUuid, String role, String groupPath) {
        admin.post("/admin/realms/" + REALM + "/clients/" + clientUuid + "/roles", Map.of("name", role)).ok();
        JsonNode roleRep = admin.get("/admin/realms/" + REALM + "/clients/" + clientUuid + "/roles/" + role).ok();
        admin.post("/admin/realms/" + REALM + "/groups/" + groupId(groupPath) + "/role-mappings/clients/" + clientUuid,
                List.of(roleRep)).ok();
    }

    private static TokenSet login(HubClient client) {
        return login(client, "openid profile email");
    }

    private static TokenSet login(HubClient client, String scope) {
        HubLogin login = new HubLogin(server, new BrowserSession(), client).scope(scope);
        login.start();
        login.signIn(USER, USER);
        return login.exchangeCode();
    }

    private static List<String> strings(JsonNode claims, String claim) {
        JsonNode value = claims.get(claim);
        assertThat(value).as("claim %s in %s", claim, claims).isNotNull();
        assertThat(value.isArray()).as("claim %s is a list: %s", claim, value).isTrue();
        List<String> values = new ArrayList<>();
        value.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static String groupId(String path) {
        return admin.get("/admin/realms/" + REALM + "/group-by-path/" + path).ok().get("id").asText();
    }

    private static String users(String suffix) {
        return "/admin/realms/" + REALM + "/users/" + userId + suffix;
    }
}
