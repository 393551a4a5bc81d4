package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.jboss.logging.Logger;
import org.keycloak.component.ComponentModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.sync.InvalidSourceException;
import org.sciencegateway.keycloak.samlfederation.sync.SourceSettings;
import org.sciencegateway.keycloak.samlfederation.sync.SyncPlan;
import org.sciencegateway.keycloak.samlfederation.sync.SyncStatus;
import org.sciencegateway.keycloak.samlfederation.trust.SignedAggregateReader;
import org.sciencegateway.keycloak.samlfederation.trust.TrustFailure;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One sync of one federation source, run on one node at a time ({@link SyncDispatcher}): fetch, verify and read the
 * aggregate while it streams — no transaction open meanwhile — then plan, then write the changes in batches, each its
 * own transaction (Keycloak has no bulk API for identity providers). Until the document is fully verified nothing is
 * written; a refused document, an invalid configuration or a plan held back changes nothing and is recorded in the
 * source's status and the log.
 */
final class FederationSync {

    static final int BATCH = 100;
    private static final Logger LOG = Logger.getLogger(FederationSync.class);

    private final KeycloakSessionFactory factory;
    private final String realmId;
    private final String sourceId;
    /** When {@link #run} started (for the sync's duration in the metrics). */
    private long started;

    FederationSync(KeycloakSessionFactory factory, String realmId, String sourceId) {
        this.factory = factory;
        this.realmId = realmId;
        this.sourceId = sourceId;
    }

    /**
     * Runs the sync if it is due (or {@code force}); returns the status it recorded, {@code null} when not due. An
     * unexpected failure (database, a batch refused by Keycloak) is recorded as {@code internal_error}: the batches
     * written before it stay, the next sync completes the rest.
     */
    SyncStatus run(boolean force) {
        started = System.nanoTime();
        try {
            return attempt(force);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Federation source %s (realm %s): sync failed", sourceId, realmId);
            SyncStatus previous = KeycloakModelUtils.runJobInTransactionWithResult(factory, session -> {
                RealmModel realm = session.realms().getRealm(realmId);
                return realm == null ? SyncStatus.NEVER : FederationSources.status(realm, sourceId);
            });
            return record(previous.failed(now(), "internal_error", "the sync stopped: " + e));
        }
    }

