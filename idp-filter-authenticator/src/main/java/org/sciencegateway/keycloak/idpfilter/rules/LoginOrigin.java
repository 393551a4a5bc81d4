package org.sciencegateway.keycloak.idpfilter.rules;

import java.util.Set;

/**
 * Where a login actually came from: the identity provider used and what it asserted about the user's home
 * institution. Built from the brokered context or the user session, never from request parameters.
 *
 * @param identityProvider      alias of the identity provider used, {@code null} for a local (password) login
 * @param institution           home-institution identifier (SAML entityID, OIDC issuer, proxy {@code idp} claim)
 * @param registrationAuthority federation that registered the institution
 * @param emailDomain           domain of an email address the identity provider vouched for
 * @param organization          alias of the Keycloak organization the identity provider belongs to
 * @param entityCategories      entity categories the federation's metadata gives the identity provider
 * @param assuranceCertifications assurance certifications (e.g. SIRTFI) from the federation's metadata
 */
public record LoginOrigin(String identityProvider, String institution, String registrationAuthority,
                          String emailDomain, String organization, Set<String> entityCategories,
                          Set<String> assuranceCertifications) {

    public LoginOrigin {
        entityCategories = entityCategories == null ? Set.of() : Set.copyOf(entityCategories);
        assuranceCertifications = assuranceCertifications == null ? Set.of() : Set.copyOf(assuranceCertifications);
    }

    public static LoginOrigin local() {
        return new LoginOrigin(null, null, null, null, null, Set.of(), Set.of());
    }

    public static LoginOrigin brokered(String identityProvider) {
        return new LoginOrigin(identityProvider, null, null, null, null, Set.of(), Set.of());
    }

    public boolean isLocal() {
        return identityProvider == null;
    }

    public LoginOrigin withInstitution(String value) {
        return new LoginOrigin(identityProvider, value, registrationAuthority, emailDomain, organization,
                entityCategories, assuranceCertifications);
    }

    public LoginOrigin withRegistrationAuthority(String value) {
        return new LoginOrigin(identityProvider, institution, value, emailDomain, organization,
                entityCategories, assuranceCertifications);
    }

    public LoginOrigin withEmailDomain(String value) {
        return new LoginOrigin(identityProvider, institution, registrationAuthority, value, organization,
                entityCategories, assuranceCertifications);
    }

    public LoginOrigin withOrganization(String value) {
        return new LoginOrigin(identityProvider, institution, registrationAuthority, emailDomain, value,
                entityCategories, assuranceCertifications);
    }

    /** What the federation's metadata says about the identity provider (read from its config, never from the user). */
    public LoginOrigin withMetadata(Set<String> categories, Set<String> certifications) {
        return new LoginOrigin(identityProvider, institution, registrationAuthority, emailDomain, organization,
                categories, certifications);
    }
}
