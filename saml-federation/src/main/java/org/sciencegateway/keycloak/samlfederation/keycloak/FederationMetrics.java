package org.sciencegateway.keycloak.samlfederation.keycloak;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.keycloak.component.ComponentModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.sciencegateway.keycloak.samlfederation.sync.SyncStatus;

/**
 * The federation sources' metrics in Keycloak's registry ({@code /metrics} on the management port with
 * {@code --metrics-enabled=true}), tagged {@code realm} and {@code source} (the source's name):
 * <ul>
 *   <li>{@code sg_federation_sync_total{…, result, error}}: syncs run on this node, {@code result} {@code ok},
 *       {@code failed} or {@code held_back}, {@code error} the refusal's code ({@code none} when ok);</li>
 *   <li>{@code sg_federation_sync_duration_seconds{…, result}}: how long they took;</li>
 *   <li>{@code sg_federation_last_success_age_seconds}: seconds since the last successful sync ended (absent
 *       before the first one);</li>
 *   <li>{@code sg_federation_valid_until_remaining_seconds}: seconds until the accepted aggregate's
 *       {@code validUntil} (negative once passed: every federated login then fails closed until a sync succeeds);</li>
 *   <li>{@code sg_federation_entities}, {@code sg_federation_identity_providers}: entities in the accepted
 *       aggregate, identity providers of the source in the realm after the last successful sync.</li>
 * </ul>
 * The gauges describe the status every node reads (stored in the realm): each node refreshes them from it every
 * minute ({@link FederationSyncTask}) and at once after a sync it ran, so every node reports the same source the same
 * way whichever node synced it; the ages are computed at each scrape.
 */
final class FederationMetrics {

    static final String SYNCS = "sg.federation.sync";
    static final String SYNC_DURATION = "sg.federation.sync.duration";

    /** What the gauges show of one source, by realm id and source id. */
    private record Snapshot(Tags tags, Instant lastSuccess, Instant validUntil, Integer entities,
                            Integer identityProviders) {
    }

    private static final Map<String, Snapshot> SNAPSHOTS = new ConcurrentHashMap<>();
    private static final Map<String, List<Meter>> GAUGES = new ConcurrentHashMap<>();

    private FederationMetrics() {
    }

    /** A sync this node ran ended with {@code status} (recorded in the realm already). */
    static void synced(RealmModel realm, ComponentModel source, SyncStatus status, Duration took) {
        Tags tags = tags(realm, source);
        String result = status.state() == null ? "unknown" : status.state();
        Counter.builder(SYNCS).description("Federation source syncs run on this node, by result")
                .tags(tags).tags("result", result, "error", status.errorCode() == null ? "none" : status.errorCode())
                .register(registry()).increment();
        Timer.builder(SYNC_DURATION).description("Time a federation source sync took")
                .tags(tags).tags("result", result).register(registry()).record(took);
        show(realm, source, status);
    }

    /** Every source of every realm, from the stored status; the gauges of removed sources go. */
    static void refresh(KeycloakSession session) {
        Set<String> present = new HashSet<>();
        session.realms().getRealmsStream().forEach(realm -> FederationSources.of(realm).forEach(source -> {
            present.add(key(realm, source));
            show(realm, source, FederationSources.status(realm, source.getId()));
        }));
        for (String key : Set.copyOf(SNAPSHOTS.keySet())) {
            if (!present.contains(key)) {
                SNAPSHOTS.remove(key);
                unregister(key);
            }
        }
    }

    private static void show(RealmModel realm, ComponentModel source, SyncStatus status) {
        String key = key(realm, source);
        Tags tags = tags(realm, source);
        Snapshot snapshot = new Snapshot(tags, instant(status.lastSuccess()),
                status.feed() == null ? null : instant(status.feed().validUntil()),
                status.feed() == null ? null : status.feed().entities(), status.identityProviders());
        Snapshot before = SNAPSHOTS.put(key, snapshot);
        if (before != null && !before.tags().equals(tags)) {
            unregister(key); // renamed: the gauges carry the new name
        }
        GAUGES.computeIfAbsent(key, k -> List.of(
                gauge("sg.federation.last.success.age", "seconds", "Seconds since the source's last successful sync",
                        k, tags, s -> s.lastSuccess() == null ? Double.NaN
                                : (System.currentTimeMillis() - s.lastSuccess().toEpochMilli()) / 1000.0),
                gauge("sg.federation.valid.until.remaining", "seconds",
                        "Seconds until the accepted aggregate's validUntil (negative: passed)", k, tags,
                        s -> s.validUntil() == null ? Double.NaN
                                : (s.validUntil().toEpochMilli() - System.currentTimeMillis()) / 1000.0),
                gauge("sg.federation.entities", null, "Entities in the source's accepted aggregate", k, tags,
                        s -> s.entities() == null ? Double.NaN : s.entities()),
                gauge("sg.federation.identity.providers", null,
                        "Identity providers of the source in the realm after its last successful sync", k, tags,
                        s -> s.identityProviders() == null ? Double.NaN : s.identityProviders())));
    }

    private static Meter gauge(String name, String unit, String description, String key, Tags tags,
                               ToDoubleFunction<Snapshot> value) {
        return Gauge.builder(name, () -> {
            Snapshot snapshot = SNAPSHOTS.get(key);
            return snapshot == null ? Double.NaN : value.applyAsDouble(snapshot);
        }).description(description).baseUnit(unit).tags(tags).strongReference(true).register(registry());
    }

    private static void unregister(String key) {
        List<Meter> meters = GAUGES.remove(key);
        if (meters != null) {
            meters.forEach(registry()::remove);
        }
    }

    private static String key(RealmModel realm, ComponentModel source) {
        return realm.getId() + "/" + source.getId();
    }

    private static Tags tags(RealmModel realm, ComponentModel source) {
        String label = FederationSources.label(source);
        return Tags.of("realm", realm.getName(), "source", label == null ? source.getId() : label);
    }

    private static Instant instant(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static MeterRegistry registry() {
        return Metrics.globalRegistry;
    }
}
