package org.sciencegateway.keycloak.hubtenants.lifecycle;

import java.util.Optional;
import org.keycloak.models.ClientModel;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.protocol.oidc.TokenManager;

/**
 * A hub owner's tokens must not be admin credentials anywhere but in the admin clients. Keycloak's admin REST API
 * accepts an access token of any client of the realm and credits it with each admin role the user holds that is in
 * the client's scope; a client with <em>Full scope allowed</em> has every role in scope. Owners hold
 * {@code realm-management} {@code query-clients} (group {@code hub-admins}, for the console's client list), and
 * Keycloak's client list, filtered by the fine-grained permissions' partial evaluation, lists an owner's hub — secret
 * included — to any token carrying that role, whichever client it was issued to (the client policy
 * {@code sg-hub-admin-clients} holds for single clients, not for the list). So the token boundary refuses to issue
 * a token for an owner to a client other than the admin clients ({@link OwnerPermissions#ADMIN_CLIENTS}) whose scope
 * holds one of the owner's {@code realm-management} roles — naming the client and the role, so that its admin turns
 * full scope off. Hubs are stamped without full scope, and the shipped realms' clients have it off.
 */
final class AdminScope {

    private AdminScope() {
    }

    /** Why {@code client} may not receive a token for {@code user}, or empty. */
    static Optional<String> refusal(KeycloakSession session, RealmModel realm, ClientModel client, UserModel user,
                                    String ownersGroup) {
        if (client == null || user == null || OwnerPermissions.ADMIN_CLIENTS.contains(client.getClientId())
) {
            return Optional.empty();
        }
        GroupModel owners = HubApproval.ownersGroup(session, realm, ownersGroup);
        if (owners == null || !user.isMemberOf(owners)) {
            return Optional.empty();
        }
        ClientModel management = realm.getClientByClientId("realm-management");
        if (management == null) {
            return Optional.empty();
        }
        // What a token of this client can carry for the user, as Keycloak computes it: full scope, the client's
        // scope mappings, and those of every client scope assigned to it (default and optional)
        java.util.Set<RoleModel> inScope = TokenManager.getAccess(user, client, java.util.stream.Stream.concat(
                client.getClientScopes(true).values().stream(), client.getClientScopes(false).values().stream()));
        return management.getRolesStream()
                .filter(role -> user.hasRole(role) && (client.hasScope(role) || inScope.contains(role)))
                .map(RoleModel::getName).sorted().findFirst()
                .map(role -> "client '" + client.getClientId() + "' would receive, for a hub owner, a token carrying "
                        + "the admin role realm-management " + role + " (its scope holds it: Full scope allowed, a "
                        + "scope mapping, or a client scope assigned to it), which Keycloak's admin API would honour; "
                        + "turn Full scope allowed off for this client and map no realm-management role into its "
                        + "scope");
    }
}