    private SyncStatus attempt(boolean force) {
        long started = System.currentTimeMillis();
        Loaded loaded = KeycloakModelUtils.runJobInTransactionWithResult(factory, this::load);
        if (loaded == null) {
            return null; // the source or realm was removed meanwhile
        }
        if (loaded.invalid != null) {
            return record(loaded.status.failed(now(), "invalid_configuration", loaded.invalid));
        }
        SourceSettings settings = loaded.settings;
        if (!force && !due(loaded.status, settings)) {
            return null;
        }
        if (!settings.enabled() && !force) {
            return null;
        }
        List<EntityRecord> records = new ArrayList<>();
        SignedAggregateReader.Aggregate aggregate;
        try {
            InputStream in = MetadataFetcher.open(settings.metadataUrl());
            try {
                aggregate = new SignedAggregateReader(settings.signingCertificate(), settings.maxDocumentBytes(),
                        settings.maxValidity(), settings.maxAgeWithoutValidUntil()).read(in, Instant.now(), records::add);
            } finally {
                MetadataFetcher.closeQuietly(in);
            }
        } catch (TrustFailure failure) {
            LOG.warnf("Federation source %s (realm %s): metadata refused, realm unchanged: %s (%s)", loaded.name,
                    loaded.realmName, failure.getMessage(), failure.reason().code());
            return record(loaded.status.failed(now(), failure.reason().code(), failure.getMessage()));
        }
        java.util.Map<String, String> firstFetched = loaded.status.firstFetched();
        if (!aggregate.validUntilStated() && aggregate.published() == null) {
            // Nothing signed says when this document was current: its age counts from this source's first fetch of
            // this signed content (its signed digest: a comment, a line break or other quotes change the bytes, not
            // this), so a mirror serving an old copy again, however re-serialised, renews nothing.
            Instant first = loaded.status.firstFetched(aggregate.signedDigest());
            Instant now = Instant.now();
            Instant end = (first == null ? now : first).plus(settings.maxAgeWithoutValidUntil());
            if (!end.isAfter(now)) {
                String message = "the aggregate states neither validUntil nor a publication time, and this source "
                        + "first fetched this signed content at " + first + ", longer ago than its maximum age of "
                        + settings.maxAgeWithoutValidUntil().toDays() + " days; serving them again does not make them "
                        + "current";
                LOG.warnf("Federation source %s (realm %s): metadata refused, realm unchanged: %s (expired)",
                        loaded.name, loaded.realmName, message);
                return record(loaded.status.failed(now(), TrustFailure.Reason.EXPIRED.code(), message));
            }
            firstFetched = loaded.status.withFirstFetch(aggregate.signedDigest(), first == null ? now : first);
            aggregate = new SignedAggregateReader.Aggregate(aggregate.name(), end, aggregate.entities(),
                    aggregate.identityProviders(), aggregate.expired(), aggregate.bytes(), false, null,
                    aggregate.signedDigest());
        }
        if (aggregate.expired() > 0) {
            LOG.infof("Federation source %s (realm %s): %d identity providers past their own validUntil are not "
                    + "imported", loaded.name, loaded.realmName, aggregate.expired());
        }
        List<EntityRecord> selected = settings.selection().select(records);
        records = null; // what is not selected is not kept
        Map<String, SyncPlan.Existing> existing = KeycloakModelUtils.runJobInTransactionWithResult(factory,
                session -> {
                    enter(session);
                    return FederatedIdentityProviders.existing(session, sourceId);
                });
        SyncPlan plan = SyncPlan.of(settings.aliasPrefix(), selected, existing, settings.template().digest() + ":" + FederatedIdentityProviders.LAYOUT, settings.maxRemovalShare());
        if (plan.heldBack()) {
            String message = plan.leaving().size() + " of " + existing.values().stream()
                    .filter(SyncPlan.Existing::enabled).count() + " identity providers would leave at once, more than "
                    + Math.round(settings.maxRemovalShare() * 100) + "% allowed; nothing was changed";
            LOG.warnf("Federation source %s (realm %s): sync held back: %s", loaded.name, loaded.realmName, message);
            return record(loaded.status.heldBack(now(), message));
        }
        List<String> conflicts = plan.conflicts().stream().map(SyncPlan.Conflict::describe).toList();
        conflicts.forEach(conflict -> LOG.warnf("Federation source %s (realm %s): entities refused, their identity "
                + "providers left as they are: %s", loaded.name, loaded.realmName, conflict));
        int invalidCreates = apply(plan.create(), settings);
        int invalidUpdates = apply(plan.update(), settings);
        for (int from = 0; from < plan.leaving().size(); from += BATCH) {
            List<String> batch = plan.leaving().subList(from, Math.min(plan.leaving().size(), from + BATCH));
            KeycloakModelUtils.runJobInTransaction(factory, session -> {
                if (!sourceStillThere(session)) {
                    return;
                }
                FederatedIdentityProviders idps = new FederatedIdentityProviders(session, enter(session), sourceId,
                        settings.aliasPrefix(), settings.template());
                batch.forEach(alias -> idps.leave(alias, settings.removal() == SourceSettings.Removal.DELETE));
            });
        }
        int enabledAfter = KeycloakModelUtils.runJobInTransactionWithResult(factory, session -> {
            enter(session);
            return (int) FederatedIdentityProviders.existing(session, sourceId).values().stream()
                    .filter(SyncPlan.Existing::enabled).count();
        });
        SyncStatus.Feed feed = new SyncStatus.Feed(aggregate.name(), aggregate.validUntil().toString(),
                aggregate.bytes(), aggregate.entities(), aggregate.identityProviders(), selected.size());
        SyncStatus.Changes changes = new SyncStatus.Changes(plan.create().size() - invalidCreates,
                plan.update().size() - invalidUpdates, plan.unchanged(), plan.leaving().size(),
                invalidCreates + invalidUpdates, System.currentTimeMillis() - started);
        LOG.infof("Federation source %s (realm %s): synced %s — %d entities, %d identity providers selected; "
                        + "created %d, updated %d, unchanged %d, left %d, invalid %d in %d ms", loaded.name,
                loaded.realmName, aggregate.name(), aggregate.entities(), selected.size(), changes.created(),
                changes.updated(), changes.unchanged(), changes.left(), changes.invalid(), changes.durationMillis());
        return record(SyncStatus.ok(now(), feed, changes, enabledAfter, conflicts, firstFetched));
    }

