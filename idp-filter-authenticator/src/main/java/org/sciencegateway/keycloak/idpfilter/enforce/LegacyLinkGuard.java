package org.sciencegateway.keycloak.idpfilter.enforce;

import java.util.List;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.ext.Provider;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.utils.KeycloakSessionUtil;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * Keycloak's deprecated client-initiated account linking, {@code GET /realms/{realm}/broker/{alias}/link?client_id=…},
 * runs no authentication flow and no required action: it sends the user straight to the identity provider and links
 * what comes back. This request filter (Keycloak picks up JAX-RS {@code @Provider} filters from provider JARs)
 * refuses it before the redirect when the requesting client's institution filter does not admit the identity
 * provider, with the refusal page and an event. Linking through {@code kc_action=idp_link} is judged in the flows
 * and at completion.
 */
@Provider
public final class LegacyLinkGuard implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        // Every method (JAX-RS also serves GET resources to HEAD), decoded segments without matrix parameters and
        // empty segments: the same reading of the path as the router that dispatches to Keycloak's endpoint.
        List<String> segments = request.getUriInfo().getPathSegments(true).stream()
                .map(PathSegment::getPath)
                .filter(segment -> !segment.isEmpty())
                .toList();
        if (segments.size() != 5 || !"realms".equals(segments.get(0)) || !"broker".equals(segments.get(2))
                || !"link".equals(segments.get(4))) {
            return;
        }
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        if (session == null) {
            return;
        }
        RealmModel realm = session.realms().getRealmByName(segments.get(1));
        List<String> clientIds = request.getUriInfo().getQueryParameters().get("client_id");
        if (realm == null || clientIds == null || clientIds.size() != 1) {
            return; // Keycloak's endpoint refuses these itself
        }
        ClientModel client = realm.getClientByClientId(clientIds.get(0));
        ClientRules rules = ClientRules.of(client);
        if (client == null || rules.unrestricted()) {
            return;
        }
        String alias = segments.get(3);
        String rule = rules.problem() != null ? Decision.INVALID_CONFIGURATION
                : rules.filter().mayAdmit(alias) ? null : Decision.IDP_LINK;
        if (rule == null) {
            return;
        }
        if (session.getContext().getRealm() == null) {
            session.getContext().setRealm(realm);
        }
        session.getContext().setClient(client);
        LoginOrigin origin = LoginOrigin.brokered(alias);
        EventBuilder event = new EventBuilder(realm, session, session.getContext().getConnection())
                .event(EventType.CLIENT_INITIATED_ACCOUNT_LINKING_ERROR)
                .client(client);
        Refusal.details(event, origin, rule).error(Refusal.ERROR);
        FilterMetrics.decision(realm, client, FilterMetrics.LINK, false, rule);
        Refusal.log(client, origin, rule, "account linking");
        request.abortWith(Refusal.page(session.getProvider(LoginFormsProvider.class)));
    }
}
