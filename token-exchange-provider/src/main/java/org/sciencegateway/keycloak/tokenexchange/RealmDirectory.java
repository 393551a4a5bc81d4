package org.sciencegateway.keycloak.tokenexchange;

/** What save-time validation needs to know about the realm a policy lives in. */
public interface RealmDirectory {

    boolean clientExists(String clientId);

    boolean clientIsPublic(String clientId);

    boolean groupExists(String path);

    /** {@code name} is a realm role, or {@code clientId.role} for a client role. */
    boolean roleExists(String name);

    boolean clientScopeExists(String name);
}
