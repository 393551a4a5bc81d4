package org.sciencegateway.keycloak.idpfilter.select;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.services.Urls;
import org.keycloak.services.managers.ClientSessionCode;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.net.URI;

/**
 * Sends the browser to an identity provider's broker login, as Keycloak's identity-provider buttons do. Used by the
 * selection step and by choosers; where the user ends up is still decided by {@code enforce} after the login.
 */
public final class BrokerRedirect {

    private static final Logger LOG = Logger.getLogger(BrokerRedirect.class);

    private BrokerRedirect() {
    }

    /**
     * Redirects to {@code alias}'s broker login; an unknown or disabled identity provider, or a passive
     * ({@code prompt=none}) request, leaves the step attempted so that the flow shows the login page or answers it.
     */
    public static void to(AuthenticationFlowContext context, String alias) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if ("none".equals(authSession.getClientNote(OIDCLoginProtocol.PROMPT_PARAM))) {
            // A passive request cannot be sent to an identity provider from here; let the flow answer it.
            context.attempted();
            return;
        }
        IdentityProviderModel idp = context.getSession().identityProviders().getByAlias(alias);
        if (idp == null || !idp.isEnabled()) {
            LOG.debugf("Identity provider %s not found or disabled; showing the login page", alias);
            context.attempted();
            return;
        }
        KeycloakSession session = context.getSession();
        String accessCode = new ClientSessionCode<>(session, context.getRealm(), authSession).getOrGenerateCode();
        URI location = Urls.identityProviderAuthnRequest(context.getUriInfo().getBaseUri(), alias,
                context.getRealm().getName(), accessCode, authSession.getClient().getClientId(), authSession.getTabId(),
                AuthenticationProcessor.getClientData(session, authSession),
                authSession.getClientNote(OIDCLoginProtocol.LOGIN_HINT_PARAM));
        context.forceChallenge(Response.seeOther(location).build());
    }
}
