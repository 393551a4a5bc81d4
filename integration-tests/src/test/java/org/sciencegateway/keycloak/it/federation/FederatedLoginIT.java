package org.sciencegateway.keycloak.it.federation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * dave at {@code jupyterhub} through the identity provider imported from a signed aggregate that carries
 * institution-saml's real metadata (as its Keycloak publishes it) plus what a federation adds on registration, and the
 * jupyterhub rules deciding by the imported registration authority, entity category and (scoped) institution.
 */
@DisplayName("SAML federation: login through an imported institution, rules on its metadata")
@ExtendWith(SharedKeycloak.class)
class FederatedLoginIT {

    static final String DFN = "https://www.aai.dfn.de";
    static final String INSTITUTION = "institution-saml.example.org";
    static final String TEMPLATE = """
            {"config": {"principalType": "SUBJECT",
                        "nameIDPolicyFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                        "postBindingResponse": "true", "wantAssertionsSigned": "true", "syncMode": "IMPORT"},
             "firstBrokerLoginFlowAlias": "first broker login",
             "postBrokerLoginFlowAlias": "institution filter post broker login",
             "trustEmail": true, "institutionAttribute": "schacHomeOrganization",
             "mappers": [{"name": "email", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                          "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:0.9.2342.19200300.100.1.3", "user.attribute": "email"}}]}""";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static FederationFeed feed;
    private static FederationSourceAdmin sources;
    private static String descriptor;
    private static String entityId;
    private static String sourceId;
    private static String alias;
    private static String storedRules;
    private static String daveId;

