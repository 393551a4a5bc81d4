package org.sciencegateway.keycloak.samlfederation.metadata;

import org.jboss.logging.Logger;

import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads the identity providers of a SAML metadata document from a StAX stream, one entity at a time: memory grows
 * with what is kept of each entity ({@link EntityRecord}), never with the document. Service providers and everything
 * this project does not use are skipped.
 * <p>
 * The reader trusts nothing: it is handed the stream that the signature verification wraps, and its results count
 * only once that verification has reached the document's end (see {@code trust.SignedAggregateReader}).
 */
public final class EntityReader {

    private static final Logger LOG = Logger.getLogger(EntityReader.class);

    static final String MD = "urn:oasis:names:tc:SAML:2.0:metadata";
    static final String MDRPI = "urn:oasis:names:tc:SAML:metadata:rpi";
    static final String MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute";
    static final String SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
    static final String MDUI = "urn:oasis:names:tc:SAML:metadata:ui";
    static final String SHIBMD = "urn:mace:shibboleth:metadata:1.0";
    static final String DS = "http://www.w3.org/2000/09/xmldsig#";

    public static final QName ENTITIES_DESCRIPTOR = new QName(MD, "EntitiesDescriptor");
    static final QName ENTITY_DESCRIPTOR = new QName(MD, "EntityDescriptor");
    static final QName EXTENSIONS = new QName(MD, "Extensions");
    static final QName SIGNATURE = new QName(DS, "Signature");

    static final String ENTITY_CATEGORY = "http://macedir.org/entity-category";
    static final String ASSURANCE_CERTIFICATION = "urn:oasis:names:tc:SAML:attribute:assurance-certification";
    static final String SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol";
    static final String HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    static final String HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

    /** Longest text kept from one element (certificates are a few KB; larger values, e.g. data: logos, are dropped). */
    static final int MAX_TEXT = 16 * 1024;
    /** An inline ({@code data:}) logo's text: {@link InlineLogo#MAX_BYTES} in base64, with line breaks. */
    static final int MAX_LOGO_TEXT = 68 * 1024;

    /** Counts of one document: entities read, identity providers handed over, entities past their own validUntil. */
    /**
     * What one walk counted, and the aggregate's {@code mdrpi:PublicationInfo/@creationInstant} (in the root's
     * extensions, covered by its signature; {@code null}: none, or not a valid time).
     */
    public record Counts(int entities, int identityProviders, int expired, Instant published) {
    }

    /** Longest entityID: SAML core (8.3.6) allows URIs of at most 1024 characters. */
    static final int MAX_ENTITY_ID = 1024;
    /** Most values kept per entity and kind (languages, keywords, scopes, hints, categories…). */
    static final int MAX_VALUES = 64;
    /** Most signing certificates kept per entity. */
    static final int MAX_CERTIFICATES = 16;
    /**
     * Most characters kept from one document's identity providers before it is verified: an eduGAIN-sized feed keeps
     * about 30 M; a document that would keep more is refused, so what an attacker without the key can add is bounded.
     */
    static final long MAX_KEPT_CHARACTERS = 64L * 1024 * 1024;

    /**
     * The document breaks the SAML metadata schema where it matters for what is imported, names one entity twice, or
     * would keep too much: nothing of it may be used. Thrown through the StAX reader so that the signature
     * verification below it ends too.
     */
    public static final class Refused extends XMLStreamException {

        /** Why. */
        public enum Kind { STRUCTURE, DUPLICATE, TOO_MUCH_KEPT }

        private final Kind kind;

        Refused(String message, Kind kind) {
            super(message);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }

    private EntityReader() {
    }

    /**
     * Reads the children of the aggregate the reader is positioned in (just after its {@code md:EntitiesDescriptor}
     * start tag) to the document's end, handing each SAML 2.0 identity provider that is valid at {@code now} to
     * {@code identityProviders}.
     * <p>
     * Entities are taken only where the metadata schema puts them: as children of an {@code md:EntitiesDescriptor},
     * after its optional {@code ds:Signature} and {@code md:Extensions}, which are never read for entities. Any other
     * element there is refused, and so is an identity provider's entityID named twice ("the first counts" would let
     * whichever copy comes first decide). An entity, or a nested aggregate, past its own {@code validUntil} is not
     * handed over (its identity provider then leaves the feed).
     */
    public static Counts readAll(XMLStreamReader reader, Instant now, Consumer<EntityRecord> identityProviders)
            throws XMLStreamException {
        Walk walk = new Walk(now, identityProviders);
        walk.children(reader, true);
        while (reader.hasNext()) {
            reader.next(); // after the root: comments and whitespace, read so the verification sees the end
        }
        return new Counts(walk.entities, walk.idps, walk.expired, walk.published);
    }

