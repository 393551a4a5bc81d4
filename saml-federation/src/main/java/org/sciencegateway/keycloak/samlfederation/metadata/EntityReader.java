package org.sciencegateway.keycloak.samlfederation.metadata;

import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.util.ArrayList;
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

    static final String MD = "urn:oasis:names:tc:SAML:2.0:metadata";
    static final String MDRPI = "urn:oasis:names:tc:SAML:metadata:rpi";
    static final String MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute";
    static final String SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
    static final String MDUI = "urn:oasis:names:tc:SAML:metadata:ui";
    static final String SHIBMD = "urn:mace:shibboleth:metadata:1.0";
    static final String DS = "http://www.w3.org/2000/09/xmldsig#";

    public static final QName ENTITIES_DESCRIPTOR = new QName(MD, "EntitiesDescriptor");
    static final QName ENTITY_DESCRIPTOR = new QName(MD, "EntityDescriptor");

    static final String ENTITY_CATEGORY = "http://macedir.org/entity-category";
    static final String ASSURANCE_CERTIFICATION = "urn:oasis:names:tc:SAML:attribute:assurance-certification";
    static final String SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol";
    static final String HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    static final String HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

    /** Longest text kept from one element (certificates are a few KB; larger values, e.g. data: logos, are dropped). */
    static final int MAX_TEXT = 16 * 1024;

    /** Counts of one document. */
    public record Counts(int entities, int identityProviders) {
    }

    private EntityReader() {
    }

    /**
     * Reads every {@code md:EntityDescriptor} below the current position to the end of the stream and hands each
     * SAML 2.0 identity provider to {@code identityProviders}.
     */
    public static Counts readAll(XMLStreamReader reader, Consumer<EntityRecord> identityProviders)
            throws XMLStreamException {
        int entities = 0;
        int idps = 0;
        while (reader.hasNext()) {
            if (reader.next() == XMLStreamConstants.START_ELEMENT && ENTITY_DESCRIPTOR.equals(reader.getName())) {
                entities++;
                EntityRecord record = readEntity(reader);
                if (record != null) {
                    idps++;
                    identityProviders.accept(record);
                }
            }
        }
        return new Counts(entities, idps);
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

    /** The text of a text-only element, reading to its end tag; {@code null} when longer than {@link #MAX_TEXT}. */
    private static String text(XMLStreamReader reader) throws XMLStreamException {
        String text = reader.getElementText().trim();
        return text.length() > MAX_TEXT ? null : text;
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
                    if (value != null && ENTITY_CATEGORY.equals(attributeName)) {
                        categories.add(value);
                    } else if (value != null && ASSURANCE_CERTIFICATION.equals(attributeName)) {
                        certifications.add(value);
                    }
                    return true;
                }
                case "md:IDPSSODescriptor" -> {
                    String protocols = reader.getAttributeValue(null, "protocolSupportEnumeration");
                    idp |= protocols != null && List.of(protocols.trim().split("\\s+")).contains(SAML2_PROTOCOL);
                }
                case "md:Extensions/shibmd:Scope", "md:IDPSSODescriptor/md:Extensions/shibmd:Scope" -> {
                    boolean regexp = "true".equals(trimmed(reader.getAttributeValue(null, "regexp")));
                    String value = text(reader);
                    if (value != null && !value.isEmpty()) {
                        scopes.add(new EntityRecord.Scope(value, regexp));
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
                            if (!keyword.isEmpty()) {
                                keywords.add(keyword.replace('+', ' '));
                            }
                        }
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:Extensions/mdui:UIInfo/mdui:Logo" -> {
                    String value = text(reader);
                    if (logo == null && value != null && value.startsWith("https://")) {
                        logo = value;
                    }
                    return true;
                }
                case "md:IDPSSODescriptor/md:Extensions/mdui:DiscoHints/mdui:DomainHint" -> {
                    String value = text(reader);
                    if (value != null && !value.isEmpty()) {
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
                    if (signingKey && value != null && !value.isEmpty()) {
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
                    if (value != null && !value.isEmpty()) {
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

        private static void putText(Map<String, String> names, String lang, String value) {
            if (value != null && !value.isEmpty()) {
                names.putIfAbsent(lang, value);
            }
        }

        EntityRecord record() {
            if (!idp || entityId == null || entityId.isEmpty() || (ssoPost == null && ssoRedirect == null)) {
                return null;
            }
            return new EntityRecord(entityId, registrationAuthority, categories, certifications,
                    displayNames.isEmpty() ? organizationNames : displayNames, keywords, logo, scopes, domainHints,
                    ssoPost, ssoRedirect, certificates, nameIdFormats);
        }

        private static String trimmed(String value) {
            return value == null || value.isBlank() ? null : value.trim();
        }
    }
}
