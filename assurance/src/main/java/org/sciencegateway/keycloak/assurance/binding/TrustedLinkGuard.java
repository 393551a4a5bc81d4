package org.sciencegateway.keycloak.assurance.binding;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.utils.AcrUtils;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.utils.KeycloakSessionUtil;
import org.sciencegateway.keycloak.assurance.federated.TrustedProviders;

/**
 * Keycloak's client-initiated account linking, {@code GET /realms/{realm}/broker/{alias}/link?client_id=…}, runs no
 * authentication flow and no required action: it links what the identity provider returns to the user of the SSO
 * session. Linking a provider trusted to assert MFA is an enrolment ({@link EnrolmentGate}): this request filter
 * (Keycloak picks up JAX-RS {@code @Provider} filters from provider JARs) refuses it before the redirect unless the
 * SSO session's identity-bound level ({@link BoundLevel}) is the realm's highest.
 */
@Provider
public final class TrustedLinkGuard implements ContainerRequestFilter {

    private static final Logger LOG = Logger.getLogger(TrustedLinkGuard.class);

    @Override
    public void filter(ContainerRequestContext request) {
        List<String> segments = request.getUriInfo().getPathSegments(true).stream()
                .map(PathSegment::getPath)
                .filter(segment -> !segment.isEmpty())
                .toList();
        if (segments.size() != 5 || !"realms".equals(segments.get(0)) || !"broker".equals(segments.get(2))
                || !"link".equals(segments.get(4))) {
            return;
        }
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        RealmModel realm = session == null ? null : session.realms().getRealmByName(segments.get(1));
        if (realm == null) {
            return; // Keycloak's endpoint answers an unknown realm itself
        }
        if (session.getContext().getRealm() == null) {
            session.getContext().setRealm(realm);
        }
        String alias = segments.get(3);
        if (!TrustedProviders.trustedForAssurance(realm, session.identityProviders().getByAlias(alias))) {
            return;
        }
        int enrolmentLevel = AcrUtils.getAcrLoaMap(realm).values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        AuthenticationManager.AuthResult sso = AuthenticationManager.authenticateIdentityCookie(session, realm, true);
        int level = -1;
        if (sso != null && sso.session() != null) {
            BoundLevel bound = BoundLevel.fromNote(sso.session().getNote(BoundLevel.NOTE));
            level = bound != null && bound.userId().equals(sso.user().getId()) ? bound.level() : -1;
        }
        if (sso == null || EnrolmentGate.judge(EnrolmentGate.IDP_LINK, false, true, level, enrolmentLevel) == null) {
            return; // without an SSO session Keycloak's endpoint refuses the request itself
        }
        List<String> clientIds = request.getUriInfo().getQueryParameters().get("client_id");
        ClientModel client = clientIds == null || clientIds.size() != 1 ? null
                : realm.getClientByClientId(clientIds.get(0));
        if (client != null) {
            session.getContext().setClient(client);
        }
        new EventBuilder(realm, session, session.getContext().getConnection())
                .event(EventType.CLIENT_INITIATED_ACCOUNT_LINKING_ERROR)
                .client(client).user(sso.user()).session(sso.session())
                .detail(Details.IDENTITY_PROVIDER, alias)
                .detail(Details.REASON, EnrolmentGate.LINK_NEEDS_LEVEL)
                .error(LevelBindingRequiredAction.EVENT_ERROR);
        LOG.infof("Refused linking %s to %s in realm %s: the session reached level %d, linking needs %d",
                alias, sso.user().getUsername(), realm.getName(), level, enrolmentLevel);
        request.abortWith(session.getProvider(LoginFormsProvider.class).setError("assuranceStepUpFirst")
                .createErrorPage(Response.Status.FORBIDDEN));
    }
}
