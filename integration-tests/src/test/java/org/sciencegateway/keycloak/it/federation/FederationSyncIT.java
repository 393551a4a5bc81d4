package org.sciencegateway.keycloak.it.federation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabFederation;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderAlias;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("SAML federation: signed aggregate import, fail-closed refusals and sync")
@ExtendWith(SharedKeycloak.class)
class FederationSyncIT {

    static final String REALM = "federation-sync-test";
    static final String DFN = "https://www.aai.dfn.de";
    static final String INCOMMON = "https://incommon.org";
    static final String TEMPLATE = """
            {"config": {"principalType": "SUBJECT", "nameIDPolicyFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"},
             "firstBrokerLoginFlowAlias": "first broker login", "institutionAttribute": "schacHomeOrganization",
             "mappers": [{"name": "email", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                          "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:0.9.2342.19200300.100.1.3", "user.attribute": "email"}}]}""";

    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    @SharedKeycloak.Shared
    private static KeycloakServer server;
    private static FederationFeed feed;
    private static FederationSourceAdmin sources;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @BeforeAll
    static void realmAndFeed() {
        admin.delete("/admin/realms/" + REALM);
        admin.post("/admin/realms", Map.of("realm", REALM, "enabled", true)).ok();
        feed = new FederationFeed();
        sources = new FederationSourceAdmin(admin, REALM);
    }

    @AfterAll
    static void stop() {
        feed.close();
        admin.delete("/admin/realms/" + REALM);
    }

    static Idp uniA() {
        return Idp.of("https://idp.uni-a.example/idp/shibboleth").name("en", "University A")
                .name("de", "Universität A").scope("uni-a.example").registrationAuthority(DFN)
                .category(FederationMetadata.RS).certification(FederationMetadata.SIRTFI).keywords("physics");
    }

    static Idp uniB() {
        return Idp.of("https://idp.uni-b.example/idp").name("en", "University B").scope("uni-b.example")
                .registrationAuthority(INCOMMON).category(FederationMetadata.RS);
    }

    static Idp uniC() {
        return Idp.of("https://login.uni-c.example/saml2/idp/metadata.php").name("en", "University C")
                .scope("uni-c.example").registrationAuthority(DFN);
    }

    static Idp hidden() {
        return Idp.of("https://idp.hidden.example/idp").name("en", "Hidden Institute").registrationAuthority(DFN)
                .category(FederationMetadata.HIDE);
    }

    static FederationMetadata baseFeed() {
        return new FederationMetadata().add(uniA()).addServiceProvider("https://sp.example/shibboleth").add(uniB())
                .add(uniC()).add(hidden());
    }

    static Map<String, Object> config(Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>();
        config.put("metadataUrl", feed.url());
        config.put("signingCertificate", FederationSigner.LAB.certificatePem());
        config.put("aliasPrefix", "t" + PREFIXES.incrementAndGet());
        config.put("maxRemovalPercent", "50");
        config.put("identityProviderTemplate", TEMPLATE);
        config.putAll(extra);
        return config;
    }

