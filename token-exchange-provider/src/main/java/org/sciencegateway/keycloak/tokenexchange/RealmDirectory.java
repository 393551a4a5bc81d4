package org.sciencegateway.keycloak.tokenexchange;

import java.util.Map;
import java.util.Set;

/** What save-time validation needs to know about the realm a policy lives in. */
public interface RealmDirectory {

    boolean clientExists(String clientId);

    boolean clientIsPublic(String clientId);

    boolean groupExists(String path);

    /** {@code name} is a realm role, or {@code clientId.role} for a client role. */
    boolean roleExists(String name);

    boolean clientScopeExists(String name);

    /** The realm's ACR-to-LoA mapping ({@code acr.loa.map}); empty when none is configured. */
    Map<String, Integer> acrLevels();

    /** Levels the realm's flows can record: those of its "Condition - Level of Authentication" executions. */
    Set<Integer> flowLevels();
}