    /** Writes the changes in batches; returns how many entities could not make a valid identity provider. */
    private int apply(List<SyncPlan.Change> changes, SourceSettings settings) {
        AtomicInteger invalid = new AtomicInteger();
        for (int from = 0; from < changes.size(); from += BATCH) {
            List<SyncPlan.Change> batch = changes.subList(from, Math.min(changes.size(), from + BATCH));
            KeycloakModelUtils.runJobInTransaction(factory, session -> {
                if (!sourceStillThere(session)) {
                    // removed while this sync ran: nothing more is written for it (its removal disabled the rest)
                    invalid.addAndGet(batch.size());
                    return;
                }
                FederatedIdentityProviders idps = new FederatedIdentityProviders(session, enter(session), sourceId,
                        settings.aliasPrefix(), settings.template());
                for (SyncPlan.Change change : batch) {
                    if (!idps.write(change)) {
                        invalid.incrementAndGet();
                    }
                }
            });
        }
        return invalid.get();
    }

    private record Loaded(String name, String realmName, SourceSettings settings, String invalid, SyncStatus status) {
    }

    private Loaded load(KeycloakSession session) {
        RealmModel realm = session.realms().getRealm(realmId);
        if (realm == null) {
            return null;
        }
        ComponentModel component = realm.getComponent(sourceId);
        if (component == null) {
            return null;
        }
        SyncStatus status = FederationSources.status(realm, sourceId);
        try {
            SourceSettings settings = SourceSettings.parse(component.getConfig());
            FederationSources.requireFlows(realm, settings.template());
            return new Loaded(FederationSources.label(component), realm.getName(), settings, null, status);
        } catch (InvalidSourceException e) {
            return new Loaded(FederationSources.label(component), realm.getName(), null, e.getMessage(), status);
        }
    }

    private static boolean due(SyncStatus status, SourceSettings settings) {
        if (status.lastAttempt() == null) {
            return true;
        }
        Instant last = Instant.parse(status.lastAttempt());
        // after a failure, retry sooner (a fifth of the interval, at least the minimum)
        long minutes = "ok".equals(status.state()) ? settings.refreshInterval().toMinutes()
                : Math.max(SourceSettings.MIN_REFRESH_MINUTES, settings.refreshInterval().toMinutes() / 5);
        return !Instant.now().isBefore(last.plusSeconds(minutes * 60));
    }

    private SyncStatus record(SyncStatus status) {
        KeycloakModelUtils.runJobInTransaction(factory, session -> {
            RealmModel realm = session.realms().getRealm(realmId);
            ComponentModel source = realm == null ? null : realm.getComponent(sourceId);
            if (source != null) {
                FederationSources.saveStatus(realm, sourceId, status);
                FederationMetrics.synced(realm, source, status, java.time.Duration.ofNanos(System.nanoTime() - started));
            }
        });
        // The console's copy, in a transaction of its own: the authoritative status above never depends on it.
        try {
            KeycloakModelUtils.runJobInTransaction(factory, session -> {
                RealmModel realm = session.realms().getRealm(realmId);
                ComponentModel component = realm == null ? null : realm.getComponent(sourceId);
                if (component != null) {
                    component.getConfig().putSingle(FederationSourceForm.SYNC_STATUS,
                            FederationSourceForm.summary(status));
                    realm.updateComponent(component);
                }
            });
        } catch (RuntimeException e) {
            LOG.debugf(e, "Federation source %s: the console's status copy was not written", sourceId);
        }
        return status;
    }

    /** Whether the source still exists (a removed source's identity providers are never written again). */
    private boolean sourceStillThere(KeycloakSession session) {
        RealmModel realm = session.realms().getRealm(realmId);
        return realm != null && FederationSources.find(realm, sourceId) != null;
    }

    private RealmModel enter(KeycloakSession session) {
        RealmModel realm = session.realms().getRealm(realmId);
        session.getContext().setRealm(realm);
        return realm;
    }

    private static String now() {
        return Instant.now().toString();
    }
}
