package org.sciencegateway.keycloak.samlfederation.trust;

import org.apache.xml.security.exceptions.XMLSecurityException;
import org.apache.xml.security.stax.config.Init;
import org.apache.xml.security.stax.config.TransformerAlgorithmMapper;
import org.apache.xml.security.stax.ext.XMLSecurityConstants;

import java.net.URISyntaxException;
import java.net.URL;

/**
 * Santuario's StAX configuration with {@link EnvelopingSignatureTransform} for verification
 * ({@code xmlsec-stax-config.xml}: Santuario's own sections, included, plus that one mapping). Santuario keeps one
 * configuration per JVM; no other part of Keycloak reads XML signatures with the StAX API. Each read checks the
 * mapping is in place and loads it again if someone replaced it — without it, an aggregate whose entities keep their
 * signatures would fail to verify (closed), never pass unverified.
 */
final class StaxConfiguration {

    private static final String RESOURCE = "xmlsec-stax-config.xml";

    private StaxConfiguration() {
    }

    static synchronized void ensure() throws TrustFailure {
        // XMLSec's class initialiser loads Santuario's default configuration (replacing whatever was loaded): let it
        // run first, so that what is checked below is what the read will use
        org.apache.xml.security.stax.ext.XMLSec.init();
        try {
            if (TransformerAlgorithmMapper.getTransformerClass(XMLSecurityConstants.NS_XMLDSIG_ENVELOPED_SIGNATURE,
                    XMLSecurityConstants.DIRECTION.IN) == EnvelopingSignatureTransform.class) {
                return;
            }
        } catch (XMLSecurityException | RuntimeException notYetLoaded) {
            // Santuario's StAX part not initialised yet: load ours below
        }
        try {
            URL config = StaxConfiguration.class.getResource(RESOURCE);
            if (config == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the saml-federation JAR");
            }
            Init.init(config.toURI(), StaxConfiguration.class);
        } catch (XMLSecurityException | URISyntaxException | RuntimeException e) {
            throw new TrustFailure(TrustFailure.Reason.BAD_SIGNATURE,
                    "the XML signature library could not be configured for metadata: " + e.getMessage(), e);
        }
    }
}
