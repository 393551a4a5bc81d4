package org.sciencegateway.keycloak.idpfilter.enforce;

import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.Constants;
import org.keycloak.broker.provider.IdpLinkAction;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import org.keycloak.organization.OrganizationProvider;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.mapper.InstitutionIdentityMapper;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * The origin of a brokered identity, read from the brokered context Keycloak serialized into the authentication
 * session: the alias of the IdP that answered and what {@link InstitutionIdentityMapper} recorded from its signed
 * response. Also reads which IdP an application-initiated action asks to link.
 */
final class BrokeredOrigin {

    private static final Logger LOG = Logger.getLogger(BrokeredOrigin.class);

    private BrokeredOrigin() {
    }

    static BrokeredIdentityContext context(AuthenticationFlowContext context, String note) {
        SerializedBrokeredIdentityContext serialized =
                SerializedBrokeredIdentityContext.readFromAuthenticationSession(context.getAuthenticationSession(), note);
        return serialized == null ? null : serialized.deserialize(context.getSession(), context.getAuthenticationSession());
    }

    static LoginOrigin of(KeycloakSession session, BrokeredIdentityContext brokered) {
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

    /** The alias an application-initiated action asks to link ({@code kc_action=idp_link}), or {@code null}. */
    static String linkingRequest(AuthenticationSessionModel authSession) {
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
}
