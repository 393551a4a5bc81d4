package org.sciencegateway.keycloak.tokenexchange;

import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.common.util.Time;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.protocol.oidc.TokenExchangeContext;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.representations.AccessToken;
import org.keycloak.services.CorsErrorResponseException;
import org.keycloak.services.managers.AuthenticationManager;

/**
 * RFC 8693 exchange of a user's access token for a token whose only audience is a client with an
 * {@link AudienceExchangePolicyMapper audience exchange policy}. Requests for audiences without a policy are left to
 * Keycloak's standard provider ({@link #supports} declines them).
 */
final class AudienceScopedTokenExchangeProvider implements TokenExchangeProvider {

    static final String EVENT_AUDIENCE = "audience";
    static final String EVENT_REQUESTER = "requester";
    static final String EVENT_POLICY = "policy";
    static final String EVENT_REASON = Details.REASON;

    private static final Logger LOG = Logger.getLogger(AudienceScopedTokenExchangeProvider.class);

    private final KeycloakSession session;

    AudienceScopedTokenExchangeProvider(KeycloakSession session) {
        this.session = session;
    }

    /**
     * Claims the request when an audience names a client with a policy, or names no client at all (then the
     * answer is {@code invalid_target}, which RFC 8693 assigns, instead of the standard provider's
     * {@code invalid_client}). Never throws: every other request goes to the next provider.
     */
    @Override
    public boolean supports(TokenExchangeContext context) {
        List<String> audiences = context.getParams().getAudience();
        if (audiences == null || audiences.isEmpty()) {
            return false;
        }
        RealmModel realm = context.getRealm();
        for (String audience : audiences) {
            AudiencePolicyLookup.Result result = AudiencePolicyLookup.find(realm, audience);
            if (!(result instanceof AudiencePolicyLookup.NoPolicy)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Response exchange(TokenExchangeContext context) {
        long started = System.nanoTime();
        EventBuilder event = context.getEvent();
        ClientModel requester = context.getClient();
        RealmModel realm = context.getRealm();
        String audience = ExchangeMetrics.audience(realm, context.getParams().getAudience());
        event.detail(EVENT_REQUESTER, requester.getClientId());
        try {
            Response granted = exchangeOrRefuse(context, event, requester);
            ExchangeMetrics.granted(realm, audience, requester.getClientId(), started);
            return granted;
        } catch (ExchangeRefusal refusal) {
            ExchangeMetrics.refused(realm, audience, requester.getClientId(), refusal, started);
            event.detail(EVENT_REASON, refusal.reason());
            refusal.details().forEach(event::detail);
            event.error(refusal.error());
            throw new CorsErrorResponseException(context.getCors(), refusal.error(), refusal.description(),
                    Response.Status.fromStatusCode(refusal.status()));
        } catch (jakarta.ws.rs.WebApplicationException e) {
            // an answer Keycloak's own code gave on the way (its status is the outcome)
            ExchangeMetrics.answeredByKeycloak(realm, audience, requester.getClientId(), e.getResponse().getStatus(),
                    started);
            throw e;
        } catch (RuntimeException e) {
            ExchangeMetrics.failed(realm, audience, requester.getClientId(), started);
            throw e;
        } finally {
            // Verifying the subject token points the context at the token's client; the requester is the client.
            session.getContext().setClient(requester);
        }
    }

    private Response exchangeOrRefuse(TokenExchangeContext context, EventBuilder event, ClientModel requester) {
        List<String> audiences = context.getParams().getAudience();
        event.detail(EVENT_AUDIENCE, String.join(" ", audiences));
        Map<String, List<String>> form = context.getFormParams();
        ExchangeParameters params = ExchangeParameters.from(form);

        RealmModel realm = context.getRealm();
        AudiencePolicyLookup.Result lookup = AudiencePolicyLookup.find(realm, params.audience());
        if (lookup instanceof AudiencePolicyLookup.UnknownAudience) {
            throw ExchangeRefusal.invalidTarget("audience_unknown", "Audience " + params.audience() + " is not known.");
        }
        if (lookup instanceof AudiencePolicyLookup.NoPolicy) {
            // Reached only when another audience of the same request has a policy; refused above as multiple.
            throw ExchangeRefusal.invalidTarget("audience_without_policy",
                    "Audience " + params.audience() + " is not available.");
        }
        if (lookup instanceof AudiencePolicyLookup.Broken broken) {
            event.detail(EVENT_POLICY, broken.policyName());
            LOG.warnf("Refusing exchange for audience %s in realm %s: its policy %s is not valid: %s",
                    params.audience(), realm.getName(), broken.policyName(), String.join(" ", broken.problems()));
            throw ExchangeRefusal.invalidTarget("policy_invalid",
                    "The policy for audience " + params.audience() + " is misconfigured.");
        }
        AudiencePolicyLookup.Found found = (AudiencePolicyLookup.Found) lookup;
        AudiencePolicy policy = found.policy();
        event.detail(EVENT_POLICY, policy.name());
        if (!found.client().isEnabled()) {
            throw ExchangeRefusal.invalidTarget("audience_disabled", "Audience " + params.audience() + " is disabled.");
        }

        AudienceExchangeRules.checkRequester(policy, requester.getClientId(), requester.isPublicClient(),
                AudienceExchangeRules.approvedHub(requester.getAttribute("sg.hub.state")));
        AudienceExchangeRules.checkRefreshTokensSupported(policy, params.wantsRefreshToken(),
                ExchangedTokenIssuer.REFRESH_TOKEN_SPI_PRESENT);
        AudienceExchangeRules.checkRequestedTokenType(policy, params.wantsRefreshToken(),
                OIDCAdvancedConfigWrapper.fromClientModel(requester).isUseRefreshToken());

        AuthenticationManager.AuthResult subject = AuthenticationManager.verifyIdentityToken(session, realm,
                session.getContext().getUri(), context.getClientConnection(), true, true, null, false,
                params.subjectToken(), context.getHeaders(), verifier -> {
                });
        if (subject == null) {
            throw ExchangeRefusal.invalidRequest("subject_token_invalid",
                    "The subject token is invalid, expired, revoked or from another issuer.");
        }
        AccessToken subjectToken = subject.token();
        if (subjectToken.getConfirmation() != null) {
            throw ExchangeRefusal.invalidRequest("subject_token_sender_constrained",
                    "Sender-constrained subject tokens cannot be exchanged for audience " + params.audience() + ".");
        }
        AudienceExchangeRules.checkSubjectHolder(subjectToken.getIssuedFor(), requester.getClientId());

        UserModel user = subject.user();
        // An admin's "sign out" of the user sets the user's not-before; Keycloak's token check reads only the realm's.
        AudienceExchangeRules.checkSubjectSession(policy, subject.session().isOffline(),
                toLong(subjectToken.getIat()), session.users().getNotBeforeOfUser(realm, user));
        event.user(user);
        event.detail(Details.USERNAME, user.getUsername());
        if (subjectToken.getSessionId() != null) {
            event.session(subject.session());
        }
        List<String> groupPaths = user.getGroupsStream().map(KeycloakModelUtils::buildGroupPath).toList();
        AudienceExchangeRules.checkUser(policy, groupPaths, role -> userHasRole(realm, user, role));
        checkAssurance(realm, policy, subject.session(), requester);
        // After the assurance check: whether a user has a cluster account is told to strongly authenticated sessions
        // only, and a user who must step up hears that first.
        Optional<String> account = AccountAttributeGuard.accountOf(session, realm, policy, user);
        Set<String> granted = AudienceExchangeRules.grantScopes(policy, params.requestedScope(),
                AudienceExchangeRules.scopesOf(subjectToken.getScope()));

        return new ExchangedTokenIssuer(session).issue(context, event, requester, policy, params, subject, granted,
                groupPaths, account);
    }

    /**
     * The policy's minimum level and authentication age, judged on what the requester's client session achieved.
     * Shared with the refresh of exchanged tokens, which judges again every time.
     */
    static void checkAssurance(RealmModel realm, AudiencePolicy policy, UserSessionModel userSession,
                               ClientModel requester) {
        if (policy.assurance().isNone()) {
            return;
        }
        int required = SessionAssuranceReader.requiredLevel(policy, realm).orElseThrow(() -> {
            LOG.warnf("Refusing exchange for audience %s in realm %s: its policy %s requires ACR value %s, which the "
                    + "realm's ACR to LoA mapping no longer defines", policy.audience(), realm.getName(), policy.name(),
                    policy.assurance().minimumLevel());
            return ExchangeRefusal.invalidTarget("policy_invalid",
                    "The policy for audience " + policy.audience() + " is misconfigured.");
        });
        AuthenticatedClientSessionModel requesterSession = userSession.getAuthenticatedClientSessionByClient(
                requester.getId());
        AudienceExchangeRules.checkAssurance(policy, required,
                SessionAssuranceReader.read(userSession, requesterSession, required), Time.currentTime());
    }

    private static long toLong(Long value) {
        return value == null ? 0L : value;
    }

    static boolean userHasRole(RealmModel realm, UserModel user, String roleName) {
        RoleModel role;
        try {
            role = KeycloakModelUtils.getRoleFromString(realm, roleName);
        } catch (RuntimeException e) {
            return false;
        }
        return role != null && user.hasRole(role);
    }

    @Override
    public void close() {
    }

}
