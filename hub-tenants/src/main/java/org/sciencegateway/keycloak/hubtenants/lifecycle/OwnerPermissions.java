package org.sciencegateway.keycloak.hubtenants.lifecycle;

import java.util.List;
import java.util.Set;
import org.keycloak.authorization.AuthorizationProvider;
import org.keycloak.authorization.model.Policy;
import org.keycloak.authorization.model.ResourceServer;
import org.keycloak.authorization.store.PolicyStore;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.RepresentationToModel;
import org.keycloak.representations.idm.authorization.ScopePermissionRepresentation;
import org.keycloak.representations.idm.authorization.UserPolicyRepresentation;

/**
 * A hub's owners' rights in the admin console, as Keycloak's fine-grained admin permissions (v2) of the realm: one
 * user policy naming the owners and one permission granting them {@code view} and {@code manage} on exactly this
 * client. Keycloak evaluates them on every admin request (and filters the console's client list by them); nothing of
 * ours runs there. Created at approval, removed with the hub.
 */
final class OwnerPermissions {

    static final String CLIENTS = "Clients";
    static final Set<String> SCOPES = Set.of("view", "manage");

    private OwnerPermissions() {
    }

    static String policyName(ClientModel hub) {
        return "sg-hub-owners-" + hub.getId();
    }

    static String permissionName(ClientModel hub) {
        return "sg-hub-" + hub.getId();
    }

    /** Whether the realm can hold owners' permissions (Realm settings → Admin permissions). */
    static boolean available(RealmModel realm) {
        return realm.isAdminPermissionsEnabled() && realm.getAdminPermissionsClient() != null;
    }

    static void grant(KeycloakSession session, RealmModel realm, ClientModel hub, List<String> ownerIds) {
        AuthorizationProvider authz = session.getProvider(AuthorizationProvider.class);
        ResourceServer server = authz.getStoreFactory().getResourceServerStore()
                .findByClient(realm.getAdminPermissionsClient());
        if (server == null) {
            throw new IllegalStateException("realm " + realm.getName() + " has no admin permissions resource server");
        }
        revoke(session, realm, hub);
        PolicyStore policies = authz.getStoreFactory().getPolicyStore();

        UserPolicyRepresentation owners = new UserPolicyRepresentation();
        owners.setName(policyName(hub));
        owners.setDescription("Owners of hub " + hub.getClientId() + " (set at approval by the hub-tenants module)");
        ownerIds.forEach(owners::addUser);
        Policy ownersPolicy = policies.create(server, owners);
        RepresentationToModel.toModel(owners, authz, ownersPolicy);

        ScopePermissionRepresentation permission = new ScopePermissionRepresentation();
        permission.setName(permissionName(hub));
        permission.setDescription("Hub " + hub.getClientId() + ": its owners view and manage this client only");
        permission.setResourceType(CLIENTS);
        permission.addResource(hub.getId());
        SCOPES.forEach(permission::addScope);
        permission.addPolicy(ownersPolicy.getId());
        Policy created = policies.create(server, permission);
        RepresentationToModel.toModel(permission, authz, created);
    }

    static void revoke(KeycloakSession session, RealmModel realm, ClientModel hub) {
        if (!available(realm)) {
            return;
        }
        AuthorizationProvider authz = session.getProvider(AuthorizationProvider.class);
        ResourceServer server = authz.getStoreFactory().getResourceServerStore()
                .findByClient(realm.getAdminPermissionsClient());
        if (server == null) {
            return;
        }
        PolicyStore policies = authz.getStoreFactory().getPolicyStore();
        for (String name : List.of(permissionName(hub), policyName(hub))) {
            Policy policy = policies.findByName(server, name);
            if (policy != null) {
                policies.delete(policy.getId());
            }
        }
    }
}
