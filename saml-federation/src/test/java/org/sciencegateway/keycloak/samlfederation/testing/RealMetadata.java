package org.sciencegateway.keycloak.samlfederation.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real federation metadata kept as test resources ({@code real-metadata/README.md}: publishers, sources,
 * licences), and the few edits tests make to them: a current {@code validUntil} and the lab federation's signature in
 * place of the publisher's, or a publication time.
 */
public final class RealMetadata {

    /** Italy's SPID registry as AgID signed it: entity-level signatures, no validUntil. */
    public static final String SPID = "spid-entities-idps.xml";
    /** Five WAYF identity providers (registration authority https://www.wayf.dk, data: logos). */
    public static final String WAYF = "wayf-edugain-excerpt.xml";
    /** Two SWITCH test identity providers with German names and no registration info. */
    public static final String SWITCH = "switch-aaitest-excerpt.xml";

    private static final Pattern ROOT_SIGNATURE = Pattern.compile(
            "(?s)(<(?:md:)?EntitiesDescriptor[^>]*>)\\s*<ds:Signature.*?</ds:Signature>");

    private RealMetadata() {
    }

    public static String document(String name) {
        try (InputStream in = RealMetadata.class.getResourceAsStream("/real-metadata/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource real-metadata/" + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("test resource real-metadata/" + name + " is unreadable", e);
        }
    }

    /** The certificate of the first {@code ds:X509Certificate} (SPID: AgID's, in its root signature), as PEM. */
    public static String firstCertificatePem(String document) {
        Matcher m = Pattern.compile("<ds:X509Certificate>([^<]+)</ds:X509Certificate>").matcher(document);
        if (!m.find()) {
            throw new IllegalStateException("no X509Certificate in the document");
        }
        return "-----BEGIN CERTIFICATE-----\n" + m.group(1).replaceAll("\\s+", "") + "\n-----END CERTIFICATE-----";
    }

    /** The document without its root signature. */
    public static String unsigned(String document) {
        return ROOT_SIGNATURE.matcher(document).replaceFirst("$1");
    }

    /** The document with the root's validUntil set to {@code validUntil}, signed by the lab federation key. */
    public static String resigned(String document, Instant validUntil) {
        String dated = unsigned(document)
                .replaceFirst("(<(?:md:)?EntitiesDescriptor[^>]*?) validUntil=\"[^\"]*\"", "$1")
                .replaceFirst("(<(?:md:)?EntitiesDescriptor)\\b", "$1 validUntil=\"" + validUntil + "\"");
        return FederationSigner.LAB.sign(dated);
    }

    /** SPID's document (no validUntil) with a signed publication time, signed by the lab federation key. */
    public static String spidPublishedAt(Instant published) {
        return FederationSigner.LAB.sign(unsigned(document(SPID)).replaceFirst("(<md:EntitiesDescriptor[^>]*>)",
                "$1<md:Extensions><mdrpi:PublicationInfo xmlns:mdrpi=\"urn:oasis:names:tc:SAML:metadata:rpi\" "
                        + "creationInstant=\"" + published + "\" publisher=\"https://idps.spid.gov.it\"/></md:Extensions>"));
    }
}
