package org.sciencegateway.keycloak.it.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.xml.security.signature.XMLSignature;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.samlfederation.testing.RealMetadata;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.ClientInstitutionRules;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabFederation;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Metadata as real federations publish it (saml-federation's {@code real-metadata/}: Italy's SPID registry with AgID's
 * own signature, WAYF and SWITCH excerpts re-signed by the lab federation key) imported through sources of a real
 * Keycloak, and a login through a member that offers only transient NameIDs (the lab's institution-transient).
 * One test per point of what real federations needed: entity-level signatures, no validUntil, NameID formats and
 * attribute account keys, signed requests, the picker offering only what the rules can admit, names in the user's
 * language.
 */
@DisplayName("SAML federation: real federations' metadata (SPID, WAYF, SWITCH) and a transient-NameID member")
@ExtendWith(SharedKeycloak.class)
class RealMetadataIT {

    static final String SUBJECT_ID = "urn:oasis:names:tc:SAML:attribute:subject-id";
    static final String TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    static final String HEIDI_SUBJECT_ID = "heidi@" + LabFederation.INSTITUTION_TRANSIENT;

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static FederationSourceAdmin sources;
    private static final List<String> created = new ArrayList<>();
    private static final List<FederationFeed> feeds = new ArrayList<>();
    private static String storedRules;
    private static ClientInstitutionRules rules;

    @BeforeAll
    static void setUp() {
        sources = new FederationSourceAdmin(admin, "vre");
        rules = new ClientInstitutionRules(admin, "vre", "jupyterhub");
        storedRules = rules.get();
    }

    @AfterEach
    void restoreRules() {
        rules.set(storedRules);
    }

    @AfterAll
    static void removeSources() {
        for (String id : created) {
            sources.identityProviders(id).forEach(idp ->
                    admin.delete("/admin/realms/vre/identity-provider/instances/" + idp.get("alias").asText()));
            sources.delete(id);
        }
        feeds.forEach(FederationFeed::close);
    }

    private static String source(String name, Map<String, Object> config) {
        String id = sources.create(name, config);
        created.add(id);
        return id;
    }

    private static Map<String, Object> fileSource(String prefix, String file, String document, String certificatePem) {
        Path path = server.federationDirectory().resolve(file);
        try {
            Files.createDirectories(path.getParent());
            Files.writeString(path, document, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("metadataUrl", path.toUri().toString());
        config.put("signingCertificate", certificatePem);
        config.put("aliasPrefix", prefix);
        return config;
    }

    private static Map<String, Object> feedSource(String prefix, String signedDocument, String template) {
        FederationFeed feed = new FederationFeed();
        feeds.add(feed);
        feed.serve(signedDocument);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("metadataUrl", feed.url());
        config.put("signingCertificate", FederationSigner.LAB.certificatePem());
        config.put("aliasPrefix", prefix);
        if (template != null) {
            config.put("identityProviderTemplate", template);
        }
        return config;
    }

    /** A source of a real document re-signed by the lab key, valid until {@code until}, synced. */
    private static String realSource(String name, String prefix, String document, Instant until) {
        String id = source(name, feedSource(prefix, RealMetadata.resigned(RealMetadata.document(document), until), null));
        JsonNode status = sources.awaitAttemptAfter(id, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        return id;
    }

    private static JsonNode idp(String sourceId, String entityId) {
        return sources.identityProviders(sourceId).stream()
                .filter(idp -> entityId.equals(idp.path("config").path("idpEntityId").asText()))
                .findFirst().orElseThrow(() -> new AssertionError(entityId + " was not imported"));
    }

    private static void allowOnly(String entryJson) {
        rules.set("{\"allow\": [" + entryJson + "]}");
    }

    // 1 and 2 ---------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("1, 2: SPID as AgID publishes it (AgID's signature, three entities signed inside, no validUntil) is refused by default and imports with a maximum age")
    void spidWithEntitySignaturesAndNoValidUntil() {
        String spid = RealMetadata.document(RealMetadata.SPID);
        Map<String, Object> config = fileSource("itspid", "spid.xml", spid, RealMetadata.firstCertificatePem(spid));
        String id = source("spid-registry", config);

        JsonNode refused = sources.awaitAttemptAfter(id, "");
        assertThat(refused.path("state").asText()).as(refused.toString()).isEqualTo("failed");
        assertThat(refused.path("errorCode").asText()).isEqualTo("expired");
        assertThat(refused.path("error").asText()).contains("states no validUntil");
        assertThat(sources.identityProviders(id)).isEmpty();

        config.put("maxAgeWithoutValidUntilDays", "7");
        String before = refused.path("lastAttempt").asText();
        sources.update(id, "spid-registry", config).ok();
        JsonNode ok = sources.awaitAttemptAfter(id, before);

        assertThat(ok.path("state").asText()).as(ok.toString()).isEqualTo("ok");
        assertThat(ok.path("feed").path("identityProviders").asInt()).isEqualTo(9);
        assertThat(Instant.parse(ok.path("feed").path("validUntil").asText()))
                .isCloseTo(Instant.now().plus(Duration.ofDays(7)), within(Duration.ofHours(1)));
        // nothing signed dates SPID's document: its age counts from the first fetch of these bytes, and serving
        // them again (a mirror keeping an old copy) renews nothing
        JsonNode again = sources.sync(id);
        assertThat(again.path("state").asText()).isEqualTo("ok");
        assertThat(again.path("feed").path("validUntil").asText()).isEqualTo(ok.path("feed").path("validUntil").asText());
        assertThat(again.path("firstFetched").size()).isEqualTo(1);
        assertThat(sources.identityProviders(id)).hasSize(9).allSatisfy(idp -> {
            JsonNode c = idp.path("config");
            assertThat(c.path("nameIDPolicyFormat").asText()).as(idp.path("alias").asText()).isEqualTo(TRANSIENT);
            assertThat(c.path("wantAuthnRequestsSigned").asText()).isEqualTo("true");
            assertThat(c.path("sg.federation.accountKeyAttributes").asText()).startsWith("[\"" + SUBJECT_ID + "\"");
        });
    }

    @Test
    @DisplayName("2: without validUntil, a signed publication time within the maximum age imports, an older one is refused")
    void noValidUntilWithinTheMaximumAgeOnly() {
        Map<String, Object> config = fileSource("itspidage", "spid-aged.xml",
                RealMetadata.spidPublishedAt(Instant.now().minus(Duration.ofDays(8))),
                FederationSigner.LAB.certificatePem());
        config.put("maxAgeWithoutValidUntilDays", "7");
        String id = source("spid-aged", config);

        JsonNode old = sources.awaitAttemptAfter(id, "");
        assertThat(old.path("state").asText()).as(old.toString()).isEqualTo("failed");
        assertThat(old.path("error").asText()).contains("longer ago than the source's maximum age of 7 days");

        writeFile("spid-aged.xml", RealMetadata.spidPublishedAt(Instant.now().minus(Duration.ofDays(2))));
        JsonNode fresh = sources.sync(id);
        assertThat(fresh.path("state").asText()).as(fresh.toString()).isEqualTo("ok");
        assertThat(Instant.parse(fresh.path("feed").path("validUntil").asText()))
                .isCloseTo(Instant.now().plus(Duration.ofDays(5)), within(Duration.ofHours(1)));

        config.put("metadataUrl", "http://idps.spid.example/spid.xml");
        KeycloakAdmin.Response http = sources.update(id, "spid-aged", config);
        assertThat(http.status()).as(http.body()).isEqualTo(400);
        assertThat(http.body()).contains("use an https:// (or file:) metadata URL");
    }

    private static void writeFile(String file, String document) {
        try {
            Files.writeString(server.federationDirectory().resolve(file), document, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // 3 and 4 ---------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("3, 4: a SPID identity provider (transient only, WantAuthnRequestsSigned) gets a transient AuthnRequest whose signature verifies with the SP metadata's key")
    void spidIdentityProviderGetsASignedTransientRequest() throws Exception {
        String spid = RealMetadata.document(RealMetadata.SPID);
        Map<String, Object> config = fileSource("itspidreq", "spid-req.xml", spid, RealMetadata.firstCertificatePem(spid));
        config.put("maxAgeWithoutValidUntilDays", "7");
        String id = source("spid-requests", config);
        assertThat(sources.awaitAttemptAfter(id, "").path("state").asText()).isEqualTo("ok");
        JsonNode infocert = idp(id, "https://identity.infocert.it");
        String alias = infocert.path("alias").asText();
        String sso = infocert.path("config").path("singleSignOnServiceUrl").asText();
        allowOnly("{\"idp\": \"" + alias + "\"}");

        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
        BrowserSession.Page page = login.browser().follow(login.browser().get(login.authorizationUrl()), sso);
        Element form = page.document().selectFirst("form:has(input[name=SAMLRequest])");
        assertThat(form).as("the AuthnRequest to InfoCert: %s", page).isNotNull();
        assertThat(form.absUrl("action")).isEqualTo(sso);
        String xml = new String(Base64.getMimeDecoder().decode(form.selectFirst("input[name=SAMLRequest]").val()),
                StandardCharsets.UTF_8);

        assertThat(xml).containsPattern("NameIDPolicy[^>]*Format=\"" + Pattern.quote(TRANSIENT) + "\"");
        assertThat(verifiesWith(xml, spMetadataSigningCertificate("itspidreq")))
                .as("the AuthnRequest's signature verifies with the key of the source's SP metadata").isTrue();
    }

    /** The signing certificate the source's SP metadata publishes (what a federation registers for the SP). */
    static X509Certificate spMetadataSigningCertificate(String prefix) throws Exception {
        String metadata = Http.send(Http.request(server.realmUrl("vre") + "/saml-federation/" + prefix + "/metadata"))
                .body();
        Matcher m = Pattern.compile("(?s)<(?:md:)?KeyDescriptor use=\"signing\">.*?<(?:ds:)?X509Certificate>([^<]+)<")
                .matcher(metadata);
        assertThat(m.find()).as("a signing key in the SP metadata: %s", metadata).isTrue();
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(1))));
    }

    /** Whether the enveloped signature of {@code xml}'s root verifies with {@code certificate} (Santuario's DOM API). */
    static boolean verifiesWith(String xml, X509Certificate certificate) throws Exception {
        org.apache.xml.security.Init.init();
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        document.getDocumentElement().setIdAttribute("ID", true);
        org.w3c.dom.Element signature = (org.w3c.dom.Element) document.getDocumentElement()
                .getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature").item(0);
        assertThat(signature).as("a signature in %s", xml).isNotNull();
        assertThat(signature.getParentNode()).isSameAs(document.getDocumentElement());
        return new XMLSignature(signature, "").checkSignatureValue(certificate);
    }

    @Test
    @DisplayName("3, 4: heidi logs in through institution-transient (transient NameIDs, subject-id, verifies signed requests): her account is keyed by subject-id, the same at the next login; without subject-id the login is refused with a page that says what to release")
    void transientOnlyMemberKeysAccountsBySubjectId() {
        String realm = LabFederation.TRANSIENT_REALM;
        String entityId = server.realmUrl(realm);
        String descriptor = Http.send(Http.request(entityId + "/protocol/saml/descriptor")).body();
        String aggregate = FederationSigner.LAB.sign(new FederationMetadata()
                .addRegistered(LabFederation.transientOnly(descriptor), Idp.of(entityId)
                        .name("en", LabFederation.TRANSIENT_NAME).scope(LabFederation.INSTITUTION_TRANSIENT)
                        .registrationAuthority(LabFederation.AUTHORITY).category(FederationMetadata.RS))
                .xml());
        assertThat(aggregate).doesNotContain("nameid-format:persistent").contains("nameid-format:transient");
        String id = source("transient-member", feedSource("ittrans", aggregate,
                FederationSourceAdmin.INSTITUTION_SAML_TEMPLATE));
        assertThat(sources.awaitAttemptAfter(id, "").path("state").asText()).isEqualTo("ok");
        JsonNode imported = idp(id, entityId);
        String alias = imported.path("alias").asText();
        assertThat(imported.path("config").path("nameIDPolicyFormat").asText()).isEqualTo(TRANSIENT);
        assertThat(imported.path("config").path("wantAuthnRequestsSigned").asText()).isEqualTo("true");
        ObjectNode client = institutionClient();
        ObjectNode original = client.deepCopy();
        try {
            // the member accepts this source's ACS and verifies requests with the SP metadata's key, as registered
            ((ArrayNode) client.withArray("redirectUris")).add(server.realmUrl("vre") + "/saml-federation/ittrans/acs");
            ObjectNode attributes = (ObjectNode) client.get("attributes");
            attributes.put("saml.client.signature", "true");
            attributes.put("saml.signing.certificate", Base64.getEncoder().encodeToString(
                    spMetadataCertificateBytes("ittrans")));
            updateInstitutionClient(client);
            allowOnly("{\"idp\": \"" + alias + "\", \"institution\": \""
                    + LabFederation.INSTITUTION_TRANSIENT + "\"}");

            HubLogin first = heidiThrough(alias);
            assertThat(first.reachedHub()).as("heidi reached the hub: %s", first.page()).isTrue();
            JsonNode users = admin.get("/admin/realms/vre/users?idpAlias=" + alias + "&idpUserId="
                    + URLEncoder.encode(HEIDI_SUBJECT_ID, StandardCharsets.UTF_8)).ok();
            assertThat(users).as("one account linked by heidi's subject-id").hasSize(1);
            String heidi = users.get(0).path("id").asText();
            JsonNode links = admin.get("/admin/realms/vre/users/" + heidi + "/federated-identity").ok();
            assertThat(links.get(0).path("userId").asText()).isEqualTo(HEIDI_SUBJECT_ID);

            HubLogin second = heidiThrough(alias);
            assertThat(second.reachedHub()).as("heidi again: %s", second.page()).isTrue();
            assertThat(admin.get("/admin/realms/vre/users?email=" + HEIDI_SUBJECT_ID + "&exact=true").ok())
                    .as("the second login (another transient NameID) found the same account").hasSize(1);

            ArrayNode mappers = (ArrayNode) client.get("protocolMappers");
            for (int i = mappers.size() - 1; i >= 0; i--) {
                if ("subject-id".equals(mappers.get(i).path("name").asText())) {
                    mappers.remove(i);
                }
            }
            updateInstitutionClient(client);
            HubLogin withoutKey = heidiThrough(alias);
            assertThat(withoutKey.reachedHub()).isFalse();
            assertThat(withoutKey.page().document().text())
                    .contains("did not tell this service who you are").contains("subject-id, pairwise-id");
            admin.delete("/admin/realms/vre/users/" + heidi);
        } finally {
            updateInstitutionClient(original);
        }
    }

    private static HubLogin heidiThrough(String alias) {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
        login.start();
        login.signIn("heidi", "heidi");
        return login;
    }

    private static byte[] spMetadataCertificateBytes(String prefix) {
        try {
            return spMetadataSigningCertificate(prefix).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode institutionClient() {
        JsonNode clients = admin.get("/admin/realms/" + LabFederation.TRANSIENT_REALM + "/clients?clientId="
                + URLEncoder.encode(server.realmUrl("vre"), StandardCharsets.UTF_8)).ok();
        return (ObjectNode) clients.get(0);
    }

    private static void updateInstitutionClient(ObjectNode client) {
        admin.put("/admin/realms/" + LabFederation.TRANSIENT_REALM + "/clients/" + client.path("id").asText(), client)
                .ok();
    }

    // validity at login ----------------------------------------------------------------------------------------

    @Test
    @DisplayName("Once the accepted aggregate's validUntil has passed with no newer document, logins through its identity providers fail closed: at the start and at the shared ACS")
    void expiredMetadataLogsNobodyIn() throws Exception {
        Instant until = Instant.now().plus(Duration.ofSeconds(15));
        String id = realSource("wayf-expiring", "itexp", RealMetadata.WAYF, until);
        JsonNode ku = idp(id, "http://birk.wayf.dk/birk.php/federation.ku.dk/adfs/services/trust");
        String alias = ku.path("alias").asText();
        String sso = ku.path("config").path("singleSignOnServiceUrl").asText();
        allowOnly("{\"idp\": \"" + alias + "\"}");

        BrowserSession.Page before = startLogin(alias, sso);
        boolean requestSent = before.isRedirect() ? before.location().startsWith(sso + "?SAMLRequest=")
                : before.document().selectFirst("form:has(input[name=SAMLRequest])") != null;
        assertThat(requestSent).as("before validUntil the request goes to the member: %s", before).isTrue();

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), until).toMillis()) + 1000);
        BrowserSession.Page after = startLogin(alias, sso);
        assertThat(after.status()).as(after.toString()).isEqualTo(503);
        assertThat(after.document().text()).contains("has expired and has not been renewed yet");

        String response = Base64.getEncoder().encodeToString(("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x\" Version=\"2.0\" IssueInstant=\""
                + Instant.now() + "\"><saml:Issuer>" + ku.path("config").path("idpEntityId").asText()
                + "</saml:Issuer></samlp:Response>").getBytes(StandardCharsets.UTF_8));
        int logBefore = server.log().length();
        BrowserSession.Page acs = new BrowserSession().post(server.realmUrl("vre") + "/saml-federation/itexp/acs",
                Map.of("SAMLResponse", response));
        assertThat(acs.status()).as(acs.body()).isEqualTo(400);
        assertThat(FederatedLoginIT.refusalEvent(server, logBefore)).as("the event of the refusal")
                .contains("reason=\"metadata_expired\"");
    }

    private static BrowserSession.Page startLogin(String alias, String stopAt) {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("kc_idp_hint", alias);
        return login.browser().follow(login.browser().get(login.authorizationUrl()), stopAt);
    }

    // 5 and 6 ---------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("5: a client admitting registrationAuthority https://www.wayf.dk is offered exactly WAYF's institutions, not SWITCH's (whose metadata states no registration authority)")
    void pickerOffersOnlyWhatTheRulesCanAdmit() throws Exception {
        Instant until = Instant.now().plus(Duration.ofDays(3));
        realSource("wayf", "itwayf", RealMetadata.WAYF, until);
        realSource("switch-picker", "itswp", RealMetadata.SWITCH, until);
        allowOnly("{\"registrationAuthority\": \"https://www.wayf.dk\"}");

        List<String> offered = pickerNames("university", "en");

        assertThat(offered).contains("University of Copenhagen", "University of Iceland",
                "Technical University of Denmark", "University of Southern Denmark")
                .doesNotContain("University of Bern Test IdP", "University of Zurich TEST");
        assertThat(pickerNames("Bern", "en")).isEmpty();

        // WAYF publishes only inline (data:) logos: the picker serves them, checked, from this server
        JsonNode copenhagen = pickerItems("Copenhagen", "en").get(0);
        String logoUrl = copenhagen.path("logoUrl").asText();
        assertThat(logoUrl).startsWith("/realms/vre/institutions/logo/" + copenhagen.path("alias").asText() + "?v=");
        var logo = Http.client().build().send(Http.request(server.baseUrl() + logoUrl).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(logo.statusCode()).isEqualTo(200);
        assertThat(logo.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(logo.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(logo.headers().firstValue("Content-Security-Policy").orElse("")).contains("sandbox");
        assertThat(logo.body()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(Http.send(Http.request(server.realmUrl("vre") + "/institutions/logo/institution-a")).statusCode())
                .as("an identity provider without an inline logo").isEqualTo(404);
    }

    static JsonNode pickerItems(String query, String language) throws Exception {
        var response = Http.send(Http.request(server.realmUrl("vre") + "/institutions?client_id=jupyterhub&q="
                + URLEncoder.encode(query, StandardCharsets.UTF_8)).header("Accept-Language", language));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body()).path("items");
    }

    @Test
    @DisplayName("6: a German user sees SWITCH's German names (Accept-Language and ui_locales=de), others the English ones")
    void germanUserSeesGermanNames() throws Exception {
        realSource("switch-names", "itswn", RealMetadata.SWITCH, Instant.now().plus(Duration.ofDays(3)));
        allowOnly("{\"idpPattern\": \"itswn-.*\"}");

        assertThat(pickerNames("Bern", "de")).containsExactly("Universität Bern Test IdP");
        assertThat(pickerNames("Bern", "en")).containsExactly("University of Bern Test IdP");
        assertThat(pickerNames("Zürich", "de")).containsExactly("Universität Zürich TEST");

        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB).parameter("ui_locales", "de");
        BrowserSession.Page picker = login.start();
        assertThat(picker.document().text()).contains("Universität Bern Test IdP").doesNotContain("University of Bern");

        // The page's search as you type asks in the page's language, whatever the browser's Accept-Language says.
        String searchUrl = picker.document().getElementById("sg-picker").attr("data-search-url");
        assertThat(searchUrl).contains("ui_locales=de");
        var typed = Http.send(Http.request(searchUrl + "&q=Bern").header("Accept-Language", "en"));
        assertThat(typed.statusCode()).as(typed.body()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(typed.body()).path("items").path(0).path("name").asText())
                .isEqualTo("Universität Bern Test IdP");
        var unsupported = Http.send(Http.request(server.realmUrl("vre")
                + "/institutions?client_id=jupyterhub&q=Bern&ui_locales=xx%20fr").header("Accept-Language", "en"));
        assertThat(new ObjectMapper().readTree(unsupported.body()).path("items").path(0).path("name").asText())
                .as("no supported locale asked: Keycloak's choice").isEqualTo("University of Bern Test IdP");
    }

    /** The names the picker's search offers jupyterhub's users for {@code query}, in {@code language}. */
    static List<String> pickerNames(String query, String language) throws Exception {
        var response = Http.send(Http.request(server.realmUrl("vre") + "/institutions?client_id=jupyterhub&q="
                + URLEncoder.encode(query, StandardCharsets.UTF_8)).header("Accept-Language", language));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        new ObjectMapper().readTree(response.body()).path("items").forEach(i -> names.add(i.path("name").asText()));
        return names;
    }
}
