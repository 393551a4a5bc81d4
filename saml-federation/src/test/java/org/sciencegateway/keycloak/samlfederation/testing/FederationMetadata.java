package org.sciencegateway.keycloak.samlfederation.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds SAML metadata aggregates for tests, the lab and the benchmark: identity providers with what real federation
 * entries carry (mdui names in two languages, keywords, logo, scopes, registration info, entity categories, SIRTFI,
 * a signing certificate, organization and contacts), synthetic service providers, and raw entities (a real IdP's
 * descriptor). {@link #xml()} is unsigned; sign it with {@link FederationSigner}.
 */
public final class FederationMetadata {

    public static final String MD = "urn:oasis:names:tc:SAML:2.0:metadata";
    public static final String RS = "http://refeds.org/category/research-and-scholarship";
    public static final String SIRTFI = "https://refeds.org/sirtfi";
    public static final String COCO = "https://refeds.org/category/code-of-conduct/v2";
    public static final String HIDE = "http://refeds.org/category/hide-from-discovery";

    private String name = "https://federation.lab.sciencegateway.invalid";
    private Instant validUntil = Instant.now().plusSeconds(7 * 86400);
    private final List<String> entities = new ArrayList<>();

    public FederationMetadata name(String name) {
        this.name = name;
        return this;
    }

    public FederationMetadata validUntil(Instant validUntil) {
        this.validUntil = validUntil;
        return this;
    }

    public FederationMetadata add(Idp idp) {
        entities.add(idp.xml());
        return this;
    }

    /** A complete {@code md:EntityDescriptor} as another party publishes it (e.g. a Keycloak realm's descriptor). */
    public FederationMetadata addRaw(String entityDescriptor) {
        String body = entityDescriptor.replaceFirst("^\\s*<\\?xml[^>]*\\?>", "");
        entities.add(body);
        return this;
    }

    /**
     * A real identity provider's descriptor (e.g. what a Keycloak realm publishes) with what its federation adds on
     * registration: registration info, entity categories and certifications, scopes and mdui names from
     * {@code registration} (whose entityID, endpoints and keys are ignored).
     */
    public FederationMetadata addRegistered(String entityDescriptor, Idp registration) {
        String body = entityDescriptor.replaceFirst("^\\s*<\\?xml[^>]*\\?>", "");
        String entity = registration.entityExtensions();
        String role = registration.roleExtensions();
        body = body.replaceFirst("(<(?:md:)?EntityDescriptor[^>]*>)", "$1" + java.util.regex.Matcher.quoteReplacement(entity));
        body = body.replaceFirst("(<(?:md:)?IDPSSODescriptor[^>]*>)", "$1" + java.util.regex.Matcher.quoteReplacement(role));
        entities.add(body);
        return this;
    }

    public FederationMetadata addServiceProvider(String entityId) {
        entities.add("<md:EntityDescriptor entityID=\"" + escape(entityId) + "\"><md:SPSSODescriptor "
                + "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:AssertionConsumerService "
                + "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"" + escape(entityId)
                + "/acs\" index=\"0\"/></md:SPSSODescriptor></md:EntityDescriptor>");
        return this;
    }

    /** The unsigned aggregate. */
    public String xml() {
        StringBuilder out = new StringBuilder(entities.size() * 3000 + 1000);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<md:EntitiesDescriptor xmlns:md=\"").append(MD).append("\" ")
                .append("xmlns:mdrpi=\"urn:oasis:names:tc:SAML:metadata:rpi\" ")
                .append("xmlns:mdattr=\"urn:oasis:names:tc:SAML:metadata:attribute\" ")
                .append("xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ")
                .append("xmlns:mdui=\"urn:oasis:names:tc:SAML:metadata:ui\" ")
                .append("xmlns:shibmd=\"urn:mace:shibboleth:metadata:1.0\" ")
                .append("xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ")
                .append("ID=\"_lab").append(Long.toHexString(validUntil.getEpochSecond())).append("\" ")
                .append("Name=\"").append(escape(name)).append("\" ")
                .append("validUntil=\"").append(validUntil).append("\">\n");
        out.append("<md:Extensions><mdrpi:PublicationInfo publisher=\"").append(escape(name))
                .append("\" creationInstant=\"").append(Instant.now().toString()).append("\"/></md:Extensions>\n");
        entities.forEach(entity -> out.append(entity).append('\n'));
        return out.append("</md:EntitiesDescriptor>\n").toString();
    }

    static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** One identity provider entry. */
    public static final class Idp {
        private final String entityId;
        private final Map<String, String> names = new LinkedHashMap<>();
        private final List<String> scopes = new ArrayList<>();
        private final List<String> categories = new ArrayList<>();
        private final List<String> certifications = new ArrayList<>();
        private String registrationAuthority;
        private String keywords;
        private String ssoUrl;
        private String certificate = FederationSigner.OTHER.certificatePem()
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s+", "");

        private Idp(String entityId) {
            this.entityId = entityId;
            this.ssoUrl = entityId.replaceAll("/+$", "") + "/sso";
        }

        public static Idp of(String entityId) {
            return new Idp(entityId);
        }

        public Idp name(String lang, String name) {
            names.put(lang, name);
            return this;
        }

        public Idp scope(String scope) {
            scopes.add(scope);
            return this;
        }

        public Idp registrationAuthority(String authority) {
            this.registrationAuthority = authority;
            return this;
        }

        public Idp category(String category) {
            categories.add(category);
            return this;
        }

        public Idp certification(String certification) {
            certifications.add(certification);
            return this;
        }

        public Idp keywords(String keywords) {
            this.keywords = keywords;
            return this;
        }

        public Idp sso(String url) {
            this.ssoUrl = url;
            return this;
        }

        /** Base64 DER of the IdP's signing certificate. */
        public Idp certificate(String base64) {
            this.certificate = base64;
            return this;
        }

        public String xml() {
            StringBuilder out = new StringBuilder(3000);
            out.append("<md:EntityDescriptor entityID=\"").append(escape(entityId)).append("\">");
            out.append(entityExtensions());
            out.append("<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">");
            out.append(roleExtensions());
            String host = host();
            out.append("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>")
                    .append(certificate).append("</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>");
            out.append("<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>");
            out.append("<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>");
            out.append("<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"")
                    .append(escape(ssoUrl)).append("\"/>");
            out.append("<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"")
                    .append(escape(ssoUrl)).append("\"/>");
            out.append("</md:IDPSSODescriptor>");
            String display = names.isEmpty() ? entityId : names.values().iterator().next();
            out.append("<md:Organization><md:OrganizationName xml:lang=\"en\">").append(escape(display))
                    .append("</md:OrganizationName><md:OrganizationDisplayName xml:lang=\"en\">").append(escape(display))
                    .append("</md:OrganizationDisplayName><md:OrganizationURL xml:lang=\"en\">https://")
                    .append(escape(host)).append("/</md:OrganizationURL></md:Organization>");
            out.append("<md:ContactPerson contactType=\"technical\"><md:GivenName>Identity</md:GivenName>"
                    + "<md:SurName>Team</md:SurName><md:EmailAddress>mailto:idm@").append(escape(host))
                    .append("</md:EmailAddress></md:ContactPerson>");
            out.append("<md:ContactPerson xmlns:remd=\"http://refeds.org/metadata\" contactType=\"other\" "
                    + "remd:contactType=\"http://refeds.org/metadata/contactType/security\"><md:GivenName>CSIRT"
                    + "</md:GivenName><md:EmailAddress>mailto:csirt@").append(escape(host))
                    .append("</md:EmailAddress></md:ContactPerson>");
            return out.append("</md:EntityDescriptor>").toString();
        }

        private String host() {
            return entityId.replaceFirst("^https?://", "").replaceFirst("[/:].*$", "");
        }

        /** The entity-level md:Extensions a federation adds: registration info and entity attributes. */
        String entityExtensions() {
            StringBuilder out = new StringBuilder();
            out.append("<md:Extensions>");
            if (registrationAuthority != null) {
                out.append("<mdrpi:RegistrationInfo registrationAuthority=\"").append(escape(registrationAuthority))
                        .append("\" registrationInstant=\"2019-05-01T00:00:00Z\"><mdrpi:RegistrationPolicy xml:lang=\"en\">")
                        .append(escape(registrationAuthority)).append("/policy</mdrpi:RegistrationPolicy></mdrpi:RegistrationInfo>");
            }
            if (!categories.isEmpty() || !certifications.isEmpty()) {
                out.append("<mdattr:EntityAttributes>");
                attribute(out, "http://macedir.org/entity-category", categories);
                attribute(out, "urn:oasis:names:tc:SAML:attribute:assurance-certification", certifications);
                out.append("</mdattr:EntityAttributes>");
            }
            return out.append("</md:Extensions>").toString();
        }

        /** The IdP role's md:Extensions: scopes, mdui and discovery hints. */
        String roleExtensions() {
            StringBuilder out = new StringBuilder();
            out.append("<md:Extensions>");
            scopes.forEach(scope -> out.append("<shibmd:Scope regexp=\"false\">").append(escape(scope)).append("</shibmd:Scope>"));
            out.append("<mdui:UIInfo>");
            names.forEach((lang, name) -> out.append("<mdui:DisplayName xml:lang=\"").append(lang).append("\">")
                    .append(escape(name)).append("</mdui:DisplayName>"));
            names.forEach((lang, name) -> out.append("<mdui:Description xml:lang=\"").append(lang).append("\">")
                    .append(escape(name)).append(" — identity provider for staff and students</mdui:Description>"));
            if (keywords != null) {
                out.append("<mdui:Keywords xml:lang=\"en\">").append(escape(keywords)).append("</mdui:Keywords>");
            }
            String host = host();
            out.append("<mdui:Logo height=\"60\" width=\"80\">https://").append(escape(host)).append("/logo.png</mdui:Logo>");
            out.append("<mdui:InformationURL xml:lang=\"en\">https://").append(escape(host)).append("/about</mdui:InformationURL>");
            out.append("<mdui:PrivacyStatementURL xml:lang=\"en\">https://").append(escape(host))
                    .append("/privacy</mdui:PrivacyStatementURL>");
            out.append("</mdui:UIInfo>");
            if (!scopes.isEmpty()) {
                out.append("<mdui:DiscoHints>");
                scopes.forEach(scope -> out.append("<mdui:DomainHint>").append(escape(scope)).append("</mdui:DomainHint>"));
                out.append("</mdui:DiscoHints>");
            }
            return out.append("</md:Extensions>").toString();
        }

        private static void attribute(StringBuilder out, String name, List<String> values) {
            if (values.isEmpty()) {
                return;
            }
            out.append("<saml:Attribute Name=\"").append(name)
                    .append("\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">");
            values.forEach(value -> out.append("<saml:AttributeValue>").append(escape(value)).append("</saml:AttributeValue>"));
            out.append("</saml:Attribute>");
        }
    }
}
