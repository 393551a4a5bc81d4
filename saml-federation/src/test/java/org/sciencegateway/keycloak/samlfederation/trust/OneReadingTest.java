package org.sciencegateway.keycloak.samlfederation.trust;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;

import java.io.ByteArrayInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What is imported is exactly what the verified signature covers, read where the SAML metadata schema puts it: the
 * attacks of the federation-trust review, each on a genuinely signed aggregate whose bytes an attacker can change
 * (an http: source, a mirror, a download job) without holding any key.
 */
class OneReadingTest {

    private static final PinnedCertificate PIN = PinnedCertificate.parse(FederationSigner.LAB.certificatePem());
    private static final String MEMBER = "https://idp.uni-a.example/idp/shibboleth";

    /** The genuine member, as the federation registered it. */
    private static FederationMetadata.Idp member() {
        return FederationMetadata.Idp.of(MEMBER).name("en", "University A").scope("uni-a.example")
                .registrationAuthority("https://www.aai.dfn.de").category(FederationMetadata.RS);
    }

    /** The attacker's copy of the member: their own key and SSO URL, the attributes a rule might want. */
    private static String forgedMember() {
        return FederationMetadata.Idp.of(MEMBER).name("en", "University A").scope("uni-a.example")
                .registrationAuthority("https://www.aai.dfn.de").category(FederationMetadata.RS)
                .certification(FederationMetadata.SIRTFI).sso("https://attacker.example/sso")
                .certificate(FederationSigner.LAB.certificatePem().replaceAll("-----[A-Z ]+-----", "")
                        .replaceAll("\\s+", ""))
                .xml();
    }

    private static String genuine() {
        return FederationSigner.LAB.sign(new FederationMetadata().add(member())
                .add(FederationMetadata.Idp.of("https://idp.uni-b.example/idp").name("en", "University B")).xml());
    }

    private static List<EntityRecord> read(String document) throws TrustFailure {
        return read(document.getBytes(StandardCharsets.UTF_8));
    }

    private static List<EntityRecord> read(byte[] document) throws TrustFailure {
        List<EntityRecord> records = new ArrayList<>();
        new SignedAggregateReader(PIN, 10_000_000).read(new ByteArrayInputStream(document), Instant.now(),
                records::add);
        return records;
    }

    private static TrustFailure refusal(String document) {
        try {
            read(document);
        } catch (TrustFailure failure) {
            return failure;
        }
        throw new AssertionError("the document was accepted");
    }

    private static String insertBefore(String document, String marker, String insertion) {
        int at = document.indexOf(marker);
        assertThat(at).as("marker %s", marker).isNotNegative();
        return document.substring(0, at) + insertion + document.substring(at);
    }