    @BeforeAll
    static void importTheFederation() {
        descriptor = Http.send(Http.request(server.realmUrl("institution-saml") + "/protocol/saml/descriptor")).body();
        entityId = server.realmUrl("institution-saml");
        feed = new FederationFeed();
        feed.serve(FederationSigner.LAB.sign(aggregate(INSTITUTION)));
        sources = new FederationSourceAdmin(admin, "vre");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("metadataUrl", feed.url());
        config.put("signingCertificate", FederationSigner.LAB.certificatePem());
        config.put("aliasPrefix", "itfed");
        config.put("identityProviderTemplate", TEMPLATE);
        config.put("entityIdInclude", List.of(entityId, "https://idp.uni-a.example/idp/shibboleth"));
        sourceId = sources.create("federated-login-test", config);
        JsonNode status = sources.awaitAttemptAfter(sourceId, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        alias = sources.identityProviders(sourceId).stream()
                .filter(idp -> entityId.equals(idp.path("config").path("idpEntityId").asText()))
                .findFirst().orElseThrow().get("alias").asText();
        // an admin moves dave's link from the hand-made identity provider's twin to the imported one
        daveId = admin.userId("vre", "dave");
        admin.post("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias,
                Map.of("identityProvider", alias, "userId", "dave", "userName", "dave")).ok();
        storedRules = rules();
    }

    @AfterAll
    static void removeTheFederation() {
        admin.delete("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias);
        sources.identityProviders(sourceId).forEach(idp ->
                admin.delete("/admin/realms/vre/identity-provider/instances/" + idp.get("alias").asText()));
        sources.delete(sourceId);
        feed.close();
    }

    @AfterEach
    void restoreRules() {
        setRules(storedRules);
    }

    /** institution-saml's own descriptor, registered by "DFN" as R&S with the scope {@code scope}, plus others. */
    static String aggregate(String scope) {
        return new FederationMetadata()
                .addRegistered(descriptor, Idp.of(entityId).name("en", "Sorbonne Astro Lab (federated)")
                        .name("fr", "Laboratoire d'astrophysique (fédéré)").scope(scope)
                        .registrationAuthority(DFN).category(FederationMetadata.RS))
                .add(Idp.of("https://idp.uni-a.example/idp/shibboleth").name("en", "University A")
                        .registrationAuthority(DFN))
                .add(Idp.of("https://idp.elsewhere.example/idp").name("en", "Elsewhere"))
                .xml();
    }

    static JsonNode filterMapper() {
        String models = "/admin/realms/vre/clients/" + admin.clientUuid("vre", "jupyterhub") + "/protocol-mappers/models";
        return StreamSupport.stream(admin.get(models).ok().spliterator(), false)
                .filter(m -> "sg-institution-filter".equals(m.path("protocolMapper").asText()))
                .findFirst().orElseThrow();
    }

    static String rules() {
        return filterMapper().path("config").path("rules").asText();
    }

    static void setRules(String rules) {
        JsonNode mapper = filterMapper();
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("id", mapper.get("id").asText());
        update.put("name", mapper.get("name").asText());
        update.put("protocol", "openid-connect");
        update.put("protocolMapper", "sg-institution-filter");
        update.put("config", Map.of("rules", rules));
        admin.put("/admin/realms/vre/clients/" + admin.clientUuid("vre", "jupyterhub") + "/protocol-mappers/models/"
                + mapper.get("id").asText(), update).ok();
    }

    /** The stored jupyterhub rules with one more allow entry. */
    static void allowAlso(String entryJson) {
        setRules(storedRules.replaceFirst("\"allow\"\\s*:\\s*\\[", "\"allow\": [" + entryJson + ","));
    }

    static HubLogin daveThroughTheImportedIdp() {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB)
                .parameter("kc_idp_hint", alias);
        login.start();
        login.signIn(LabUser.DAVE.username(), LabUser.DAVE.password());
        return login;
    }

    static void assertRefused(HubLogin login) {
        assertThat(login.reachedHub()).as("reached the hub: %s", login.page()).isFalse();
        assertThat(login.page().document().text()).contains("Your institution is not allowed for this service.");
    }

    @Test
    @DisplayName("Given a rule on the imported registrationAuthority, entityCategory and scoped institution, then dave reaches the hub through the imported IdP")
    void daveLogsInThroughTheImportedIdp() {
        allowAlso("{\"name\": \"DFN R&S institution\", \"registrationAuthority\": \"" + DFN + "\", "
                + "\"entityCategory\": \"" + FederationMetadata.RS + "\", \"institution\": \"" + INSTITUTION + "\"}");

        HubLogin login = daveThroughTheImportedIdp();

        assertThat(login.reachedHub()).as("reached the hub: %s", login.page()).isTrue();
        assertThat(login.exchangeCode().accessToken()).isNotBlank();
        JsonNode logins = admin.events("vre", "LOGIN");
        assertThat(StreamSupport.stream(logins.spliterator(), false)
                .anyMatch(e -> alias.equals(e.path("details").path("identity_provider").asText())
                        && daveId.equals(e.path("userId").asText()))).isTrue();
    }

    @Test
    @DisplayName("Given a rule on registrationAuthority and entityCategory, then the picker offers the imported institutions that carry both, and no other")
    void pickerOffersWhatTheMetadataAdmits() throws Exception {
        allowAlso("{\"name\": \"DFN R&S\", \"registrationAuthority\": \"" + DFN + "\", "
                + "\"entityCategory\": \"" + FederationMetadata.RS + "\"}");

        assertThat(pickerSearch("federated")).contains("Sorbonne Astro Lab (federated)");
        assertThat(pickerSearch("University A")).as("imported, registered by DFN, but not R&S")
                .doesNotContain("University A");
        assertThat(pickerSearch("Elsewhere")).as("not imported: outside the source's entityID list")
                .doesNotContain("Elsewhere");
    }

    private static String pickerSearch(String query) throws Exception {
        BrowserSession.Page page = new BrowserSession().get(server.realmUrl("vre") + "/institutions?client_id=jupyterhub&q="
                + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(page.body()).path("items").toString();
    }

    @Test
    @DisplayName("Given a rule requiring an entity category the metadata does not give the IdP, then dave is refused")
    void refusedByEntityCategory() {
        setRules("{\"allow\": [{\"registrationAuthority\": \"" + DFN + "\", \"entityCategory\": \""
                + FederationMetadata.COCO + "\"}]}");

        assertRefused(daveThroughTheImportedIdp());
    }

    @Test
    @DisplayName("Given a deny rule on the imported registrationAuthority, then dave is refused")
    void refusedByRegistrationAuthority() {
        setRules("{\"allow\": [{\"entityCategory\": \"" + FederationMetadata.RS + "\"}], "
                + "\"deny\": [{\"registrationAuthority\": \"" + DFN + "\"}]}");

        assertRefused(daveThroughTheImportedIdp());
    }

    @Test
    @DisplayName("Given the federation re-registers the IdP with another scope, then its schacHomeOrganization is no longer recorded and the institution rule refuses")
    void institutionOutsideTheScopeIsNotRecorded() {
        allowAlso("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\", "
                + "\"registrationAuthority\": \"" + DFN + "\"}");
        feed.serve(FederationSigner.LAB.sign(aggregate("other-institution.example.org")));
        JsonNode status = sources.sync(sourceId);
        assertThat(status.path("changes").path("updated").asInt()).as(status.toString()).isEqualTo(1);
        try {
            assertRefused(daveThroughTheImportedIdp());
        } finally {
            feed.serve(FederationSigner.LAB.sign(aggregate(INSTITUTION)));
            sources.sync(sourceId);
        }
        assertThat(daveThroughTheImportedIdp().reachedHub()).isTrue();
    }
}
