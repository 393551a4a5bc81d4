package org.sciencegateway.keycloak.it.federation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.ClientInstitutionRules;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
    static final String TEMPLATE = FederationSourceAdmin.INSTITUTION_SAML_TEMPLATE;

    static final String MD = "urn:oasis:names:tc:SAML:2.0:metadata";
    static final String POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

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
    /** A second member of the federation, imported by the same source: another Keycloak realm as SAML IdP. */
    static final String MEMBER_B = "institution-saml-b";
    /** The prefix of a source that is removed and then taken by another ({@link #removedSourcesIdentityProvidersLogNobodyIn}). */
    static final String REMOVED_PREFIX = "itgone";
    private static String memberBEntityId;
    private static String memberBDescriptor;

    @BeforeAll
    static void importTheFederation() {
        descriptor = Http.send(Http.request(server.realmUrl("institution-saml") + "/protocol/saml/descriptor")).body();
        entityId = server.realmUrl("institution-saml");
        createMemberB();
        memberBEntityId = server.realmUrl(MEMBER_B);
        memberBDescriptor = Http.send(Http.request(memberBEntityId + "/protocol/saml/descriptor")).body();
        feed = new FederationFeed();
        feed.serve(FederationSigner.LAB.sign(aggregate(INSTITUTION)));
        sources = new FederationSourceAdmin(admin, "vre");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("metadataUrl", feed.url());
        config.put("signingCertificate", FederationSigner.LAB.certificatePem());
        config.put("aliasPrefix", "itfed");
        config.put("identityProviderTemplate", TEMPLATE);
        config.put("entityIdInclude", List.of(entityId, "https://idp.uni-a.example/idp/shibboleth", memberBEntityId));
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
        try {
            admin.delete("/admin/realms/vre/users/" + daveId + "/federated-identity/" + alias);
            sources.identityProviders(sourceId).forEach(idp ->
                    admin.delete("/admin/realms/vre/identity-provider/instances/" + idp.get("alias").asText()));
            sources.delete(sourceId);
            feed.close();
        } finally {
            admin.delete("/admin/realms/" + MEMBER_B);
        }
    }

    /** nina's institution: signs its responses, sends mail and names, registered by no authority the rules name. */
    private static void createMemberB() {
        List<Map<String, Object>> mappers = List.of(
                attribute("mail", "email", "urn:oid:0.9.2342.19200300.100.1.3"),
                attribute("givenName", "firstName", "urn:oid:2.5.4.42"),
                attribute("sn", "lastName", "urn:oid:2.5.4.4"));
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("clientId", server.realmUrl("vre"));
        sp.put("protocol", "saml");
        sp.put("redirectUris", List.of(sharedAcs("itfed"), sharedAcs(REMOVED_PREFIX)));
        sp.put("attributes", Map.of("saml.authnstatement", "true", "saml.server.signature", "true",
                "saml.assertion.signature", "true", "saml.client.signature", "false", "saml.signature.algorithm",
                "RSA_SHA256", "saml_force_name_id_format", "true", "saml_name_id_format", "username"));
        sp.put("protocolMappers", mappers);
        admin.delete("/admin/realms/" + MEMBER_B); // left by an aborted run
        admin.post("/admin/realms", Map.of("realm", MEMBER_B, "enabled", true, "clients", List.of(sp),
                "users", List.of(Map.of("username", "nina", "enabled", true, "email", "nina@member-b.example",
                        "emailVerified", true, "firstName", "Nina", "lastName", "Member",
                        "credentials", List.of(Map.of("type", "password", "value", "nina-password",
                                "temporary", false)))))).ok();
    }

    private static Map<String, Object> attribute(String friendlyName, String property, String name) {
        return Map.of("name", friendlyName, "protocol", "saml", "protocolMapper", "saml-user-property-mapper",
                "config", Map.of("user.attribute", property, "attribute.name", name, "friendly.name", friendlyName,
                        "attribute.nameformat", "URI Reference"));
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
                .addRegistered(memberBDescriptor, Idp.of(memberBEntityId).name("en", "Member B College")
                        .scope("member-b.example").registrationAuthority("https://incommon.org"))
                .xml();
    }

    static String rules() {
        return new ClientInstitutionRules(admin, "vre", "jupyterhub").get();
    }

    static void setRules(String rules) {
        new ClientInstitutionRules(admin, "vre", "jupyterhub").set(rules);
    }

    /** The stored jupyterhub rules with one more allow entry. */
    static void allowAlso(String entryJson) {
        setRules(storedRules.replaceFirst("\"allow\"\\s*:\\s*\\[", "\"allow\": [" + entryJson + ","));
    }

    /** A jupyterhub login sent to the imported identity provider {@code idp}. */
    static HubLogin loginThrough(String idp) {
        return new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", idp);
    }

    /** Starts {@code login} up to the auto-submitting form that carries its AuthnRequest to institution-saml. */
    static Element authnRequestForm(HubLogin login) {
        BrowserSession.Page request = login.browser().follow(login.browser().get(login.authorizationUrl()),
                server.realmUrl("institution-saml") + "/protocol/saml");
        Element form = request.document().selectFirst("form:has(input[name=SAMLRequest])");
        assertThat(form).as("the AuthnRequest to institution-saml: %s", request).isNotNull();
        return form;
    }

    static HubLogin daveThroughTheImportedIdp() {
        HubLogin login = loginThrough(alias);
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

    /** The source's one assertion consumer service, as the federation registers it. */
    static String sharedAcs(String prefix) {
        return server.realmUrl("vre") + "/saml-federation/" + prefix + "/acs";
    }

    @Test
    @DisplayName("Given an imported IdP, then its AuthnRequest names the source's one assertion consumer service, the only one its SP metadata lists")
    void sharedAssertionConsumerService() throws Exception {
        allowAlso("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\"}");
        Element form = authnRequestForm(loginThrough(alias));
        Document authnRequest = xml(Base64.getMimeDecoder().decode(form.selectFirst("input[name=SAMLRequest]").val()));
        assertThat(authnRequest.getDocumentElement().getAttribute("AssertionConsumerServiceURL"))
                .isEqualTo(sharedAcs("itfed"));
        assertThat(authnRequest.getDocumentElement().getAttribute("ProtocolBinding")).isEqualTo(POST_BINDING);

        BrowserSession.Page metadata = new BrowserSession().get(server.realmUrl("vre") + "/saml-federation/itfed/metadata");
        assertThat(metadata.status()).as(metadata.body()).isEqualTo(200);
        Document sp = xml(metadata.body().getBytes(StandardCharsets.UTF_8));
        assertThat(sp.getDocumentElement().getAttribute("entityID")).isEqualTo(server.realmUrl("vre"));
        NodeList services = sp.getElementsByTagNameNS(MD, "AssertionConsumerService");
        assertThat(services.getLength()).as(metadata.body()).isEqualTo(1);
        assertThat(((org.w3c.dom.Element) services.item(0)).getAttribute("Location")).isEqualTo(sharedAcs("itfed"));
        assertThat(((org.w3c.dom.Element) services.item(0)).getAttribute("Binding")).isEqualTo(POST_BINDING);
        assertThat(sp.getElementsByTagNameNS(MD, "SingleLogoutService").getLength()).isZero();

        assertThat(new BrowserSession().get(server.realmUrl("vre") + "/saml-federation/nosource/metadata").status())
                .isEqualTo(404);
        // institution-saml accepts only the shared assertion consumer services as its SP's endpoints: the hub is reached
        assertThat(daveThroughTheImportedIdp().reachedHub()).isTrue();
    }

    @Test
    @DisplayName("Given dave's signed response, then the shared ACS refuses it at another source's ACS, at the per-alias endpoint, replayed, forged unsigned, from an issuer the source did not import, and anything but a POSTed SAMLResponse")
    void sharedAcsRefusesWhatItMustNot() throws Exception {
        allowAlso("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\"}");
        HubLogin login = loginThrough(alias);
        login.start();
        Element credentials = login.page().loginForm().orElseThrow(() -> new AssertionError(login.page().toString()));
        BrowserSession.Page answer = login.browser().follow(login.browser().submit(login.page(), credentials,
                Map.of("username", LabUser.DAVE.username(), "password", LabUser.DAVE.password())), sharedAcs("itfed"));
        Element form = answer.document().selectFirst("form:has(input[name=SAMLResponse])");
        assertThat(form).as("institution-saml's response: %s", answer).isNotNull();
        assertThat(form.absUrl("action")).isEqualTo(sharedAcs("itfed"));
        Map<String, String> response = Map.of("SAMLResponse", form.selectFirst("input[name=SAMLResponse]").val(),
                "RelayState", form.selectFirst("input[name=RelayState]").val());

        // the same signed response at another source's assertion consumer service, which imported the same entity
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("metadataUrl", feed.url());
        second.put("signingCertificate", FederationSigner.LAB.certificatePem());
        second.put("aliasPrefix", "itfedb");
        second.put("identityProviderTemplate", TEMPLATE);
        second.put("entityIdInclude", List.of(entityId));
        String secondId = sources.create("federated-login-second", second);
        try {
            JsonNode status = sources.awaitAttemptAfter(secondId, "");
            assertThat(status.path("identityProviders").asInt()).as(status.toString()).isEqualTo(1);
            assertRefusedAtAcs(() -> login.browser().post(sharedAcs("itfedb"), response), "invalid_destination");
        } finally {
            sources.identityProviders(secondId).forEach(idp ->
                    admin.delete("/admin/realms/vre/identity-provider/instances/" + idp.get("alias").asText()));
            sources.delete(secondId);
        }
        // ... at Keycloak's per-alias endpoint of the identity provider: closed for federation members (a response
        // there would skip the shared ACS's checks)
        BrowserSession.Page perAlias = login.browser().post(server.realmUrl("vre") + "/broker/" + alias + "/endpoint",
                response);
        assertThat(perAlias.status()).as(perAlias.body()).isEqualTo(404);
        // ... by someone else (no browser session of dave's login) before dave
        assertThat(new BrowserSession().post(sharedAcs("itfed"), response).status()).isEqualTo(400);

        BrowserSession.Page delivered = login.browser().follow(login.browser().post(sharedAcs("itfed"), response),
                HubClient.JUPYTERHUB.redirectUri());
        assertThat(delivered.isRedirect() && delivered.location().startsWith(HubClient.JUPYTERHUB.redirectUri()))
                .as("dave reaches the hub through the shared ACS: %s", delivered).isTrue();

        // replayed, in dave's browser and in another
        assertThat(login.browser().post(sharedAcs("itfed"), response).status()).isEqualTo(400);
        assertThat(new BrowserSession().post(sharedAcs("itfed"), response).status()).isEqualTo(400);

        // forged: institution-saml's issuer, the right destination, the victim's relay state and request ID (both
        // visible in the victim's browser), no signature
        HubLogin victim = loginThrough(alias);
        Element authnRequest = authnRequestForm(victim);
        String relayState = authnRequest.selectFirst("input[name=RelayState]").val();
        String requestId = xml(Base64.getMimeDecoder().decode(authnRequest.selectFirst("input[name=SAMLRequest]").val()))
                .getDocumentElement().getAttribute("ID");
        assertRefusedAtAcs(() -> victim.browser().post(sharedAcs("itfed"), Map.of("SAMLResponse",
                forged(entityId, sharedAcs("itfed"), requestId), "RelayState", relayState)), "invalid_signature");
        // an issuer in the aggregate that the source did not import (outside its entityID list)
        assertRefusedAtAcs(() -> victim.browser().post(sharedAcs("itfed"), Map.of("SAMLResponse",
                forged("https://idp.elsewhere.example/idp", sharedAcs("itfed"), requestId), "RelayState", relayState)),
                "unknown_identity_provider");
        // not a login response, or not by the HTTP-POST binding
        assertRefusedAtAcs(() -> victim.browser().post(sharedAcs("itfed"), Map.of("SAMLRequest",
                response.get("SAMLResponse"), "RelayState", relayState)), "invalid_request");
        assertRefusedAtAcs(() -> victim.browser().post(sharedAcs("itfed"), Map.of("SAMLResponse",
                Base64.getEncoder().encodeToString("<not-saml/>".getBytes(StandardCharsets.UTF_8)))),
                "invalid_saml_document");
        // a DOCTYPE with an external entity: Keycloak's SAML parser refuses any DTD before the issuer is read
        String external = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + new String(Base64.getDecoder().decode(forged(entityId, sharedAcs("itfed"), requestId)),
                StandardCharsets.UTF_8).replace("<saml:Issuer>" + entityId, "<saml:Issuer>&x;" + entityId);
        assertRefusedAtAcs(() -> victim.browser().post(sharedAcs("itfed"), Map.of("SAMLResponse",
                Base64.getEncoder().encodeToString(external.getBytes(StandardCharsets.UTF_8)), "RelayState",
                relayState)), "invalid_saml_document");
        assertRefusedAtAcs(() -> victim.browser().get(sharedAcs("itfed") + "?SAMLResponse=x&RelayState=" + relayState),
                "invalid_request");
        assertThat(new BrowserSession().post(server.realmUrl("vre") + "/saml-federation/nosource/acs", response)
                .status()).isEqualTo(404);
    }

    @Test
    @DisplayName("Federation trust, finding 1: institution-saml forged with the attacker's key and SSO URL and hidden in the genuine aggregate's own signature (ds:Object, ds:KeyInfo) is refused — status bad_signature, the member keeps its certificate — and a response for dave signed with the attacker's key is refused")
    void memberTakeoverWithoutAKeyIsRefused() throws Exception {
        allowAlso("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\"}");
        String genuine = FederationSigner.LAB.sign(aggregate(INSTITUTION));
        String attackerCertificate = FederationSigner.OTHER.certificatePem().replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s+", "");
        String forgedMember = Idp.of(entityId).name("en", "Sorbonne Astro Lab (federated)").scope(INSTITUTION)
                .registrationAuthority(DFN).category(FederationMetadata.RS).sso("https://attacker.example/sso")
                .certificate(attackerCertificate).xml();
        JsonNode before = admin.get("/admin/realms/vre/identity-provider/instances/" + alias).ok();
        assertThat(before.path("config").path("signingCertificate").asText()).doesNotContain(attackerCertificate);
        Map<String, String> attacks = Map.of(
                "ds:Object", genuine.replace("</ds:Signature>", "<ds:Object>" + forgedMember + "</ds:Object></ds:Signature>"),
                "ds:KeyInfo", genuine.replaceFirst("</ds:KeyInfo>",
                        java.util.regex.Matcher.quoteReplacement(forgedMember) + "</ds:KeyInfo>"));
        try {
            attacks.forEach((where, attack) -> {
                feed.serve(attack);
                JsonNode status = sources.sync(sourceId);
                assertThat(status.path("state").asText()).as(where + ": " + status).isEqualTo("failed");
                assertThat(status.path("errorCode").asText()).as(where + ": " + status).isEqualTo("bad_signature");
                JsonNode after = admin.get("/admin/realms/vre/identity-provider/instances/" + alias).ok();
                for (String key : List.of("signingCertificate", "singleSignOnServiceUrl", "sg.federation.digest")) {
                    assertThat(after.path("config").path(key).asText()).as(where + ": " + key)
                            .isEqualTo(before.path("config").path(key).asText());
                }
            });
            // what the attacker wanted the import for: a response for dave signed with their own key
            HubLogin victim = loginThrough(alias);
            Element authnRequest = authnRequestForm(victim);
            String relayState = authnRequest.selectFirst("input[name=RelayState]").val();
            String requestId = xml(Base64.getMimeDecoder().decode(authnRequest.selectFirst("input[name=SAMLRequest]")
                    .val())).getDocumentElement().getAttribute("ID");
            String signedByAttacker = FederationSigner.OTHER.signMessage(forgedXml(entityId, sharedAcs("itfed"),
                    requestId));
            assertRefusedAtAcs(() -> victim.browser().post(sharedAcs("itfed"), Map.of("SAMLResponse",
                    Base64.getEncoder().encodeToString(signedByAttacker.getBytes(StandardCharsets.UTF_8)),
                    "RelayState", relayState)), "invalid_signature");
        } finally {
            feed.serve(genuine);
            sources.sync(sourceId);
        }
        assertThat(daveThroughTheImportedIdp().reachedHub()).as("the genuine member still logs dave in").isTrue();
    }

    @Test
    @DisplayName("Federation trust, finding 6: a scope regexp:.* registered with regexp=false, a scope with a space and an entity category with a space before R&S are not what the rules look for — dave is refused each time, and admitted again with the real registration")
    void listsStayLists() {
        String genuine = FederationSigner.LAB.sign(aggregate(INSTITUTION));
        String category = "https://x.example/cat " + FederationMetadata.RS;
        Map<String, String> crafted = new LinkedHashMap<>();
        crafted.put("{\"name\": \"DFN R&S\", \"registrationAuthority\": \"" + DFN + "\", \"entityCategory\": \""
                + FederationMetadata.RS + "\"}", genuine(INSTITUTION, category));
        crafted.put("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\"}",
                genuine("regexp:.*", FederationMetadata.COCO));
        crafted.put("{\"name\": \"scoped institution \", \"institution\": \"" + INSTITUTION + "\"}",
                genuine("other.example " + INSTITUTION, FederationMetadata.COCO));
        try {
            crafted.forEach((rule, document) -> {
                setRules("{\"allow\": [" + rule + "]}");
                feed.serve(document);
                JsonNode status = sources.sync(sourceId);
                assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
                assertRefused(daveThroughTheImportedIdp());
            });
            JsonNode stored = admin.get("/admin/realms/vre/identity-provider/instances/" + alias).ok().path("config");
            assertThat(stored.path("institution.scopes").asText()).as("registered, none usable").isEqualTo("[]");
        } finally {
            feed.serve(genuine);
            sources.sync(sourceId);
        }
        setRules("{\"allow\": [{\"name\": \"scoped\", \"institution\": \"" + INSTITUTION + "\", "
                + "\"registrationAuthority\": \"" + DFN + "\", \"entityCategory\": \"" + FederationMetadata.RS + "\"}]}");
        assertThat(daveThroughTheImportedIdp().reachedHub()).isTrue();
        JsonNode stored = admin.get("/admin/realms/vre/identity-provider/instances/" + alias).ok().path("config");
        assertThat(stored.path("institution.entityCategories").asText()).isEqualTo("[\"" + FederationMetadata.RS + "\"]");
    }

    /** The aggregate with institution-saml registered under one scope and one entity category, signed. */
    private static String genuine(String scope, String category) {
        return FederationSigner.LAB.sign(new FederationMetadata()
                .addRegistered(descriptor, Idp.of(entityId).name("en", "Sorbonne Astro Lab (federated)").scope(scope)
                        .registrationAuthority(DFN).category(category))
                .add(Idp.of("https://idp.uni-a.example/idp/shibboleth").name("en", "University A")
                        .registrationAuthority(DFN))
                .add(Idp.of("https://idp.elsewhere.example/idp").name("en", "Elsewhere"))
                .addRegistered(memberBDescriptor, Idp.of(memberBEntityId).name("en", "Member B College")
                        .scope("member-b.example").registrationAuthority("https://incommon.org"))
                .xml());
    }

    @Test
    @DisplayName("Given a login started for institution-saml whose AuthnRequest is carried to another member, then the other member's signed answer at the shared ACS is decided on that member: refused by the rules that admit institution-saml, and linked to that member, never to institution-saml, once admitted")
    void anotherMembersAnswerIsDecidedOnThatMember() {
        allowAlso("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\"}");
        String aliasB = sources.identityProviders(sourceId).stream()
                .filter(idp -> memberBEntityId.equals(idp.path("config").path("idpEntityId").asText()))
                .findFirst().orElseThrow().get("alias").asText();
        try {
            assertRefused(carriedToMemberB());
            admittedAsMemberB(aliasB);
        } finally {
            // the refused login's first broker login may already have created nina's account
            JsonNode nina = admin.get("/admin/realms/vre/users?username=nina&exact=true").ok();
            nina.forEach(user -> admin.delete("/admin/realms/vre/users/" + user.path("id").asText()));
        }
    }

    /** With member B admitted too, nina's login through B succeeds: linked to B, never to institution-saml. */
    private static void admittedAsMemberB(String aliasB) {
        allowAlso("{\"name\": \"scoped institution\", \"institution\": \"" + INSTITUTION + "\"}, "
                + "{\"name\": \"member B\", \"idp\": \"" + aliasB + "\"}");
        HubLogin admitted = carriedToMemberB();
        assertThat(admitted.reachedHub()).as("reached the hub: %s", admitted.page()).isTrue();
        assertThat(admitted.exchangeCode().accessTokenClaims().path("preferred_username").asText())
                .isEqualTo("nina");
        String nina = admin.userId("vre", "nina");
        JsonNode links = admin.get("/admin/realms/vre/users/" + nina + "/federated-identity").ok();
        assertThat(links).hasSize(1);
        assertThat(links.get(0).path("identityProvider").asText()).isEqualTo(aliasB);
        assertThat(StreamSupport.stream(admin.events("vre", "LOGIN").spliterator(), false)
                .filter(e -> nina.equals(e.path("userId").asText()))
                .map(e -> e.path("details").path("identity_provider").asText()))
                .containsOnly(aliasB);
    }

    /**
     * A login for institution-saml, its AuthnRequest (the victim's request ID and relay state) carried to member B,
     * nina signing in there: what a federation member that answers requests not meant for it sends back.
     */
    private static HubLogin carriedToMemberB() {
        HubLogin login = loginThrough(alias);
        Element request = authnRequestForm(login);
        // the same request (ID, issuer, shared ACS), addressed to member B: B checks the destination of what it gets
        String forB = new String(Base64.getMimeDecoder().decode(request.selectFirst("input[name=SAMLRequest]").val()),
                StandardCharsets.UTF_8).replace("Destination=\"" + entityId + "/protocol/saml\"",
                "Destination=\"" + memberBEntityId + "/protocol/saml\"");
        assertThat(forB).contains(memberBEntityId);
        BrowserSession.Page atB = login.browser().follow(login.browser().post(memberBEntityId + "/protocol/saml", Map.of(
                "SAMLRequest", Base64.getEncoder().encodeToString(forB.getBytes(StandardCharsets.UTF_8)),
                "RelayState", request.selectFirst("input[name=RelayState]").val())), HubClient.JUPYTERHUB.redirectUri());
        Element credentials = atB.loginForm().orElseThrow(() -> new AssertionError("member B's login: " + atB));
        BrowserSession.Page answer = login.browser().submit(atB, credentials,
                Map.of("username", "nina", "password", "nina-password"));
        login.visitFollowing(answer);
        return login;
    }

    @Test
    @DisplayName("Issue 27/4: after its source is removed, an imported IdP logs nobody in — its signed answer refused, no login started through it — also when a new source (another federation key, a feed without it) takes the prefix and an admin enables the old IdP again")
    void removedSourcesIdentityProvidersLogNobodyIn() throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("metadataUrl", feed.url());
        config.put("signingCertificate", FederationSigner.LAB.certificatePem());
        config.put("aliasPrefix", REMOVED_PREFIX);
        config.put("identityProviderTemplate", TEMPLATE);
        config.put("entityIdInclude", List.of(memberBEntityId));
        String removedId = sources.create("federated-login-removed", config);
        String successorId = null;
        FederationFeed otherFeed = new FederationFeed();
        String aliasB = null;
        try {
            JsonNode status = sources.awaitAttemptAfter(removedId, "");
            assertThat(status.path("identityProviders").asInt()).as(status.toString()).isEqualTo(1);
            aliasB = sources.identityProviders(removedId).get(0).get("alias").asText();
            allowAlso("{\"name\": \"member B via the removed source\", \"idp\": \"" + aliasB + "\"}");
            // while the source exists, nina logs in through it
            HubLogin admitted = loginThrough(aliasB);
            admitted.start();
            admitted.signIn("nina", "nina-password");
            assertThat(admitted.reachedHub()).as("reached the hub: %s", admitted.page()).isTrue();

            // a second login of nina's, member B's signed answer in hand, not yet delivered
            HubLogin login = loginThrough(aliasB);
            login.start();
            Element credentials = login.page().loginForm()
                    .orElseThrow(() -> new AssertionError(login.page().toString()));
            BrowserSession.Page answer = login.browser().follow(login.browser().submit(login.page(), credentials,
                    Map.of("username", "nina", "password", "nina-password")), sharedAcs(REMOVED_PREFIX));
            Element form = answer.document().selectFirst("form:has(input[name=SAMLResponse])");
            assertThat(form).as("member B's response: %s", answer).isNotNull();
            Map<String, String> response = Map.of("SAMLResponse", form.selectFirst("input[name=SAMLResponse]").val(),
                    "RelayState", form.selectFirst("input[name=RelayState]").val());

            // the admin removes the source (e.g. its pin was compromised): its identity provider is disabled
            sources.delete(removedId);
            JsonNode orphan = admin.get("/admin/realms/vre/identity-provider/instances/" + aliasB).ok();
            assertThat(orphan.path("enabled").asBoolean()).isFalse();
            assertThat(login.browser().post(sharedAcs(REMOVED_PREFIX), response).status()).isEqualTo(404);

            // another source takes the prefix: another federation key, a feed that does not list member B
            otherFeed.serve(FederationSigner.OTHER.sign(new FederationMetadata()
                    .add(Idp.of("https://idp.uni-a.example/idp/shibboleth").name("en", "University A")).xml()));
            Map<String, Object> successor = new LinkedHashMap<>(config);
            successor.put("metadataUrl", otherFeed.url());
            successor.put("signingCertificate", FederationSigner.OTHER.certificatePem());
            successor.remove("entityIdInclude");
            successorId = sources.create("federated-login-successor", successor);
            status = sources.awaitAttemptAfter(successorId, "");
            assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
            assertThat(admin.get("/admin/realms/vre/identity-provider/instances/" + aliasB).ok()
                    .path("enabled").asBoolean()).as("the new source never enables the old one's IdP").isFalse();
            // ... and even enabled again by hand (as every orphan stayed before removal disabled them), the old
            // source's identity provider logs nobody in: not at the new source's ACS, not by a new login
            ((com.fasterxml.jackson.databind.node.ObjectNode) orphan).put("enabled", true);
            admin.put("/admin/realms/vre/identity-provider/instances/" + aliasB, orphan).ok();
            assertRefusedAtAcs(() -> login.browser().post(sharedAcs(REMOVED_PREFIX), response),
                    "unknown_identity_provider");
            BrowserSession.Page perAlias = login.browser().post(server.realmUrl("vre") + "/broker/" + aliasB
                    + "/endpoint", response);
            assertThat(perAlias.status()).as("Keycloak's per-alias endpoint: %s", perAlias.body()).isEqualTo(404);
            HubLogin again = loginThrough(aliasB);
            again.start();
            assertThat(again.reachedHub()).as("reached the hub: %s", again.page()).isFalse();
            assertThat(again.page().url()).as("never sent to member B").doesNotStartWith(memberBEntityId);
        } finally {
            otherFeed.close();
            if (successorId != null) {
                String id = successorId;
                sources.identityProviders(id).forEach(idp ->
                        admin.delete("/admin/realms/vre/identity-provider/instances/" + idp.get("alias").asText()));
                sources.delete(id);
            }
            sources.delete(removedId);
            if (aliasB != null) {
                admin.delete("/admin/realms/vre/identity-provider/instances/" + aliasB);
            }
            JsonNode nina = admin.get("/admin/realms/vre/users?username=nina&exact=true").ok();
            nina.forEach(user -> admin.delete("/admin/realms/vre/users/" + user.path("id").asText()));
        }
    }

    /**
     * A 400 error page, and Keycloak's {@code IDENTITY_PROVIDER_RESPONSE_ERROR} event naming the reason (Keycloak does
     * not store this event type by default: read from the server log, where its event logger writes every error).
     */
    private static void assertRefusedAtAcs(java.util.function.Supplier<BrowserSession.Page> request, String reason)
            throws InterruptedException {
        int before = server.log().length();
        BrowserSession.Page page = request.get();
        assertThat(page.status()).as(page.body()).isEqualTo(400);
        assertThat(page.isRedirect()).isFalse();
        assertThat(refusalEvent(server, before)).as("the event of the refusal")
                .containsPattern("(error|reason)=\"" + reason + "\"");
    }

    /** The first IDENTITY_PROVIDER_RESPONSE_ERROR event the server logged after {@code before} (waits up to 5 s). */
    static String refusalEvent(KeycloakServer server, int before) throws InterruptedException {
        String event = "";
        for (int attempt = 0; attempt < 50 && event.isEmpty(); attempt++) {
            event = server.log().substring(before).lines()
                    .filter(line -> line.contains("type=\"IDENTITY_PROVIDER_RESPONSE_ERROR\"")).findFirst().orElse("");
            if (event.isEmpty()) {
                Thread.sleep(100);
            }
        }
        return event;
    }

    /** An unsigned SAML Response for dave, as an attacker would write it. */
    private static String forged(String issuer, String destination, String inResponseTo) {
        return Base64.getEncoder().encodeToString(forgedXml(issuer, destination, inResponseTo)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String forgedXml(String issuer, String destination, String inResponseTo) {
        String now = java.time.Instant.now().toString();
        String later = java.time.Instant.now().plusSeconds(300).toString();
        String xml = """
                <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" \
                ID="_%1$s" Version="2.0" IssueInstant="%2$s" Destination="%3$s" InResponseTo="%7$s">\
                <saml:Issuer>%4$s</saml:Issuer>\
                <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>\
                <saml:Assertion ID="_a%1$s" Version="2.0" IssueInstant="%2$s"><saml:Issuer>%4$s</saml:Issuer>\
                <saml:Subject><saml:NameID>dave</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">\
                <saml:SubjectConfirmationData NotOnOrAfter="%5$s" Recipient="%3$s" InResponseTo="%7$s"/></saml:SubjectConfirmation></saml:Subject>\
                <saml:Conditions NotBefore="%2$s" NotOnOrAfter="%5$s"><saml:AudienceRestriction><saml:Audience>%6$s</saml:Audience>\
                </saml:AudienceRestriction></saml:Conditions>\
                <saml:AuthnStatement AuthnInstant="%2$s" SessionIndex="s1"><saml:AuthnContext><saml:AuthnContextClassRef>\
                urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>\
                </saml:AuthnStatement></saml:Assertion></samlp:Response>""".formatted(UUID.randomUUID(), now, destination,
                issuer, later, server.realmUrl("vre"), inResponseTo);
        return xml;
    }

    private static Document xml(byte[] bytes) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
    }
}
