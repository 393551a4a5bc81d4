package org.sciencegateway.keycloak.groupmapper;

/** Which of the user's roles join the groups in the claim: realm roles, and the roles of one chosen client. */
public record RoleSelection(boolean realmRoles, String clientId) {

    public static final RoleSelection NONE = new RoleSelection(false, null);

    public RoleSelection {
        if (clientId != null && clientId.isBlank()) {
            clientId = null;
        }
    }

    public boolean isEmpty() {
        return !realmRoles && clientId == null;
    }

    public boolean accepts(RoleRef role) {
        return role.isRealmRole() ? realmRoles : role.clientId().equals(clientId);
    }
}
