package org.sciencegateway.keycloak.samlfederation.sync;

import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one sync changes, computed before anything is written: identity providers to create, to update (their entity,
 * or the source's template, changed — or they had left and came back), and those that left the feed. When more than
 * the allowed share would leave at once, the plan is held back as a whole: a feed that suddenly lost a large part of
 * its members is far more likely broken than true.
 *
 * @param create    entities that have no identity provider yet (alias, entity)
 * @param update    entities whose identity provider differs from what the feed says
 * @param unchanged how many identity providers are already what the feed says
 * @param leaving   aliases of this source's identity providers (still enabled) that the feed no longer lists
 * @param heldBack  {@code true}: nothing may be applied
 * @param existing  how many identity providers of this source the realm held
 */
public record SyncPlan(List<Change> create, List<Change> update, int unchanged, List<String> leaving,
                       boolean heldBack, int existing) {

    /** One identity provider to write. */
    public record Change(String alias, EntityRecord entity, String digest) {
    }

    /** What the realm holds of this source: alias → (digest written, still enabled). */
    public record Existing(String digest, boolean enabled) {
    }

    /**
     * @param templateDigest  fingerprint of the source's template, part of every identity provider's digest
     * @param maxRemovalShare share of this source's enabled identity providers that may leave in one sync (0..1)
     */
    public static SyncPlan of(String aliasPrefix, List<EntityRecord> selected, Map<String, Existing> existing,
                              String templateDigest, double maxRemovalShare) {
        List<Change> create = new ArrayList<>();
        List<Change> update = new ArrayList<>();
        int unchanged = 0;
        Set<String> seen = new HashSet<>();
        for (EntityRecord entity : selected) {
            String alias = IdentityProviderAlias.of(aliasPrefix, entity.entityId());
            if (!seen.add(alias)) {
                continue; // the same entityID twice in one feed: the first counts
            }
            String digest = entity.digest() + ":" + templateDigest;
            Existing current = existing.get(alias);
            if (current == null) {
                create.add(new Change(alias, entity, digest));
            } else if (!current.enabled() || !digest.equals(current.digest())) {
                update.add(new Change(alias, entity, digest));
            } else {
                unchanged++;
            }
        }
        List<String> leaving = existing.entrySet().stream()
                .filter(entry -> entry.getValue().enabled() && !seen.contains(entry.getKey()))
                .map(Map.Entry::getKey).sorted().toList();
        long enabled = existing.values().stream().filter(Existing::enabled).count();
        // At least one may always leave; all of them only when the admin allows 100%.
        boolean heldBack = !leaving.isEmpty() && ((leaving.size() == enabled && maxRemovalShare < 1)
                || leaving.size() > Math.max(1, enabled * maxRemovalShare));
        return new SyncPlan(List.copyOf(create), List.copyOf(update), unchanged, leaving, heldBack, existing.size());
    }
}
