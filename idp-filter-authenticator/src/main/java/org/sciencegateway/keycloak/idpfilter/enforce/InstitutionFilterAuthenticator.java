package org.sciencegateway.keycloak.idpfilter.enforce;

import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * Enforces the client's institution rules on the identity provider and institution actually used, inside the flows:
 * <ul>
 *   <li>each identity provider's <b>post-broker-login</b> flow: decides on the brokered identity that just logged in
 *   and, during first-broker-login re-authentication, also on the identity being linked (covers
 *   {@code kc_idp_hint}, {@code /broker/{alias}/login}, SAML IdP-initiated login and first logins, none of which
 *   return to the browser flow);</li>
 *   <li>the end of the <b>browser</b> flow: decides on the SSO session the cookie authenticator attached (see
 *   {@link CompletedLogin}), otherwise treats the login as local; also refuses application-initiated linking
 *   ({@code kc_action=idp_link}) of an identity provider the client does not admit;</li>
 *   <li>the start of the <b>registration</b> and <b>reset-credentials</b> flows: local logins, refused unless the
 *   client sets {@code localAccounts}.</li>
 * </ul>
 * Keycloak caches an execution's status per tab and may not run this step again. That is why this step is the
 * first line only: every admission is bound to its identity in the {@link AdmissionLedger}, the login is judged once
 * more at completion by {@link AdmissionRequiredAction}, and tokens are judged again by {@link TokenBoundaryExecutor}.
 * Decisions read only the brokered context and notes written by Keycloak and by this module, never request parameters.
 */
public final class InstitutionFilterAuthenticator implements Authenticator {

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
        if (!AdmissionRequiredActionFactory.enabledIn(context.getRealm())) {
            LOG.errorf("Refusing logins to client %s: realm %s does not have the required action '%s' enabled; "
                            + "without it the filter's decisions could be skipped (Authentication > Required actions)",
                    authSession.getClient().getClientId(), context.getRealm().getName(),
                    AdmissionRequiredActionFactory.PROVIDER_ID);
            Refusal.refuse(context, null, Decision.INVALID_CONFIGURATION);
            return;
        }
        String refusedBefore = AdmissionLedger.refusedBefore(authSession);
        if (refusedBefore != null) {
            Refusal.refuse(context, null, refusedBefore);
            return;
        }
        InstitutionFilter filter = clientRules.filter();

        String linking = BrokeredOrigin.linkingRequest(authSession);
        if (linking != null && !filter.mayAdmit(linking)) {
            Refusal.refuse(context, LoginOrigin.brokered(linking), Decision.IDP_LINK);
            return;
        }

        BrokeredIdentityContext postBroker =
                BrokeredOrigin.context(context, PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT);
        BrokeredIdentityContext firstBroker = BrokeredOrigin.context(context, AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE);
        if (postBroker != null || firstBroker != null) {
            decideBrokered(context, filter, postBroker, firstBroker);
            return;
        }

        CompletedLogin login = CompletedLogin.of(context.getSession(), authSession);
        if (login.refused()) {
            Refusal.refuse(context, login.origin(), login.refusal());
            return;
        }
        Decision decision = filter.decide(IdentityProviderMetadata.of(context.getSession(), login.origin()));
        if (!decision.allowed()) {
            Refusal.refuse(context, login.origin(), decision.rule(), decision.position());
            return;
        }
        context.success();
    }

    /**
     * A brokered identity is being attached: the one that just logged in (post-broker-login) and, while
     * first-broker-login links a new identity to an existing account by re-authentication, also the identity being
     * linked. Each must pass on its own; each admitted one is bound, by IdP alias and brokered user id, in the
     * {@link AdmissionLedger}, which the completion check reads whatever Keycloak skipped in between.
     */
    private static void decideBrokered(AuthenticationFlowContext context, InstitutionFilter filter,
                                       BrokeredIdentityContext postBroker, BrokeredIdentityContext firstBroker) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        LoginOrigin attached = null;
        for (BrokeredIdentityContext brokered : new BrokeredIdentityContext[]{postBroker, firstBroker}) {
            if (brokered == null) {
                continue;
            }
            LoginOrigin origin = BrokeredOrigin.of(context.getSession(), brokered);
            Decision decision = filter.decide(IdentityProviderMetadata.of(context.getSession(), origin));
            if (!decision.allowed()) {
                Refusal.refuse(context, origin, decision.rule(), decision.position());
                return;
            }
            AdmissionLedger.admit(authSession, AdmissionLedger.identityKey(brokered), origin);
            // When both are present, the identity being linked is the one the user session will carry.
            attached = origin;
        }
        SessionOrigin.record(authSession, attached);
        context.success();
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
