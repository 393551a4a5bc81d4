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
import org.keycloak.representations.idm.authorization.ClientPolicyRepresentation;
import org.keycloak.representations.idm.authorization.DecisionStrategy;
import org.keycloak.representations.idm.authorization.ScopePermissionRepresentation;
import org.keycloak.representations.idm.authorization.UserPolicyRepresentation;

/**
 * A hub's owners' rights in the admin console, as Keycloak's fine-grained admin permissions (v2) of the realm: one
 * user policy naming the owners and one permission granting them {@code view} and {@code manage} on exactly this
 * client — only while they use an admin client. Keycloak evaluates them on every admin request (and filters the
 * console's client list by them); nothing of ours runs there. Created at approval, removed with the hub.
 * <p>
 * Why the admin clients: Keycloak's admin REST API accepts an access token of <em>any</em> client of the realm, and
 * owners are users of the realm who log in to other hubs. Without the client policy, the access token a hub receives
 * when an owner logs in there would carry the owner's rights over their own hub (its secret, its settings) to that
 * hub's operator. The permission is unanimous: the owners' user policy and the realm's client policy
 * {@value #ADMIN_CLIENTS_POLICY} (the admin console, {@code admin-cli}, the hub console).
 */
final class OwnerPermissions {

    static final String CLIENTS = "Clients";
    static final Set<String> SCOPES = Set.of("view", "manage");

    private OwnerPermissions() {
    }

    /** The realm's client policy naming the clients through which owners act ({@link #ADMIN_CLIENTS}). */
    static final String ADMIN_CLIENTS_POLICY = "sg-hub-admin-clients";
    /** The admin console, Keycloak's command-line client (password grant) and the project's hub console. */
    static final List<String> ADMIN_CLIENTS = List.of("security-admin-console", "admin-cli", "hub-console");

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
        permission.addPolicy(adminClients(authz, server, realm).getId());
        permission.setDecisionStrategy(DecisionStrategy.UNANIMOUS);
        Policy created = policies.create(server, permission);
        RepresentationToModel.toModel(permission, authz, created);
    }

    /**
     * The realm's {@value #ADMIN_CLIENTS_POLICY}, created with the admin clients the realm has when first needed; a
     * realm admin may add clients to it (e.g. their own admin tool). Shared by every hub: never removed with one.
     */
    static Policy adminClients(AuthorizationProvider authz, ResourceServer server, RealmModel realm) {
        PolicyStore policies = authz.getStoreFactory().getPolicyStore();
        Policy existing = policies.findByName(server, ADMIN_CLIENTS_POLICY);
        if (existing != null) {
            return existing;
        }
        ClientPolicyRepresentation clients = new ClientPolicyRepresentation();
        clients.setName(ADMIN_CLIENTS_POLICY);
        clients.setDescription("The clients through which hub owners act on their hubs (hub-tenants module): a token "
                + "the realm issued to any other client carries none of an owner's rights");
        ADMIN_CLIENTS.stream().map(realm::getClientByClientId).filter(java.util.Objects::nonNull)
                .forEach(client -> clients.addClient(client.getId()));
        Policy created = policies.create(server, clients);
        RepresentationToModel.toModel(clients, authz, created);
        return created;
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
