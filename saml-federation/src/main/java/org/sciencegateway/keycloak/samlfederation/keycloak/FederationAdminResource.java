package org.sciencegateway.keycloak.samlfederation.keycloak;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.keycloak.component.ComponentModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.sciencegateway.keycloak.samlfederation.sync.SyncStatus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /admin/realms/{realm}/saml-federation}: the sources' sync status (whoever may view identity providers) and
 * "sync now" (whoever may manage them). The status is the one every node reads; a sync started here runs under the
 * same cluster lock as the scheduled ones.
 */
public final class FederationAdminResource {

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;

    FederationAdminResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
    }

    @GET
    @Path("sources")
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> sources() {
        auth.realm().requireViewIdentityProviders();
        return FederationSources.of(realm).map(this::describe).toList();
    }

    @GET
    @Path("sources/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> source(@PathParam("id") String id) {
        auth.realm().requireViewIdentityProviders();
        return describe(source(realm, id));
    }

    @POST
    @Path("sources/{id}/sync")
    @Produces(MediaType.APPLICATION_JSON)
    public Response sync(@PathParam("id") String id) {
        auth.realm().requireManageIdentityProviders();
        ComponentModel source = source(realm, id);
        SyncDispatcher.dispatch(session, realm.getId(), source.getId(), true);
        // Keycloak's cluster lock does not say whether this call started the sync or found one in progress (on any
        // node): either way a sync of this source now runs, and its status shows when it has ended.
        return Response.accepted(Map.of("id", source.getId(), "sync", "running",
                "status", "GET the source: status.lastAttempt changes when this sync has ended")).build();
    }

    private static ComponentModel source(RealmModel realm, String id) {
        ComponentModel source = FederationSources.find(realm, id);
        if (source == null) {
            throw new NotFoundException("No federation source " + id + " in realm " + realm.getName());
        }
        return source;
    }

    private Map<String, Object> describe(ComponentModel source) {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("id", source.getId());
        description.put("name", FederationSources.label(source));
        SyncStatus status = FederationSources.status(realm, source.getId());
        description.put("status", status);
        return description;
    }
}
