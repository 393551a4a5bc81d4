package org.sciencegateway.keycloak.samlfederation.trust;

import org.apache.xml.security.exceptions.XMLSecurityException;
import org.apache.xml.security.stax.ext.AbstractInputProcessor;
import org.apache.xml.security.stax.ext.InputProcessorChain;
import org.apache.xml.security.stax.ext.XMLSecurityConstants;
import org.apache.xml.security.stax.ext.XMLSecurityProperties;
import org.apache.xml.security.stax.ext.stax.XMLSecEvent;

import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;

/**
 * Keeps signatures that entities (or nested aggregates) carry inside a signed aggregate away from Santuario's
 * signature handling and from the entity reader, <em>after</em> the aggregate's signature has digested them.
 * <p>
 * Its place in Santuario's chain of input processors: above the reference verifiers (which pull every event from the
 * parser and digest it, inner signatures included — see {@link EnvelopingSignatureTransform}), below Santuario's
 * security processor, which refuses a second {@code ds:Signature} in a document ("multiple signatures are not
 * supported"). The first signature (the aggregate's, which {@link AggregateStructure} requires as the root's first
 * child) passes, also when Santuario replays it; every later {@code ds:Signature} element is dropped with everything inside it. What is dropped is
 * covered by the aggregate's signature and read by nobody: the pinned key is the only trust anchor, an entity's own
 * signature (often self-signed) adds nothing to it, and no data is taken from it.
 */
final class EntitySignatures extends AbstractInputProcessor {

    /** The aggregate's signature's start tag: Santuario replays it through this processor once it has ended. */
    private Object aggregateSignature;
    private int dropped;

    EntitySignatures(XMLSecurityProperties properties) {
        super(properties);
        setPhase(XMLSecurityConstants.Phase.POSTPROCESSING);
    }

    /** How many entity-level signatures were passed over. */
    int dropped() {
        return dropped;
    }

    @Override
    public XMLSecEvent processHeaderEvent(InputProcessorChain chain) throws XMLStreamException, XMLSecurityException {
        return chain.processHeaderEvent();
    }

    @Override
    public XMLSecEvent processEvent(InputProcessorChain chain) throws XMLStreamException, XMLSecurityException {
        XMLSecEvent event = chain.processEvent();
        InputProcessorChain below = null;
        while (startsEntitySignature(event)) {
            // the processors below this one, as Santuario's own processors read on after an event they keep back
            below = below == null ? chain.createSubChain(this) : below;
            dropped++;
            for (int depth = 1; depth > 0; ) {
                below.reset();
                int type = below.processEvent().getEventType();
                depth += type == XMLStreamConstants.START_ELEMENT ? 1 : type == XMLStreamConstants.END_ELEMENT ? -1 : 0;
            }
            below.reset();
            event = below.processEvent();
        }
        return event;
    }

    /**
     * A signature start tag other than the aggregate's (the first one, which {@link AggregateStructure} requires as
     * the root's first child). Compared by identity: Santuario buffers the aggregate's signature and replays the very
     * same events through this processor after it has ended.
     */
    private boolean startsEntitySignature(XMLSecEvent event) {
        if (event.getEventType() != XMLStreamConstants.START_ELEMENT
                || !XMLSecurityConstants.TAG_dsig_Signature.equals(event.asStartElement().getName())) {
            return false;
        }
        if (aggregateSignature == null) {
            aggregateSignature = event;
            return false;
        }
        return event != aggregateSignature;
    }
}
