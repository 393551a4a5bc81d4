package org.sciencegateway.keycloak.idpfilter.enforce;

import org.keycloak.events.Details;
import org.keycloak.models.UserSessionModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * A user session's recorded origin: Keycloak's {@code identity_provider} note (written at every brokered login)
 * plus the notes this module writes when it admits a brokered identity. Read on SSO reuse and at the token boundary.
 */
final class SessionOrigin {

    static final String NOTE_IDP = "institution_filter.idp";
    static final String NOTE_INSTITUTION = "institution_filter.institution";
    static final String NOTE_REGISTRATION_AUTHORITY = "institution_filter.registration_authority";
    static final String NOTE_EMAIL_DOMAIN = "institution_filter.email_domain";
    static final String NOTE_ORGANIZATION = "institution_filter.organization";

    private SessionOrigin() {
    }

    static LoginOrigin of(UserSessionModel userSession) {
        String alias = userSession.getNote(Details.IDENTITY_PROVIDER);
        if (alias == null || alias.isEmpty()) {
            return LoginOrigin.local();
        }
        LoginOrigin origin = LoginOrigin.brokered(alias);
        if (!alias.equals(userSession.getNote(NOTE_IDP))) {
            // The brokered login did not pass through this filter (its IdP lacks the post-broker-login flow):
            // nothing is known about the institution, so institution rules cannot match.
            return origin;
        }
        return origin.withInstitution(blankToNull(userSession.getNote(NOTE_INSTITUTION)))
                .withRegistrationAuthority(blankToNull(userSession.getNote(NOTE_REGISTRATION_AUTHORITY)))
                .withEmailDomain(blankToNull(userSession.getNote(NOTE_EMAIL_DOMAIN)))
                .withOrganization(blankToNull(userSession.getNote(NOTE_ORGANIZATION)));
    }

    /** Writes the notes the user session will carry; every note, empty when unknown, so none survives from before. */
    static void record(AuthenticationSessionModel authSession, LoginOrigin origin) {
        authSession.setUserSessionNote(NOTE_IDP, origin.identityProvider());
        authSession.setUserSessionNote(NOTE_INSTITUTION, nullToEmpty(origin.institution()));
        authSession.setUserSessionNote(NOTE_REGISTRATION_AUTHORITY, nullToEmpty(origin.registrationAuthority()));
        authSession.setUserSessionNote(NOTE_EMAIL_DOMAIN, nullToEmpty(origin.emailDomain()));
        authSession.setUserSessionNote(NOTE_ORGANIZATION, nullToEmpty(origin.organization()));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
