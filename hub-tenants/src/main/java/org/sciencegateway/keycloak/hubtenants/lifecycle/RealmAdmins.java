package org.sciencegateway.keycloak.hubtenants.lifecycle;

import org.keycloak.models.AdminRoles;
import org.keycloak.models.ClientModel;
import org.keycloak.models.Constants;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;

/**
 * Who is a realm admin for the hub lifecycle: whoever holds {@code manage-clients} of the realm by role — a user of
 * the realm with realm-management's role, or a master-realm admin with the realm's admin client role. A hub's owners
 * hold no such role (their rights are fine-grained permissions on their hub alone).
 */
final class RealmAdmins {

    private RealmAdmins() {
    }

    /**
     * @param issuer the admin token's issuer: the realm the admin belongs to (a user lookup by id does not tell)
     */
    static boolean isRealmAdmin(RealmModel realm, UserModel user, String issuer) {
        if (user == null || issuer == null) {
            return false;
        }
        ClientModel adminClient;
        if (issuer.endsWith("/realms/" + realm.getName())) {
            adminClient = realm.getClientByClientId(Constants.REALM_MANAGEMENT_CLIENT_ID);
        } else {
            // an admin of the master realm: the realm's admin client there ("<realm>-realm")
            adminClient = issuer.endsWith("/realms/" + org.keycloak.Config.getAdminRealm()) ? realm.getMasterAdminClient()
                    : null;
        }
        RoleModel manageClients = adminClient == null ? null : adminClient.getRole(AdminRoles.MANAGE_CLIENTS);
        return manageClients != null && user.hasRole(manageClients);
    }
}
