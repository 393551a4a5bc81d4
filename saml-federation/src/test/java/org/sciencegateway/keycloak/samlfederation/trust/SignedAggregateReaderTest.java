package org.sciencegateway.keycloak.samlfederation.trust;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignedAggregateReaderTest {

    private static final PinnedCertificate PIN = PinnedCertificate.parse(FederationSigner.LAB.certificatePem());

    private static FederationMetadata feed() {
        return new FederationMetadata()
                .add(FederationMetadata.Idp.of("https://idp.uni-a.example/idp/shibboleth")
                        .name("en", "University A").name("de", "Universität A").scope("uni-a.example")
                        .registrationAuthority("https://www.aai.dfn.de").category(FederationMetadata.RS)
                        .certification(FederationMetadata.SIRTFI).keywords("physics Garching+Campus"))
                .addServiceProvider("https://sp.example/shibboleth")
                .add(FederationMetadata.Idp.of("https://idp.uni-b.example/idp").name("en", "University B")
                        .category(FederationMetadata.HIDE));
    }

    private static List<EntityRecord> read(String document) throws TrustFailure {
        List<EntityRecord> records = new ArrayList<>();
        new SignedAggregateReader(PIN, 1_000_000).read(
                new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)), Instant.now(), records::add);
        return records;
    }

    private static TrustFailure.Reason refusal(String document) {
        try {
            read(document);
        } catch (TrustFailure failure) {
            return failure.reason();
        }
        throw new AssertionError("the document was accepted");
    }

    @Test
    @DisplayName("Given an aggregate signed by the pinned key, then its identity providers are read with their metadata")
    void signedAggregate() throws TrustFailure {
        List<EntityRecord> records = read(FederationSigner.LAB.sign(feed().xml()));

        assertThat(records).extracting(EntityRecord::entityId)
                .containsExactly("https://idp.uni-a.example/idp/shibboleth", "https://idp.uni-b.example/idp");
        EntityRecord a = records.get(0);
        assertThat(a.displayNames()).containsEntry("en", "University A").containsEntry("de", "Universität A");
        assertThat(a.registrationAuthority()).isEqualTo("https://www.aai.dfn.de");
        assertThat(a.entityCategories()).containsExactly(FederationMetadata.RS);
        assertThat(a.assuranceCertifications()).containsExactly(FederationMetadata.SIRTFI);
        assertThat(a.scopes()).containsExactly(new EntityRecord.Scope("uni-a.example", false));
        assertThat(a.domainHints()).containsExactly("uni-a.example");
        assertThat(a.keywords()).containsExactly("physics", "Garching Campus");
        assertThat(a.logo()).isEqualTo("https://idp.uni-a.example/logo.png");
        assertThat(a.ssoPostUrl()).isEqualTo("https://idp.uni-a.example/idp/shibboleth/sso");
        assertThat(a.signingCertificates()).hasSize(1);
        assertThat(a.hiddenFromDiscovery()).isFalse();
        assertThat(records.get(1).hiddenFromDiscovery()).isTrue();
    }

    @Test
    @DisplayName("Given one entity changed after signing, then the aggregate is refused (bad_signature)")
    void tamperedEntity() {
        String signed = FederationSigner.LAB.sign(feed().xml());
        String tampered = signed.replace("University B", "University X");
        assertThat(tampered).isNotEqualTo(signed);

        assertThat(refusal(tampered)).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given an aggregate signed by another key, then it is refused (bad_signature)")
    void otherKey() {
        assertThat(refusal(FederationSigner.OTHER.sign(feed().xml()))).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given a signature whose KeyInfo carries the signer's own public key, then the pinned key still decides")
    void keyValueOfAnotherKey() {
        assertThat(refusal(FederationSigner.OTHER.signWithKeyValue(feed().xml())))
                .isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given an unsigned aggregate, then it is refused (unsigned)")
    void unsigned() {
        assertThat(refusal(feed().xml())).isEqualTo(TrustFailure.Reason.UNSIGNED);
    }

    @Test
    @DisplayName("Given a validUntil in the past, then the aggregate is refused (expired) even though it is signed")
    void expired() {
        String signed = FederationSigner.LAB.sign(feed().validUntil(Instant.now().minusSeconds(60)).xml());
        assertThat(refusal(signed)).isEqualTo(TrustFailure.Reason.EXPIRED);
    }

    @Test
    @DisplayName("Given a truncated aggregate, then it is refused (malformed)")
    void truncated() {
        String signed = FederationSigner.LAB.sign(feed().xml());
        assertThat(refusal(signed.substring(0, signed.length() * 2 / 3))).isEqualTo(TrustFailure.Reason.MALFORMED);
    }

    @Test
    @DisplayName("Given an external entity (XXE), then the document is refused before any entity is declared")
    void externalEntity() {
        String signed = FederationSigner.LAB.sign(feed().xml());
        String xxe = signed.replaceFirst("<md:EntitiesDescriptor",
                "<!DOCTYPE md:EntitiesDescriptor [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><md:EntitiesDescriptor")
                .replace("University B", "&xxe;");

        assertThat(refusal(xxe)).isEqualTo(TrustFailure.Reason.DOCTYPE_REFUSED);
    }

    @Test
    @DisplayName("Given a billion-laughs entity expansion, then the document is refused before any expansion")
    void billionLaughs() {
        StringBuilder entities = new StringBuilder("<!ENTITY lol \"lol\">");
        for (int i = 1; i <= 9; i++) {
            entities.append("<!ENTITY lol").append(i).append(" \"")
                    .append(("&lol" + (i == 1 ? "" : String.valueOf(i - 1)) + ";").repeat(10)).append("\">");
        }
        String signed = FederationSigner.LAB.sign(feed().xml());
        String bomb = signed.replaceFirst("<md:EntitiesDescriptor",
                "<!DOCTYPE md:EntitiesDescriptor [" + entities + "]><md:EntitiesDescriptor")
                .replace("University B", "&lol9;");

        assertThat(refusal(bomb)).isEqualTo(TrustFailure.Reason.DOCTYPE_REFUSED);
    }

    @Test
    @DisplayName("Given a document over the size limit, then it is refused while streaming (document_too_large)")
    void oversized() {
        String signed = FederationSigner.LAB.sign(feed().xml());
        TrustFailure failure = org.junit.jupiter.api.Assertions.assertThrows(TrustFailure.class, () ->
                new SignedAggregateReader(PIN, signed.length() / 2).read(
                        new ByteArrayInputStream(signed.getBytes(StandardCharsets.UTF_8)), Instant.now(), r -> { }));
        assertThat(failure.reason()).isEqualTo(TrustFailure.Reason.DOCUMENT_TOO_LARGE);
    }

    @Test
    @DisplayName("Given a signed aggregate with an unsigned entity wrapped in front of the signed root, then it is refused")
    void wrappedRoot() {
        String signed = FederationSigner.LAB.sign(feed().xml());
        String body = signed.replaceFirst("^<\\?xml[^>]*\\?>", "");
        String wrapped = "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" ID=\"evil\" "
                + "validUntil=\"2999-01-01T00:00:00Z\"><md:EntityDescriptor entityID=\"https://evil.example/idp\">"
                + "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
                + "Location=\"https://evil.example/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>"
                + body + "</md:EntitiesDescriptor>";

        assertThat(refusal(wrapped)).isIn(TrustFailure.Reason.BAD_SIGNATURE, TrustFailure.Reason.UNSIGNED);
    }

    private static String selfSignedEntity(String entityId) {
        return FederationSigner.OTHER.sign("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                + "ID=\"_inner\" entityID=\"" + entityId + "\"><md:IDPSSODescriptor "
                + "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:SingleSignOnService "
                + "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"https://idp.inner.example/sso\"/>"
                + "</md:IDPSSODescriptor></md:EntityDescriptor>").replaceFirst("^<\\?xml[^>]*\\?>", "");
    }

    @Test
    @DisplayName("Given entities that keep their own signatures (by another key) inside an aggregate the pinned key signed, then the aggregate verifies and they are read")
    void entityLevelSignatures() throws TrustFailure {
        String signed = FederationSigner.LAB.sign(feed().addRaw(selfSignedEntity("https://idp.inner.example/idp")).xml());
        assertThat(signed).containsPattern("(?s)<ds:Signature.*<md:EntityDescriptor[^>]*_inner[^>]*><ds:Signature");

        assertThat(read(signed)).extracting(EntityRecord::entityId).contains("https://idp.inner.example/idp");
    }

    @Test
    @DisplayName("Given an entity with its own signature, when anything inside that signature changes after the aggregate was signed, then the aggregate is refused")
    void entitySignaturesAreCoveredByTheAggregates() {
        String signed = FederationSigner.LAB.sign(feed().addRaw(selfSignedEntity("https://idp.inner.example/idp")).xml());
        int inner = signed.indexOf("<ds:SignatureValue", signed.indexOf("_inner"));
        String tampered = signed.substring(0, inner) + "<ds:Object>swapped</ds:Object>" + signed.substring(inner);
        String tamperedValue = signed.substring(0, signed.indexOf('>', inner) + 1) + "AAAA"
                + signed.substring(signed.indexOf('>', inner) + 1);

        assertThat(refusal(tampered)).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(refusal(tamperedValue)).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given an entity signed only by its own signature, outside any aggregate the pinned key signed, then nothing is read")
    void anEntitysOwnSignatureIsNoTrustAnchor() {
        String onlyInner = feed().addRaw(selfSignedEntity("https://idp.inner.example/idp")).xml();

        assertThat(refusal(onlyInner)).isIn(TrustFailure.Reason.UNSIGNED, TrustFailure.Reason.BAD_SIGNATURE);
        assertThat(refusal(FederationSigner.OTHER.sign(onlyInner))).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Given a pinned certificate that is not X.509, then parsing says so")
    void badCertificate() {
        assertThatThrownBy(() -> PinnedCertificate.parse("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X.509");
        assertThatThrownBy(() -> PinnedCertificate.parse("%%%")).hasMessageContaining("base64");
        assertThatThrownBy(() -> PinnedCertificate.parse(" ")).hasMessageContaining("required");
    }
}
