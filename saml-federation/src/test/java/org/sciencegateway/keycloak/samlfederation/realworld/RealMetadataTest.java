package org.sciencegateway.keycloak.samlfederation.realworld;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderTemplate;
import org.sciencegateway.keycloak.samlfederation.sync.LoginProfile;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.samlfederation.testing.RealMetadata;
import org.sciencegateway.keycloak.samlfederation.trust.PinnedCertificate;
import org.sciencegateway.keycloak.samlfederation.trust.SignedAggregateReader;
import org.sciencegateway.keycloak.samlfederation.trust.TrustFailure;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reader and the per-entity login decisions on metadata as federations publish it (real-metadata/README.md). */
class RealMetadataTest {

    private static final PinnedCertificate LAB = PinnedCertificate.parse(FederationSigner.LAB.certificatePem());

    static String resource(String name) {
        return RealMetadata.document(name);
    }

    static PinnedCertificate firstCertificate(String document) {
        return PinnedCertificate.parse(RealMetadata.firstCertificatePem(document));
    }

    static String resigned(String document, Instant validUntil) {
        return RealMetadata.resigned(document, validUntil);
    }

    static List<EntityRecord> read(SignedAggregateReader reader, String document) throws TrustFailure {
        List<EntityRecord> records = new ArrayList<>();
        reader.read(new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)), Instant.now(), records::add);
        return records;
    }

    @Test
    @DisplayName("SPID as AgID publishes it (its own signature, entity-level signatures inside, no validUntil): refused by default, read with the source's maximum age")
    void spidWithAgidsOwnSignature() throws TrustFailure {
        String spid = resource("spid-entities-idps.xml");
        PinnedCertificate agid = firstCertificate(spid);

        assertThatThrownBy(() -> read(new SignedAggregateReader(agid, 10_000_000), spid))
                .isInstanceOf(TrustFailure.class).hasMessageContaining("states no validUntil")
                .extracting(e -> ((TrustFailure) e).reason()).isEqualTo(TrustFailure.Reason.EXPIRED);

        SignedAggregateReader withMaxAge = new SignedAggregateReader(agid, 10_000_000, Duration.ofDays(28),
                Duration.ofDays(7));
        List<EntityRecord> idps = read(withMaxAge, spid);

        assertThat(idps).hasSize(9).extracting(EntityRecord::entityId).contains("https://loginspid.aruba.it",
                "https://identity.infocert.it", "https://posteid.poste.it", "https://spid.register.it");
        assertThat(idps).allSatisfy(idp -> {
            assertThat(idp.wantsSignedRequests()).as(idp.entityId()).isTrue();
            assertThat(idp.nameIdFormats()).as(idp.entityId()).containsOnly(LoginProfile.TRANSIENT);
        });
    }

    @Test
    @DisplayName("SPID: every identity provider gets transient NameIDs, signed requests and an account keyed by attribute")
    void spidLoginProfiles() throws Exception {
        String spid = resource("spid-entities-idps.xml");
        List<EntityRecord> idps = read(new SignedAggregateReader(firstCertificate(spid), 10_000_000,
                Duration.ofDays(28), Duration.ofDays(7)), spid);
        IdentityProviderTemplate template = IdentityProviderTemplate.parse(null);

        assertThat(idps).allSatisfy(idp -> {
            LoginProfile profile = LoginProfile.of(template, idp);
            assertThat(profile.nameIdFormat()).isEqualTo(LoginProfile.TRANSIENT);
            assertThat(profile.signRequests()).isTrue();
            assertThat(profile.accountKeyAttributes()).startsWith(LoginProfile.SUBJECT_ID);
        });
    }

    @Test
    @DisplayName("SPID's document re-signed: an inner signature changed after the aggregate was signed refuses it")
    void spidInnerSignatureIsCovered() {
        String spid = resigned(resource("spid-entities-idps.xml"), Instant.now().plus(Duration.ofDays(3)));
        int inner = spid.indexOf("SignatureValue>", spid.indexOf("https://identity.infocert.it"));
        String tampered = spid.substring(0, inner + 15) + "A" + spid.substring(inner + 16);

        assertThatThrownBy(() -> read(new SignedAggregateReader(LAB, 10_000_000), tampered))
                .extracting(e -> ((TrustFailure) e).reason()).isEqualTo(TrustFailure.Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("Without validUntil, a signed publication time older than the maximum age refuses the aggregate")
    void maximumAgeFromThePublicationTime() throws TrustFailure {
        String fresh = RealMetadata.spidPublishedAt(Instant.now().minus(Duration.ofDays(2)));
        String old = RealMetadata.spidPublishedAt(Instant.now().minus(Duration.ofDays(8)));
        SignedAggregateReader reader = new SignedAggregateReader(LAB, 10_000_000, Duration.ofDays(28),
                Duration.ofDays(7));

        assertThat(read(reader, fresh)).hasSize(9);
        assertThatThrownBy(() -> read(reader, old)).hasMessageContaining("longer ago than the source's maximum age of 7 days")
                .extracting(e -> ((TrustFailure) e).reason()).isEqualTo(TrustFailure.Reason.EXPIRED);
    }

    @Test
    @DisplayName("Second review: the signed digest that dates a document without validUntil is the same however the bytes are re-serialised")
    void signedDigestIgnoresSerialisation() throws TrustFailure {
        String spid = resource("spid-entities-idps.xml");
        SignedAggregateReader reader = new SignedAggregateReader(firstCertificate(spid), 10_000_000,
                Duration.ofDays(28), Duration.ofDays(7));
        String digest = readAggregate(reader, spid).signedDigest();
        String reserialised = spid.replaceFirst("\\?>", "?><!-- re-served -->")
                .replaceFirst("<md:EntitiesDescriptor ", "<md:EntitiesDescriptor  ") + "\n";

        assertThat(digest).isNotBlank();
        assertThat(reserialised).isNotEqualTo(spid);
        assertThat(readAggregate(reader, reserialised).signedDigest()).isEqualTo(digest);
    }

    private static SignedAggregateReader.Aggregate readAggregate(SignedAggregateReader reader, String document)
            throws TrustFailure {
        return reader.read(new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)), Instant.now(), r -> { });
    }

    @Test
    @DisplayName("WAYF: registration authority, Danish and English names, transient NameIDs only")
    void wayf() throws Exception {
        List<EntityRecord> idps = read(new SignedAggregateReader(LAB, 10_000_000),
                resigned(resource("wayf-edugain-excerpt.xml"), Instant.now().plus(Duration.ofDays(3))));

        assertThat(idps).hasSize(5).allSatisfy(idp -> {
            assertThat(idp.registrationAuthority()).isEqualTo("https://www.wayf.dk");
            assertThat(idp.displayNames()).containsKeys("da", "en");
            assertThat(LoginProfile.of(IdentityProviderTemplate.parse(null), idp).nameIdFormat())
                    .isEqualTo(LoginProfile.TRANSIENT);
            assertThat(idp.wantsSignedRequests()).isFalse();
            assertThat(idp.logo()).as("WAYF publishes only inline logos").isNull();
            assertThat(idp.inlineLogo()).as(idp.entityId()).matches("image/(png|jpeg);base64,[A-Za-z0-9+/=]+");
        });
    }

    @Test
    @DisplayName("SWITCH: German names read as published, layout whitespace normalised; persistent asked where offered")
    void switchGermanNames() throws Exception {
        List<EntityRecord> idps = read(new SignedAggregateReader(LAB, 10_000_000),
                resigned(resource("switch-aaitest-excerpt.xml"), Instant.now().plus(Duration.ofDays(3))));

        EntityRecord bern = idps.stream().filter(i -> i.entityId().contains("unibe")).findFirst().orElseThrow();
        assertThat(bern.displayNames()).containsEntry("de", "Universität Bern Test IdP")
                .containsEntry("en", "University of Bern Test IdP");
        assertThat(bern.registrationAuthority()).isNull();
        assertThat(idps).allSatisfy(idp -> {
            assertThat(idp.displayNames().values()).allSatisfy(name -> assertThat(name).doesNotContain("\n", "  "));
            LoginProfile profile = LoginProfile.of(IdentityProviderTemplate.parse(null), idp);
            assertThat(profile.nameIdFormat()).isEqualTo(LoginProfile.PERSISTENT);
        });
    }
}
