package org.sciencegateway.keycloak.groupmapper;

import java.util.Objects;

/**
 * A role as the decision logic sees it: its name and, for a client role, the owning client's {@code clientId}
 * ({@code null} for a realm role).
 */
public record RoleRef(String name, String clientId) {

    public RoleRef {
        Objects.requireNonNull(name, "name");
    }

    public static RoleRef realmRole(String name) {
        return new RoleRef(name, null);
    }

    public static RoleRef clientRole(String clientId, String name) {
        return new RoleRef(name, Objects.requireNonNull(clientId, "clientId"));
    }

    public boolean isRealmRole() {
        return clientId == null;
    }
}
