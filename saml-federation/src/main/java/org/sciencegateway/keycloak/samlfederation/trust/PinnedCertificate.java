package org.sciencegateway.keycloak.samlfederation.trust;

import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * The federation's metadata signing certificate, as the federation publishes it out of band (PEM, or the base64 DER
 * body alone). Only its public key is used: federations sign with long-lived self-signed certificates whose dates
 * are not meant to be checked (eduGAIN's, InCommon's), so the pin is the key, as in Shibboleth's and pySAML2's
 * metadata signature filters.
 */
public record PinnedCertificate(X509Certificate certificate) {

    /** Parses a PEM or bare base64 certificate; the message of the exception says what is wrong, for the console. */
    public static PinnedCertificate parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the federation's signing certificate is required");
        }
        String body = text.replaceAll("-----(BEGIN|END) CERTIFICATE-----", "").replaceAll("\\s+", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the signing certificate is not PEM or base64: " + e.getMessage());
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return new PinnedCertificate((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("the signing certificate cannot be read as X.509: " + e.getMessage());
        }
    }

    public PublicKey publicKey() {
        return certificate.getPublicKey();
    }

    /** The subject, for status and log lines. */
    public String subject() {
        return certificate.getSubjectX500Principal().getName();
    }
}
