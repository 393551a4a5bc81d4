package org.sciencegateway.keycloak.idpfilter.enforce;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * The one way a login is refused: an event naming client, identity provider, institution and rule, and a
 * translatable error page that says only that this institution is not allowed for this service (it names no user
 * and reveals nothing about accounts). The tab is marked refused ({@link AdmissionLedger}): nothing the browser
 * sends in it can continue the login, and an account or link the refused first login made is removed
 * ({@link RefusedAccountCleanup}).
 */
public final class Refusal {

    /** Event error code. */
    static final String ERROR = "institution_not_allowed";
    static final String DETAIL_RULE = "institution_filter_rule";
    static final String DETAIL_INSTITUTION = "institution";
    /** Message key in theme-resources/messages. */
    static final String MESSAGE = "institutionNotAllowedForService";
    /**
     * Form attribute (boolean {@code true}) on every refusal page, so that a login theme recognises a refusal by this
     * flag rather than by comparing localised text; the {@code science-gateway} theme's {@code error.ftl} tests it.
     */
    public static final String PAGE_ATTRIBUTE = "institutionRefusal";

    private static final Logger LOG = Logger.getLogger(Refusal.class);

    private Refusal() {
    }

    /** Refuses inside an authentication flow; the flow stays on the page. */
    public static void refuse(AuthenticationFlowContext context, LoginOrigin origin, String rule) {
        refuse(context, origin, rule, rule);
    }

    /** As {@link #refuse(AuthenticationFlowContext, LoginOrigin, String)}, the rule by position for the metrics. */
    public static void refuse(AuthenticationFlowContext context, LoginOrigin origin, String rule, String position) {
        record(context.getSession(), context.getAuthenticationSession(), context.getEvent(), origin, rule, position);
        context.forceChallenge(page(context.form()));
    }

    /** Refuses at login completion (see {@link AdmissionRequiredAction}); the page is shown by its challenge. */
    public static void refuse(RequiredActionContext context, LoginOrigin origin, String rule) {
        record(context.getSession(), context.getAuthenticationSession(), context.getEvent(), origin, rule, rule);
    }

    static Response page(LoginFormsProvider form) {
        return form.setAttribute(PAGE_ATTRIBUTE, Boolean.TRUE).setError(MESSAGE).createErrorPage(Response.Status.FORBIDDEN);
    }

    /** The event details every refusal carries, at login and at the token boundary. */
    static EventBuilder details(EventBuilder event, LoginOrigin origin, String rule) {
        String idp = origin == null || origin.isLocal() ? "local" : origin.identityProvider();
        String institution = origin == null ? null : origin.institution();
        return event.detail(Details.IDENTITY_PROVIDER, idp)
                .detail(DETAIL_INSTITUTION, institution == null ? "" : institution)
                .detail(DETAIL_RULE, rule);
    }

    static void log(ClientModel client, LoginOrigin origin, String rule, String where) {
        LOG.infof("Institution filter refused %s for client %s through %s (institution %s) by rule %s", where,
                client == null ? null : client.getClientId(),
                origin == null || origin.isLocal() ? "local" : origin.identityProvider(),
                origin == null ? null : origin.institution(), rule);
    }

    private static void record(KeycloakSession session, AuthenticationSessionModel authSession, EventBuilder event,
                               LoginOrigin origin, String rule, String position) {
        details(event.clone(), origin, rule).error(ERROR);
        FilterMetrics.decision(authSession.getRealm(), authSession.getClient(), FilterMetrics.LOGIN, false, position);
        log(authSession.getClient(), origin, rule, "login");
        AdmissionLedger.markRefused(authSession, rule);
        RefusedAccountCleanup.afterRefusal(session, authSession, origin);
    }
}
