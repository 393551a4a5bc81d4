package org.sciencegateway.keycloak.samlfederation.testing;

import org.apache.xml.security.c14n.Canonicalizer;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.transforms.Transforms;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * A federation operator's signing key for tests and the lab: signs a metadata aggregate as federations do (enveloped
 * signature over the root's {@code ID}, exclusive C14N, RSA-SHA256, the certificate in KeyInfo), with Apache
 * Santuario's DOM API. Keys are test-only files under {@code federation/} on the class path.
 */
public final class FederationSigner {

    /** The lab federation's key (its certificate is what the lab realm pins). */
    public static final FederationSigner LAB = load("lab-federation");
    /** Another key, for "signed by someone else" tests. */
    public static final FederationSigner OTHER = load("other-signer");

    static {
        org.apache.xml.security.Init.init();
    }

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final String certificatePem;

    private FederationSigner(PrivateKey key, X509Certificate certificate, String certificatePem) {
        this.key = key;
        this.certificate = certificate;
        this.certificatePem = certificatePem;
    }

    public static FederationSigner load(String name) {
        try {
            String keyPem = resource("federation/" + name + ".key");
            String certPem = resource("federation/" + name + ".crt");
            byte[] der = Base64.getMimeDecoder().decode(keyPem.replaceAll("-----[A-Z ]+-----", ""));
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
            return new FederationSigner(key, certificate, certPem.trim());
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the test signing key " + name, e);
        }
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = FederationSigner.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** The certificate in PEM, as an admin pastes it into the source's configuration. */
    public String certificatePem() {
        return certificatePem;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Signs {@code metadata} (an {@code md:EntitiesDescriptor} with an {@code ID}); returns the signed document. */
    public String sign(String metadata) {
        return sign(metadata, false);
    }

    /**
     * Signs with the public key in {@code ds:KeyValue} instead of the certificate: how an attacker would hope to make
     * a verifier use the document's key instead of the pinned one.
     */
    public String signWithKeyValue(String metadata) {
        return sign(metadata, true);
    }

    /**
     * Signs a SAML protocol message ({@code samlp:Response}) as an identity provider would: an enveloped signature
     * over the root's {@code ID}, placed after the root's {@code saml:Issuer} as the SAML schema wants it.
     */
    public String signMessage(String message) {
        return sign(message, false, true);
    }

    private String sign(String metadata, boolean keyValue) {
        return sign(metadata, keyValue, false);
    }

    private String sign(String metadata, boolean keyValue, boolean afterIssuer) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            Document document = factory.newDocumentBuilder().parse(new InputSource(new StringReader(metadata)));
            Element root = document.getDocumentElement();
            root.setIdAttributeNS(null, "ID", true);
            XMLSignature signature = new XMLSignature(document, "", XMLSignature.ALGO_ID_SIGNATURE_RSA_SHA256,
                    Canonicalizer.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
            org.w3c.dom.Node before = root.getFirstChild();
            if (afterIssuer) {
                Element issuer = (Element) root.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion",
                        "Issuer").item(0);
                before = issuer.getNextSibling();
            }
            root.insertBefore(signature.getElement(), before);
            Transforms transforms = new Transforms(document);
            transforms.addTransform(Transforms.TRANSFORM_ENVELOPED_SIGNATURE);
            transforms.addTransform(Transforms.TRANSFORM_C14N_EXCL_OMIT_COMMENTS);
            signature.addDocument("#" + root.getAttribute("ID"), transforms,
                    "http://www.w3.org/2001/04/xmlenc#sha256");
            if (keyValue) {
                signature.addKeyInfo(certificate.getPublicKey());
            } else {
                signature.addKeyInfo(certificate);
            }
            signature.sign(key);
            StringWriter out = new StringWriter();
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.transform(new DOMSource(document), new StreamResult(out));
            return out.toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign the test aggregate", e);
        }
    }
}
