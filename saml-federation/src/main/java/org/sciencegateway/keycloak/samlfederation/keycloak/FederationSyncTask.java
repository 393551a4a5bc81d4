package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.keycloak.models.KeycloakSession;
import org.keycloak.timer.ScheduledTask;

/**
 * Every minute on every node: starts the syncs that are due. Due is decided from the status every node reads (when
 * the last sync ended), and the cluster lock lets only one node run a source at a time, so each source is synced once
 * per interval however many nodes there are. Then refreshes this node's federation gauges ({@link FederationMetrics}).
 */
final class FederationSyncTask implements ScheduledTask {

    static final long INTERVAL_MILLIS = 60_000;
    static final String NAME = "sg-federation-sync";

    @Override
    public void run(KeycloakSession session) {
        session.realms().getRealmsStream().forEach(realm -> FederationSources.of(realm).forEach(source ->
                SyncDispatcher.dispatch(session, realm.getId(), source.getId(), false)));
        FederationMetrics.refresh(session); // every node's gauges from the status every node reads
    }

    @Override
    public String getTaskName() {
        return NAME;
    }
}
