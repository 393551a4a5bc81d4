package org.sciencegateway.keycloak.idpfilter;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.events.Details;

/**
 * The one way a login is refused: an event naming client, identity provider, institution and rule, and a
 * translatable error page that says only that this institution is not allowed for this service (it names no user
 * and reveals nothing about accounts). The flow stays on this page; nothing the browser sends can continue it.
 */
final class Refusal {

    /** Event error code. */
    static final String ERROR = "institution_not_allowed";
    static final String DETAIL_RULE = "institution_filter_rule";
    static final String DETAIL_INSTITUTION = "institution";
    /** Message key in theme-resources/messages. */
    static final String MESSAGE = "institutionNotAllowedForService";

    private static final Logger LOG = Logger.getLogger(Refusal.class);

    private Refusal() {
    }

    static void refuse(AuthenticationFlowContext context, LoginOrigin origin, String rule) {
        String clientId = context.getAuthenticationSession().getClient() == null ? null
                : context.getAuthenticationSession().getClient().getClientId();
        String idp = origin == null || origin.isLocal() ? "local" : origin.identityProvider();
        String institution = origin == null ? null : origin.institution();
        context.getEvent().clone()
                .detail(Details.IDENTITY_PROVIDER, idp)
                .detail(DETAIL_INSTITUTION, institution == null ? "" : institution)
                .detail(DETAIL_RULE, rule)
                .error(ERROR);
        LOG.infof("Institution filter refused login to client %s through %s (institution %s) by rule %s",
                clientId, idp, institution, rule);
        Response page = context.form().setError(MESSAGE).createErrorPage(Response.Status.FORBIDDEN);
        context.forceChallenge(page);
    }
}
