package org.sciencegateway.keycloak.idpfilter;

import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdpLinkAction;
import org.keycloak.events.Details;
import org.keycloak.models.Constants;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.organization.OrganizationProvider;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.services.managers.AuthenticationSessionManager;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * Enforces the client's institution rules on the identity provider and institution actually used. One execution type
 * for every place a login can complete:
 * <ul>
 *   <li>each identity provider's <b>post-broker-login</b> flow: decides on the brokered context (covers
 *   {@code kc_idp_hint}, {@code /broker/{alias}/login}, SAML IdP-initiated login and first logins, none of which
 *   return to the browser flow);</li>
 *   <li>the end of the <b>browser</b> flow: decides on the SSO session's recorded identity provider when the cookie
 *   authenticated the user, otherwise treats the login as local; also refuses application-initiated linking
 *   ({@code kc_action=idp_link}) of an identity provider the client does not admit;</li>
 *   <li>the start of the <b>registration</b> and <b>reset-credentials</b> flows: local logins, refused unless the
 *   client sets {@code localAccounts}.</li>
 * </ul>
 * Decisions read only the brokered context and session notes written by Keycloak and by this module, never request
 * parameters.
 */
public final class InstitutionFilterAuthenticator implements Authenticator {

    /** User-session notes recording what the post-broker check saw, for later SSO reuse by other clients. */
    static final String NOTE_IDP = "institution_filter.idp";
    static final String NOTE_INSTITUTION = "institution_filter.institution";
    static final String NOTE_REGISTRATION_AUTHORITY = "institution_filter.registration_authority";
    static final String NOTE_EMAIL_DOMAIN = "institution_filter.email_domain";
    static final String NOTE_ORGANIZATION = "institution_filter.organization";

    private static final Logger LOG = Logger.getLogger(InstitutionFilterAuthenticator.class);

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        ClientRules clientRules = ClientRules.of(authSession.getClient());
        if (clientRules.unrestricted()) {
            context.success();
            return;
        }
        if (clientRules.problem() != null) {
            LOG.errorf("Refusing every login to client %s: its institution rules are unusable: %s",
                    authSession.getClient() == null ? null : authSession.getClient().getClientId(), clientRules.problem());
            Refusal.refuse(context, null, Decision.INVALID_CONFIGURATION);
            return;
        }
        InstitutionFilter filter = clientRules.filter();

        BrokeredIdentityContext postBroker = brokeredContext(context, PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT);
        BrokeredIdentityContext firstBroker = brokeredContext(context, AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE);
        if (postBroker != null && firstBroker != null
                && !Boolean.parseBoolean(authSession.getAuthNote(PostBrokerLoginConstants.PBL_AFTER_FIRST_BROKER_LOGIN))) {
            // Re-authentication through an already linked identity provider while first-broker-login links a new
            // one: Keycloak next runs the post-broker-login flow of the identity provider being linked, and that
            // is the login this filter decides on. Refusing here would break account linking.
            context.success();
            return;
        }
        BrokeredIdentityContext brokered = postBroker != null ? postBroker : firstBroker;
        LoginOrigin origin;
        if (brokered != null) {
            origin = fromBrokeredContext(context.getSession(), brokered);
        } else if ("true".equals(authSession.getAuthNote(AuthenticationManager.SSO_AUTH))) {
            UserSessionModel userSession = new AuthenticationSessionManager(context.getSession()).getUserSession(authSession);
            if (userSession == null) {
                Refusal.refuse(context, null, "no-user-session");
                return;
            }
            origin = fromUserSession(userSession);
        } else {
            origin = LoginOrigin.local();
        }

        String linking = linkingRequest(authSession);
        if (linking != null && !filter.mayAdmit(linking)) {
            Refusal.refuse(context, LoginOrigin.brokered(linking), "idp_link");
            return;
        }

