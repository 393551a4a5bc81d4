package org.sciencegateway.keycloak.samlfederation.trust;

import org.sciencegateway.keycloak.samlfederation.metadata.Printable;

import javax.xml.namespace.QName;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.util.StreamReaderDelegate;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Checks the shape of an aggregate on the raw parser events, <em>below</em> the signature verification, so that what
 * is checked here is decided before Santuario buffers or digests anything:
 * <ul>
 * <li>the document is in an ASCII-compatible encoding, has no document type declaration, and its root is an
 *     {@code md:EntitiesDescriptor};</li>
 * <li>the root's first child is its {@code ds:Signature}, where the SAML metadata schema puts it. Santuario keeps every
 *     event until the first signature has ended: with the signature first, that is the root's start tag and the
 *     signature, bounded below; an unsigned document, or one signed at its end, is refused at its first child instead
 *     of sitting in the heap in full;</li>
 * <li>the signature holds only what an XML signature over a metadata document needs — {@code SignedInfo} with one
 *     {@code Reference} to the whole document ({@code ""} or the root's {@code ID}) and the enveloped-signature and
 *     canonicalization transforms, {@code SignatureValue}, and a {@code KeyInfo} of key names and X.509 data; key
 *     values are passed over, never handed to Santuario (the pinned key verifies). The enveloped-signature transform removes the signature from what is digested: anything else inside it
 *     ({@code ds:Object}, an {@code md:EntityDescriptor} in {@code KeyInfo}) would be read by nobody's signature;</li>
 * <li>until the signature has ended, events and characters are bounded (each event counts, an empty comment too);
 *     in the whole document, entity references and more than {@value #DISTINCT_NAMES} distinct names (which the
 *     parser keeps for the rest of the parse) are refused.</li>
 * </ul>
 * What follows the signature is read by {@link org.sciencegateway.keycloak.samlfederation.metadata.EntityReader}, which
 * takes entities only where the metadata schema allows them.
 */
final class AggregateStructure extends StreamReaderDelegate {

    static final String MD = "urn:oasis:names:tc:SAML:2.0:metadata";
    static final String DS = "http://www.w3.org/2000/09/xmldsig#";
    static final String EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    static final QName ENTITIES_DESCRIPTOR = new QName(MD, "EntitiesDescriptor");
    static final QName SIGNATURE = new QName(DS, "Signature");
    static final QName KEY_VALUE = new QName(DS, "KeyValue");

    /** Characters (text, attribute values, comments) up to the signature's end: a few certificates fit many times. */
    static final int SIGNATURE_CHARACTERS = 256 * 1024;
    static final int SIGNATURE_ELEMENTS = 200;

    /**
     * The pinned key verifies, so {@code KeyInfo} needs to name a key at most: key names and X.509 data. Key values
     * (RSA, DSA, EC) are refused — the document cannot supply the key, and Santuario would build one from them
     * before the pin is consulted.
     */
    private static final Set<String> SIGNATURE_CONTENT = Set.of("SignedInfo", "CanonicalizationMethod",
            "SignatureMethod", "Reference", "Transforms", "Transform", "DigestMethod", "DigestValue",
            "SignatureValue", "KeyInfo", "KeyName", "X509Data", "X509Certificate", "X509IssuerSerial",
            "X509IssuerName", "X509SerialNumber", "X509SubjectName", "X509SKI");
    /** Each event before the signature's end counts this much beyond its characters (a comment may be empty). */
    static final int EVENT_COST = 32;
    /** Distinct element and attribute names, prefixes and namespaces in one document: the parser keeps them all. */
    static final int DISTINCT_NAMES = 4096;
    private static final Set<String> TRANSFORMS = Set.of(
            "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
            "http://www.w3.org/2001/10/xml-exc-c14n#",
            "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
            "http://www.w3.org/2006/12/xml-c14n11",
            "http://www.w3.org/2006/12/xml-c14n11#WithComments");

    /** Why a document's shape is refused; carried through the parser and Santuario to the reader. */
    static final class Refused extends XMLStreamException {
        private final TrustFailure.Reason reason;

        Refused(TrustFailure.Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        TrustFailure.Reason reason() {
            return reason;
        }
    }

    private enum Part { PROLOG, ROOT, SIGNATURE, ENTITIES }

    private Part part = Part.PROLOG;
    private int depth;
    private int characters;
    private int elements;
    private String rootId;
    private int references;
    private int keyInfos;
    /** The text of the Reference's DigestValue (what the signature signs: the canonical content's digest). */
    private final StringBuilder digestValue = new StringBuilder();
    private int digestValueDepth;
    /** Depth of the signature's KeyInfo while it is open, else 0; and how many elements it holds. */
    private int keyInfoDepth;
    private int keyInfoChildren;
    private final Set<Object> names = new HashSet<>();

    AggregateStructure(XMLStreamReader raw) throws XMLStreamException {
        super(raw);
        String encoding = raw.getEncoding();
        if (encoding != null && !asciiCompatible(encoding)) {
            throw new Refused(TrustFailure.Reason.MALFORMED, "the document is encoded in " + encoding
                    + "; federation metadata is read in UTF-8 (or another ASCII-compatible encoding)");
        }
    }

    private static boolean asciiCompatible(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals("UTF-8") || upper.equals("UTF8") || upper.equals("US-ASCII") || upper.equals("ASCII")) {
            return true;
        }
        try {
            Charset charset = Charset.forName(name);
            return charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.US_ASCII)
                    || charset.name().startsWith("ISO-8859-");
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    @Override
    public int next() throws XMLStreamException {
        int event = super.next();
        while (event == XMLStreamConstants.START_ELEMENT && part == Part.SIGNATURE && KEY_VALUE.equals(getName())) {
            passOverKeyValue();
            event = super.next();
        }
        switch (event) {
            case XMLStreamConstants.DTD -> throw new Refused(TrustFailure.Reason.DOCTYPE_REFUSED,
                    "the document has a document type declaration (DOCTYPE), which federation metadata never needs");
            case XMLStreamConstants.ENTITY_REFERENCE -> throw new Refused(TrustFailure.Reason.MALFORMED,
                    "the document refers to the undeclared entity &" + printable(getLocalName()) + ";");
            case XMLStreamConstants.START_ELEMENT -> {
                names();
                start();
            }
            case XMLStreamConstants.END_ELEMENT -> end();
            case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE,
                 XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION -> content(event);
            default -> {
                // start and end of document, namespace and attribute events of the parser: nothing to check
            }
        }
        return event;
    }

    /**
     * Counts the names this element brings; more distinct ones than any metadata has refuses the document. Names are
     * compared as the parser's QNames (no string built per element); prefixes enter only through declarations.
     */
    private void names() throws Refused {
        distinct(getName());
        for (int i = 0; i < getAttributeCount(); i++) {
            distinct(getAttributeName(i));
        }
        for (int i = 0; i < getNamespaceCount(); i++) {
            distinct("xmlns:" + getNamespacePrefix(i) + "=" + getNamespaceURI(i));
        }
    }

    private void distinct(Object key) throws Refused {
        if (names.size() < DISTINCT_NAMES) {
            names.add(key);
        } else if (!names.contains(key)) {
            throw new Refused(TrustFailure.Reason.MALFORMED, "the document uses more than " + DISTINCT_NAMES
                    + " distinct element names, attribute names and namespaces; federation metadata uses a few hundred");
        }
    }

    private void start() throws Refused {
        depth++;
        QName name = getName();
        switch (part) {
            case PROLOG -> {
                if (!ENTITIES_DESCRIPTOR.equals(name)) {
                    throw new Refused(TrustFailure.Reason.MALFORMED,
                            "the document is not a SAML metadata aggregate (md:EntitiesDescriptor)");
                }
                rootId = getAttributeValue(null, "ID");
                count(EVENT_COST + attributeCharacters());
                part = Part.ROOT;
            }
            case ROOT -> {
                if (!SIGNATURE.equals(name)) {
                    throw new Refused(TrustFailure.Reason.UNSIGNED, "the aggregate does not begin with its "
                            + "signature: its first element is " + printable(prefixed(name)) + ", where the SAML metadata schema "
                            + "puts ds:Signature");
                }
                part = Part.SIGNATURE;
                signatureElement(name);
            }
            case SIGNATURE -> signatureElement(name);
            case ENTITIES -> {
                // read by EntityReader
            }
        }
    }

    /**
     * A {@code ds:KeyValue} in the aggregate's signature (AgID's SPID registry has one) is passed over on the raw
     * events: the pinned key verifies, so the document cannot supply one, and Santuario — which would build a key from
     * it before the pin is consulted, and fails on broken DSA or EC values — never sees it. {@code KeyInfo} is outside
     * what the signature signs; leaving part of it out changes no digest. Its characters count as the signature's.
     */
    private void passOverKeyValue() throws XMLStreamException {
        count(EVENT_COST + attributeCharacters());
        int level = 1;
        while (level > 0) {
            int event = super.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> {
                    level++;
                    if (++elements > SIGNATURE_ELEMENTS) {
                        throw new Refused(TrustFailure.Reason.BAD_SIGNATURE,
                                "the aggregate's signature has more than " + SIGNATURE_ELEMENTS + " elements");
                    }
                    count(EVENT_COST + attributeCharacters());
                }
                case XMLStreamConstants.END_ELEMENT -> level--;
                case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE -> throw new Refused(
                        TrustFailure.Reason.MALFORMED, "the aggregate's signature holds a declaration or an entity "
                        + "reference");
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE,
                     XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION -> content(event);
                default -> {
                    // nothing else occurs inside an element
                }
            }
        }
    }

    private void signatureElement(QName name) throws Refused {
        if (++elements > SIGNATURE_ELEMENTS) {
            throw new Refused(TrustFailure.Reason.BAD_SIGNATURE,
                    "the aggregate's signature has more than " + SIGNATURE_ELEMENTS + " elements");
        }
        count(EVENT_COST + attributeCharacters());
        if (depth == 2) {
            return; // ds:Signature itself
        }
        String namespace = name.getNamespaceURI();
        String local = name.getLocalPart();
        boolean allowed = DS.equals(namespace) && SIGNATURE_CONTENT.contains(local)
                || EXC_C14N.equals(namespace) && "InclusiveNamespaces".equals(local);
        if (!allowed) {
            throw new Refused(TrustFailure.Reason.BAD_SIGNATURE, "the aggregate's signature contains "
                    + printable(prefixed(name)) + ", which is not part of a signature over metadata; nothing inside a "
                    + "signature is covered by it");
        }
        if (DS.equals(namespace) && "KeyInfo".equals(local)) {
            if (++keyInfos > 1) {
                throw new Refused(TrustFailure.Reason.BAD_SIGNATURE, "the aggregate's signature has more than one "
                        + "ds:KeyInfo");
            }
            keyInfoDepth = depth;
            keyInfoChildren = 0;
        } else if (keyInfoDepth > 0 && depth == keyInfoDepth + 1) {
            keyInfoChildren++;
        }
        if (DS.equals(namespace) && "DigestValue".equals(local)) {
            digestValueDepth = depth;
        }
        if (DS.equals(namespace) && "Reference".equals(local)) {
            references++;
            String uri = getAttributeValue(null, "URI");
            boolean wholeDocument = "".equals(uri) || rootId != null && ("#" + rootId).equals(uri);
            if (references > 1 || !wholeDocument) {
                throw new Refused(TrustFailure.Reason.BAD_SIGNATURE, "the aggregate's signature must have one "
                        + "reference, to the whole aggregate (\"\" or its ID)");
            }
        }
        if (DS.equals(namespace) && "Transform".equals(local)) {
            String algorithm = getAttributeValue(null, "Algorithm");
            if (algorithm == null || !TRANSFORMS.contains(algorithm.trim())) {
                throw new Refused(TrustFailure.Reason.BAD_SIGNATURE, "the aggregate's signature uses the transform "
                        + printable(algorithm) + "; only enveloped-signature and canonicalization are accepted");
            }
        }
    }

    /**
     * The signed digest of the aggregate's canonical content (its Reference's {@code DigestValue}, whitespace removed):
     * the same for every serialisation of the same signed content — a comment, a line break or other quotes change
     * the bytes, not this — and nobody without the key can give other content this digest and a valid signature.
     */
    String signedDigest() {
        return digestValue.toString().replaceAll("\\s+", "");
    }

    private void end() throws Refused {
        if (part == Part.SIGNATURE && digestValueDepth > 0 && depth == digestValueDepth) {
            digestValueDepth = 0;
        }
        if (part == Part.SIGNATURE && keyInfoDepth > 0 && depth == keyInfoDepth) {
            keyInfoDepth = 0;
            if (keyInfoChildren == 0) {
                throw new Refused(TrustFailure.Reason.BAD_SIGNATURE, "the aggregate's signature has a ds:KeyInfo that "
                        + "names no key once its key values are passed over (the pinned certificate's key verifies, "
                        + "never a key the document gives): give ds:X509Data or a ds:KeyName, or no ds:KeyInfo");
            }
        }
        depth--;
        if (part == Part.SIGNATURE && depth == 1) {
            part = Part.ENTITIES;
        }
    }

    private void content(int event) throws Refused {
        if (part == Part.ENTITIES) {
            return;
        }
        if (part == Part.SIGNATURE && digestValueDepth > 0
                && (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA)) {
            digestValue.append(getTextCharacters(), getTextStart(), getTextLength());
        }
        if (part == Part.ROOT && (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA)
                && !isWhiteSpace()) {
            throw new Refused(TrustFailure.Reason.MALFORMED, "the aggregate has text before its signature");
        }
        count(EVENT_COST + (event == XMLStreamConstants.PROCESSING_INSTRUCTION
                ? length(getPITarget()) + length(getPIData()) : getTextLength()));
    }

    private int attributeCharacters() {
        int total = 0;
        for (int i = 0; i < getAttributeCount(); i++) {
            total += getAttributeValue(i).length();
        }
        return total;
    }

    private void count(int added) throws Refused {
        characters += added;
        if (characters > SIGNATURE_CHARACTERS) {
            throw new Refused(part == Part.SIGNATURE ? TrustFailure.Reason.BAD_SIGNATURE : TrustFailure.Reason.MALFORMED,
                    "more than " + SIGNATURE_CHARACTERS + " characters before the end of the aggregate's signature");
        }
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    /** A name as metadata writes it: md:…, ds:…, else {namespace}local. */
    static String prefixed(QName name) {
        return switch (name.getNamespaceURI()) {
            case MD -> "md:" + name.getLocalPart();
            case DS -> "ds:" + name.getLocalPart();
            default -> name.toString();
        };
    }

    /** A name or value from the document, for a message ({@link Printable}). */
    static String printable(Object value) {
        return Printable.quoted(String.valueOf(value), 120);
    }
}