    /** One walk over the aggregate's tree of {@code md:EntitiesDescriptor}s. */
    private static final class Walk {
        private final Instant now;
        private final Consumer<EntityRecord> identityProviders;
        private final Set<String> seen = new HashSet<>();
        private int entities;
        private int idps;
        private int expired;
        private long kept;
        private Instant published;
        private int depth;

        Walk(Instant now, Consumer<EntityRecord> identityProviders) {
            this.now = now;
            this.identityProviders = identityProviders;
        }

        /** The children of an {@code md:EntitiesDescriptor}, to its end tag. */
        void children(XMLStreamReader reader, boolean valid) throws XMLStreamException {
            int position = 0; // 0: signature may come, 1: extensions may come, 2: only entities
            while (true) {
                int event = reader.next();
                if (event == XMLStreamConstants.END_ELEMENT) {
                    return;
                }
                if (event != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                QName name = reader.getName();
                if (SIGNATURE.equals(name) && position == 0) {
                    skip(reader);
                    position = 1;
                } else if (EXTENSIONS.equals(name) && position <= 1) {
                    // the aggregate's own extensions describe no entity; of the root's, its publication time is kept
                    if (depth == 0) {
                        published = publicationInstant(reader);
                    } else {
                        skip(reader);
                    }
                    position = 2;
                } else if (ENTITY_DESCRIPTOR.equals(name)) {
                    position = 2;
                    entity(reader, valid && current(reader));
                } else if (ENTITIES_DESCRIPTOR.equals(name)) {
                    position = 2;
                    depth++;
                    children(reader, valid && current(reader));
                    depth--;
                } else {
                    throw new Refused("md:EntitiesDescriptor holds ds:Signature, md:Extensions, md:EntityDescriptor "
                            + "and md:EntitiesDescriptor, in this order; found " + printable(key(name))
                            + " there", Refused.Kind.STRUCTURE);
                }
            }
        }

        private void entity(XMLStreamReader reader, boolean valid) throws XMLStreamException {
            entities++;
            EntityRecord record = readEntity(reader);
            if (record == null) {
                return;
            }
            if (!seen.add(record.entityId())) {
                throw new Refused("the feed names the identity provider " + printable(record.entityId())
                        + " twice; which copy counts cannot be decided", Refused.Kind.DUPLICATE);
            }
            if (!valid) {
                expired++;
                return;
            }
            kept += record.characters();
            if (kept > MAX_KEPT_CHARACTERS) {
                throw new Refused("the identity providers of this document would keep more than "
                        + MAX_KEPT_CHARACTERS + " characters before its signature is verified", Refused.Kind.TOO_MUCH_KEPT);
            }
            idps++;
            identityProviders.accept(record);
        }

        /** Whether the element's own {@code validUntil} (if any) is still ahead; an unreadable one is not. */
        private boolean current(XMLStreamReader reader) {
            String validUntil = reader.getAttributeValue(null, "validUntil");
            if (validUntil == null || validUntil.isBlank()) {
                return true;
            }
            try {
                return MetadataTime.parse(validUntil).isAfter(now);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    private static final QName PUBLICATION_INFO = new QName(MDRPI, "PublicationInfo");

    /** Reads the root's {@code md:Extensions} to its end tag; its {@code mdrpi:PublicationInfo/@creationInstant}. */
    private static Instant publicationInstant(XMLStreamReader reader) throws XMLStreamException {
        Instant published = null;
        int level = 1;
        while (level > 0) {
            int event = reader.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                level++;
                if (level == 2 && published == null && PUBLICATION_INFO.equals(reader.getName())) {
                    String value = reader.getAttributeValue(null, "creationInstant");
                    try {
                        published = value == null ? null : MetadataTime.parse(value.trim());
                    } catch (IllegalArgumentException e) {
                        published = null;
                    }
                }
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                level--;
            }
        }
        return published;
    }

    /** Reads past the element the reader is positioned on, to its end tag. */
    private static void skip(XMLStreamReader reader) throws XMLStreamException {
        int depth = 1;
        while (depth > 0) {
            int event = reader.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        }
    }

    /** Reads the entity the reader is positioned on, up to its end tag; {@code null} when it is no SAML 2.0 IdP. */
    static EntityRecord readEntity(XMLStreamReader reader) throws XMLStreamException {
        Entity entity = new Entity(reader.getAttributeValue(null, "entityID"));
        List<String> path = new ArrayList<>();
        while (true) {
            int event = reader.next();
            if (event == XMLStreamConstants.END_ELEMENT) {
                if (path.isEmpty()) {
                    return entity.record();
                }
                path.remove(path.size() - 1);
            } else if (event == XMLStreamConstants.START_ELEMENT) {
                String name = key(reader.getName());
                path.add(name);
                if (entity.visit(String.join("/", path), reader)) {
                    path.remove(path.size() - 1); // the visit read the element to its end tag
                }
            }
        }
    }

    /** A value from the document, for a message or log line ({@link Printable}). */
    static String printable(String value) {
        return Printable.quoted(value, 200);
    }

    private static String key(QName name) {
        String prefix = switch (name.getNamespaceURI()) {
            case MD -> "md:";
            case MDRPI -> "mdrpi:";
            case MDATTR -> "mdattr:";
            case SAML -> "saml:";
            case MDUI -> "mdui:";
            case SHIBMD -> "shibmd:";
            case DS -> "ds:";
            default -> "{" + name.getNamespaceURI() + "}";
        };
        return prefix + name.getLocalPart();
    }

    /**
     * The text of a text-only element, reading to its end tag; {@code null} when longer than {@link #MAX_TEXT}. Read
     * chunk by chunk, so a longer text is never held whole.
     */
    private static String text(XMLStreamReader reader) throws XMLStreamException {
        return text(reader, MAX_TEXT);
    }

    private static String text(XMLStreamReader reader, int max) throws XMLStreamException {
        StringBuilder text = new StringBuilder();
        boolean tooLong = false;
        int depth = 1;
        while (depth > 0) {
            int event = reader.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> depth++;
                case XMLStreamConstants.END_ELEMENT -> depth--;
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    if (depth == 1 && !tooLong) {
                        if (text.length() + reader.getTextLength() > max) {
                            tooLong = true;
                            text.setLength(0);
                        } else {
                            text.append(reader.getTextCharacters(), reader.getTextStart(), reader.getTextLength());
                        }
                    }
                }
                default -> {
                    // comments and processing instructions are not part of the value
                }
            }
        }
        return tooLong ? null : text.toString().trim();
    }