    /** A source over the base feed, its first sync done. */
    static String sourceOverBaseFeed(String name, Map<String, Object> extra) {
        feed.serve(FederationSigner.LAB.sign(baseFeed().xml()));
        String id = sources.create(name, config(extra));
        JsonNode status = sources.awaitAttemptAfter(id, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        return id;
    }

    /** alias → (digest, enabled, display name): what a refused sync must leave exactly as it was. */
    static Map<String, String> snapshot(String id) {
        Map<String, String> state = new TreeMap<>();
        for (JsonNode idp : sources.identityProviders(id)) {
            state.put(idp.get("alias").asText(), idp.path("config").path("sg.federation.digest").asText() + " "
                    + idp.path("enabled").asBoolean() + " " + idp.path("displayName").asText());
        }
        return state;
    }

    static JsonNode idp(String id, String entityId) {
        return sources.identityProviders(id).stream()
                .filter(idp -> entityId.equals(idp.path("config").path("sg.federation.entityId").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no identity provider for " + entityId));
    }

    @Test
    @DisplayName("Given a signed aggregate, then each selected IdP entity becomes a hidden SAML IdP with its metadata")
    void importsTheSignedAggregate() {
        String id = sourceOverBaseFeed("import", Map.of());

        JsonNode status = sources.status(id);
        assertThat(status.path("feed").path("entities").asInt()).isEqualTo(5);
        assertThat(status.path("feed").path("identityProviders").asInt()).isEqualTo(4);
        assertThat(status.path("changes").path("created").asInt()).isEqualTo(4);
        assertThat(status.path("identityProviders").asInt()).isEqualTo(4);
        JsonNode a = idp(id, "https://idp.uni-a.example/idp/shibboleth");
        assertThat(a.get("providerId").asText()).isEqualTo("saml-federation-member");
        assertThat(a.get("displayName").asText()).isEqualTo("University A");
        assertThat(a.get("hideOnLogin").asBoolean()).isTrue();
        JsonNode config = a.get("config");
        assertThat(config.get("idpEntityId").asText()).isEqualTo("https://idp.uni-a.example/idp/shibboleth");
        assertThat(config.get("singleSignOnServiceUrl").asText()).isEqualTo("https://idp.uni-a.example/idp/shibboleth/sso");
        assertThat(config.get("validateSignature").asText()).isEqualTo("true");
        assertThat(config.get("postBindingResponse").asText()).as("the shared ACS takes HTTP-POST").isEqualTo("true");
        assertThat(config.get("sg.federation.aliasPrefix").asText()).isEqualTo(admin.get("/admin/realms/" + REALM + "/components/" + id).ok()
                .path("config").path("aliasPrefix").path(0).asText());
        assertThat(config.get("signingCertificate").asText()).isNotBlank();
        assertThat(config.get("institution.domains").asText()).isEqualTo("uni-a.example");
        assertThat(config.get("institution.otherNames").asText()).contains("Universität A").contains("physics");
        assertThat(config.get("institution.registrationAuthority").asText()).isEqualTo(DFN);
        // multi-valued metadata as JSON arrays (federation trust, finding 6: never re-split)
        assertThat(config.get("institution.entityCategories").asText()).isEqualTo("[\"" + FederationMetadata.RS + "\"]");
        assertThat(config.get("institution.assuranceCertifications").asText())
                .isEqualTo("[\"" + FederationMetadata.SIRTFI + "\"]");
        assertThat(config.get("institution.scopes").asText()).isEqualTo("[\"uni-a.example\"]");
        assertThat(config.get("institution.listed").asText()).isEqualTo("true");
        assertThat(idp(id, "https://idp.hidden.example/idp").get("config").get("institution.listed").asText())
                .isEqualTo("false");
        JsonNode mappers = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/"
                + a.get("alias").asText() + "/mappers").ok();
        assertThat(mappers).extracting(m -> m.get("identityProviderMapper").asText())
                .containsExactlyInAnyOrder("sg-institution-identity", "saml-user-attribute-idp-mapper");
        // the console offers Keycloak's SAML mappers for the federation member type
        JsonNode mapperTypes = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/"
                + a.get("alias").asText() + "/mapper-types").ok();
        assertThat(mapperTypes.has("saml-user-attribute-idp-mapper")).as(mapperTypes.toString()).isTrue();
        assertThat(mapperTypes.has("saml-xpath-attribute-idp-mapper")).isTrue();
    }

    @Test
    @DisplayName("Given filters by registrationAuthority, entity category, certification and entityID, then only matching IdPs are imported")
    void filters() {
        String byAuthority = sourceOverBaseFeed("by-authority", Map.of("registrationAuthorityInclude", DFN,
                "registrationAuthorityExclude", INCOMMON, "entityIdExclude", "https://idp.hidden.example/idp"));
        assertThat(sources.identityProviders(byAuthority)).extracting(i -> i.get("displayName").asText())
                .containsExactlyInAnyOrder("University A", "University C");
        String researchAndScholarship = sourceOverBaseFeed("rs-sirtfi", Map.of(
                "requiredEntityCategories", FederationMetadata.RS,
                "requiredAssuranceCertifications", FederationMetadata.SIRTFI));
        assertThat(sources.identityProviders(researchAndScholarship)).extracting(i -> i.get("displayName").asText())
                .containsExactly("University A");
    }

    // ---- Fail closed: each refused document leaves the realm's identity providers exactly as they were ----

    private static void refused(String name, String document, String code) {
        String id = sourceOverBaseFeed(name, Map.of());
        Map<String, String> before = snapshot(id);
        feed.serve(document);

        JsonNode status = sources.sync(id);

        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("failed");
        assertThat(status.path("errorCode").asText()).as(status.toString()).isEqualTo(code);
        assertThat(status.path("error").asText()).isNotBlank();
        assertThat(status.path("lastSuccess").asText()).isNotBlank();
        assertThat(status.path("identityProviders").asInt()).isEqualTo(4);
        assertThat(snapshot(id)).isEqualTo(before);
    }

    /** The base feed with University B renamed: what an attacker would change. */
    private static String changedFeed() {
        return baseFeed().xml().replace("University B", "University X");
    }

    @Test
    @DisplayName("Fail closed: an entity changed after signing (tampered) → bad_signature, realm unchanged")
    void tamperedEntity() {
        String signed = FederationSigner.LAB.sign(baseFeed().xml());
        refused("tampered", signed.replace("https://idp.uni-b.example/idp/sso", "https://evil.example/sso"),
                "bad_signature");
    }

    @Test
    @DisplayName("Fail closed: signed by another key → bad_signature, realm unchanged")
    void signedByAnotherKey() {
        refused("other-key", FederationSigner.OTHER.sign(changedFeed()), "bad_signature");
    }

    @Test
    @DisplayName("Fail closed: signed by another key that its KeyInfo carries as KeyValue → bad_signature")
    void keyValueOfAnotherKey() {
        refused("key-value", FederationSigner.OTHER.signWithKeyValue(changedFeed()), "bad_signature");
    }

    @Test
    @DisplayName("Fail closed: an unsigned document → unsigned, realm unchanged")
    void unsignedDocument() {
        refused("unsigned", changedFeed(), "unsigned");
    }

    @Test
    @DisplayName("Fail closed: validUntil in the past → expired, realm unchanged")
    void expiredValidUntil() {
        refused("expired", FederationSigner.LAB.sign(baseFeed().validUntil(Instant.now().minusSeconds(3600)).xml()
                .replace("University B", "University X")), "expired");
    }

    @Test
    @DisplayName("Fail closed: a truncated document → malformed, realm unchanged")
    void truncatedDocument() {
        String signed = FederationSigner.LAB.sign(changedFeed());
        refused("truncated", signed.substring(0, signed.indexOf("University C")), "malformed");
    }

    @Test
    @DisplayName("Fail closed: an external entity (XXE) → doctype_refused, realm unchanged")
    void externalEntity() {
        String signed = FederationSigner.LAB.sign(changedFeed());
        refused("xxe", signed.replaceFirst("<md:EntitiesDescriptor", "<!DOCTYPE md:EntitiesDescriptor "
                + "[<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><md:EntitiesDescriptor")
                .replace("University X", "&xxe;"), "doctype_refused");
    }

    @Test
    @DisplayName("Fail closed: billion-laughs entity expansion → doctype_refused, realm unchanged")
    void billionLaughs() {
        StringBuilder entities = new StringBuilder("<!ENTITY lol \"lol\">");
        for (int i = 1; i <= 9; i++) {
            entities.append("<!ENTITY lol").append(i).append(" \"")
                    .append(("&lol" + (i == 1 ? "" : String.valueOf(i - 1)) + ";").repeat(10)).append("\">");
        }
        String signed = FederationSigner.LAB.sign(changedFeed());
        refused("laughs", signed.replaceFirst("<md:EntitiesDescriptor", "<!DOCTYPE md:EntitiesDescriptor ["
                + entities + "]><md:EntitiesDescriptor").replace("University X", "&lol9;"), "doctype_refused");
    }

    @Test
    @DisplayName("Fail closed: a document over the source's size limit → document_too_large, realm unchanged")
    void oversizedDocument() {
        FederationMetadata big = baseFeed();
        for (int i = 0; i < 600; i++) {
            big.add(Idp.of("https://idp" + i + ".big.example/idp").name("en", "Big " + i).registrationAuthority(DFN));
        }
        String signed = FederationSigner.LAB.sign(big.xml());
        assertThat(signed.length()).isGreaterThan(1024 * 1024);
        String id = sourceOverBaseFeed("oversized", Map.of("maxDocumentMegabytes", "1"));
        Map<String, String> before = snapshot(id);
        feed.serve(signed);

        JsonNode status = sources.sync(id);

        assertThat(status.path("errorCode").asText()).as(status.toString()).isEqualTo("document_too_large");
        assertThat(snapshot(id)).isEqualTo(before);
    }

    @Test
    @DisplayName("Fail closed: the metadata server answers HTTP 503 → fetch_failed naming the status, realm unchanged")
    void httpError() {
        String id = sourceOverBaseFeed("http-error", Map.of());
        Map<String, String> before = snapshot(id);
        feed.fail(503);

        JsonNode status = sources.sync(id);

        assertThat(status.path("errorCode").asText()).isEqualTo("fetch_failed");
        assertThat(status.path("error").asText()).contains("HTTP 503");
        assertThat(snapshot(id)).isEqualTo(before);
    }

    // ---- One reading (federation-trust review): only what the signature covers, where the schema puts it ----

    @Test
    @DisplayName("Federation trust, finding 1: University B forged with another SSO URL inside ds:Object of the genuine signature → bad_signature, realm unchanged")
    void entityHiddenInTheSignatureObject() {
        String genuine = FederationSigner.LAB.sign(baseFeed().xml());
        String forged = Idp.of("https://idp.uni-b.example/idp").name("en", "University B").scope("uni-b.example")
                .registrationAuthority(INCOMMON).category(FederationMetadata.RS).sso("https://evil.example/sso").xml();
        refused("in-object", genuine.replace("</ds:Signature>", "<ds:Object>" + forged + "</ds:Object></ds:Signature>"),
                "bad_signature");
    }

    @Test
    @DisplayName("Federation trust, finding 1: University B forged inside ds:KeyInfo of the genuine signature → bad_signature, realm unchanged")
    void entityHiddenInTheSignatureKeyInfo() {
        String genuine = FederationSigner.LAB.sign(baseFeed().xml());
        String forged = Idp.of("https://idp.uni-b.example/idp").name("en", "University B")
                .registrationAuthority(INCOMMON).sso("https://evil.example/sso").xml();
        refused("in-keyinfo", genuine.replaceFirst("</ds:KeyInfo>",
                java.util.regex.Matcher.quoteReplacement(forged) + "</ds:KeyInfo>"), "bad_signature");
    }

    @Test
    @DisplayName("Federation trust: one identity provider listed twice (signed) → duplicate_entity naming it, realm unchanged")
    void entityListedTwice() {
        String id = sourceOverBaseFeed("twice", Map.of());
        Map<String, String> before = snapshot(id);
        feed.serve(FederationSigner.LAB.sign(baseFeed().add(Idp.of("https://idp.uni-b.example/idp")
                .name("en", "University B again").sso("https://evil.example/sso")).xml()));

        JsonNode status = sources.sync(id);

        assertThat(status.path("errorCode").asText()).as(status.toString()).isEqualTo("duplicate_entity");
        assertThat(status.path("error").asText()).contains("https://idp.uni-b.example/idp");
        assertThat(snapshot(id)).isEqualTo(before);
    }

    @Test
    @DisplayName("Federation trust, finding 2: the signature as the aggregate's last child → unsigned, realm unchanged")
    void signatureLast() {
        String signed = FederationSigner.LAB.sign(changedFeed());
        int start = signed.indexOf("<ds:Signature");
        int end = signed.indexOf("</ds:Signature>") + "</ds:Signature>".length();
        refused("sig-last", (signed.substring(0, start) + signed.substring(end)).replace("</md:EntitiesDescriptor>",
                signed.substring(start, end) + "</md:EntitiesDescriptor>"), "unsigned");
    }

    @Test
    @DisplayName("Federation trust: validUntil in year 9999 → validity_too_long (default 28 days); a source allowing 366 days takes 300")
    void validityWindow() {
        refused("far-ahead", FederationSigner.LAB.sign(baseFeed().validUntil(Instant.parse("9999-01-01T00:00:00Z"))
                .xml().replace("University B", "University X")), "validity_too_long");

        feed.serve(FederationSigner.LAB.sign(baseFeed().validUntil(Instant.now().plusSeconds(300L * 86400)).xml()));
        String id = sources.create("long-validity", config(Map.of("maxValidityDays", "366")));
        JsonNode status = sources.awaitAttemptAfter(id, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        assertThat(sources.tryCreate("bad-validity", config(Map.of("maxValidityDays", "0"))).body())
                .contains("Longest validity accepted (days)").contains("from 1 to 366");
    }

    // ---- Sync: exactly what changed, links survive, mass removals held back ----

    @Test
    @DisplayName("Given an entity renamed, one added, one removed and one re-keyed, then exactly those change; a user's link survives")
    void syncChangesExactlyWhatChanged() {
        String id = sourceOverBaseFeed("changes", Map.of());
        Map<String, String> before = snapshot(id);
        String aliasA = idp(id, "https://idp.uni-a.example/idp/shibboleth").get("alias").asText();
        String aliasB = idp(id, "https://idp.uni-b.example/idp").get("alias").asText();
        String aliasC = idp(id, "https://login.uni-c.example/saml2/idp/metadata.php").get("alias").asText();
        String aliasHidden = idp(id, "https://idp.hidden.example/idp").get("alias").asText();
        admin.post("/admin/realms/" + REALM + "/users", Map.of("username", "linked-user", "enabled", true)).ok();
        String userId = admin.userId(REALM, "linked-user");
        admin.post("/admin/realms/" + REALM + "/users/" + userId + "/federated-identity/" + aliasA,
                Map.of("identityProvider", aliasA, "userId", "persistent-a-1", "userName", "linked-user")).ok();
        String newCertificate = FederationSigner.LAB.certificatePem().replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s+", "");

        feed.serve(FederationSigner.LAB.sign(new FederationMetadata()
                .add(uniA().certificate(newCertificate))                       // re-keyed
                .add(Idp.of("https://idp.uni-b.example/idp").name("en", "University B (renamed)")
                        .scope("uni-b.example").registrationAuthority(INCOMMON).category(FederationMetadata.RS))
                .add(hidden())                                                    // unchanged
                .add(Idp.of("https://idp.uni-d.example/idp").name("en", "University D").registrationAuthority(DFN))
                .xml()));                                                          // C removed, D added
        JsonNode status = sources.sync(id);

        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        assertThat(status.path("changes").path("created").asInt()).isEqualTo(1);
        assertThat(status.path("changes").path("updated").asInt()).isEqualTo(2);
        assertThat(status.path("changes").path("unchanged").asInt()).isEqualTo(1);
        assertThat(status.path("changes").path("left").asInt()).isEqualTo(1);
        Map<String, String> after = snapshot(id);
        assertThat(after.get(aliasHidden)).isEqualTo(before.get(aliasHidden));
        assertThat(after.get(aliasB)).endsWith("University B (renamed)");
        assertThat(after.get(aliasC)).contains(" false ");
        assertThat(idp(id, "https://idp.uni-a.example/idp/shibboleth").get("config").get("signingCertificate").asText())
                .isEqualTo(newCertificate);
        assertThat(after).hasSize(5);
        JsonNode links = admin.get("/admin/realms/" + REALM + "/users/" + userId + "/federated-identity").ok();
        assertThat(links).extracting(l -> l.get("identityProvider").asText()).containsExactly(aliasA);

        // the removed entity returns: its identity provider (and any links) is enabled again
        feed.serve(FederationSigner.LAB.sign(baseFeed().xml()));
        sources.sync(id);
        assertThat(snapshot(id).get(aliasC)).isEqualTo(before.get(aliasC));
    }

    @Test
    @DisplayName("Given a feed that would remove more than the allowed share at once, then the sync is held back and reported")
    void massRemovalIsHeldBack() {
        String id = sourceOverBaseFeed("held-back", Map.of("maxRemovalPercent", "25"));
        Map<String, String> before = snapshot(id);
        feed.serve(FederationSigner.LAB.sign(new FederationMetadata().add(uniA()).add(uniB()).xml()));

        JsonNode status = sources.sync(id);

        assertThat(status.path("state").asText()).isEqualTo("held_back");
        assertThat(status.path("error").asText()).contains("2 of 4").contains("25%");
        assertThat(snapshot(id)).isEqualTo(before);
    }

    @Test
    @DisplayName("Console/API validation: bad certificate, bad URL, interval out of range, bad template are refused with what to fix")
    void invalidSourcesAreRefused() {
        assertThat(sources.tryCreate("bad-cert", config(Map.of("signingCertificate",
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"))))
                .satisfies(r -> {
                    assertThat(r.status()).isEqualTo(400);
                    assertThat(r.body()).contains("signing certificate").contains("X.509");
                });
        assertThat(sources.tryCreate("bad-url", config(Map.of("metadataUrl", "ftp://mds.edugain.org/"))).body())
                .contains("Metadata URL");
        assertThat(sources.tryCreate("bad-interval", config(Map.of("refreshMinutes", "1"))).body())
                .contains("Refresh interval").contains("from 5 to 10080");
        assertThat(sources.tryCreate("bad-template", config(Map.of("identityProviderTemplate",
                "{\"config\": {\"signingCertificate\": \"MII\"}}"))).body())
                .contains("comes from each entity's metadata");
        assertThat(sources.tryCreate("bad-flow", config(Map.of("identityProviderTemplate",
                "{\"postBrokerLoginFlowAlias\": \"no such flow\"}"))).body())
                .contains("no such flow");
        assertThat(admin.get("/admin/realms/" + REALM + "/components?type=" + FederationSourceAdmin.PROVIDER_TYPE
                + "&name=bad-cert").ok()).isEmpty();
    }
    // ---- Issue 27, finding 3: an identity provider is bound for life to its entityID ----

    /** The birthday pair found against the old aliases' 40-bit hash: one alias under that scheme. */
    static final String COLLIDING_A = "https://idp.coLlIdE.Rt.eXaMPLe/idp";
    static final String COLLIDING_B = "https://idP.CoLLidE.RT.EXaMPlE/Idp";

    static Idp colliding(String entityId, String name) {
        return Idp.of(entityId).name("en", name).registrationAuthority(DFN);
    }

    @Test
    @DisplayName("Issue 27/3: two entityIDs that derived one alias get two aliases with 128-bit hashes, each bound to its own entityID, whatever the order")
    void aliasBirthdayPairNoLongerShares() {
        String id = sourceOverBaseFeed("collision-new", Map.of());
        String prefix = prefixOf(id);
        assertThat(IdentityProviderAlias.legacy(prefix, COLLIDING_A))
                .isEqualTo(IdentityProviderAlias.legacy(prefix, COLLIDING_B));
        feed.serve(FederationSigner.LAB.sign(baseFeed().add(colliding(COLLIDING_A, "Victim A")).xml()));
        assertThat(sources.sync(id).path("state").asText()).isEqualTo("ok");
        String aliasA = idp(id, COLLIDING_A).get("alias").asText();
        String certificateA = idp(id, COLLIDING_A).path("config").path("signingCertificate").asText();

        // the other half of the pair, listed first, with its own key and endpoints
        feed.serve(pairWithTheAttackerFirst());
        JsonNode status = sources.sync(id);

        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        assertThat(status.has("conflicts")).as(status.toString()).isFalse();
        JsonNode a = idp(id, COLLIDING_A);
        JsonNode b = idp(id, COLLIDING_B);
        assertThat(a.get("alias").asText()).isEqualTo(aliasA).matches(prefix + "-.*--[0-9a-f]{32}");
        assertThat(b.get("alias").asText()).isNotEqualTo(aliasA);
        assertThat(a.path("config").path("idpEntityId").asText()).isEqualTo(COLLIDING_A);
        assertThat(a.path("config").path("signingCertificate").asText()).isEqualTo(certificateA);
        assertThat(a.path("displayName").asText()).isEqualTo("Victim A");
        assertThat(b.path("config").path("signingCertificate").asText()).isEqualTo(otherCertificate());
    }

    @Test
    @DisplayName("Issue 27/3: an identity provider created under the old 40-bit alias never changes its entityID: the colliding pair in one feed is refused, both named in the status, the victim's IdP left exactly as it was")
    void oldAliasCollisionIsRefusedAndNeverRePoints() {
        String id = sourceOverBaseFeed("collision-old", Map.of());
        String prefix = prefixOf(id);
        String legacy = IdentityProviderAlias.legacy(prefix, COLLIDING_A);
        // what an earlier release imported for A: an identity provider under the old alias, bound to A
        Map<String, Object> config = new HashMap<>();
        config.put("sg.federation.source", id);
        config.put("sg.federation.entityId", COLLIDING_A);
        config.put("sg.federation.aliasPrefix", prefix);
        config.put("sg.federation.digest", "written-by-an-earlier-release");
        config.put("idpEntityId", COLLIDING_A);
        config.put("singleSignOnServiceUrl", "https://idp.collide.rt.example/idp/sso");
        config.put("postBindingResponse", "true");
        config.put("validateSignature", "true");
        config.put("signingCertificate", victimCertificate());
        admin.post("/admin/realms/" + REALM + "/identity-provider/instances", Map.of("alias", legacy,
                "providerId", "saml-federation-member", "enabled", true, "displayName", "Victim A (old alias)",
                "config", config)).ok();
        admin.post("/admin/realms/" + REALM + "/users", Map.of("username", "victim-a", "enabled", true)).ok();
        String victim = admin.userId(REALM, "victim-a");
        admin.post("/admin/realms/" + REALM + "/users/" + victim + "/federated-identity/" + legacy,
                Map.of("identityProvider", legacy, "userId", "victim-subject", "userName", "victim-a")).ok();
        JsonNode before = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + legacy).ok();

        // the attack of the issue: the other half of the pair listed first, with the attacker's key
        feed.serve(pairWithTheAttackerFirst());
        JsonNode status = sources.sync(id);

        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        assertThat(status.path("conflicts").toString()).as(status.toString())
                .contains(legacy).contains(COLLIDING_A).contains(COLLIDING_B);
        JsonNode after = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + legacy).ok();
        assertThat(after).isEqualTo(before);
        assertThat(after.path("config").path("sg.federation.entityId").asText()).isEqualTo(COLLIDING_A);
        assertThat(after.path("config").path("signingCertificate").asText()).isEqualTo(victimCertificate());
        assertThat(sources.identityProviders(id)).as("neither half imported under any other alias")
                .noneMatch(idp -> COLLIDING_B.equals(idp.path("config").path("sg.federation.entityId").asText()))
                .filteredOn(idp -> COLLIDING_A.equals(idp.path("config").path("sg.federation.entityId").asText()))
                .extracting(idp -> idp.get("alias").asText()).containsExactly(legacy);
        assertThat(admin.get("/admin/realms/" + REALM + "/users/" + victim + "/federated-identity").ok())
                .extracting(link -> link.get("identityProvider").asText()).containsExactly(legacy);
        String console = admin.get("/admin/realms/" + REALM + "/components/" + id).ok().path("config")
                .path("syncStatus").path(0).asText();
        assertThat(console).contains("alias conflict").contains(COLLIDING_B);

        // A alone again: its identity provider keeps the old alias and follows A's metadata
        feed.serve(FederationSigner.LAB.sign(baseFeed().add(colliding(COLLIDING_A, "Victim A")).xml()));
        status = sources.sync(id);
        assertThat(status.has("conflicts")).as(status.toString()).isFalse();
        JsonNode updated = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + legacy).ok();
        assertThat(updated.path("displayName").asText()).isEqualTo("Victim A");
        assertThat(updated.path("config").path("sg.federation.entityId").asText()).isEqualTo(COLLIDING_A);
    }

    /** The base feed with both halves of the alias birthday pair, the attacker's (own key and SSO URL) first. */
    static String pairWithTheAttackerFirst() {
        return FederationSigner.LAB.sign(new FederationMetadata().add(colliding(COLLIDING_B, "Attacker B")
                        .sso("https://attacker.example/sso").certificate(otherCertificate()))
                .add(uniA()).addServiceProvider("https://sp.example/shibboleth").add(uniB()).add(uniC()).add(hidden())
                .add(colliding(COLLIDING_A, "Victim A")).xml());
    }

    static String prefixOf(String id) {
        return admin.get("/admin/realms/" + REALM + "/components/" + id).ok().path("config").path("aliasPrefix")
                .path(0).asText();
    }

    static String otherCertificate() {
        return base64(FederationSigner.OTHER.certificatePem());
    }

    static String victimCertificate() {
        return base64(FederationSigner.LAB.certificatePem());
    }

    static String base64(String pem) {
        return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s+", "");
    }

    // ---- Issue 27, finding 4: removal means removal ----

    @Test
    @DisplayName("Issue 27/4: removing a source disables its identity providers (removal DISABLE) or deletes them (DELETE); a new source with the prefix never enables the old ones")
    void removingASourceRemovesItsIdentityProviders() {
        String disabling = sourceOverBaseFeed("removed-disable", Map.of("removal", "DISABLE"));
        String prefix = prefixOf(disabling);
        List<String> aliases = sources.identityProviders(disabling).stream().map(idp -> idp.get("alias").asText())
                .toList();
        assertThat(aliases).hasSize(4);
        sources.delete(disabling);
        for (String alias : aliases) {
            JsonNode idp = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + alias).ok();
            assertThat(idp.path("enabled").asBoolean()).as(alias).isFalse();
            assertThat(idp.path("config").path("sg.federation.leftAt").asText()).isNotBlank();
        }

        // a new source takes the prefix, its feed listing uni-a again: the old identity providers stay disabled and
        // are never taken over (each is bound to the source that created it)
        feed.serve(FederationSigner.LAB.sign(new FederationMetadata().add(uniA()).add(uniB()).xml()));
        Map<String, Object> again = config(Map.of());
        again.put("aliasPrefix", prefix);
        String successor = sources.create("removed-successor", again);
        JsonNode status = sources.awaitAttemptAfter(successor, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        for (String alias : aliases) {
            JsonNode idp = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + alias).ok();
            assertThat(idp.path("enabled").asBoolean()).as(alias).isFalse();
            assertThat(idp.path("config").path("sg.federation.source").asText()).isEqualTo(disabling);
        }
        sources.delete(successor);

        String deleting = sourceOverBaseFeed("removed-delete", Map.of("removal", "DELETE"));
        List<String> deleted = sources.identityProviders(deleting).stream().map(idp -> idp.get("alias").asText())
                .toList();
        assertThat(deleted).hasSize(4);
        sources.delete(deleting);
        for (String alias : deleted) {
            assertThat(admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + alias).status())
                    .as(alias).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("Outside review: a new source created with a removed source's component id cannot reclaim its disabled identity providers (400 naming the id), which stay disabled")
    void removedSourcesIdCannotBeReused() {
        String removed = sourceOverBaseFeed("reused-id", Map.of("removal", "DISABLE"));
        String prefix = prefixOf(removed);
        List<String> aliases = sources.identityProviders(removed).stream().map(idp -> idp.get("alias").asText())
                .toList();
        sources.delete(removed);

        Map<String, Object> again = config(Map.of());
        again.put("aliasPrefix", prefix);
        again.put("signingCertificate", FederationSigner.OTHER.certificatePem());
        com.fasterxml.jackson.databind.node.ObjectNode component = sources.representation("reused-id-again", again);
        component.put("id", removed);
        KeycloakAdmin.Response response = admin.post("/admin/realms/" + REALM + "/components", component);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains(removed).contains("removed source");
        for (String alias : aliases) {
            JsonNode idp = admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + alias).ok();
            assertThat(idp.path("enabled").asBoolean()).as(alias).isFalse();
        }
    }

    @Test
    @DisplayName("Outside review: a template that would fetch each member's keys from a metadata descriptor URL (around the signature and the fetch policy) is refused at save")
    void templateCannotFetchKeysElsewhere() {
        for (String key : List.of("useMetadataDescriptorUrl", "metadataDescriptorUrl")) {
            KeycloakAdmin.Response response = sources.tryCreate("descriptor-url", config(Map.of(
                    "identityProviderTemplate", "{\"config\": {\"" + key + "\": \"http://127.0.0.3:18998/x\"}}")));
            assertThat(response.status()).as(key).isEqualTo(400);
            assertThat(response.body()).contains(key);
        }
    }

    @Test
    @DisplayName("Outside review: an imported identity provider re-keyed by hand (another signing certificate, a first-broker-login flow) is restored from the signed metadata at the next sync, which reports it updated")
    void handEditsDoNotSurviveASync() {
        String id = sourceOverBaseFeed("hand-edit", Map.of());
        JsonNode uniB = idp(id, "https://idp.uni-b.example/idp");
        String alias = uniB.get("alias").asText();
        String genuineCertificate = uniB.path("config").path("signingCertificate").asText();
        String attacker = FederationSigner.LAB.certificatePem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s+", "");
        ((com.fasterxml.jackson.databind.node.ObjectNode) uniB.get("config")).put("signingCertificate", attacker);
        admin.put("/admin/realms/" + REALM + "/identity-provider/instances/" + alias, uniB).ok();
        assertThat(admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + alias).ok()
                .path("config").path("signingCertificate").asText()).isEqualTo(attacker);

        JsonNode status = sources.sync(id);

        assertThat(status.path("changes").path("updated").asInt()).as(status.toString()).isEqualTo(1);
        assertThat(admin.get("/admin/realms/" + REALM + "/identity-provider/instances/" + alias).ok()
                .path("config").path("signingCertificate").asText()).isEqualTo(genuineCertificate);
        assertThat(sources.sync(id).path("changes").path("unchanged").asInt()).as("then unchanged again").isEqualTo(4);
    }

    // ---- Issue 27, finding 5: fetching under the server's control ----

    @Test
    @DisplayName("Issue 27/5: a realm admin's file: and internal sources are refused at save with one message that reveals nothing of the server")
    void realmAdminsFileAndInternalSourcesAreRefusedAtSave() {
        FederationSourceAdmin realmAdmin = new FederationSourceAdmin(realmAdmin(), REALM);
        String home = server.home().toUri().toString();
        int port = server.port();
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        for (String url : List.of("file:///etc/passwd", "file:///etc/", "file:///proc/self/environ",
                home + "conf/keycloak.conf", server.federationDirectory().toUri() + "../conf/keycloak.conf",
                "file:///nonexistent/feed.xml")) {
            refused.put(url, "file:");
        }
        for (String url : List.of("http://127.0.0.2:" + port + "/realms/master", "http://[::1]:" + port + "/",
                "http://127.1.2.3:1/", "http://0.0.0.0:" + port + "/", "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/", "http://[::ffff:127.0.0.2]:"
                        + port + "/", "http://no-such-host.invalid/feed.xml")) {
            refused.put(url, "public addresses");
        }
        refused.forEach((url, why) -> {
            KeycloakAdmin.Response response = realmAdmin.tryCreate("refused-" + Math.abs(url.hashCode()),
                    config(Map.of("metadataUrl", url)));
            assertThat(response.status()).as(url + ": " + response.body()).isEqualTo(400);
            assertThat(response.body()).as(url).contains("Metadata URL").contains(why)
                    .doesNotContain("root:").doesNotContain("No such file").doesNotContain("directory:")
                    .doesNotContain("refused").doesNotContainIgnoringCase("exception");
        });
        assertThat(admin.get("/admin/realms/" + REALM + "/components?type=" + FederationSourceAdmin.PROVIDER_TYPE)
                .ok()).noneMatch(c -> c.path("name").asText().startsWith("refused-"));

        // and editing an accepted source to such a URL is refused the same way
        String id = sourceOverBaseFeed("edited-to-file", Map.of());
        Map<String, Object> edited = config(Map.of("metadataUrl", "file:///etc/passwd"));
        edited.put("aliasPrefix", prefixOf(id));
        KeycloakAdmin.Response update = realmAdmin.update(id, "edited-to-file", edited);
        assertThat(update.status()).as(update.body()).isEqualTo(400);
        assertThat(update.body()).contains("file:");
    }

    @Test
    @DisplayName("Issue 27/5: a feed that redirects to an internal address or to file: is refused at the hop, the status naming neither the target nor what answers there")
    void redirectsAreCheckedAtEveryHop() {
        for (String target : List.of("http://127.0.0.2:" + server.port() + "/realms/master",
                "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "http://127.0.0.1:1/")) {
            String id = sourceOverBaseFeed("redirect-" + Math.abs(target.hashCode()), Map.of());
            Map<String, String> before = snapshot(id);
            feed.redirect(target);
            JsonNode status = sources.sync(id);
            assertThat(status.path("errorCode").asText()).as(target + ": " + status).isEqualTo("fetch_failed");
            String error = status.path("error").asText();
            if (target.startsWith("http://127.0.0.1:1/")) {
                // an allowed internal network of the test server: followed, and a closed port is named only as such
                assertThat(error).as(error).doesNotContain("Connection refused");
            } else if (target.startsWith("file:")) {
                assertThat(error).as(error).contains("redirect").doesNotContain("/etc");
            } else {
                assertThat(error).as(error).contains("redirect 1").contains("public addresses")
                        .doesNotContain("127.0.0.2").doesNotContain("169.254");
            }
            assertThat(snapshot(id)).isEqualTo(before);
            feed.serve(FederationSigner.LAB.sign(baseFeed().xml()));
        }
    }

    @Test
    @DisplayName("Issue 27/5: file: within the directory the server allows imports, as the lab's federation does; a file outside it, even through a symbolic link, is refused without naming it")
    void fileWithinTheAllowedDirectoryImports() throws Exception {
        String descriptor = Http.send(Http.request(server.realmUrl("institution-saml") + "/protocol/saml/descriptor"))
                .body();
        Path file = server.federationDirectory().resolve("sync-it-lab-federation.xml");
        Files.writeString(file, LabFederation.aggregate(descriptor, server.realmUrl("institution-saml"), 10),
                StandardCharsets.UTF_8);
        String id = sources.create("lab-like", config(Map.of("metadataUrl", file.toUri().toString())));
        JsonNode status = sources.awaitAttemptAfter(id, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        assertThat(status.path("identityProviders").asInt()).isPositive();

        Path link = server.federationDirectory().resolve("sync-it-link.xml");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, server.home().resolve("conf/keycloak.conf"));
        String linked = sources.create("linked", config(Map.of("metadataUrl", link.toUri().toString())));
        JsonNode refused = sources.awaitAttemptAfter(linked, "");
        assertThat(refused.path("errorCode").asText()).as(refused.toString()).isEqualTo("fetch_failed");
        assertThat(refused.path("error").asText()).doesNotContain("keycloak.conf").doesNotContain("conf/");
    }

    /** A user with the realm-admin role of {@value #REALM}'s realm-management client, nothing in master. */
    static KeycloakAdmin realmAdmin() {
        String username = "realm-admin";
        if (admin.get("/admin/realms/" + REALM + "/users?exact=true&username=" + username).ok().isEmpty()) {
            admin.post("/admin/realms/" + REALM + "/users", Map.of("username", username, "enabled", true,
                    "email", "realm-admin@example.org", "emailVerified", true, "firstName", "Realm",
                    "lastName", "Admin", "credentials", List.of(Map.of("type", "password",
                            "value", "realm-admin-password", "temporary", false)))).ok();
            String user = admin.userId(REALM, username);
            String management = admin.clientUuid(REALM, "realm-management");
            JsonNode role = admin.get("/admin/realms/" + REALM + "/clients/" + management + "/roles/realm-admin")
                    .ok();
            admin.post("/admin/realms/" + REALM + "/users/" + user + "/role-mappings/clients/" + management,
                    List.of(Map.of("id", role.get("id").asText(), "name", "realm-admin"))).ok();
        }
        return new KeycloakAdmin(server, REALM, username, "realm-admin-password");
    }
}
