package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.keycloak.cluster.ClusterProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/**
 * Starts a source's sync off the calling thread (Keycloak's one timer thread serves all its scheduled tasks; an
 * admin request must not wait for tens of MB), under Keycloak's cluster-wide task lock: while one node syncs a
 * source, every other node's attempt for it is skipped. The lock key names the realm and source; its lifetime bounds
 * a sync that never ends (a node lost mid-sync frees it then).
 */
final class SyncDispatcher {

    static final int LOCK_SECONDS = 60 * 60;

    private SyncDispatcher() {
    }

    static void dispatch(KeycloakSession session, String realmId, String sourceId, boolean force) {
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        ClusterProvider cluster = session.getProvider(ClusterProvider.class);
        String key = "sg-federation-sync::" + realmId + "::" + sourceId;
        cluster.executeIfNotExecutedAsync(key, LOCK_SECONDS, () -> {
            new FederationSync(factory, realmId, sourceId).run(force);
            return null;
        });
    }
}