    private static String lang(XMLStreamReader reader) {
        String lang = reader.getAttributeValue(XMLConstants.XML_NS_URI, "lang");
        return lang == null || lang.isBlank() ? "en" : lang.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** The fields of one entity while it is read. */
    private static final class Entity {
        private final String entityId;
        private boolean idp;
        private String registrationAuthority;
        private String attributeName;
        private final Set<String> categories = new LinkedHashSet<>();
        private final Set<String> certifications = new LinkedHashSet<>();
        private final Map<String, String> displayNames = new LinkedHashMap<>();
        private final Map<String, String> organizationNames = new LinkedHashMap<>();
        private final List<String> keywords = new ArrayList<>();
        private String logo;
        private final List<EntityRecord.Scope> scopes = new ArrayList<>();
        private final List<String> domainHints = new ArrayList<>();
        private String ssoPost;
        private String ssoRedirect;
        private boolean signingKey;
        private final List<String> certificates = new ArrayList<>();
        private final List<String> nameIdFormats = new ArrayList<>();
        private boolean wantsSignedRequests;
        private String inlineLogo;

        Entity(String entityId) {
            this.entityId = entityId == null ? null : entityId.trim();
        }

        /** Handles the element at {@code path}; {@code true} when it was read to its end tag. */
        boolean visit(String path, XMLStreamReader reader) throws XMLStreamException {
            switch (path) {
                case "md:Extensions/mdrpi:RegistrationInfo" -> registrationAuthority =
                        trimmed(reader.getAttributeValue(null, "registrationAuthority"));
                case "md:Extensions/mdattr:EntityAttributes/saml:Attribute" ->
                        attributeName = trimmed(reader.getAttributeValue(null, "Name"));
                case "md:Extensions/mdattr:EntityAttributes/saml:Attribute/saml:AttributeValue" -> {
                    String value = text(reader);
                    if (value != null && ENTITY_CATEGORY.equals(attributeName) && categories.size() < MAX_VALUES) {
                        categories.add(value);
                    } else if (value != null && ASSURANCE_CERTIFICATION.equals(attributeName)
                            && certifications.size() < MAX_VALUES) {
                        certifications.add(value);
                    }
                    return true;
                }
                case "md:IDPSSODescriptor" -> {
                    String protocols = reader.getAttributeValue(null, "protocolSupportEnumeration");
                    boolean saml2 = protocols != null && List.of(protocols.trim().split("\\s+")).contains(SAML2_PROTOCOL);
                    idp |= saml2;
                    wantsSignedRequests |= saml2 && "true".equals(trimmed(reader.getAttributeValue(null,
                            "WantAuthnRequestsSigned")));
                }
                case "md:Extensions/shibmd:Scope", "md:IDPSSODescriptor/md:Extensions/shibmd:Scope" -> {
                    boolean regexp = "true".equals(trimmed(reader.getAttributeValue(null, "regexp")));
                    String value = text(reader);
                    if (value != null && !value.isEmpty() && scopes.size() < MAX_VALUES) {
                        EntityRecord.Scope scope = new EntityRecord.Scope(value, regexp);
                        scopes.add(scope); // kept: a registered but unusable scope must not read as "no scopes"
                        if (!scope.wellFormed()) {
                            LOG.warnf("Federation metadata: entity %s: scope %s refused (a scope is a domain name, or a "
                                    + "pattern without spaces when regexp=\"true\"); it admits nothing",
                                    printable(entityId), printable(value));
                        }
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:Extensions/mdui:UIInfo/mdui:DisplayName" -> {
                    String lang = lang(reader);
                    putText(displayNames, lang, text(reader));
                    return true;
                }
                case "md:IDPSSODescriptor/md:Extensions/mdui:UIInfo/mdui:Keywords" -> {
                    String value = text(reader);
                    if (value != null) {
                        for (String keyword : value.split("\\s+")) {
                            if (!keyword.isEmpty() && keywords.size() < MAX_VALUES) {
                                keywords.add(keyword.replace('+', ' '));
                            }
                        }
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:Extensions/mdui:UIInfo/mdui:Logo" -> {
                    String value = text(reader, MAX_LOGO_TEXT);
                    if (logo == null && value != null && value.startsWith("https://")) {
                        logo = value;
                    } else if (inlineLogo == null && value != null) {
                        inlineLogo = InlineLogo.of(value);
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:Extensions/mdui:DiscoHints/mdui:DomainHint" -> {
                    String value = text(reader);
                    if (value != null && !value.isEmpty() && domainHints.size() < MAX_VALUES) {
                        domainHints.add(value.toLowerCase(java.util.Locale.ROOT));
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:KeyDescriptor" -> {
                    String use = trimmed(reader.getAttributeValue(null, "use"));
                    signingKey = use == null || "signing".equals(use);
                }
                case "md:IDPSSODescriptor/md:KeyDescriptor/ds:KeyInfo/ds:X509Data/ds:X509Certificate" -> {
                    String value = text(reader);
                    if (signingKey && value != null && !value.isEmpty() && certificates.size() < MAX_CERTIFICATES) {
                        String certificate = value.replaceAll("\\s+", "");
                        if (!certificates.contains(certificate)) {
                            certificates.add(certificate);
                        }
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:SingleSignOnService" -> {
                    String binding = trimmed(reader.getAttributeValue(null, "Binding"));
                    String location = trimmed(reader.getAttributeValue(null, "Location"));
                    if (HTTP_POST.equals(binding) && ssoPost == null) {
                        ssoPost = location;
                    } else if (HTTP_REDIRECT.equals(binding) && ssoRedirect == null) {
                        ssoRedirect = location;
                    }
                }
                case "md:IDPSSODescriptor/md:NameIDFormat" -> {
                    String value = text(reader);
                    if (value != null && !value.isEmpty() && nameIdFormats.size() < MAX_VALUES) {
                        nameIdFormats.add(value);
                    }
                    return true;
                }
                case "md:Organization/md:OrganizationDisplayName" -> {
                    String lang = lang(reader);
                    putText(organizationNames, lang, text(reader));
                    return true;
                }
                default -> {
                    return false;
                }
            }
            return false;
        }

        /** A name as people read it: line breaks and runs of spaces from the XML's layout become one space. */
        private static void putText(Map<String, String> names, String lang, String value) {
            String name = value == null ? null : value.strip().replaceAll("\\s+", " ");
            if (name != null && !name.isEmpty() && (names.size() < MAX_VALUES || names.containsKey(lang))) {
                names.putIfAbsent(lang, name);
            }
        }

        EntityRecord record() {
            if (!idp || entityId == null || entityId.isEmpty() || (ssoPost == null && ssoRedirect == null)) {
                return null;
            }
            if (entityId.length() > MAX_ENTITY_ID) {
                LOG.warnf("Federation metadata: entity %s… not imported: its entityID is longer than %d characters",
                        printable(entityId.substring(0, 80)), MAX_ENTITY_ID);
                return null;
            }
            return new EntityRecord(entityId, registrationAuthority, categories, certifications,
                    displayNames.isEmpty() ? organizationNames : displayNames, keywords, logo, scopes, domainHints,
                    ssoPost, ssoRedirect, certificates, nameIdFormats, wantsSignedRequests,
                    logo == null ? inlineLogo : null);
        }

        private static String trimmed(String value) {
            return value == null || value.isBlank() ? null : value.trim();
        }
    }
}
