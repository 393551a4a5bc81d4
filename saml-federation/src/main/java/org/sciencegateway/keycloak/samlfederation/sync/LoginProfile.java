package org.sciencegateway.keycloak.samlfederation.sync;

import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How the realm asks one identity provider for a login and recognises its users again, decided from what the entity's
 * signed metadata offers and the source's template:
 * <ul>
 * <li><b>NameID format</b>: the template's ({@code nameIDPolicyFormat}, persistent by default) when the entity lists it
 *     or lists none; else persistent, transient, unspecified — the first the entity offers; else the first it lists.
 *     Asking a Shibboleth IdP or AD FS for a format it does not offer fails the login ({@code InvalidNameIDPolicy}).</li>
 * <li><b>Account key</b>: a transient NameID changes at every login, so it can never key an account. Then — and
 *     whenever the template keys by attribute ({@code principalType} ATTRIBUTE) — the account is keyed by the first
 *     attribute of {@link IdentityProviderTemplate#accountKeyAttributes()} the response carries, by attribute
 *     {@code Name} (the template's own ATTRIBUTE {@code principalAttribute} first): SAML {@code subject-id}, {@code pairwise-id}, eduPersonPrincipalName,
 *     eduPersonTargetedID by default, the order REFEDS and Shibboleth's SP use. A response with none is refused.</li>
 * <li><b>Signed requests</b>: when the entity says {@code WantAuthnRequestsSigned="true"} (or the template asks for
 *     signed requests for all).</li>
 * </ul>
 * The decision depends only on the template and the signed metadata, so every sync of the same entity decides the same
 * and existing links keep their key.
 */
public record LoginProfile(String nameIdFormat, List<String> accountKeyAttributes, boolean signRequests) {

    public static final String PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    public static final String TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    public static final String UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

    public static final String SUBJECT_ID = "urn:oasis:names:tc:SAML:attribute:subject-id";
    public static final String PAIRWISE_ID = "urn:oasis:names:tc:SAML:attribute:pairwise-id";
    public static final String EDU_PERSON_PRINCIPAL_NAME = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6";
    public static final String EDU_PERSON_TARGETED_ID = "urn:oid:1.3.6.1.4.1.5923.1.1.1.10";
    public static final List<String> DEFAULT_ACCOUNT_KEY_ATTRIBUTES = List.of(SUBJECT_ID, PAIRWISE_ID,
            EDU_PERSON_PRINCIPAL_NAME, EDU_PERSON_TARGETED_ID);

    public LoginProfile {
        accountKeyAttributes = accountKeyAttributes == null ? null : List.copyOf(accountKeyAttributes);
    }

    /** Whether the NameID keys the account (else {@link #accountKeyAttributes()} do). */
    public boolean keyedByNameId() {
        return accountKeyAttributes == null;
    }

    public static LoginProfile of(IdentityProviderTemplate template, EntityRecord entity) {
        String wanted = template.config().getOrDefault("nameIDPolicyFormat", PERSISTENT);
        List<String> offered = entity.nameIdFormats();
        String format;
        if (offered.isEmpty() || offered.contains(wanted)) {
            format = wanted;
        } else {
            format = offered.contains(PERSISTENT) ? PERSISTENT : offered.contains(TRANSIENT) ? TRANSIENT
                    : offered.contains(UNSPECIFIED) ? UNSPECIFIED : offered.get(0);
        }
        String principalType = template.config().getOrDefault("principalType", "SUBJECT");
        boolean byAttribute = !"SUBJECT".equals(principalType) || TRANSIENT.equals(format);
        List<String> attributes = null;
        if (byAttribute) {
            Set<String> ordered = new LinkedHashSet<>();
            String principal = template.config().get("principalAttribute");
            if ("ATTRIBUTE".equals(principalType) && principal != null && !principal.isBlank()) {
                ordered.add(principal.trim());
            }
            ordered.addAll(template.accountKeyAttributes());
            attributes = new ArrayList<>(ordered);
        }
        boolean sign = entity.wantsSignedRequests() || "true".equals(template.config().get("wantAuthnRequestsSigned"));
        return new LoginProfile(format, attributes, sign);
    }
}
