package org.sciencegateway.keycloak.samlfederation.trust;

import org.apache.xml.security.exceptions.XMLSecurityException;
import org.apache.xml.security.stax.ext.InboundXMLSec;
import org.apache.xml.security.stax.ext.XMLSec;
import org.apache.xml.security.stax.ext.XMLSecurityConstants;
import org.apache.xml.security.stax.ext.XMLSecurityProperties;
import org.apache.xml.security.stax.securityEvent.AlgorithmSuiteSecurityEvent;
import org.apache.xml.security.stax.securityEvent.SecurityEvent;
import org.apache.xml.security.stax.securityEvent.SignedElementSecurityEvent;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityReader;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.metadata.MetadataTime;

import javax.xml.namespace.QName;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a federation's metadata aggregate in one streaming pass while Apache Santuario's StAX implementation verifies
 * its XML signature against the pinned key. The entities handed to the consumer count only when {@link #read} returns:
 * the signature's digest is checked at the aggregate's end tag, so a caller must not act on any entity before that.
 * <p>
 * What is refused ({@link TrustFailure.Reason}): a document over the size limit (counted while streaming), a single
 * piece of markup over {@link #MAX_MARKUP_BYTES}, any document type declaration (so neither external entities nor
 * entity expansion can occur), malformed or truncated XML, no signature or not as the root's first child, content in
 * the signature that no signature over metadata has, a signature that does not verify with the pinned key or does not
 * cover the whole aggregate (a signature over one element is how signature-wrapping attacks start), weak algorithms, a
 * {@code validUntil} that is missing, past, or further ahead than the source's maximum validity, entities where the
 * metadata schema allows none, and an identity provider listed twice.
 * <p>
 * One reading: the events the signature digests are the events {@link EntityReader} reads, and the only part of the
 * document the digest leaves out — the signature itself — is checked by {@link AggregateStructure} to hold nothing
 * but a signature, and is never read for entities. Memory: the parser holds one piece of markup (bounded) and hands
 * text over in chunks; Santuario keeps events only until the signature, which comes first and is bounded; what grows
 * is what is kept of each identity provider.
 */
public final class SignedAggregateReader {

    private static final QName SAML_ID = new QName(null, "ID");

    private static final Set<String> SIGNATURE_ALGORITHMS = Set.of(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
            "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
            "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
            "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1");
    private static final Set<String> DIGEST_ALGORITHMS = Set.of(
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "http://www.w3.org/2001/04/xmldsig-more#sha384",
            "http://www.w3.org/2001/04/xmlenc#sha512");

    /** Longest single tag, comment or CDATA section: metadata needs a few KB; a logo in data: form is dropped anyway. */
    static final long MAX_MARKUP_BYTES = 1024 * 1024;
    /** Deepest element nesting: metadata needs about ten levels, nested aggregates a few more. */
    static final int MAX_DEPTH = 64;
    /** How far ahead a validUntil may lie unless the source says otherwise (see docs/saml-federation.md). */
    public static final Duration DEFAULT_MAX_VALIDITY = Duration.ofDays(28);

    static {
        org.apache.xml.security.Init.init();
    }

    /**
     * What a verified aggregate contained. {@code validUntil} is the aggregate's own, or — for one that states none,
     * accepted only under the source's maximum age — the end of that age ({@code validUntilStated} false).
     * {@code signedDigest} is the digest the signature signs (the same for every serialisation of the same content).
     */
    public record Aggregate(String name, Instant validUntil, int entities, int identityProviders, int expired,
                            long bytes, boolean validUntilStated, Instant published, String signedDigest) {
    }

    private final PublicKey pinnedKey;
    private final long maxBytes;
    private final Duration maxValidity;
    private final Duration maxAgeWithoutValidUntil;

    public SignedAggregateReader(PinnedCertificate pinned, long maxBytes) {
        this(pinned, maxBytes, DEFAULT_MAX_VALIDITY, null);
    }

    public SignedAggregateReader(PinnedCertificate pinned, long maxBytes, Duration maxValidity) {
        this(pinned, maxBytes, maxValidity, null);
    }

    /**
     * @param maxAgeWithoutValidUntil {@code null}: an aggregate without {@code validUntil} is refused (the default);
     *                                else it is accepted for this long after its signed {@code mdrpi:PublicationInfo}
     *                                {@code creationInstant}, or — when it states none either — after this fetch (the
     *                                caller narrows that to the first fetch of the same bytes)
     */
    public SignedAggregateReader(PinnedCertificate pinned, long maxBytes, Duration maxValidity,
                                 Duration maxAgeWithoutValidUntil) {
        this.pinnedKey = pinned.publicKey();
        this.maxBytes = maxBytes;
        this.maxValidity = maxValidity;
        this.maxAgeWithoutValidUntil = maxAgeWithoutValidUntil;
    }

    /**
     * Verifies and reads the document; {@code identityProviders} receives each identity provider as it streams by.
     *
     * @throws TrustFailure when the document is not accepted; everything the consumer received must then be dropped
     */
    public Aggregate read(InputStream document, Instant now, Consumer<EntityRecord> identityProviders)
            throws TrustFailure {
        BoundedInputStream bounded = new BoundedInputStream(document, maxBytes);
        List<SignedElementSecurityEvent> signedElements = new ArrayList<>();
        List<String> refusedAlgorithms = new ArrayList<>();
        MarkupLengthLimit markup = new MarkupLengthLimit(bounded, MAX_MARKUP_BYTES);
        XMLStreamReader reader = null;
        AggregateStructure structure;
        StaxConfiguration.ensure();
        try {
            XMLSecurityProperties properties = new XMLSecurityProperties();
            properties.setSignatureVerificationKey(pinnedKey);
            properties.setIdAttributeNS(SAML_ID);
            properties.addInputProcessor(new EntitySignatures(properties));
            InboundXMLSec inbound = XMLSec.getInboundWSSec(properties);
            XMLStreamReader raw = factory().createXMLStreamReader(markup);
            structure = new AggregateStructure(raw);
            reader = inbound.processInMessage(structure, null,
                    event -> observe(event, signedElements, refusedAlgorithms));
            Root root = readRoot(reader, now);
            EntityReader.Counts counts = EntityReader.readAll(reader, now, identityProviders);
            if (!refusedAlgorithms.isEmpty()) {
                throw new TrustFailure(TrustFailure.Reason.WEAK_ALGORITHM,
                        "the aggregate is signed with refused algorithms: " + String.join(", ", refusedAlgorithms));
            }
            requireSignatureOverRoot(signedElements);
            Instant validUntil = root.validUntil != null ? root.validUntil : endOfMaximumAge(counts.published(), now);
            return new Aggregate(root.name, validUntil, counts.entities(), counts.identityProviders(),
                    counts.expired(), bounded.count(), root.validUntil != null, counts.published(),
                    structure.signedDigest());
        } catch (XMLStreamException | XMLSecurityException | RuntimeException e) {
            // RuntimeException: a parser or Santuario failing on input it did not expect (a malformed name in
            // KeyInfo…) is a refusal too, never an error that escapes as something else
            throw refusal(e, refusedAlgorithms, bounded, markup);
        } finally {
            close(reader);
        }
    }

    /** Why the read failed: a refused algorithm, then what the streams refused (their exceptions may come wrapped). */
    private TrustFailure refusal(Exception e, List<String> refusedAlgorithms, BoundedInputStream bounded,
                                 MarkupLengthLimit markup) {
        if (!refusedAlgorithms.isEmpty()) {
            return new TrustFailure(TrustFailure.Reason.WEAK_ALGORITHM,
                    "the aggregate is signed with refused algorithms: " + String.join(", ", refusedAlgorithms), e);
        }
        if (bounded.exceeded()) {
            // the parser may wrap the stream's exception without a cause chain: ask the stream
            return new TrustFailure(TrustFailure.Reason.DOCUMENT_TOO_LARGE,
                    "the document is larger than the source's limit of " + maxBytes + " bytes", e);
        }
        if (markup.refusal() != null) {
            return classify(markup.refusal());
        }
        if (e instanceof RuntimeException) {
            return new TrustFailure(TrustFailure.Reason.MALFORMED, "the document could not be read ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        return classify(e);
    }

    private static XMLInputFactory factory() {
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, false); // text in chunks, never a whole text node at once
        factory.setProperty("jdk.xml.maxElementDepth", String.valueOf(MAX_DEPTH));
        factory.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("external resources are refused: " + systemId);
        });
        return factory;
    }

    private static void observe(SecurityEvent event, List<SignedElementSecurityEvent> signed, List<String> refused) {
        if (event instanceof SignedElementSecurityEvent element) {
            signed.add(element);
        } else if (event instanceof AlgorithmSuiteSecurityEvent algorithm) {
            XMLSecurityConstants.AlgorithmUsage usage = algorithm.getAlgorithmUsage();
            String uri = algorithm.getAlgorithmURI();
            boolean accepted = usage == XMLSecurityConstants.Asym_Sig ? SIGNATURE_ALGORITHMS.contains(uri)
                    : usage == XMLSecurityConstants.SigDig ? DIGEST_ALGORITHMS.contains(uri)
                    : usage != XMLSecurityConstants.Sym_Sig;
            if (!accepted) {
                refused.add(uri);
            }
        }
    }

    private record Root(String name, Instant validUntil) {
    }

    private Root readRoot(XMLStreamReader reader, Instant now) throws XMLStreamException, TrustFailure {
        while (reader.hasNext() && reader.next() != XMLStreamConstants.START_ELEMENT) {
            // prolog: comments, processing instructions, whitespace
        }
        if (reader.getEventType() != XMLStreamConstants.START_ELEMENT
                || !EntityReader.ENTITIES_DESCRIPTOR.equals(reader.getName())) {
            throw new TrustFailure(TrustFailure.Reason.MALFORMED,
                    "the document is not a SAML metadata aggregate (md:EntitiesDescriptor)");
        }
        String validUntil = reader.getAttributeValue(null, "validUntil");
        if ((validUntil == null || validUntil.isBlank()) && maxAgeWithoutValidUntil != null) {
            return new Root(reader.getAttributeValue(null, "Name"), null); // judged by its age when read
        }
        if (validUntil == null || validUntil.isBlank()) {
            throw new TrustFailure(TrustFailure.Reason.EXPIRED, "the aggregate states no validUntil; this source "
                    + "accepts such aggregates only with a maximum age (maxAgeWithoutValidUntilDays)");
        }
        Instant until = instant(validUntil.trim());
        if (!until.isAfter(now)) {
            throw new TrustFailure(TrustFailure.Reason.EXPIRED, "the aggregate expired at " + until);
        }
        if (until.isAfter(now.plus(maxValidity))) {
            throw new TrustFailure(TrustFailure.Reason.VALIDITY_TOO_LONG, "the aggregate is valid until " + until
                    + ", more than the source's maximum of " + maxValidity.toDays() + " days ahead; a copy captured "
                    + "today could be replayed that long");
        }
        return new Root(reader.getAttributeValue(null, "Name"), until);
    }

    /**
     * Until when an aggregate without {@code validUntil} counts: its signed publication time (or, when it states
     * none, this fetch) plus the source's maximum age. A publication time in the future, or an age already past, is
     * refused — a copy captured long ago is not current because someone serves it today.
     */
    private Instant endOfMaximumAge(Instant published, Instant now) throws TrustFailure {
        if (published == null) {
            return now.plus(maxAgeWithoutValidUntil);
        }
        if (published.isAfter(now.plus(Duration.ofMinutes(5)))) {
            throw new TrustFailure(TrustFailure.Reason.EXPIRED, "the aggregate states no validUntil and claims to be "
                    + "published at " + published + ", in the future");
        }
        Instant end = published.plus(maxAgeWithoutValidUntil);
        if (!end.isAfter(now)) {
            throw new TrustFailure(TrustFailure.Reason.EXPIRED, "the aggregate states no validUntil and was "
                    + "published at " + published + ", longer ago than the source's maximum age of "
                    + maxAgeWithoutValidUntil.toDays() + " days");
        }
        return end;
    }

    private static Instant instant(String dateTime) throws TrustFailure {
        try {
            return MetadataTime.parse(dateTime);
        } catch (IllegalArgumentException e) {
            throw new TrustFailure(TrustFailure.Reason.EXPIRED, "validUntil: " + e.getMessage());
        }
    }

    private void requireSignatureOverRoot(List<SignedElementSecurityEvent> signedElements) throws TrustFailure {
        if (signedElements.isEmpty()) {
            throw new TrustFailure(TrustFailure.Reason.UNSIGNED, "the aggregate carries no signature");
        }
        boolean rootSigned = false;
        for (SignedElementSecurityEvent element : signedElements) {
            List<QName> path = element.getElementPath();
            if (path.size() == 1 && EntityReader.ENTITIES_DESCRIPTOR.equals(path.get(0)) && signedWithPin(element)) {
                rootSigned = true;
            }
        }
        if (!rootSigned) {
            throw new TrustFailure(TrustFailure.Reason.BAD_SIGNATURE,
                    "no signature by the pinned key covers the whole aggregate");
        }
    }

    /** Santuario uses the configured key; a document-supplied KeyValue would not be — check, never assume. */
    private boolean signedWithPin(SignedElementSecurityEvent element) throws TrustFailure {
        try {
            return element.getSecurityToken() != null && pinnedKey.equals(element.getSecurityToken().getPublicKey());
        } catch (XMLSecurityException e) {
            throw new TrustFailure(TrustFailure.Reason.BAD_SIGNATURE, "the signature's key cannot be read", e);
        }
    }

    private static TrustFailure classify(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BoundedInputStream.LimitExceeded limit) {
                return new TrustFailure(TrustFailure.Reason.DOCUMENT_TOO_LARGE, limit.getMessage(), e);
            }
            if (cause instanceof MarkupLengthLimit.DeclarationRefused declaration) {
                return new TrustFailure(TrustFailure.Reason.DOCTYPE_REFUSED, declaration.getMessage(), e);
            }
            if (cause instanceof MarkupLengthLimit.MarkupTooLong markup) {
                return new TrustFailure(TrustFailure.Reason.MALFORMED, markup.getMessage(), e);
            }
            if (cause instanceof AggregateStructure.Refused refused) {
                return new TrustFailure(refused.reason(), refused.getMessage(), e);
            }
            if (cause instanceof EntityReader.Refused refused) {
                TrustFailure.Reason reason = switch (refused.kind()) {
                    case DUPLICATE -> TrustFailure.Reason.DUPLICATE_ENTITY;
                    case TOO_MUCH_KEPT -> TrustFailure.Reason.DOCUMENT_TOO_LARGE;
                    case STRUCTURE -> TrustFailure.Reason.MALFORMED;
                };
                return new TrustFailure(reason, refused.getMessage(), e);
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof XMLSecurityException security) {
                return new TrustFailure(TrustFailure.Reason.BAD_SIGNATURE,
                        "the signature does not verify with the pinned certificate: " + security.getMessage(), e);
            }
        }
        return new TrustFailure(TrustFailure.Reason.MALFORMED, "the document is not well-formed XML: " + e.getMessage(), e);
    }

    private static void close(XMLStreamReader reader) {
        if (reader != null) {
            try {
                reader.close();
            } catch (XMLStreamException ignored) {
                // nothing was accepted; the stream belongs to the caller
            }
        }
    }

    /** For callers that hand over the stream: closes it, mapping failures to {@link TrustFailure.Reason#FETCH_FAILED}. */
    public static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // a close failure after the read changes no decision
        }
    }
}
