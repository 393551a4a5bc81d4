package org.sciencegateway.keycloak.it.production;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabHubTenants;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.OneTimeCode;
import org.sciencegateway.keycloak.testing.ProductionCluster;
import org.sciencegateway.keycloak.testing.TabReplay;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * The production topology ({@link ProductionCluster}): one optimized build with our JARs, two nodes on one
 * PostgreSQL, Infinispan over jdbc-ping on 127.0.0.1. What one node decides the other must decide the same way on
 * the next request, and losing a node must not lose a request on the other.
 */
@DisplayName("Production topology: two optimized nodes on PostgreSQL, clustered")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ProductionCluster cluster;
    private static KeycloakServer a;
    private static KeycloakServer b;
    private static KeycloakAdmin adminA;

    @BeforeAll
    static void startCluster() {
        cluster = ProductionCluster.start(KeycloakServer.Settings.fromSystemProperties(), 2);
        a = cluster.node(0);
        b = cluster.node(1);
        adminA = new KeycloakAdmin(a);
        OneTimeCode.widenWindow(adminA);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    @DisplayName("Given a login on node A, then the Rucio exchange and the refresh work on node B")
    void loginOnAExchangeAndRefreshOnB() {
        TokenSet hub = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenEndpointClient tokensB = new TokenEndpointClient(b, "vre");

        TokenEndpointClient.Answer exchange = tokensB.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()));
        assertThat(exchange.status()).as(exchange.body()).isEqualTo(200);
        assertThat(exchange.tokens().accessTokenClaims().path("aud").toString()).contains("rucio");
        assertThat(exchange.tokens().accessTokenClaims().path("iss").asText()).isEqualTo(a.realmUrl("vre"));

        TokenEndpointClient.Answer refresh = tokensB.refresh(HubClient.JUPYTERHUB, hub.refreshToken());
        assertThat(refresh.status()).as(refresh.body()).isEqualTo(200);
    }

    @Test
    @Order(2)
    @DisplayName("Given jupyterhub's institution rules changed on A, then B refuses the next refresh; restored, B admits again")
    void ruleChangeOnASeenOnB() throws Exception {
        TokenSet hub = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenEndpointClient tokensB = new TokenEndpointClient(b, "vre");
        String original = mapperConfig("jupyterhub", "sg-institution-filter", "rules");
        try {
            setMapperConfig("jupyterhub", "sg-institution-filter", "rules", "{\"allow\": [{\"idp\": \"institution-b\"}]}");
            TokenEndpointClient.Answer refused = tokensB.refresh(HubClient.JUPYTERHUB, hub.refreshToken());
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.error()).isEqualTo("invalid_grant");
        } finally {
            setMapperConfig("jupyterhub", "sg-institution-filter", "rules", original);
        }
        assertThat(tokensB.refresh(HubClient.JUPYTERHUB, hub.refreshToken()).status()).isEqualTo(200);
    }

    @Test
    @Order(3)
    @DisplayName("Given the rucio exchange policy changed on A, then B applies it to the next exchange; restored, B admits again")
    void policyChangeOnASeenOnB() throws Exception {
        TokenSet hub = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenEndpointClient tokensB = new TokenEndpointClient(b, "vre");
        String original = mapperConfig("rucio", "audience-exchange-policy", "required.groups");
        try {
            setMapperConfig("rucio", "audience-exchange-policy", "required.groups", "/escape/admins");
            TokenEndpointClient.Answer refused = tokensB.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()));
            assertThat(refused.status()).as(refused.body()).isEqualTo(403);
            assertThat(refused.error()).isEqualTo("access_denied");
        } finally {
            setMapperConfig("rucio", "audience-exchange-policy", "required.groups", original);
        }
        assertThat(tokensB.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())).status()).isEqualTo(200);
    }

    @Test
    @Order(4)
    @DisplayName("Given the group mapper's claim name changed on A, then B's next token carries the new claim")
    void groupMapperChangeOnASeenOnB() throws Exception {
        TokenSet hub = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenEndpointClient tokensB = new TokenEndpointClient(b, "vre");
        String original = mapperConfig("jupyterhub", "science-gateway-group-mapper", "claim.name");
        try {
            setMapperConfig("jupyterhub", "science-gateway-group-mapper", "claim.name", "cluster_groups");
            JsonNode claims = tokensB.refresh(HubClient.JUPYTERHUB, hub.refreshToken()).tokens().accessTokenClaims();
            assertThat(claims.has("cluster_groups")).as("%s", claims).isTrue();
            assertThat(claims.path("cluster_groups").toString()).contains("/escape/users");
        } finally {
            setMapperConfig("jupyterhub", "science-gateway-group-mapper", "claim.name", original);
        }
    }

    @Test
    @Order(5)
    @DisplayName("Given an identity provider created on A and admitted by other-gateway's rules, then B's picker finds it")
    void pickerOnBSeesIdpCreatedOnA() throws Exception {
        String original = mapperConfig("other-gateway", "sg-institution-filter", "rules");
        try {
            assertThat(adminA.post("/admin/realms/vre/identity-provider/instances", Map.of(
                    "alias", "institution-cluster", "displayName", "Cluster University", "providerId", "oidc",
                    "enabled", true, "config", Map.of("clientId", "vre-broker", "clientSecret", "unused",
                            "authorizationUrl", "https://idp.cluster.example.org/auth",
                            "tokenUrl", "https://idp.cluster.example.org/token", "clientAuthMethod", "client_secret_post")))
                    .status()).isEqualTo(201);
            setMapperConfig("other-gateway", "sg-institution-filter", "rules",
                    "{\"allow\": [{\"idp\": \"institution-a\"}, {\"idp\": \"institution-cluster\"}]}");

            BrowserSession.Page search = new BrowserSession().get(b.realmUrl("vre")
                    + "/institutions?client_id=other-gateway&q=cluster");
            assertThat(search.status()).as(search.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(search.body());
            assertThat(body.path("total").asInt()).as("%s", body).isEqualTo(1);
            assertThat(body.path("items").toString()).contains("Cluster University");
        } finally {
            setMapperConfig("other-gateway", "sg-institution-filter", "rules", original);
            adminA.delete("/admin/realms/vre/identity-provider/instances/institution-cluster");
        }
    }

    @Test
    @Order(8)
    @DisplayName("Given a federation source created on A, then one node syncs it from the signed aggregate, B serves "
            + "the imported institution in its picker at once, and neither node syncs it again before the interval")
    void federationSyncOnOneNodeServedByBoth() throws Exception {
        String original = mapperConfig("other-gateway", "sg-institution-filter", "rules");
        FederationSourceAdmin sourcesOnA = new FederationSourceAdmin(adminA, "vre");
        FederationSourceAdmin sourcesOnB = new FederationSourceAdmin(new KeycloakAdmin(b), "vre");
        String id = null;
        try (FederationFeed feed = new FederationFeed()) {
            feed.serve(FederationSigner.LAB.sign(new FederationMetadata()
                    .add(FederationMetadata.Idp.of("https://idp.cluster-federation.example/idp")
                            .name("en", "Cluster Federation University").registrationAuthority("https://www.aai.dfn.de")
                            .scope("cluster-federation.example"))
                    .add(FederationMetadata.Idp.of("https://idp.other.example/idp").name("en", "Other College"))
                    .xml()));
            id = sourcesOnA.create("cluster-federation", Map.of("metadataUrl", feed.url(),
                    "signingCertificate", FederationSigner.LAB.certificatePem(), "aliasPrefix", "clusterfed"));
            JsonNode status = sourcesOnA.awaitAttemptAfter(id, "");
            assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
            assertThat(status.path("identityProviders").asInt()).isEqualTo(2);
            setMapperConfig("other-gateway", "sg-institution-filter", "rules",
                    "{\"allow\": [{\"idp\": \"institution-a\"}, {\"registrationAuthority\": \"https://www.aai.dfn.de\"}]}");

            assertThat(sourcesOnB.status(id)).isEqualTo(status);
            assertThat(sourcesOnB.identityProviders(id)).hasSize(2);
            BrowserSession.Page search = new BrowserSession().get(b.realmUrl("vre")
                    + "/institutions?client_id=other-gateway&q=cluster-federation.example");
            assertThat(search.status()).as(search.body()).isEqualTo(200);
            assertThat(JSON.readTree(search.body()).path("items").toString()).contains("Cluster Federation University");

            // both nodes' minute tasks run meanwhile: the sync is not due again, so neither repeats it
            Thread.sleep(Duration.ofSeconds(75).toMillis());
            assertThat(sourcesOnB.status(id).path("lastAttempt").asText()).isEqualTo(status.path("lastAttempt").asText());
        } finally {
            setMapperConfig("other-gateway", "sg-institution-filter", "rules", original);
            if (id != null) {
                sourcesOnA.identityProviders(id).forEach(idp -> adminA.delete("/admin/realms/vre/identity-provider/"
                        + "instances/" + idp.get("alias").asText()));
                sourcesOnA.delete(id);
            }
        }
    }

    @Test
    @Order(9)
    @DisplayName("Given institution-saml imported from a signed aggregate, then dave's login started on A is answered "
            + "at the source's shared ACS on B and reaches the hub, the institution recorded from scoped metadata; "
            + "B serves the SP metadata naming that ACS")
    void sharedAcsLoginAnsweredOnTheOtherNode() throws Exception {
        String prefix = "clustersaml";
        String acs = a.realmUrl("vre") + "/saml-federation/" + prefix + "/acs"; // the hostname is A's
        String acsOnB = acs.replace(a.baseUrl(), b.baseUrl());
        String entityId = a.realmUrl("institution-saml");
        String descriptor = Http.send(Http.request(entityId + "/protocol/saml/descriptor")).body();
        FederationSourceAdmin sourcesOnA = new FederationSourceAdmin(adminA, "vre");
        String rules = mapperConfig("jupyterhub", "sg-institution-filter", "rules");
        // institution-saml registers this source's ACS for the gateway's SP, as a federation's metadata would tell it
        String spClient = "/admin/realms/institution-saml/clients/" + adminA.clientUuid("institution-saml",
                a.realmUrl("vre"));
        ObjectNode registration = (ObjectNode) adminA.get(spClient).ok();
        ObjectNode registered = registration.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) registered.withArray("redirectUris")).add(acs);
        adminA.put(spClient, registered).ok();
        String daveId = adminA.userId("vre", "dave");
        String id = null;
        String alias = null;
        try (FederationFeed feed = new FederationFeed()) {
            feed.serve(FederationSigner.LAB.sign(new FederationMetadata()
                    .addRegistered(descriptor, FederationMetadata.Idp.of(entityId).name("en", "Sorbonne Astro Lab")
                            .scope("institution-saml.example.org").registrationAuthority("https://www.aai.dfn.de"))
                    .xml()));
            id = sourcesOnA.create("cluster-saml", Map.of("metadataUrl", feed.url(),
                    "signingCertificate", FederationSigner.LAB.certificatePem(), "aliasPrefix", prefix,
                    "identityProviderTemplate", FederationSourceAdmin.INSTITUTION_SAML_TEMPLATE));
            JsonNode status = sourcesOnA.awaitAttemptAfter(id, "");
            assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
            alias = sourcesOnA.identityProviders(id).get(0).path("alias").asText();
            adminA.post("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias,
                    Map.of("identityProvider", alias, "userId", "dave", "userName", "dave")).ok();
            setMapperConfig("jupyterhub", "sg-institution-filter", "rules", "{\"allow\": [{\"registrationAuthority\": "
                    + "\"https://www.aai.dfn.de\", \"institution\": \"institution-saml.example.org\"}]}");

            BrowserSession.Page metadata = new BrowserSession().get(b.realmUrl("vre") + "/saml-federation/" + prefix
                    + "/metadata");
            assertThat(metadata.status()).as(metadata.body()).isEqualTo(200);
            assertThat(metadata.body()).contains("Location=\"" + acs + "\"").doesNotContain("/broker/" + alias);

            HubLogin login = new HubLogin(a, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
            login.start();
            org.jsoup.nodes.Element credentials = login.page().loginForm()
                    .orElseThrow(() -> new AssertionError("institution-saml's login: " + login.page()));
            BrowserSession.Page answer = login.browser().follow(login.browser().submit(login.page(), credentials,
                    Map.of("username", LabUser.DAVE.username(), "password", LabUser.DAVE.password())), acs);
            org.jsoup.nodes.Element response = answer.document().selectFirst("form:has(input[name=SAMLResponse])");
            assertThat(response).as("institution-saml's response: %s", answer).isNotNull();
            assertThat(response.absUrl("action")).isEqualTo(acs);
            login.visitFollowing(login.browser().post(acsOnB, Map.of(
                    "SAMLResponse", response.selectFirst("input[name=SAMLResponse]").val(),
                    "RelayState", response.selectFirst("input[name=RelayState]").val())));
            assertThat(login.reachedHub()).as("reached the hub: %s", login.page()).isTrue();
            TokenSet tokens = login.exchangeCode();
            TokenEndpointClient.Answer exchange = new TokenEndpointClient(b, "vre")
                    .post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, tokens.accessToken()));
            assertThat(exchange.status()).as(exchange.body()).isEqualTo(200);
        } finally {
            setMapperConfig("jupyterhub", "sg-institution-filter", "rules", rules);
            adminA.put(spClient, registration);
            if (alias != null) {
                adminA.delete("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias);
            }
            if (id != null) {
                sourcesOnA.identityProviders(id).forEach(idp -> adminA.delete("/admin/realms/vre/identity-provider/"
                        + "instances/" + idp.get("alias").asText()));
                sourcesOnA.delete(id);
            }
        }
    }

    @Test
    @Order(10)
    @DisplayName("Issue 27/4: given a federation source removed on node A, then its identity provider logs nobody in on node B: "
            + "the answer to a login started on B is refused there, B shows the identity provider disabled, a new login "
            + "on B never reaches institution-saml")
    void sourceRemovedOnADisablesItsIdentityProvidersOnB() throws Exception {
        String prefix = "clustergone";
        String acs = a.realmUrl("vre") + "/saml-federation/" + prefix + "/acs"; // the hostname is A's
        String acsOnB = acs.replace(a.baseUrl(), b.baseUrl());
        String entityId = a.realmUrl("institution-saml");
        String descriptor = Http.send(Http.request(entityId + "/protocol/saml/descriptor")).body();
        FederationSourceAdmin sourcesOnA = new FederationSourceAdmin(adminA, "vre");
        KeycloakAdmin adminB = new KeycloakAdmin(b);
        String rules = mapperConfig("jupyterhub", "sg-institution-filter", "rules");
        String spClient = "/admin/realms/institution-saml/clients/" + adminA.clientUuid("institution-saml",
                a.realmUrl("vre"));
        ObjectNode registration = (ObjectNode) adminA.get(spClient).ok();
        ObjectNode registered = registration.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) registered.withArray("redirectUris")).add(acs);
        adminA.put(spClient, registered).ok();
        String daveId = adminA.userId("vre", "dave");
        String id = null;
        String alias = null;
        try (FederationFeed feed = new FederationFeed()) {
            feed.serve(FederationSigner.LAB.sign(new FederationMetadata()
                    .addRegistered(descriptor, FederationMetadata.Idp.of(entityId).name("en", "Sorbonne Astro Lab")
                            .scope("institution-saml.example.org").registrationAuthority("https://www.aai.dfn.de"))
                    .xml()));
            id = sourcesOnA.create("cluster-removed", Map.of("metadataUrl", feed.url(),
                    "signingCertificate", FederationSigner.LAB.certificatePem(), "aliasPrefix", prefix,
                    "identityProviderTemplate", FederationSourceAdmin.INSTITUTION_SAML_TEMPLATE));
            JsonNode status = sourcesOnA.awaitAttemptAfter(id, "");
            assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
            alias = sourcesOnA.identityProviders(id).get(0).path("alias").asText();
            adminA.post("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias,
                    Map.of("identityProvider", alias, "userId", "dave", "userName", "dave")).ok();
            setMapperConfig("jupyterhub", "sg-institution-filter", "rules", "{\"allow\": [{\"registrationAuthority\": "
                    + "\"https://www.aai.dfn.de\", \"institution\": \"institution-saml.example.org\"}]}");

            // while the source exists: dave's login started on A, answered on B, reaches the hub (B has it cached)
            HubLogin admitted = new HubLogin(a, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
            Map<String, String> first = answerFor(admitted, acs);
            admitted.visitFollowing(admitted.browser().post(acsOnB, first));
            assertThat(admitted.reachedHub()).as("reached the hub: %s", admitted.page()).isTrue();
            // a second login, institution-saml's signed answer in hand, not yet delivered
            HubLogin login = new HubLogin(a, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
            Map<String, String> second = answerFor(login, acs);

            // removed on A
            sourcesOnA.delete(id);
            id = null;

            assertThat(adminB.get("/admin/realms/vre/identity-provider/instances/" + alias).ok().path("enabled")
                    .asBoolean()).as("disabled, as B sees it").isFalse();
            BrowserSession.Page refused = login.browser().post(acsOnB, second);
            assertThat(refused.status()).as(refused.body()).isEqualTo(404);
            HubLogin again = new HubLogin(b, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
            again.start();
            assertThat(again.reachedHub()).as("reached the hub: %s", again.page()).isFalse();
            assertThat(again.page().url()).as("never sent to institution-saml").doesNotStartWith(entityId);
        } finally {
            setMapperConfig("jupyterhub", "sg-institution-filter", "rules", rules);
            adminA.put(spClient, registration);
            if (alias != null) {
                adminA.delete("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias);
                adminA.delete("/admin/realms/vre/identity-provider/instances/" + alias);
            }
            if (id != null) {
                sourcesOnA.delete(id);
            }
        }
    }

    /** Starts {@code login}, dave signs in at institution-saml; returns its signed answer to {@code acs}, undelivered. */
    private static Map<String, String> answerFor(HubLogin login, String acs) {
        login.start();
        org.jsoup.nodes.Element credentials = login.page().loginForm()
                .orElseThrow(() -> new AssertionError("institution-saml's login: " + login.page()));
        BrowserSession.Page answer = login.browser().follow(login.browser().submit(login.page(), credentials,
                Map.of("username", LabUser.DAVE.username(), "password", LabUser.DAVE.password())), acs);
        org.jsoup.nodes.Element response = answer.document().selectFirst("form:has(input[name=SAMLResponse])");
        assertThat(response).as("institution-saml's response: %s", answer).isNotNull();
        assertThat(response.absUrl("action")).isEqualTo(acs);
        return Map.of("SAMLResponse", response.selectFirst("input[name=SAMLResponse]").val(),
                "RelayState", response.selectFirst("input[name=RelayState]").val());
    }

    @Test
    @Order(6)
    @DisplayName("Given A killed (SIGKILL) during a loop of exchanges on B, then B fails none; A restarts and rejoins")
    void nodeLossLosesNothingOnTheOther() throws Exception {
        TokenSet hub = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenEndpointClient tokensB = new TokenEndpointClient(b, "vre");
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        StringBuilder firstFailure = new StringBuilder();
        Instant end = Instant.now().plus(Duration.ofSeconds(20));
        ExecutorService loop = Executors.newSingleThreadExecutor();
        Future<?> exchanges = loop.submit(() -> {
            while (Instant.now().isBefore(end)) {
                TokenEndpointClient.Answer answer = tokensB.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()));
                if (answer.status() == 200) {
                    succeeded.incrementAndGet();
                } else if (failed.getAndIncrement() == 0) {
                    firstFailure.append(answer.status()).append(' ').append(answer.body());
                }
            }
        });
        // A is killed while the loop is well under way on B (at least 20 exchanges done), not after a fixed time.
        Instant running = Instant.now().plus(Duration.ofSeconds(10));
        while (succeeded.get() < 20 && failed.get() == 0 && Instant.now().isBefore(running)) {
            Thread.sleep(50); // polling the counter; the loop's own thread does the work
        }
        assertThat(succeeded.get()).as("exchanges on B before the kill (first failure: %s)", firstFailure).isGreaterThanOrEqualTo(20);
        a.kill();
        assertThat(a.isRunning()).isFalse();
        exchanges.get();
        loop.shutdown();

        assertThat(failed.get()).as("failed exchanges on B (first: %s), %d succeeded", firstFailure, succeeded.get())
                .isZero();
        assertThat(succeeded.get()).isPositive();

        a.start();
        cluster.awaitView(2);
        TokenSet again = HubLogin.loginThroughHomeInstitution(a, HubClient.JUPYTERHUB, LabUser.ALICE);
        assertThat(new TokenEndpointClient(b, "vre").post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                again.accessToken())).status()).isEqualTo(200);
    }

    @Test
    @Order(7)
    @DisplayName("Given kc.sh import of the production realm with only JUPYTERHUB_URL set, then it fails naming the unset variables and the missing vault entry; fully set, it imports and a user logs in through the federation proxy")
    void kcImportFailsClosedThenLogsInThroughTheFederationProxy() throws Exception {
        String realm = "vre-import-check";
        ObjectNode production = (ObjectNode) JSON.readTree(Files.readString(
                Path.of(System.getProperty("production.realms.dir"), "vre-realm.json")));
        production.put("realm", realm);
        Path file = Files.createTempDirectory("sg-import-").resolve(realm + "-realm.json");
        Files.writeString(file, JSON.writeValueAsString(production));

        KcImport unset = kcImport(file, Map.of("JUPYTERHUB_URL", "https://hub.vre.example.org"));
        assertThat(unset.exitCode()).as(unset.output()).isNotZero();
        assertThat(unset.output()).contains("was not imported", "JUPYTERHUB_CLIENT_SECRET (client jupyterhub: secret)",
                "RUCIO_CLIENT_SECRET (client rucio: secret)", "FEDERATION_PROXY_CLIENT_ID",
                "the server's vault has no entry for: federation-proxy-client-secret");
        assertThat(adminA.get("/admin/realms/" + realm).status()).isEqualTo(404);

        // The federation proxy (CILogon in production) is a realm of this cluster here; its client secret is only
        // in the vault, as a Kubernetes secret mounted into every node and the import job.
        String upstream = "federation-upstream";
        String proxySecret = "proxy-secret-" + Long.toHexString(System.nanoTime());
        createUpstream(upstream, a.baseUrl() + "/realms/" + realm + "/broker/federation-proxy/endpoint", proxySecret);
        cluster.vault().put(realm, "federation-proxy-client-secret", proxySecret);
        String upstreamUrl = a.realmUrl(upstream) + "/protocol/openid-connect";
        Map<String, String> site = new java.util.HashMap<>(Map.of("JUPYTERHUB_URL", "https://hub.vre.example.org",
                "JUPYTERHUB_CLIENT_SECRET", "hub-secret", "RUCIO_CLIENT_SECRET", "rucio-secret",
                "SSH_GATEWAY_CLIENT_SECRET", "ssh-secret", "FEDERATION_PROXY_CLIENT_ID", "vre-broker",
                "FEDERATION_PROXY_ISSUER", a.realmUrl(upstream),
                "FEDERATION_PROXY_AUTHORIZATION_URL", upstreamUrl + "/auth",
                "FEDERATION_PROXY_TOKEN_URL", upstreamUrl + "/token",
                "FEDERATION_PROXY_USERINFO_URL", upstreamUrl + "/userinfo",
                "FEDERATION_PROXY_JWKS_URL", upstreamUrl + "/certs"));
        site.put("FEDERATION_PROXY_SCOPE", "openid profile email");
        KcImport set = kcImport(file, site);
        try {
            assertThat(set.exitCode()).as(set.output()).isZero();
            assertThat(adminA.get("/admin/realms/" + realm).status()).isEqualTo(200);
            JsonNode proxy = adminA.get("/admin/realms/" + realm + "/identity-provider/instances/federation-proxy").ok();
            assertThat(proxy.path("config").path("clientSecret").asText())
                    .as("only the vault reference is in the database").isEqualTo("${vault.federation-proxy-client-secret}");

            // The hub's login on node B, through the proxy: first broker login creates the account, the
            // institution filter admits the proxy's institution, the hub gets its tokens.
            HubClient hub = new HubClient(realm, "jupyterhub", "hub-secret", "https://hub.vre.example.org/hub/oauth_callback");
            HubLogin login = new HubLogin(b, new BrowserSession(), hub);
            // The proxy is the realm's only identity provider, so the picker sends the browser straight to it.
            assertThat(login.start().url()).startsWith(a.realmUrl(upstream) + "/protocol/openid-connect/auth");
            login.signIn("fiona", "fiona-upstream-password");
            assertThat(login.reachedHub()).as(login.page().toString()).isTrue();
            TokenSet tokens = login.exchangeCode();
            assertThat(tokens.accessTokenClaims().path("iss").asText()).isEqualTo(a.realmUrl(realm));
            assertThat(tokens.accessTokenClaims().path("preferred_username").asText()).isEqualTo("fiona");
            JsonNode user = adminA.get("/admin/realms/" + realm + "/users?username=fiona&exact=true").ok().get(0);
            JsonNode links = adminA.get("/admin/realms/" + realm + "/users/" + user.path("id").asText()
                    + "/federated-identity").ok();
            assertThat(links.get(0).path("identityProvider").asText()).isEqualTo("federation-proxy");

            // Seed 003 on the production realm: the proxy is not trusted for MFA, so even a cluster user gets no
            // ssh-gateway token from this session (level 1), on either node.
            assertThat(tokens.idTokenClaims().path("acr").asText()).isEqualTo("https://refeds.org/profile/sfa");
            String clusterUsers = adminA.get("/admin/realms/" + realm + "/group-by-path/escape/cluster-users").ok()
                    .path("id").asText();
            assertThat(adminA.put("/admin/realms/" + realm + "/users/" + user.path("id").asText() + "/groups/"
                    + clusterUsers, "").status()).isEqualTo(204);
            for (KeycloakServer node : List.of(a, b)) {
                TokenEndpointClient.Answer ssh = new TokenEndpointClient(node, realm).post(
                        TokenEndpointClient.seed002(hub, tokens.accessToken()).set("audience", "ssh-gateway"));
                assertThat(ssh.status()).as(ssh.body()).isEqualTo(400);
                assertThat(ssh.error()).isEqualTo("insufficient_user_authentication");
                assertThat(ssh.json().path("error_description").asText()).contains("this session reached 1");
            }
        } finally {
            adminA.delete("/admin/realms/" + realm);
            adminA.delete("/admin/realms/" + upstream);
        }
    }

    /** An OIDC provider standing in for the federation proxy: a confidential client, an institution claim, a user. */
    @Test
    @Order(11)
    @DisplayName("Issue 28: a level reached on node A is judged the same on node B — oscar's MFA login on A gives an "
            + "ssh-gateway token on B and SSO at MFA on B; frank's institution MFA in a tab on A, replayed on B as "
            + "oscar's first factor, gets no code and leaves oscar no MFA")
    void levelReachedOnAJudgedTheSameOnB() {
        String mfa = "https://refeds.org/profile/mfa";
        TokenEndpointClient tokensB = new TokenEndpointClient(b, "vre");
        BrowserSession browser = new BrowserSession();
        HubLogin onA = new HubLogin(a, browser, HubClient.JUPYTERHUB).parameter("acr_values", mfa);
        onA.start();
        onA.chooseIdentityProvider("institution-a");
        onA.signIn("oscar", "oscar");
        assertThat(onA.asksForOneTimeCode()).as("%s", onA.page()).isTrue();
        onA.enterOneTimeCode(OneTimeCode.next(OneTimeCode.OSCAR));
        TokenEndpointClient.Answer fromA = tokensB.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                onA.exchangeCode().accessToken()).set("audience", "ssh-gateway"));
        assertThat(fromA.status()).as(fromA.body()).isEqualTo(200);

        HubLogin onB = new HubLogin(b, browser, HubClient.JUPYTERHUB).parameter("acr_values", mfa);
        onB.start();
        assertThat(onB.reachedHub()).as("SSO on B: %s", onB.page()).isTrue();
        TokenSet atB = onB.exchangeCode();
        assertThat(atB.idTokenClaims().path("acr").asText()).isEqualTo(mfa);
        TokenEndpointClient.Answer onBExchange = tokensB.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                atB.accessToken()).set("audience", "ssh-gateway"));
        assertThat(onBExchange.status()).as(onBExchange.body()).isEqualTo(200);

        // Finding 1 across nodes: the tab is frank's on A; every vre request of the replay is sent to B.
        BrowserSession attacker = new BrowserSession();
        HubClient accountConsole = new HubClient("vre", "account-console", null, a.realmUrl("vre") + "/account/");
        HubLogin tab = new HubLogin(a, attacker, accountConsole).scope("openid")
                .parameter("kc_idp_hint", "institution-saml").parameter("acr_values", mfa);
        Map<String, String> stopped = TabReplay.stopBeforeAfterPostBrokerLogin(a, tab, "frank", OneTimeCode.FRANK);
        BrowserSession.Page page = followOnB(attacker, attacker.get(b.realmUrl("vre") + "/broker/institution-a/login?"
                + BrowserSession.formEncode(Map.of("client_id", accountConsole.clientId(), "tab_id",
                stopped.get("tab_id"), "session_code", stopped.get("session_code"), "client_data",
                stopped.get("client_data")))), accountConsole.redirectUri());
        BrowserSession.Page institutionLogin = page;
        org.jsoup.nodes.Element form = institutionLogin.loginForm()
                .orElseThrow(() -> new AssertionError("institution-a's login: " + institutionLogin));
        page = followOnB(attacker, attacker.submit(page, form, Map.of("username", "oscar", "password", "oscar")),
                accountConsole.redirectUri());
        assertThat(page.isRedirect() && page.location().startsWith(accountConsole.redirectUri()))
                .as("no code for oscar: %s", page).isFalse();
        assertThat(page.url()).as("judged on B").startsWith(b.baseUrl());
        assertThat(page.status()).as("%s", page).isEqualTo(403);
        assertThat(page.body()).contains("another account in this browser tab");

        HubLogin after = new HubLogin(b, attacker, HubClient.JUPYTERHUB).parameter("acr_values", mfa);
        after.start();
        if (after.reachedHub()) {
            assertThat(after.exchangeCode().idTokenClaims().path("acr").asText()).isNotEqualTo(mfa);
        }
    }

    /** Follows redirects, sending every request for A's vre realm to B instead; stops at {@code stopPrefix}. */
    private static BrowserSession.Page followOnB(BrowserSession browser, BrowserSession.Page page, String stopPrefix) {
        for (int hop = 0; hop < 20 && page.isRedirect() && !page.location().startsWith(stopPrefix); hop++) {
            String next = page.location();
            if (next.startsWith(a.realmUrl("vre"))) {
                next = b.baseUrl() + next.substring(a.baseUrl().length());
            }
            page = browser.get(next);
        }
        return page;
    }

    private static void createUpstream(String realm, String brokerRedirect, String secret) {
        adminA.post("/admin/realms", Map.of("realm", realm, "enabled", true)).ok();
        adminA.post("/admin/realms/" + realm + "/clients", Map.of("clientId", "vre-broker", "publicClient", false,
                "secret", secret, "standardFlowEnabled", true, "redirectUris", java.util.List.of(brokerRedirect),
                "protocolMappers", java.util.List.of(Map.of("name", "home institution", "protocol", "openid-connect",
                        "protocolMapper", "oidc-hardcoded-claim-mapper", "config", Map.of("claim.name", "idp",
                                "claim.value", "https://idp.university.example/idp/shibboleth", "jsonType.label",
                                "String", "id.token.claim", "true", "access.token.claim", "true",
                                "userinfo.token.claim", "true"))))).ok();
        adminA.post("/admin/realms/" + realm + "/users", Map.of("username", "fiona", "enabled", true,
                "email", "fiona@university.example", "emailVerified", true, "firstName", "Fiona", "lastName", "Field",
                "credentials", java.util.List.of(Map.of("type", "password", "value", "fiona-upstream-password",
                        "temporary", false)))).ok();
    }

    private record KcImport(int exitCode, String output) {
    }

    /** {@code kc.sh import --optimized} from the cluster's build into its database, with exactly {@code variables}. */
    private static KcImport kcImport(Path file, Map<String, String> variables) throws Exception {
        Path home = cluster.builtDistribution();
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("bash",
                home.resolve("bin/kc.sh").toString(), "import", "--optimized", "--file=" + file));
        command.addAll(cluster.databaseOptions());
        command.addAll(cluster.vault().startOptions());
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("KC_") || name.startsWith("JUPYTERHUB_")
                || name.startsWith("RUCIO_") || name.startsWith("SSH_GATEWAY_") || name.startsWith("FEDERATION_PROXY_"));
        builder.environment().putAll(variables);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("kc.sh import did not end:\n" + output);
        }
        return new KcImport(process.exitValue(), output);
    }

    private static JsonNode mapper(String clientId, String providerId) {
        String client = adminA.clientUuid("vre", clientId);
        for (JsonNode mapper : adminA.get("/admin/realms/vre/clients/" + client + "/protocol-mappers/models").ok()) {
            if (providerId.equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        throw new AssertionError(clientId + " has no " + providerId + " mapper");
    }

    private static String mapperConfig(String clientId, String providerId, String key) {
        return mapper(clientId, providerId).path("config").path(key).asText();
    }

    private static void setMapperConfig(String clientId, String providerId, String key, String value) {
        ObjectNode mapper = (ObjectNode) mapper(clientId, providerId).deepCopy();
        ((ObjectNode) mapper.path("config")).put(key, value);
        String client = adminA.clientUuid("vre", clientId);
        int status = adminA.put("/admin/realms/vre/clients/" + client + "/protocol-mappers/models/"
                + mapper.path("id").asText(), mapper).status();
        assertThat(status).as("saving %s of %s on A", key, clientId).isBetween(200, 204);
    }

    @Test
    @Order(12)
    @DisplayName("Issue 30: a hub requested and approved on node A logs alice in on node B with the new secret B "
            + "serves; before approval, B refuses it too")
    void hubApprovedOnALogsInOnB() throws Exception {
        String initialAccessToken = LabHubTenants.prepare(a);
        String callback = "https://hub.cluster.example.org/hub/oauth_callback";
        java.net.http.HttpResponse<String> response = Http.send(Http.request(a.realmUrl("vre")
                        + "/clients-registrations/openid-connect")
                .header("Authorization", "Bearer " + initialAccessToken).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of(
                        "client_name", "Cluster Hub", "redirect_uris", List.of(callback),
                        "token_endpoint_auth_method", "client_secret_post",
                        "contacts", List.of("hubadmin@institution-a.example.org"))))));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode registration = JSON.readTree(response.body());
        String clientId = registration.path("client_id").asText();
        String uuid = adminA.clientUuid("vre", clientId);
        try {
            HubLogin pending = new HubLogin(b, new BrowserSession(), new HubClient("vre", clientId,
                    registration.path("client_secret").asText(), callback));
            pending.start();
            assertThat(pending.reachedHub()).isFalse();

            ObjectNode hub = (ObjectNode) adminA.get("/admin/realms/vre/clients/" + uuid).ok();
            hub.put("enabled", true);
            assertThat(adminA.put("/admin/realms/vre/clients/" + uuid, hub).status()).isEqualTo(204);

            String secret = new KeycloakAdmin(b).get("/admin/realms/vre/clients/" + uuid + "/client-secret").ok()
                    .path("value").asText();
            assertThat(secret).isNotEqualTo(registration.path("client_secret").asText());
            HubLogin login = new HubLogin(b, new BrowserSession(), new HubClient("vre", clientId, secret, callback));
            login.start();
            login.chooseIdentityProvider(LabUser.ALICE.identityProvider());
            login.signIn(LabUser.ALICE.username(), LabUser.ALICE.password());
            TokenSet tokens = login.exchangeCode();
            assertThat(tokens.accessTokenClaims().path("preferred_username").asText()).isEqualTo("alice");
            assertThat(tokens.accessTokenClaims().path("iss").asText()).isEqualTo(a.realmUrl("vre"));
        } finally {
            adminA.delete("/admin/realms/vre/clients/" + uuid);
        }
    }
}
