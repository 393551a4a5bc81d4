package org.sciencegateway.keycloak.it.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Issue 30, review to self-service: a hub requested by RFC 7591 names its owners (contacts, accounts of the realm);
 * the realm's reviewers are e-mailed; a realm admin's enabling approves it (new secret, the owners' fine-grained
 * console rights, e-mail); its owner reads and rotates the secret and edits only their hub, within the realm's
 * institution baseline; the token boundary refuses what the console could not stop.
 */
@DisplayName("Hub tenants: review, approval, owners' self-service within the realm baseline (issue 30)")
@ExtendWith(SharedKeycloak.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HubLifecycleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY_TYPE = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";
    private static final String REVIEW = "hub-review@vre.example.org";
    private static final String OWNER = "hubowner";
    private static final String OWNER_EMAIL = "hubowner@institution-a.example.org";
    private static final String HUB_ORIGIN = "https://hub.lifecycle.example.org";
    private static final String CALLBACK = HUB_ORIGIN + "/hub/oauth_callback";
    private static final String BASELINE = """
            {"allow": [{"name": "lab institutions", "idp": ["institution-a", "institution-b", "institution-saml",
                        "federation-proxy"]}],
             "deny": [{"name": "never blocked", "idp": "institution-blocked"}]}""";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static GreenMail mail;
    private static final List<Runnable> undo = new ArrayList<>();
    private static String initialAccessToken;
    private static KeycloakAdmin owner;
    private static String hubUuid;
    private static String hubClientId;
    private static String registrationSecret;
    private static String secret;

    @BeforeAll
    static void setUp() throws IOException {
        int port = KeycloakServer.freePort();
        mail = new GreenMail(new ServerSetup(port, "127.0.0.1", "smtp"));
        mail.start();
        JsonNode realm = admin.get("/admin/realms/vre").ok();
        String realmId = realm.path("id").asText();
        JsonNode smtpBefore = realm.path("smtpServer");
        admin.put("/admin/realms/vre", Map.of("smtpServer", Map.of("host", "127.0.0.1", "port", String.valueOf(port),
                "from", "keycloak@vre.example.org"))).ok();
        undo.add(() -> admin.put("/admin/realms/vre", Map.of("smtpServer", smtpBefore)));
        // the lab realm's own settings this test relies on: owners' permissions, the lifecycle executor, hub-admins
        assertThat(realm.path("adminPermissionsEnabled").asBoolean()).isTrue();
        assertThat(admin.get("/admin/realms/vre/client-policies/policies").ok().toString()).contains("hub-lifecycle");
        id(admin.get("/admin/realms/vre/groups?search=hub-admins").ok(), "name", "hub-admins");

        // a registration policy with reviewers, and Keycloak's mapper-type policy letting the hub's mappers stay
        admin.post("/admin/realms/vre/components", Map.of("name", "Science gateway hubs (lifecycle)", "providerId",
                "sg-hub-registration", "providerType", POLICY_TYPE, "subType", "authenticated", "parentId", realmId,
                "config", Map.of("template.client", List.of("jupyterhub"), "reserved.client.ids",
                        List.of("rucio", "ssh-gateway"), "review.emails", List.of(REVIEW)))).ok();
        for (JsonNode component : admin.get("/admin/realms/vre/components?type=" + POLICY_TYPE).ok()) {
            String id = component.path("id").asText();
            if ("Science gateway hubs (lifecycle)".equals(component.path("name").asText())) {
                undo.add(() -> admin.delete("/admin/realms/vre/components/" + id));
            }
            if ("authenticated".equals(component.path("subType").asText())
                    && "allowed-protocol-mappers".equals(component.path("providerId").asText())) {
                ObjectNode allowed = component.deepCopy();
                ArrayNode types = allowed.with("config").withArray("allowed-protocol-mapper-types");
                for (String type : List.of("sg-institution-filter", "science-gateway-group-mapper",
                        "science-gateway-assurance-mapper")) {
                    if (!types.toString().contains("\"" + type + "\"")) {
                        types.add(type);
                    }
                }
                admin.put("/admin/realms/vre/components/" + id, allowed).ok();
            }
        }
        // the realm's baseline for this test: never institution-blocked (the lab's own, if set up, is restored)
        String scopeId = null;
        for (JsonNode scope : admin.get("/admin/realms/vre/client-scopes").ok()) {
            if ("institution-baseline".equals(scope.path("name").asText())) {
                scopeId = scope.path("id").asText();
            }
        }
        if (scopeId == null) {
            admin.post("/admin/realms/vre/client-scopes", Map.of("name", "institution-baseline", "protocol",
                    "openid-connect", "description", "Realm baseline every hub's institution rules narrow")).ok();
            String created = id(admin.get("/admin/realms/vre/client-scopes").ok(), "name", "institution-baseline");
            undo.add(() -> admin.delete("/admin/realms/vre/client-scopes/" + created));
            admin.post("/admin/realms/vre/client-scopes/" + created + "/protocol-mappers/models", Map.of("name",
                    "baseline", "protocol", "openid-connect", "protocolMapper", "sg-institution-filter", "config",
                    Map.of("rules", BASELINE))).ok();
        } else {
            String mappers = "/admin/realms/vre/client-scopes/" + scopeId + "/protocol-mappers/models";
            ObjectNode filter = (ObjectNode) admin.get(mappers).ok().get(0);
            ObjectNode before = filter.deepCopy();
            filter.with("config").put("rules", BASELINE);
            String mapperPath = mappers + "/" + filter.path("id").asText();
            admin.put(mapperPath, filter).ok();
            undo.add(() -> admin.put(mapperPath, before));
        }
        admin.post("/admin/realms/vre/users", Map.of("username", OWNER, "email", OWNER_EMAIL, "emailVerified", true,
                "firstName", "Hub", "lastName", "Owner", "enabled", true, "credentials",
                List.of(Map.of("type", "password", "value", OWNER, "temporary", false)))).ok();
        String ownerId = admin.userId("vre", OWNER);
        undo.add(() -> admin.delete("/admin/realms/vre/users/" + ownerId));
        owner = new KeycloakAdmin(server, "vre", OWNER, OWNER);
        initialAccessToken = admin.post("/admin/realms/vre/clients-initial-access",
                Map.of("count", 10, "expiration", 3600)).json().path("token").asText();
    }

    @AfterAll
    static void tearDown() {
        if (hubUuid != null) {
            admin.delete("/admin/realms/vre/clients/" + hubUuid);
        }
        for (int i = undo.size() - 1; i >= 0; i--) {
            undo.get(i).run();
        }
        if (mail != null) {
            mail.stop();
        }
    }

    private static String id(JsonNode list, String field, String value) {
        for (JsonNode item : list) {
            if (value.equals(item.path(field).asText())) {
                return item.path("id").asText();
            }
        }
        throw new AssertionError(value + " not in " + list);
    }

    private static HttpResponse<String> register(Map<String, Object> metadata) {
        try {
            return Http.send(Http.request(server.realmUrl("vre") + "/clients-registrations/openid-connect")
                    .header("Authorization", "Bearer " + initialAccessToken)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(metadata))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> request(String name, Object contacts) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("client_name", name);
        metadata.put("redirect_uris", List.of(CALLBACK));
        metadata.put("token_endpoint_auth_method", "client_secret_post"); // the test's token requests send a form
        metadata.put("grant_types", List.of("authorization_code", "refresh_token"));
        metadata.put("contacts", contacts);
        return metadata;
    }

    /** The messages to {@code address}, once the server has received {@code received} messages in all. */
    private static List<MimeMessage> mailTo(String address, int received) {
        mail.waitForIncomingEmail(15_000, received);
        return Arrays.stream(mail.getReceivedMessages())
                .filter(m -> {
                    try {
                        return Arrays.stream(m.getAllRecipients()).anyMatch(r -> r.toString().contains(address));
                    } catch (jakarta.mail.MessagingException e) {
                        return false;
                    }
                }).toList();
    }

    /** The token endpoint's answer to a code exchange with a bogus code: tells a working secret (invalid_grant) from a dead one (401). */
    private static BrowserSession.Page bogusCodeExchange(String clientSecret) {
        return new BrowserSession().post(server.realmUrl("vre") + "/protocol/openid-connect/token", Map.of(
                "grant_type", "authorization_code", "code", "bogus", "redirect_uri", CALLBACK,
                "client_id", hubClientId, "client_secret", clientSecret, "code_verifier", "x".repeat(43)));
    }

    @Test
    @Order(1)
    @DisplayName("Given a request naming its owner, then the hub is pending, described in the console's client list, "
            + "the reviewers are e-mailed, and nothing works at it; unknown owners and foreign URLs are refused")
    void requestIsPendingAndReviewed() throws Exception {
        HttpResponse<String> unknown = register(request("Unknown Owner Hub", List.of("nobody@nowhere.example.org")));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).path("error_description").asText()).contains("nobody@nowhere.example.org");
        HttpResponse<String> none = register(request("No Owner Hub", List.of()));
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(none.body()).path("error_description").asText()).contains("contacts");
        Map<String, Object> foreignLogout = request("Logout Elsewhere Hub", List.of(OWNER_EMAIL));
        foreignLogout.put("backchannel_logout_uri", "http://10.0.0.1:8080/internal");
        HttpResponse<String> ssrf = register(foreignLogout);
        assertThat(ssrf.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(ssrf.body()).path("error_description").asText()).contains("backchannel.logout.url");

        // the review's replays: a sector identifier URI Keycloak would fetch, pairwise subjects, unsigned ID tokens
        com.sun.net.httpserver.HttpServer listener = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger fetched = new java.util.concurrent.atomic.AtomicInteger();
        listener.createContext("/", exchange -> {
            fetched.incrementAndGet();
            byte[] body = ("[\"" + CALLBACK + "\"]").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        listener.start();
        try {
            Map<String, Object> sector = request("Sector Hub", List.of(OWNER_EMAIL));
            sector.put("subject_type", "pairwise");
            sector.put("sector_identifier_uri", "http://127.0.0.1:" + listener.getAddress().getPort() + "/sector");
            HttpResponse<String> refusedSector = register(sector);
            assertThat(refusedSector.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(refusedSector.body()).path("error_description").asText())
                    .contains("sector_identifier_uri");
            assertThat(fetched.get()).as("requests the server made to the sector identifier URI").isZero();
        } finally {
            listener.stop(0);
        }
        Map<String, Object> unsigned = request("Unsigned Hub", List.of(OWNER_EMAIL));
        unsigned.put("id_token_signed_response_alg", "none");
        HttpResponse<String> refusedUnsigned = register(unsigned);
        assertThat(refusedUnsigned.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refusedUnsigned.body()).path("error_description").asText())
                .contains("id_token_signed_response_alg");

        HttpResponse<String> response = register(request("Lifecycle Hub", List.of(OWNER_EMAIL)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode registration = JSON.readTree(response.body());
        hubClientId = registration.path("client_id").asText();
        registrationSecret = registration.path("client_secret").asText();
        hubUuid = admin.clientUuid("vre", hubClientId);
        JsonNode hub = admin.get("/admin/realms/vre/clients/" + hubUuid).ok();
        assertThat(hub.path("enabled").asBoolean()).isFalse();
        assertThat(hub.path("description").asText()).isEqualTo("Pending approval: requested for " + OWNER_EMAIL);
        assertThat(hub.path("attributes").path("sg.hub.owners").asText()).isEqualTo(admin.userId("vre", OWNER));

        List<MimeMessage> review = mailTo(REVIEW, 1);
        assertThat(review).hasSize(1);
        assertThat(review.get(0).getSubject()).isEqualTo("Hub pending approval: Lifecycle Hub");
        assertThat(GreenMailUtil.getBody(review.get(0))).contains(hubClientId, CALLBACK, OWNER_EMAIL);

        // nothing before approval: no console rights for the owner, no login, no working secret
        assertThat(owner.get("/admin/realms/vre/clients/" + hubUuid).status()).isEqualTo(403);
        HubLogin login = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId,
                registrationSecret, CALLBACK));
        BrowserSession.Page start = login.start();
        assertThat(login.reachedHub()).isFalse();
        assertThat(start.status()).as("%s", start).isBetween(400, 499);
        assertThat(bogusCodeExchange(registrationSecret).status()).isEqualTo(401); // Keycloak: unauthorized_client, invalid credentials
        // the owner (or anyone but a realm admin) cannot approve it: no rights, and the lifecycle refuses it anyway
        assertThat(owner.put("/admin/realms/vre/clients/" + hubUuid, Map.of("enabled", true)).status()).isEqualTo(403);
    }

    @Test
    @Order(2)
    @DisplayName("Given a realm admin enables the pending hub, then it is approved with a new secret, its owner is "
            + "e-mailed and reads and rotates the secret, the registration's secret no longer works, the hub logs "
            + "alice in, and exchanges her token for rucio where the rucio policy admits approved hubs")
    void approvalHandsTheHubToItsOwner() throws Exception {
        ObjectNode hub = (ObjectNode) admin.get("/admin/realms/vre/clients/" + hubUuid).ok();
        hub.put("enabled", true);
        KeycloakAdmin.Response approval = admin.put("/admin/realms/vre/clients/" + hubUuid, hub);
        assertThat(approval.status()).as(approval.body()).isEqualTo(204);
        JsonNode approved = admin.get("/admin/realms/vre/clients/" + hubUuid).ok();
        assertThat(approved.path("attributes").path("sg.hub.state").asText()).isEqualTo("approved");
        assertThat(approved.path("attributes").path("sg.hub.approved-by").asText()).isEqualTo("admin");

        List<MimeMessage> told = mailTo(OWNER_EMAIL, 2); // after the reviewers' one
        assertThat(told).hasSize(1);
        assertThat(told.get(0).getSubject()).isEqualTo("Your hub was approved: Lifecycle Hub");
        assertThat(GreenMailUtil.getBody(told.get(0))).contains(hubClientId, "/admin/vre/console/");

        assertThat(bogusCodeExchange(registrationSecret).status()).isEqualTo(401); // Keycloak: unauthorized_client, invalid credentials
        String read = owner.get("/admin/realms/vre/clients/" + hubUuid + "/client-secret").ok().path("value").asText();
        assertThat(read).isNotEmpty().isNotEqualTo(registrationSecret);
        assertThat(bogusCodeExchange(read).body()).contains("invalid_grant"); // the secret works: only the code is bad
        secret = owner.post("/admin/realms/vre/clients/" + hubUuid + "/client-secret", Map.of()).ok()
                .path("value").asText();
        assertThat(secret).isNotEqualTo(read);
        assertThat(bogusCodeExchange(read).status()).isEqualTo(401); // Keycloak: unauthorized_client, invalid credentials
        assertThat(bogusCodeExchange(secret).body()).contains("invalid_grant"); // the secret works: only the code is bad

        // the hub logs alice in through the filter (stamped from the template, within the baseline)
        HubLogin login = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        login.start();
        login.chooseIdentityProvider(LabUser.ALICE.identityProvider());
        login.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
        TokenSet tokens = login.exchangeCode();
        assertThat(tokens.accessTokenClaims().path("preferred_username").asText()).isEqualTo("alice");

        // the Rucio exchange (seed 002): only where the rucio policy admits approved hubs (@approved-hubs)
        HubClient approvedHub = new HubClient("vre", hubClientId, secret, CALLBACK);
        TokenEndpointClient tokenEndpoint = new TokenEndpointClient(server, "vre");
        TokenEndpointClient.Answer notAdmitted = tokenEndpoint.post(TokenEndpointClient.seed002(approvedHub,
                tokens.accessToken()));
        assertThat(notAdmitted.status()).as(notAdmitted.body()).isEqualTo(400);
        assertThat(notAdmitted.error()).isEqualTo("unauthorized_client");
        String rucioPolicies = TokenExchangeFixtures.mappersPath(admin, "rucio");
        ObjectNode policy = null;
        for (JsonNode mapper : admin.get(rucioPolicies).ok()) {
            if ("audience-exchange-policy".equals(mapper.path("protocolMapper").asText())) {
                policy = (ObjectNode) mapper;
            }
        }
        assertThat(policy).as("the lab's rucio policy").isNotNull();
        ObjectNode before = policy.deepCopy();
        String policyPath = rucioPolicies + "/" + policy.path("id").asText();
        try {
            policy.with("config").put("allowed.requesters",
                    before.path("config").path("allowed.requesters").asText() + "##@approved-hubs");
            admin.put(policyPath, policy).ok();
            TokenEndpointClient.Answer exchanged = tokenEndpoint.post(TokenEndpointClient.seed002(approvedHub,
                    tokens.accessToken()));
            assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
            assertThat(exchanged.tokens().accessTokenClaims().path("aud").toString()).contains("rucio");
        } finally {
            admin.put(policyPath, before).ok();
        }
    }

    @Test
    @Order(3)
    @DisplayName("Given the owner's admin token, then they see and edit only their hub: other clients, users, realm "
            + "settings and role mappings are refused, and so is every edit beyond the hub's URLs and texts")
    void ownerSeesAndEditsOnlyTheirHub() {
        JsonNode listed = owner.get("/admin/realms/vre/clients").ok();
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("clientId").asText()).isEqualTo(hubClientId);
        String jupyterhub = admin.clientUuid("vre", "jupyterhub");
        assertThat(owner.get("/admin/realms/vre/clients/" + jupyterhub).status()).isEqualTo(403);
        assertThat(owner.put("/admin/realms/vre/clients/" + jupyterhub, Map.of("redirectUris",
                List.of("https://evil.example.org/cb"))).status()).isEqualTo(403);
        assertThat(owner.get("/admin/realms/vre/users").status()).isEqualTo(403);
        assertThat(owner.get("/admin/realms/vre/users/" + admin.userId("vre", "alice")).status()).isEqualTo(403);
        assertThat(owner.put("/admin/realms/vre", Map.of("registrationAllowed", true)).status()).isEqualTo(403);
        String ownerId = admin.userId("vre", OWNER);
        JsonNode realmAdmin = admin.get("/admin/realms/vre/roles").ok();
        assertThat(owner.post("/admin/realms/vre/users/" + ownerId + "/role-mappings/realm", realmAdmin).status())
                .isIn(403, 404);
        String management = admin.clientUuid("vre", "realm-management");
        JsonNode manageClients = admin.get("/admin/realms/vre/clients/" + management + "/roles/manage-clients").ok();
        assertThat(owner.post("/admin/realms/vre/users/" + ownerId + "/role-mappings/clients/" + management,
                List.of(manageClients)).status()).isEqualTo(403);

        // edits: each refused one names what it touched; the hub is unchanged after them
        assertThat(edit(hub -> hub.putArray("redirectUris").add("https://hub.other.example.org/cb")))
                .contains("hub.other.example.org");
        assertThat(edit(hub -> hub.put("adminUrl", "http://10.0.0.1:8080/"))).contains("adminUrl");
        assertThat(edit(hub -> hub.with("attributes").put("access.token.lifespan", "86400")))
                .contains("access.token.lifespan");
        assertThat(edit(hub -> hub.with("attributes").put("sg.hub.owners", "someone-else"))).contains("sg.hub.owners");
        assertThat(edit(hub -> hub.put("serviceAccountsEnabled", true))).contains("client_credentials");
        assertThat(edit(hub -> hub.put("publicClient", true))).contains("confidential");
        assertThat(edit(hub -> hub.put("clientId", "rucio-hub"))).contains("client id");
        assertThat(edit(hub -> hub.withArray("protocolMappers").addObject().put("name", "all attributes")
                .put("protocol", "openid-connect").put("protocolMapper", "oidc-usermodel-attribute-mapper")))
                .contains("dedicated");
        JsonNode after = admin.get("/admin/realms/vre/clients/" + hubUuid).ok();
        assertThat(after.path("serviceAccountsEnabled").asBoolean()).isFalse();
        assertThat(after.path("redirectUris").toString()).doesNotContain("other.example.org");
        // and what an owner may change passes
        assertThat(edit(hub -> {
            hub.put("description", "Astro hub of the lifecycle test");
            hub.putArray("redirectUris").add(CALLBACK).add(HUB_ORIGIN + "/user/oauth_callback");
        })).isEmpty();
    }

    /** The owner's save of their hub with one change: the refusal's description, or "" when saved. */
    private static String edit(java.util.function.Consumer<ObjectNode> change) {
        ObjectNode hub = (ObjectNode) owner.get("/admin/realms/vre/clients/" + hubUuid).ok();
        change.accept(hub);
        KeycloakAdmin.Response response = owner.put("/admin/realms/vre/clients/" + hubUuid, hub);
        if (response.status() == 204) {
            return "";
        }
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        return response.json().path("error_description").asText();
    }

    @Test
    @Order(4)
    @DisplayName("Given the owner edits the hub's institution rules, then narrowing is saved, widening beyond the "
            + "baseline is refused naming the entry, and with the hub's filter removed the baseline still refuses zed")
    void institutionRulesStayWithinTheBaseline() {
        String filterId = mapperId("sg-institution-filter");
        String path = "/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models/" + filterId;
        ObjectNode filter = (ObjectNode) owner.get(path).ok();
        filter.with("config").put("rules", "{\"allow\": [{\"idp\": \"institution-a\"}]}");
        assertThat(owner.put(path, filter).status()).isEqualTo(204);
        filter.with("config").put("rules",
                "{\"allow\": [{\"idp\": \"institution-a\"}, {\"name\": \"blocked too\", \"idp\": \"institution-blocked\"}]}");
        KeycloakAdmin.Response widened = owner.put(path, filter);
        assertThat(widened.status()).isEqualTo(400);
        assertThat(widened.json().path("error_description").asText())
                .contains("Widens the realm's institution baseline", "\"blocked too\"", "\"institution-blocked\"");

        // a token issued before the baseline stopped admitting its institution: userinfo refuses it too
        HubLogin alice = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        BrowserSession.Page first = alice.start();
        if (!first.url().contains("/realms/" + LabUser.ALICE.identityProvider() + "/")) {
            alice.chooseIdentityProvider(LabUser.ALICE.identityProvider()); // (one admitted IdP: sent there directly)
        }
        alice.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
        String aliceToken = alice.exchangeCode().accessToken();
        String baselineMapper = baselineMapperPath();
        ObjectNode baseline = (ObjectNode) admin.get(baselineMapper).ok();
        ObjectNode baselineBefore = baseline.deepCopy();
        try {
            baseline.with("config").put("rules", "{\"allow\": [{\"idp\": \"institution-b\"}]}");
            admin.put(baselineMapper, baseline).ok();
            HttpResponse<String> userinfo = Http.send(Http.request(server.realmUrl("vre")
                    + "/protocol/openid-connect/userinfo").header("Authorization", "Bearer " + aliceToken));
            assertThat(userinfo.statusCode()).as(userinfo.body()).isBetween(400, 403);
            assertThat(userinfo.body()).doesNotContain("alice@");
        } finally {
            admin.put(baselineMapper, baselineBefore).ok();
        }

        // remove the hub's own filter: zed (institution-blocked) is still refused, by the baseline — not offered,
        // refused by hint, and with an SSO session from a client that admits him, refused at the token endpoint
        assertThat(owner.delete(path).status()).isEqualTo(204);
        HubClient hub = new HubClient("vre", hubClientId, secret, CALLBACK);
        HubLogin hinted = new HubLogin(server, new BrowserSession(), hub).parameter("kc_idp_hint", "institution-blocked");
        hinted.start();
        assertThat(hinted.reachedHub()).as("%s", hinted.page()).isFalse();
        // a client that is no hub and has no filter: zed logs in there, then comes to the hub with that session
        String elsewhereId = "lifecycle-elsewhere";
        admin.post("/admin/realms/vre/clients", Map.of("clientId", elsewhereId, "secret", "elsewhere-secret",
                "redirectUris", List.of("https://elsewhere.lifecycle.example.org/cb"), "standardFlowEnabled", true,
                "publicClient", false)).ok();
        String elsewhereUuid = admin.clientUuid("vre", elsewhereId);
        undo.add(() -> admin.delete("/admin/realms/vre/clients/" + elsewhereUuid));
        BrowserSession browser = new BrowserSession();
        HubLogin elsewhere = new HubLogin(server, browser, new HubClient("vre", elsewhereId, "elsewhere-secret",
                "https://elsewhere.lifecycle.example.org/cb"));
        elsewhere.start();
        elsewhere.chooseIdentityProvider(LabUser.ZED.identityProvider());
        elsewhere.signIn(LabUser.ZED.username(), LabUser.ZED.password());
        elsewhere.exchangeCode();
        HubLogin sso = new HubLogin(server, browser, hub);
        BrowserSession.Page answer = sso.start();
        if (sso.reachedHub() && sso.callbackParameters().containsKey("code")) {
            BrowserSession.Page token = sso.exchangeCodeResponse();
            assertThat(token.status()).isEqualTo(400);
            assertThat(token.body()).contains("invalid_grant", "baseline");
        } else {
            assertThat(answer.isRedirect() ? answer.location() : answer.body()).containsAnyOf("error", "baseline");
        }
    }

    @Test
    @Order(5)
    @DisplayName("Given the owner adds a mapper the console offers (a hard-coded claim), then the hub gets nothing "
            + "through it: its tokens are refused (unauthorized_client naming the mapper) and so is the userinfo "
            + "answer to a token issued before")
    void aMapperBeyondTheTemplateStopsTheHubsTokens() {
        HubLogin before = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        before.start();
        before.chooseIdentityProvider(LabUser.ALICE.identityProvider());
        before.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
        String issuedBefore = before.exchangeCode().accessToken();

        String path = "/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models";
        assertThat(owner.post(path, Map.of("name", "extra claim", "protocol", "openid-connect", "protocolMapper",
                "oidc-hardcoded-claim-mapper", "config", Map.of("claim.name", "extra", "claim.value", "leaked",
                        "access.token.claim", "true", "userinfo.token.claim", "true"))).status()).isEqualTo(201);
        HubLogin login = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        BrowserSession.Page refused = login.start();
        assertThat(login.reachedHub() && login.callbackParameters().containsKey("code")).isFalse();
        assertThat(refused.isRedirect() ? refused.location() : refused.body()).contains("unauthorized_client");
        // the review's replay: userinfo with the access token issued before the mapper was added
        HttpResponse<String> userinfo = Http.send(Http.request(server.realmUrl("vre")
                + "/protocol/openid-connect/userinfo").header("Authorization", "Bearer " + issuedBefore));
        assertThat(userinfo.statusCode()).as(userinfo.body()).isBetween(400, 403);
        assertThat(userinfo.body()).doesNotContain("leaked");

        owner.delete(path + "/" + mapperId("oidc-hardcoded-claim-mapper"));
        HubLogin again = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        again.start();
        again.chooseIdentityProvider(LabUser.ALICE.identityProvider());
        again.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
        assertThat(again.exchangeCode().accessTokenClaims().has("extra")).isFalse();
    }

    @Test
    @Order(6)
    @DisplayName("Given the review's other owner paths, then RFC 7592 updates with a registration token the owner "
            + "had issued, flow overrides are refused, and the owner can narrow the groups subtree (and no further)")
    void theOwnersOtherPathsAreClosed() throws Exception {
        // RFC 7592: the owner has Keycloak issue a registration access token, reads the hub, and writes it back changed
        String registrationToken = owner.post("/admin/realms/vre/clients/" + hubUuid + "/registration-access-token",
                Map.of()).ok().path("registrationAccessToken").asText();
        HttpResponse<String> read = Http.send(Http.request(server.realmUrl("vre") + "/clients-registrations/default/"
                + hubClientId).header("Authorization", "Bearer " + registrationToken));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        ObjectNode representation = (ObjectNode) JSON.readTree(read.body());
        representation.with("attributes").put("access.token.lifespan", "86400")
                .put("acr.loa.map", "{\"https://refeds.org/profile/mfa\":0}").put("sg.hub.owners", "someone-else");
        HttpResponse<String> written = Http.send(Http.request(server.realmUrl("vre") + "/clients-registrations/default/"
                        + hubClientId).header("Authorization", "Bearer " + registrationToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(representation))));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(400);
        assertThat(JSON.readTree(written.body()).path("error_description").asText()).contains("RFC 7592");
        JsonNode unchanged = admin.get("/admin/realms/vre/clients/" + hubUuid).ok().path("attributes");
        assertThat(unchanged.has("access.token.lifespan")).isFalse();
        assertThat(unchanged.has("acr.loa.map")).isFalse();
        assertThat(unchanged.path("sg.hub.owners").asText()).isEqualTo(admin.userId("vre", OWNER));

        HttpResponse<String> deleted = Http.send(Http.request(server.realmUrl("vre")
                + "/clients-registrations/openid-connect/" + hubClientId)
                .header("Authorization", "Bearer " + JSON.readTree(written.body()).path("registration_access_token")
                        .asText(registrationToken)).DELETE());
        assertThat(deleted.statusCode()).as(deleted.body()).isIn(400, 401);
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).status()).isEqualTo(200);
        String freshToken = owner.post("/admin/realms/vre/clients/" + hubUuid + "/registration-access-token",
                Map.of()).ok().path("registrationAccessToken").asText();
        HttpResponse<String> deletedWithFresh = Http.send(Http.request(server.realmUrl("vre")
                + "/clients-registrations/openid-connect/" + hubClientId)
                .header("Authorization", "Bearer " + freshToken).DELETE());
        assertThat(deletedWithFresh.statusCode()).as(deletedWithFresh.body()).isEqualTo(400);
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).status()).isEqualTo(200);

        // the second review's forgery: the project's own assurance mapper type, with the claim name and values of
        // the owner's choosing — refused at save for a claim Keycloak sets, and no token while it differs from the
        // template's
        String mappers = "/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models";
        String carol = admin.userId("vre", "carol");
        KeycloakAdmin.Response forgedSub = owner.post(mappers, Map.of("name", "f-sub", "protocol", "openid-connect",
                "protocolMapper", "science-gateway-assurance-mapper", "config", Map.of("claim.name", "sub",
                        "assurance.values", "0 " + carol + "##1 " + carol + "##2 " + carol, "multivalued", "false",
                        "access.token.claim", "true", "jsonType.label", "String")));
        assertThat(forgedSub.status()).isEqualTo(400);
        assertThat(forgedSub.json().path("error_description").asText()).contains("\"sub\"");
        assertThat(owner.post(mappers, Map.of("name", "f-roles", "protocol", "openid-connect", "protocolMapper",
                "science-gateway-assurance-mapper", "config", Map.of("claim.name", "resource_access.account.roles",
                        "assurance.values", "0 manage-account", "multivalued", "true", "access.token.claim", "true",
                        "jsonType.label", "String"))).status()).isEqualTo(400);
        assertThat(owner.post(mappers, Map.of("name", "f-level", "protocol", "openid-connect", "protocolMapper",
                "science-gateway-assurance-mapper", "config", Map.of("claim.name", "eduperson_assurance",
                        "assurance.values", "0 https://refeds.org/profile/mfa", "multivalued", "true",
                        "access.token.claim", "true", "jsonType.label", "String"))).status()).isEqualTo(201);
        HubLogin forged = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        BrowserSession.Page forgedAnswer = forged.start();
        assertThat(forgedAnswer.isRedirect() ? forgedAnswer.location() : forgedAnswer.body())
                .contains("unauthorized_client");
        for (JsonNode mapper : admin.get(mappers).ok()) {
            if ("f-level".equals(mapper.path("name").asText())) {
                owner.delete(mappers + "/" + mapper.path("id").asText());
            }
        }

        String browserFlow = id(admin.get("/admin/realms/vre/authentication/flows").ok(), "alias", "browser");
        assertThat(edit(hub -> hub.putObject("authenticationFlowBindingOverrides").put("browser", browserFlow)))
                .contains("flow");

        String groups = "/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models/"
                + mapperId("science-gateway-group-mapper");
        ObjectNode mapper = (ObjectNode) owner.get(groups).ok();
        mapper.with("config").put("group.subtree.roots", "/escape/users");
        assertThat(owner.put(groups, mapper).status()).isEqualTo(204);
        mapper.with("config").put("group.subtree.roots", "/other-project");
        assertThat(owner.put(groups, mapper).status()).isEqualTo(204); // an existing group: saved, but ...
        HubLogin login = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        BrowserSession.Page refused = login.start();
        assertThat(refused.isRedirect() ? refused.location() : refused.body()).contains("unauthorized_client");
        mapper.with("config").put("group.subtree.roots", "/escape/users");
        assertThat(owner.put(groups, mapper).status()).isEqualTo(204);

        // the third review: a hub a realm admin switched off stays off for its owner (suspended), no token meanwhile
        ObjectNode hub = (ObjectNode) admin.get("/admin/realms/vre/clients/" + hubUuid).ok();
        hub.put("enabled", false);
        assertThat(admin.put("/admin/realms/vre/clients/" + hubUuid, hub).status()).isEqualTo(204);
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).ok().path("attributes").path("sg.hub.state")
                .asText()).isEqualTo("suspended");
        assertThat(edit(h -> h.put("enabled", true))).contains("only they switch it on again");
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).ok().path("enabled").asBoolean()).isFalse();
        hub = (ObjectNode) admin.get("/admin/realms/vre/clients/" + hubUuid).ok();
        hub.put("enabled", true);
        assertThat(admin.put("/admin/realms/vre/clients/" + hubUuid, hub).status()).isEqualTo(204);
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).ok().path("attributes").path("sg.hub.state")
                .asText()).isEqualTo("approved");
        // and registered nodes are the realm admins'
        assertThat(edit(h -> h.putObject("registeredNodes").put("evil.example", 1))).contains("nodes");
    }

    @Test
    @Order(7)
    @DisplayName("Given the hub console's endpoint (/admin/realms/vre/hub-tenants), then the owner reads only their "
            + "hub with the bounds of its settings, restores and narrows its institution rules and groups subtree, and "
            + "is refused every widening, every other client and every malformed body with a 4xx naming the problem")
    void theHubConsoleEndpointKeepsTheOwnerWithinBounds() {
        String api = "/admin/realms/vre/hub-tenants/hubs";
        JsonNode hubs = owner.get(api).ok();
        assertThat(hubs).hasSize(1);
        JsonNode mine = hubs.get(0);
        assertThat(mine.path("clientId").asText()).isEqualTo(hubClientId);
        assertThat(mine.path("state").asText()).isEqualTo("approved");
        assertThat(mine.path("templateGroupsSubtree").toString()).isEqualTo("[\"/escape\"]");
        assertThat(mine.path("baseline").asText()).contains("allow");
        // test 4 removed the hub's own filter: the endpoint gives it one again (the baseline alone judged it since)
        assertThat(mine.path("institutionRules").isTextual()).isFalse();

        String rules = api + "/" + hubUuid + "/institution-rules";
        JsonNode saved = owner.put(rules, Map.of("rules", "{\"allow\": [{\"idp\": \"institution-a\"}]}")).ok();
        assertThat(saved.path("institutionRules").asText()).contains("institution-a");
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models/"
                + mapperId("sg-institution-filter")).ok().path("config").path("rules").asText())
                .isEqualTo("{\"allow\": [{\"idp\": \"institution-a\"}]}");
        KeycloakAdmin.Response widened = owner.put(rules, Map.of("rules",
                "{\"allow\": [{\"idp\": \"institution-a\"}, {\"name\": \"blocked too\", \"idp\": \"institution-blocked\"}]}"));
        assertThat(widened.status()).isEqualTo(400);
        assertThat(widened.json().path("error").asText()).isEqualTo("invalid_institution_rules");
        assertThat(widened.json().path("error_description").asText())
                .contains("Widens the realm's institution baseline", "\"blocked too\"", "\"institution-blocked\"");
        KeycloakAdmin.Response localAccounts = owner.put(rules, Map.of("rules",
                "{\"allow\": [{\"idp\": \"institution-a\"}], \"localAccounts\": true}"));
        assertThat(localAccounts.status()).isEqualTo(400);
        assertThat(localAccounts.json().path("error_description").asText()).contains("\"localAccounts\": true");
        assertThat(owner.put(rules, Map.of("rules", "{\"allow\": [")).status()).isEqualTo(400);
        assertThat(owner.put(rules, Map.of("rules", 42)).json().path("error").asText())
                .isEqualTo("invalid_institution_rules");
        assertThat(owner.put(rules, Map.of()).status()).isEqualTo(400);
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models/"
                + mapperId("sg-institution-filter")).ok().path("config").path("rules").asText())
                .isEqualTo("{\"allow\": [{\"idp\": \"institution-a\"}]}");

        String groups = api + "/" + hubUuid + "/groups-subtree";
        assertThat(owner.put(groups, Map.of("roots", List.of("/escape/data-managers"))).ok()
                .path("groupsSubtree").toString()).isEqualTo("[\"/escape/data-managers\"]");
        KeycloakAdmin.Response outside = owner.put(groups, Map.of("roots", List.of("/escape/users", "/other-project")));
        assertThat(outside.status()).isEqualTo(400);
        assertThat(outside.json().path("error_description").asText()).contains("/other-project", "only narrow");
        assertThat(owner.put(groups, Map.of("roots", List.of("/escape-lookalike"))).json()
                .path("error_description").asText()).contains("/escape-lookalike");
        assertThat(owner.put(groups, Map.of("roots", List.of())).json().path("error_description").asText())
                .contains("(the whole realm)");
        assertThat(owner.put(groups, Map.of("roots", List.of("/escape/no-such-group"))).json()
                .path("error_description").asText()).contains("not a group path");
        assertThat(owner.put(groups, Map.of("roots", List.of("/escape/users##/other-project"))).status())
                .isEqualTo(400);
        assertThat(owner.put(groups, Map.of("roots", "/escape/users")).status()).isEqualTo(400);
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models/"
                + mapperId("science-gateway-group-mapper")).ok().path("config").path("group.subtree.roots").asText())
                .isEqualTo("/escape/data-managers");

        // other clients: a client that is no hub, another owner's hub, an unknown id — all 404, nothing changed
        String jupyterhub = admin.clientUuid("vre", "jupyterhub");
        String otherGateway = admin.clientUuid("vre", "other-gateway");
        for (String other : List.of(jupyterhub, otherGateway, "no-such-client")) {
            assertThat(owner.get(api + "/" + other).status()).isEqualTo(404);
            assertThat(owner.put(api + "/" + other + "/institution-rules", Map.of("rules",
                    "{\"allow\": [{\"idpPattern\": \".*\"}], \"localAccounts\": true}")).status()).isEqualTo(404);
            assertThat(owner.put(api + "/" + other + "/groups-subtree", Map.of("roots", List.of("/escape")))
                    .status()).isEqualTo(404);
        }
        // a realm admin sees every hub there
        assertThat(admin.get(api).ok().findValuesAsText("clientId")).contains(hubClientId, "other-gateway");
        // and the hub's tokens follow the saved subtree: alice (institution-a, /escape/users) logs in
        HubLogin alice = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        BrowserSession.Page first = alice.start();
        if (!first.url().contains("/realms/" + LabUser.ALICE.identityProvider() + "/")) {
            alice.chooseIdentityProvider(LabUser.ALICE.identityProvider());
        }
        alice.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
        assertThat(alice.exchangeCode().accessTokenClaims().path("groups").toString()).doesNotContain("/escape/users");
        owner.put(groups, Map.of("roots", List.of("/escape/users"))).ok();
        HubLogin again = new HubLogin(server, new BrowserSession(), new HubClient("vre", hubClientId, secret, CALLBACK));
        if (!again.start().url().contains("/realms/" + LabUser.ALICE.identityProvider() + "/")) {
            again.chooseIdentityProvider(LabUser.ALICE.identityProvider());
        }
        again.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
        assertThat(again.exchangeCode().accessTokenClaims().path("groups").toString()).contains("/escape/users");
    }

    @Test
    @Order(8)
    @DisplayName("Given the hub console reviews' takeover: the owner logs in to another client (a hub they use), then "
            + "a client with full scope gets no token for them (it would carry their admin role), and a token of a "
            + "client without it carries none of their rights: no secret, no edit, no client list, no hub")
    void anOwnersTokenFromAnotherClientCarriesNoneOfTheirRights() {
        String otherHub = "lifecycle-other-hub";
        admin.post("/admin/realms/vre/clients", Map.of("clientId", otherHub, "secret", "other-hub-secret",
                "publicClient", false, "directAccessGrantsEnabled", true, "standardFlowEnabled", true,
                "redirectUris", List.of("https://other-hub.lifecycle.example.org/cb"))).ok();
        String otherHubUuid = admin.clientUuid("vre", otherHub);
        undo.add(() -> admin.delete("/admin/realms/vre/clients/" + otherHubUuid));
        String form = "grant_type=password&client_id=" + otherHub + "&client_secret=other-hub-secret&username=" + OWNER
                + "&password=" + OWNER + "&scope=openid";
        String tokenUrl = server.realmUrl("vre") + "/protocol/openid-connect/token";
        // Keycloak's default for a new client is full scope: its token would carry the owner's query-clients
        HttpResponse<String> refused = Http.send(Http.formPost(tokenUrl, form));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(json(refused).path("error").asText()).isEqualTo("unauthorized_client");
        assertThat(json(refused).path("error_description").asText()).contains(otherHub, "query-clients",
                "Full scope allowed");
        ObjectNode client = (ObjectNode) admin.get("/admin/realms/vre/clients/" + otherHubUuid).ok();
        client.put("fullScopeAllowed", false);
        admin.put("/admin/realms/vre/clients/" + otherHubUuid, client).ok();

        // what that client's operator holds after the owner logged in there
        HttpResponse<String> login = Http.send(Http.formPost(tokenUrl, form));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String stolen = json(login).path("access_token").asText();
        java.util.function.BiFunction<String, String, HttpResponse<String>> call = (method, path) -> Http.send(
                Http.request(server.baseUrl() + path).header("Authorization", "Bearer " + stolen)
                .header("Content-Type", "application/json")
                .method(method, "GET".equals(method) ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(path.endsWith("/institution-rules")
                        ? "{\"rules\": \"{\\\"allow\\\": [{\\\"idp\\\": \\\"institution-a\\\"}]}\"}"
                        : "{\"description\": \"taken over\"}")));
        String secret = admin.get("/admin/realms/vre/clients/" + hubUuid + "/client-secret").ok().path("value").asText();
        for (String path : List.of("/admin/realms/vre/clients/" + hubUuid + "/client-secret",
                "/admin/realms/vre/clients/" + hubUuid, "/admin/realms/vre/clients/" + hubUuid + "/user-sessions",
                // the second review's leak: Keycloak's client list (its fine-grained filter lists the owner's hub)
                "/admin/realms/vre/clients", "/admin/realms/vre/clients?search=true&clientId=hub",
                "/admin/realms/vre/clients?briefRepresentation=true", "/admin/realms/vre/clients?first=0&max=1")) {
            HttpResponse<String> response = call.apply("GET", path);
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(403);
            assertThat(response.body()).doesNotContain(secret);
        }
        assertThat(call.apply("PUT", "/admin/realms/vre/clients/" + hubUuid).statusCode()).isEqualTo(403);
        assertThat(call.apply("PUT", "/admin/realms/vre/hub-tenants/hubs/" + hubUuid + "/institution-rules")
                .statusCode()).isEqualTo(404);
        assertThat(call.apply("GET", "/admin/realms/vre/hub-tenants/hubs").body()).isEqualTo("[]");
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).ok().path("description").asText())
                .isNotEqualTo("taken over");
        // the owner through an admin client (admin-cli here; the console and the hub console alike)
        assertThat(owner.get("/admin/realms/vre/clients/" + hubUuid + "/client-secret").status()).isEqualTo(200);
        assertThat(owner.get("/admin/realms/vre/hub-tenants/hubs").ok()).hasSize(1);
    }

    @Test
    @Order(9)
    @DisplayName("Given the review's owner capture: contacts naming an address a user set on their own account "
            + "(unverified), or one two accounts hold, then the request is refused naming contacts")
    void contactsNameOnlyVerifiedUniqueAccounts() {
        String unverified = "newhubadmin@institution-a.example.org";
        admin.post("/admin/realms/vre/users", Map.of("username", "capture-bob", "email", unverified,
                "emailVerified", false, "enabled", true)).ok();
        String bob = admin.userId("vre", "capture-bob");
        undo.add(() -> admin.delete("/admin/realms/vre/users/" + bob));
        String shared = "shared-hubadmin@institution-a.example.org";
        for (String username : List.of("shared-one", "shared-two")) {
            admin.post("/admin/realms/vre/users", Map.of("username", username, "email", shared, "emailVerified", true,
                    "enabled", true)).ok();
            String id = admin.userId("vre", username);
            undo.add(() -> admin.delete("/admin/realms/vre/users/" + id));
        }
        // the second review's lock-out: an unverified copy of the owner's address blocks nobody
        admin.post("/admin/realms/vre/users", Map.of("username", "copy-of-owner", "email", OWNER_EMAIL,
                "emailVerified", false, "enabled", true)).ok();
        String copy = admin.userId("vre", "copy-of-owner");
        undo.add(() -> admin.delete("/admin/realms/vre/users/" + copy));
        Map<String, Object> genuine = new LinkedHashMap<>(request("Genuine Hub", List.of(OWNER_EMAIL)));
        genuine.put("redirect_uris", List.of("https://hub.genuine.example.org/hub/oauth_callback"));
        HttpResponse<String> accepted = register(genuine);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(201);
        String genuineUuid = admin.clientUuid("vre", json(accepted).path("client_id").asText());
        assertThat(admin.get("/admin/realms/vre/clients/" + genuineUuid).ok().path("attributes")
                .path("sg.hub.owners").asText()).isEqualTo(admin.userId("vre", OWNER));
        admin.delete("/admin/realms/vre/clients/" + genuineUuid);

        int clientsBefore = admin.get("/admin/realms/vre/clients?max=1000").ok().size();
        for (Map.Entry<String, String> contact : Map.of(unverified, "not a verified", shared,
                "more than one account").entrySet()) {
            Map<String, Object> metadata = new LinkedHashMap<>(request("Captured Hub", List.of(contact.getKey())));
            metadata.put("redirect_uris", List.of("https://hub.captured.example.org/hub/oauth_callback"));
            HttpResponse<String> response = register(metadata);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(json(response).path("error").asText()).isEqualTo("invalid_client_metadata");
            assertThat(json(response).path("error_description").asText()).contains("Contact '" + contact.getKey() + "'",
                    contact.getValue());
        }
        assertThat(admin.get("/admin/realms/vre/clients?max=1000").ok().size()).isEqualTo(clientsBefore);
    }

    @Test
    @Order(10)
    @DisplayName("Given the second review's move: the owner saves their approved hub with every URL on another origin "
            + "(another hub's, a host of their choosing), then the save is refused naming the approved origin")
    void ownersCannotMoveTheirHub() {
        for (String origin : List.of("https://localhost:8001", "https://LOCALHOST.:8001", "https://evil.example.org")) {
            String refusal = edit(hub -> {
                hub.putArray("redirectUris").add(origin + "/hub/oauth_callback");
                hub.putArray("webOrigins").add(origin);
                hub.put("rootUrl", origin);
                hub.put("baseUrl", "/hub/");
                hub.put("adminUrl", "");
                hub.with("attributes").put("post.logout.redirect.uris", origin + "/hub/*");
            });
            assertThat(refusal).as(origin).contains("not under the hub's origin " + HUB_ORIGIN, "approved");
        }
        assertThat(admin.get("/admin/realms/vre/clients/" + hubUuid).ok().path("redirectUris").toString())
                .doesNotContain("localhost", "evil");
    }

    @Test
    @Order(11)
    @DisplayName("Given a realm admin deletes the owner's only hub, then the owner leaves hub-admins (no admin role "
            + "is left for a hub that no longer exists)")
    void aDeletedHubsOwnerLeavesTheOwnersGroup() {
        String ownerId = admin.userId("vre", OWNER);
        assertThat(admin.get("/admin/realms/vre/users/" + ownerId + "/groups").ok().findValuesAsText("path"))
                .contains("/hub-admins");
        assertThat(admin.delete("/admin/realms/vre/clients/" + hubUuid).status()).isEqualTo(204);
        hubUuid = null;
        assertThat(admin.get("/admin/realms/vre/users/" + ownerId + "/groups").ok().findValuesAsText("path"))
                .doesNotContain("/hub-admins");
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private static String baselineMapperPath() {
        String scope = id(admin.get("/admin/realms/vre/client-scopes").ok(), "name", "institution-baseline");
        JsonNode mapper = admin.get("/admin/realms/vre/client-scopes/" + scope + "/protocol-mappers/models").ok().get(0);
        return "/admin/realms/vre/client-scopes/" + scope + "/protocol-mappers/models/" + mapper.path("id").asText();
    }

    private static String mapperId(String type) {
        for (JsonNode mapper : admin.get("/admin/realms/vre/clients/" + hubUuid + "/protocol-mappers/models").ok()) {
            if (type.equals(mapper.path("protocolMapper").asText())) {
                return mapper.path("id").asText();
            }
        }
        throw new AssertionError("no mapper of type " + type);
    }
}
