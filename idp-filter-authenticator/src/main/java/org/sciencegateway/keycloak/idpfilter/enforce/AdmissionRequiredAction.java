package org.sciencegateway.keycloak.idpfilter.enforce;

import org.jboss.logging.Logger;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * The decision no login path can skip. Keycloak evaluates the triggers of every enabled required action each time a
 * login is about to complete, before it issues a code (browser flow, brokered login after post-broker-login,
 * first-broker-login, SSO reuse, {@code prompt=none}, direct grant) and again after every required action; it keeps
 * no status between evaluations. Here the client's rules are applied to what the completing login will carry
 * ({@link CompletedLogin}): the brokered identity Keycloak attached, which must have been admitted in this tab by the
 * flows' enforce step (bound by IdP alias and brokered user id, see {@link AdmissionLedger}); the SSO session of
 * {@code KEYCLOAK_IDENTITY}; or a local login. A refused login gets this action in its authentication session: the
 * user sees the refusal page and no code is issued ({@code prompt=none} gets {@code interaction_required}).
 */
public final class AdmissionRequiredAction implements RequiredActionProvider {

    private static final Logger LOG = Logger.getLogger(AdmissionRequiredAction.class);

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (authSession == null) {
            return;
        }
        ClientRules clientRules = ClientRules.of(authSession.getClient());
        if (clientRules.unrestricted()) {
            return;
        }
        Verdict verdict = judge(context, clientRules);
        if (verdict == null) {
            return;
        }
        if (AdmissionLedger.refusedBefore(authSession) == null) {
            Refusal.refuse(context, verdict.origin(), verdict.rule());
        }
        authSession.addRequiredAction(AdmissionRequiredActionFactory.PROVIDER_ID);
    }

    /** {@code null} when the completing login is admitted; otherwise what refuses it. */
    private static Verdict judge(RequiredActionContext context, ClientRules clientRules) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (clientRules.problem() != null) {
            LOG.errorf("Refusing login to client %s: its institution rules are unusable: %s",
                    authSession.getClient().getClientId(), clientRules.problem());
            return new Verdict(null, Decision.INVALID_CONFIGURATION);
        }
        String refusedBefore = AdmissionLedger.refusedBefore(authSession);
        if (refusedBefore != null) {
            return new Verdict(null, refusedBefore);
        }
        InstitutionFilter filter = clientRules.filter();
        String linking = BrokeredOrigin.linkingRequest(authSession);
        if (linking != null && !filter.mayAdmit(linking)) {
            return new Verdict(LoginOrigin.brokered(linking), Decision.IDP_LINK);
        }
        CompletedLogin login = CompletedLogin.of(context.getSession(), authSession);
        if (login.refused()) {
            return new Verdict(login.origin(), login.refusal());
        }
        Decision decision = filter.decide(IdentityProviderMetadata.of(context.getSession(), login.origin()));
        if (!decision.allowed()) {
            return new Verdict(login.origin(), decision.rule());
        }
        FilterMetrics.decision(authSession.getRealm(), authSession.getClient(), FilterMetrics.LOGIN, true,
                decision.position());
        if (!login.origin().isLocal() && !"true".equals(authSession.getAuthNote(AuthenticationManager.SSO_AUTH))) {
            // The user session will carry exactly the origin that was judged.
            SessionOrigin.record(authSession, login.origin());
        }
        return null;
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        context.challenge(Refusal.page(context.form()));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        // The refusal page has no way forward.
        requiredActionChallenge(context);
    }

    @Override
    public void close() {
    }

    private record Verdict(LoginOrigin origin, String rule) {
    }
}