    @Test
    @DisplayName("Given the genuine aggregate, then the member is read with the federation's certificate and SSO URL")
    void genuineAggregate() throws TrustFailure {
        EntityRecord a = read(genuine()).get(0);
        assertThat(a.entityId()).isEqualTo(MEMBER);
        assertThat(a.ssoPostUrl()).isEqualTo(MEMBER + "/sso");
        assertThat(a.signingCertificates()).containsExactly(FederationSigner.OTHER.certificatePem()
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s+", ""));
    }

    @Test
    @DisplayName("Finding 1: given a forged member inside ds:Object of the genuine signature, then the aggregate is refused (bad_signature)")
    void entityInSignatureObject() {
        String attack = insertBefore(genuine(), "</ds:Signature>", "<ds:Object>" + forgedMember() + "</ds:Object>");

        TrustFailure failure = refusal(attack);
        assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(failure.getMessage()).contains("ds:Object").doesNotContain("attacker");
    }

    @Test
    @DisplayName("Finding 1: given a forged member inside ds:KeyInfo of the genuine signature, then the aggregate is refused (bad_signature)")
    void entityInSignatureKeyInfo() {
        String attack = insertBefore(genuine(), "</ds:KeyInfo>", forgedMember());

        TrustFailure failure = refusal(attack);
        assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(failure.getMessage()).contains("EntityDescriptor");
    }

    @Test
    @DisplayName("Given a forged member in the signature's SignedInfo or a foreign namespace there, then the aggregate is refused")
    void foreignContentInSignedInfo() {
        String inSignedInfo = insertBefore(genuine(), "</ds:SignedInfo>", forgedMember());
        String foreign = insertBefore(genuine(), "</ds:KeyInfo>", "<x:Note xmlns:x=\"urn:x\">hi</x:Note>");

        assertThat(refusal(inSignedInfo).reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(refusal(foreign).reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given a transform other than enveloped-signature and canonicalization (XPath), then the aggregate is refused before verification")
    void xpathTransform() {
        String attack = insertBefore(genuine(), "</ds:Transforms>",
                "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>"
                        + "not(ancestor-or-self::md:EntityDescriptor)</ds:XPath></ds:Transform>");

        assertThat(refusal(attack).reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given a second Reference in the signature, then the aggregate is refused")
    void secondReference() {
        String signed = genuine();
        int start = signed.indexOf("<ds:Reference");
        int end = signed.indexOf("</ds:Reference>") + "</ds:Reference>".length();
        String attack = signed.substring(0, end) + signed.substring(start, end) + signed.substring(end);

        assertThat(refusal(attack).reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given an entity inside the aggregate's md:Extensions (signed, but not where entities are), then it is never imported")
    void entityInRootExtensions() throws TrustFailure {
        String signed = FederationSigner.LAB.sign(new FederationMetadata().add(member()).xml()
                .replaceFirst("</md:Extensions>", forgedMember().replace(MEMBER, "https://idp.hidden.example/idp")
                        + "</md:Extensions>"));

        assertThat(read(signed)).extracting(EntityRecord::entityId).containsExactly(MEMBER);
    }

    @Test
    @DisplayName("Given an entity inside another entity or under an element of another namespace bound to the md prefix, then it is refused")
    void entityOutsideEntitiesDescriptor() {
        String nested = FederationSigner.LAB.sign(new FederationMetadata().add(member()).xml()
                .replace("</md:Organization>", "</md:Organization>" + forgedMember()));
        String prefixTrick = FederationSigner.LAB.sign(new FederationMetadata().add(member()).xml()
                .replace("</md:EntitiesDescriptor>", "<md:EntitiesDescriptor xmlns:md=\"urn:not-metadata\">"
                        + "</md:EntitiesDescriptor></md:EntitiesDescriptor>"));

        assertThat(refusal(prefixTrick).reason()).isEqualTo(TrustFailure.Reason.MALFORMED);
        // an entity nested in an entity is part of that entity, never an entity of the feed
        assertThat(readQuietly(nested)).extracting(EntityRecord::ssoPostUrl).containsExactly(MEMBER + "/sso");
    }

    @Test
    @DisplayName("Given one identity provider's entityID twice (signed), then the aggregate is refused naming it (duplicate_entity)")
    void duplicateEntity() {
        String signed = FederationSigner.LAB.sign(new FederationMetadata().add(member()).addRaw(forgedMember()).xml());

        TrustFailure failure = refusal(signed);
        assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.DUPLICATE_ENTITY);
        assertThat(failure.getMessage()).contains(MEMBER);
    }

    @Test
    @DisplayName("Given entities in nested aggregates, then they are read; a nested aggregate past its own validUntil keeps its entities out")
    void nestedAggregates() throws TrustFailure {
        String past = Instant.now().minus(Duration.ofDays(1)).toString();
        String document = new FederationMetadata().add(member()).xml().replace("</md:EntitiesDescriptor>",
                "<md:EntitiesDescriptor Name=\"inner\">"
                        + FederationMetadata.Idp.of("https://idp.inner.example/idp").xml()
                        + "</md:EntitiesDescriptor><md:EntitiesDescriptor Name=\"old\" validUntil=\"" + past + "\">"
                        + FederationMetadata.Idp.of("https://idp.old.example/idp").xml()
                        + "</md:EntitiesDescriptor></md:EntitiesDescriptor>");
        String expiredEntity = FederationMetadata.Idp.of("https://idp.expired.example/idp").xml()
                .replace("<md:EntityDescriptor ", "<md:EntityDescriptor validUntil=\"" + past + "\" ");
        document = document.replace("<md:EntitiesDescriptor Name=\"inner\">",
                expiredEntity + "<md:EntitiesDescriptor Name=\"inner\">");

        assertThat(read(FederationSigner.LAB.sign(document))).extracting(EntityRecord::entityId)
                .containsExactly(MEMBER, "https://idp.inner.example/idp");
    }

    @Test
    @DisplayName("Given the signature as the aggregate's last child (valid XML-DSig), then it is refused at the first child (unsigned)")
    void signatureLast() {
        String signed = genuine();
        int start = signed.indexOf("<ds:Signature");
        int end = signed.indexOf("</ds:Signature>") + "</ds:Signature>".length();
        String signature = signed.substring(start, end);
        String moved = (signed.substring(0, start) + signed.substring(end))
                .replace("</md:EntitiesDescriptor>", signature + "</md:EntitiesDescriptor>");

        TrustFailure failure = refusal(moved);
        assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.UNSIGNED);
        assertThat(failure.getMessage()).contains("first element").contains("Extensions");
    }

    @Test
    @DisplayName("Given a validUntil in year 9999, then the aggregate is refused (validity_too_long); 20 days ahead is accepted")
    void validityWindow() throws TrustFailure {
        String farAhead = FederationSigner.LAB.sign(new FederationMetadata().add(member())
                .validUntil(Instant.parse("9999-12-31T00:00:00Z")).xml());
        String twentyDays = FederationSigner.LAB.sign(new FederationMetadata().add(member())
                .validUntil(Instant.now().plus(Duration.ofDays(20))).xml());

        assertThat(refusal(farAhead).reason()).isEqualTo(TrustFailure.Reason.VALIDITY_TOO_LONG);
        assertThat(read(twentyDays)).hasSize(1);
        assertThatRefusedWithWindow(twentyDays, Duration.ofDays(14));
    }

    private static void assertThatRefusedWithWindow(String document, Duration window) {
        try {
            new SignedAggregateReader(PIN, 10_000_000, window).read(
                    new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)), Instant.now(), r -> { });
            throw new AssertionError("accepted");
        } catch (TrustFailure failure) {
            assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.VALIDITY_TOO_LONG);
        }
    }

    @Test
    @DisplayName("Finding 6: a scope regexp:.* with regexp=false and a scope with a space are refused; a regexp=true pattern stays one pattern")
    void scopesStayScopes() throws TrustFailure {
        String document = new FederationMetadata().add(member().scope("regexp:.*").scope("uni-a.example evil.example")
                .category("https://x.example/cat " + FederationMetadata.COCO)).xml();
        document = document.replace("<md:Extensions><shibmd:Scope", "<md:Extensions>"
                + "<shibmd:Scope regexp=\"true\">^[a-z]+\\.uni-a\\.example$</shibmd:Scope><shibmd:Scope");

        EntityRecord a = read(FederationSigner.LAB.sign(document)).get(0);
        assertThat(a.scopes()).hasSize(4);
        assertThat(a.usableScopes()).containsExactly(new EntityRecord.Scope("^[a-z]+\\.uni-a\\.example$", true),
                new EntityRecord.Scope("uni-a.example", false));
        assertThat(a.entityCategories()).contains("https://x.example/cat " + FederationMetadata.COCO)
                .doesNotContain(FederationMetadata.COCO);
    }

    @Test
    @DisplayName("Given an entity whose ID equals the root's signed ID, then the root is still what the signature covers and a change is caught")
    void idCollision() {
        String signed = genuine();
        String rootId = signed.replaceFirst("(?s).*?<md:EntitiesDescriptor[^>]*\\sID=\"([^\"]+)\".*", "$1");
        String colliding = signed.replace("<md:EntityDescriptor entityID=\"https://idp.uni-b.example/idp\"",
                "<md:EntityDescriptor ID=\"" + rootId + "\" entityID=\"https://idp.uni-b.example/idp\"");

        assertThat(refusal(colliding).reason()).isIn(TrustFailure.Reason.BAD_SIGNATURE, TrustFailure.Reason.MALFORMED);
    }

    @Test
    @DisplayName("Given the genuine aggregate re-encoded in UTF-16, then it is refused (only ASCII-compatible encodings are read)")
    void utf16() {
        String signed = genuine().replaceFirst("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
        byte[] utf16 = signed.getBytes(Charset.forName("UTF-16"));

        try {
            read(utf16);
            throw new AssertionError("accepted");
        } catch (TrustFailure failure) {
            assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.MALFORMED);
            assertThat(failure.getMessage()).contains("UTF-16");
        }
    }

    @Test
    @DisplayName("Given a tag with a 2 MB attribute value, then it is refused while streaming (markup longer than 1 MiB)")
    void longMarkup() {
        String document = genuine().replace("Name=\"", "Note=\"" + "x".repeat(2 * 1024 * 1024) + "\" Name=\"");

        TrustFailure failure = refusal(document);
        assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.MALFORMED);
        assertThat(failure.getMessage()).contains("longer than");
    }

    @Test
    @DisplayName("Given comments with quotes and CDATA in a genuine aggregate, then the markup bound does not misread them")
    void commentsAndCdata() throws TrustFailure {
        String document = new FederationMetadata().add(member()).xml()
                .replace("<md:Organization>", "<!-- don't \"edit\" <here> --><md:Organization>")
                .replace("<md:GivenName>Identity</md:GivenName>", "<md:GivenName><![CDATA[Id'ent\"ity>]]></md:GivenName>");

        assertThat(read(FederationSigner.LAB.sign(document))).hasSize(1);
    }

    private static String keyInfo(String document, String content) {
        return document.replaceFirst("(?s)<ds:KeyInfo>.*?</ds:KeyInfo>",
                java.util.regex.Matcher.quoteReplacement("<ds:KeyInfo>" + content + "</ds:KeyInfo>"));
    }

    @Test
    @DisplayName("Review: KeyInfo content Santuario fails on before the pin is consulted (a broken X509SubjectName, a DSA or EC key value) is refused as a TrustFailure, never a crash")
    void keyInfoThatBreaksTheVerifier() {
        String genuine = genuine();
        assertThat(refusal(keyInfo(genuine, "<ds:X509Data><ds:X509SubjectName>=\"</ds:X509SubjectName></ds:X509Data>"))
                .reason()).isIn(TrustFailure.Reason.MALFORMED, TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(refusal(keyInfo(genuine, "<ds:KeyValue><ds:DSAKeyValue><ds:Y>AQ==</ds:Y></ds:DSAKeyValue></ds:KeyValue>"))
                .reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(refusal(keyInfo(genuine, "<ds:KeyValue><dsig11:ECKeyValue xmlns:dsig11=\"http://www.w3.org/2009/xmldsig11#\">"
                + "<dsig11:NamedCurve URI=\"urn:oid:1.2.840.10045.3.1.7\"/><dsig11:PublicKey>BAAA</dsig11:PublicKey>"
                + "</dsig11:ECKeyValue></ds:KeyValue>")).reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Review: a KeyInfo holding only key values, or two KeyInfo elements, are refused with a message that says so (not a schema message as a pin failure)")
    void keyInfoWithoutAKeyName() {
        String genuine = genuine();
        TrustFailure onlyKeyValue = refusal(keyInfo(genuine, "<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AQAB</ds:Modulus>"
                + "<ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>"));
        assertThat(onlyKeyValue.reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(onlyKeyValue.getMessage()).contains("names no key once its key values are passed over");
        TrustFailure twice = refusal(genuine.replaceFirst("(?s)(<ds:KeyInfo>.*?</ds:KeyInfo>)", "$1$1"));
        assertThat(twice.getMessage()).contains("more than one ds:KeyInfo");
    }

    @Test
    @DisplayName("Review: an undeclared entity reference, in signed content or in the signature, is refused (malformed), never a crash or silently accepted")
    void undeclaredEntityReference() {
        String genuine = genuine();
        assertThat(refusal(genuine.replace("University B</md:OrganizationName>", "University B&foo;</md:OrganizationName>"))
                .reason()).isEqualTo(TrustFailure.Reason.MALFORMED);
        assertThat(refusal(genuine.replace("<ds:X509Certificate>", "<ds:X509Certificate>&foo;")).reason())
                .isEqualTo(TrustFailure.Reason.MALFORMED);
    }

    @Test
    @DisplayName("Review: a second ds:Signature anywhere (a copy of the genuine one inside an entity, an empty one) is refused: Santuario's enveloped transform drops every signature subtree")
    void secondSignature() {
        String genuine = genuine();
        String signature = genuine.substring(genuine.indexOf("<ds:Signature"),
                genuine.indexOf("</ds:Signature>") + "</ds:Signature>".length());
        String entity = "<md:EntityDescriptor entityID=\"https://idp.uni-b.example/idp\">";
        assertThat(refusal(genuine.replace(entity, entity + signature)).reason())
                .isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(refusal(genuine.replace(entity, entity + "<ds:Signature/>")).reason())
                .isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given an entityID longer than SAML's 1024 characters, then that entity is not imported")
    void longEntityId() throws TrustFailure {
        String document = new FederationMetadata().add(member())
                .add(FederationMetadata.Idp.of("https://idp.long.example/" + "x".repeat(1100))).xml();
        assertThat(read(FederationSigner.LAB.sign(document))).extracting(EntityRecord::entityId).containsExactly(MEMBER);
    }

    private static List<EntityRecord> readQuietly(String document) {
        try {
            return read(document);
        } catch (TrustFailure failure) {
            throw new AssertionError("refused: " + failure.getMessage(), failure);
        }
    }
}
