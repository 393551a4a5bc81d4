package org.sciencegateway.keycloak.samlfederation.trust;

import org.apache.xml.security.stax.ext.XMLSecurityConstants;
import org.apache.xml.security.stax.ext.stax.XMLSecEvent;
import org.apache.xml.security.stax.impl.transformer.TransformIdentity;

import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import java.io.InputStream;

/**
 * The enveloped-signature transform as XML Signature defines it (1.1, section 6.6.4): of the referenced element, only
 * the signature that contains the transform is left out of the digest — for a signature over a metadata aggregate,
 * its first {@code ds:Signature} child. Signatures further down (an entity that keeps its own, as Italy's SPID
 * registry publishes them) are part of the signed content and digested like everything else, as the publisher's
 * signing tool (xmlsectool, pyFF, Santuario's DOM API) digested them.
 * <p>
 * Santuario's StAX transform leaves out every {@code ds:Signature} below the referenced element, so those aggregates
 * never verified; {@code xmlsec-stax-config.xml} maps the transform's URI to this class for verification.
 */
public final class EnvelopingSignatureTransform extends TransformIdentity {

    /** Depth below the referenced element: 1 is the element itself. */
    private int depth;
    /** Depth of the enveloping signature while it passes, else 0. */
    private int signatureDepth;
    private boolean signatureLeftOut;

    @Override
    public XMLSecurityConstants.TransformMethod getPreferredTransformMethod(
            XMLSecurityConstants.TransformMethod forInput) {
        return XMLSecurityConstants.TransformMethod.XMLSecEvent;
    }

    @Override
    public void transform(XMLSecEvent event) throws XMLStreamException {
        int type = event.getEventType();
        if (type == XMLStreamConstants.START_ELEMENT) {
            depth++;
            if (!signatureLeftOut && depth == 2
                    && XMLSecurityConstants.TAG_dsig_Signature.equals(event.asStartElement().getName())) {
                signatureDepth = depth;
                signatureLeftOut = true;
            }
        }
        boolean inSignature = signatureDepth != 0;
        if (type == XMLStreamConstants.END_ELEMENT) {
            if (depth == signatureDepth) {
                signatureDepth = 0;
            }
            depth--;
        }
        if (!inSignature) {
            super.transform(event);
        }
    }

    @Override
    public void transform(InputStream inputStream) {
        throw new UnsupportedOperationException("an enveloped signature is transformed as events, never as octets");
    }
}