        Decision decision = filter.decide(origin);
        if (!decision.allowed()) {
            Refusal.refuse(context, origin, decision.rule());
            return;
        }
        if (brokered != null) {
            record(authSession, origin);
        }
        context.success();
    }

    private static BrokeredIdentityContext brokeredContext(AuthenticationFlowContext context, String note) {
        SerializedBrokeredIdentityContext serialized =
                SerializedBrokeredIdentityContext.readFromAuthenticationSession(context.getAuthenticationSession(), note);
        return serialized == null ? null : serialized.deserialize(context.getSession(), context.getAuthenticationSession());
    }

    static LoginOrigin fromBrokeredContext(KeycloakSession session, BrokeredIdentityContext brokered) {
        IdentityProviderModel idp = brokered.getIdpConfig();
        LoginOrigin origin = LoginOrigin.brokered(idp.getAlias());
        Object institution = brokered.getContextData().get(InstitutionIdentityMapper.CONTEXT_INSTITUTION);
        if (institution instanceof String value) {
            origin = origin.withInstitution(value.isEmpty() ? null : value);
        } else {
            // No institution mapper: the identity provider is itself the institution.
            origin = origin.withInstitution(ownIdentifier(idp));
        }
        if (brokered.getContextData().get(InstitutionIdentityMapper.CONTEXT_REGISTRATION_AUTHORITY) instanceof String ra) {
            origin = origin.withRegistrationAuthority(ra);
        }
        if (brokered.getContextData().get(InstitutionIdentityMapper.CONTEXT_EMAIL_DOMAIN) instanceof String domain
                && !domain.isEmpty()) {
            origin = origin.withEmailDomain(domain);
        }
        return origin.withOrganization(organizationAlias(session, idp));
    }

    private static String ownIdentifier(IdentityProviderModel idp) {
        String entityId = idp.getConfig().get("idpEntityId");
        if (entityId != null && !entityId.isBlank()) {
            return entityId;
        }
        String issuer = idp.getConfig().get("issuer");
        return issuer == null || issuer.isBlank() ? null : issuer;
    }

    private static String organizationAlias(KeycloakSession session, IdentityProviderModel idp) {
        String organizationId = idp.getOrganizationId();
        if (organizationId == null) {
            return null;
        }
        try {
            OrganizationProvider organizations = session.getProvider(OrganizationProvider.class);
            OrganizationModel organization = organizations == null ? null : organizations.getById(organizationId);
            return organization == null ? null : organization.getAlias();
        } catch (RuntimeException e) {
            LOG.debugf(e, "Organization %s of identity provider %s not readable", organizationId, idp.getAlias());
            return null;
        }
    }

    /** The SSO session's origin: Keycloak records the brokered IdP; this module's notes add what it verified. */
    static LoginOrigin fromUserSession(UserSessionModel userSession) {
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

    private static void record(AuthenticationSessionModel authSession, LoginOrigin origin) {
        // Every note is written, empty when unknown, so none survives from an earlier login in the same session.
        authSession.setUserSessionNote(NOTE_IDP, origin.identityProvider());
        authSession.setUserSessionNote(NOTE_INSTITUTION, nullToEmpty(origin.institution()));
        authSession.setUserSessionNote(NOTE_REGISTRATION_AUTHORITY, nullToEmpty(origin.registrationAuthority()));
        authSession.setUserSessionNote(NOTE_EMAIL_DOMAIN, nullToEmpty(origin.emailDomain()));
        authSession.setUserSessionNote(NOTE_ORGANIZATION, nullToEmpty(origin.organization()));
    }

    /** The alias an application-initiated action asks to link ({@code kc_action=idp_link}), or {@code null}. */
    private static String linkingRequest(AuthenticationSessionModel authSession) {
        String action = authSession.getClientNote(Constants.KC_ACTION);
        if (action == null || !action.startsWith(IdpLinkAction.PROVIDER_ID)) {
            return null;
        }
        String alias = authSession.getClientNote(Constants.KC_ACTION_PARAMETER);
        if ((alias == null || alias.isBlank()) && action.startsWith(IdpLinkAction.PROVIDER_ID + ":")) {
            alias = action.substring(IdpLinkAction.PROVIDER_ID.length() + 1);
        }
        return alias == null ? "" : alias;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        // A refusal page has no way forward: whatever is posted, decide again.
        authenticate(context);
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public void close() {
    }
}
