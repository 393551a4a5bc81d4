package org.sciencegateway.keycloak.samlfederation.metadata;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the federation's metadata says about one identity provider: everything an import needs and nothing else.
 *
 * @param entityId                the IdP's SAML entityID
 * @param registrationAuthority   {@code mdrpi:RegistrationInfo/@registrationAuthority} ({@code null}: none stated)
 * @param entityCategories        values of the {@code http://macedir.org/entity-category} entity attribute
 * @param assuranceCertifications values of {@code urn:oasis:names:tc:SAML:attribute:assurance-certification}
 * @param displayNames            {@code mdui:DisplayName} by language (else {@code md:OrganizationDisplayName})
 * @param keywords                {@code mdui:Keywords}, every language
 * @param logo                    an {@code https:} {@code mdui:Logo} ({@code null}: none)
 * @param scopes                  {@code shibmd:Scope} values, also those that are not {@link Scope#wellFormed()}
 * @param domainHints             {@code mdui:DomainHint} values
 * @param ssoPostUrl              SingleSignOnService location for HTTP-POST ({@code null}: none)
 * @param ssoRedirectUrl          SingleSignOnService location for HTTP-Redirect ({@code null}: none)
 * @param signingCertificates     base64 DER certificates of the signing (or unqualified) key descriptors
 * @param nameIdFormats           {@code md:NameIDFormat} values
 * @param wantsSignedRequests     {@code WantAuthnRequestsSigned="true"} on its SAML 2.0 {@code IDPSSODescriptor}
 * @param inlineLogo              where no {@code https:} logo is given: an inline one ({@link InlineLogo}), or {@code null}
 */
public record EntityRecord(String entityId, String registrationAuthority, Set<String> entityCategories,
                           Set<String> assuranceCertifications, Map<String, String> displayNames,
                           List<String> keywords, String logo, List<Scope> scopes, List<String> domainHints,
                           String ssoPostUrl, String ssoRedirectUrl, List<String> signingCertificates,
                           List<String> nameIdFormats, boolean wantsSignedRequests, String inlineLogo) {

    public static final String HIDE_FROM_DISCOVERY = "http://refeds.org/category/hide-from-discovery";

    /** A {@code shibmd:Scope}: a domain, or a regular expression when {@code regexp="true"}. */
    public record Scope(String value, boolean regexp) {

        private static final Pattern DOMAIN = Pattern.compile(
                "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

        /**
         * A domain name; or, only when the metadata says {@code regexp="true"}, a pattern without whitespace. So no
         * stored scope can be mistaken for another kind ({@code regexp:.*} as a domain) or split into two.
         */
        public boolean wellFormed() {
            if (value == null || value.isEmpty() || value.length() > 253) {
                return false;
            }
            return regexp ? value.codePoints().noneMatch(Character::isWhitespace) : DOMAIN.matcher(value).matches();
        }

        @Override
        public String toString() {
            return regexp ? "regexp:" + value : value;
        }
    }

    public EntityRecord {
        entityCategories = Set.copyOf(new TreeSet<>(entityCategories));
        assuranceCertifications = Set.copyOf(new TreeSet<>(assuranceCertifications));
        displayNames = Map.copyOf(new TreeMap<>(displayNames));
        keywords = List.copyOf(keywords);
        scopes = List.copyOf(scopes);
        domainHints = List.copyOf(domainHints);
        signingCertificates = List.copyOf(signingCertificates);
        nameIdFormats = List.copyOf(nameIdFormats);
    }

    /** The scopes that can be used ({@link Scope#wellFormed()}); the others were registered but mean nothing safe. */
    public List<Scope> usableScopes() {
        return scopes.stream().filter(Scope::wellFormed).toList();
    }

    /** About how many characters this record keeps: what a document's budget counts. */
    public long characters() {
        long total = 64L + length(entityId) + length(registrationAuthority) + length(logo) + length(inlineLogo)
                + length(ssoPostUrl)
                + length(ssoRedirectUrl);
        for (java.util.Collection<String> values : List.of(entityCategories, assuranceCertifications, keywords,
                domainHints, signingCertificates, nameIdFormats, displayNames.keySet(), displayNames.values())) {
            for (String value : values) {
                total += 16 + length(value);
            }
        }
        for (Scope scope : scopes) {
            total += 16 + length(scope.value());
        }
        return total;
    }

    private static int length(String value) {
        return value == null ? 0 : value.length();
    }

    /** Listed in discovery (the picker) unless the entity carries REFEDS hide-from-discovery. */
    public boolean hiddenFromDiscovery() {
        return entityCategories.contains(HIDE_FROM_DISCOVERY);
    }

    /** The English display name, else any, else the entityID. */
    public String displayName() {
        String english = displayNames.get("en");
        if (english != null) {
            return english;
        }
        return displayNames.isEmpty() ? entityId : new TreeMap<>(displayNames).firstEntry().getValue();
    }

    /**
     * A stable fingerprint of everything an import copies from the entity: two syncs see the same digest exactly when
     * the identity provider they would write is the same, so an unchanged entity is never written again.
     */
    public String digest() {
        StringBuilder canonical = new StringBuilder();
        field(canonical, entityId);
        field(canonical, registrationAuthority);
        list(canonical, new TreeSet<>(entityCategories));
        list(canonical, new TreeSet<>(assuranceCertifications));
        new TreeMap<>(displayNames).forEach((lang, name) -> field(canonical, lang + "=" + name));
        list(canonical, keywords);
        field(canonical, logo);
        list(canonical, scopes.stream().map(Scope::toString).toList());
        list(canonical, domainHints);
        field(canonical, ssoPostUrl);
        field(canonical, ssoRedirectUrl);
        list(canonical, signingCertificates);
        list(canonical, nameIdFormats);
        field(canonical, String.valueOf(wantsSignedRequests));
        field(canonical, inlineLogo);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    private static void list(StringBuilder canonical, java.util.Collection<String> values) {
        canonical.append('[').append(values.size()).append('\n');
        values.forEach(value -> field(canonical, value));
    }

    private static void field(StringBuilder canonical, String value) {
        // Length-prefixed, so no two different records serialise alike.
        String text = value == null ? "" : value;
        canonical.append(value == null ? -1 : text.length()).append(':').append(text).append('\n');
    }
}
