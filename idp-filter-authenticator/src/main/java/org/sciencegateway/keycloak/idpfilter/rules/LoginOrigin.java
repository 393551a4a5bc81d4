package org.sciencegateway.keycloak.idpfilter.rules;

/**
 * Where a login actually came from: the identity provider used and what it asserted about the user's home
 * institution. Built from the brokered context or the user session, never from request parameters.
 *
 * @param identityProvider      alias of the identity provider used, {@code null} for a local (password) login
 * @param institution           home-institution identifier (SAML entityID, OIDC issuer, proxy {@code idp} claim)
 * @param registrationAuthority federation that registered the institution
 * @param emailDomain           domain of an email address the identity provider vouched for
 * @param organization          alias of the Keycloak organization the identity provider belongs to
 */
public record LoginOrigin(String identityProvider, String institution, String registrationAuthority,
                          String emailDomain, String organization) {

    public static LoginOrigin local() {
        return new LoginOrigin(null, null, null, null, null);
    }

    public static LoginOrigin brokered(String identityProvider) {
        return new LoginOrigin(identityProvider, null, null, null, null);
    }

    public boolean isLocal() {
        return identityProvider == null;
    }

    public LoginOrigin withInstitution(String value) {
        return new LoginOrigin(identityProvider, value, registrationAuthority, emailDomain, organization);
    }

    public LoginOrigin withRegistrationAuthority(String value) {
        return new LoginOrigin(identityProvider, institution, value, emailDomain, organization);
    }

    public LoginOrigin withEmailDomain(String value) {
        return new LoginOrigin(identityProvider, institution, registrationAuthority, value, organization);
    }

    public LoginOrigin withOrganization(String value) {
        return new LoginOrigin(identityProvider, institution, registrationAuthority, emailDomain, value);
    }
}
