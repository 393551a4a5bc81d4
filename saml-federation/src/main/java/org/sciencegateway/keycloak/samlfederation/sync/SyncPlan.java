package org.sciencegateway.keycloak.samlfederation.sync;

import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one sync changes, computed before anything is written: identity providers to create, to update (their entity,
 * or the source's template, changed — or they had left and came back), and those that left the feed. When more than
 * the allowed share would leave at once, the plan is held back as a whole: a feed that suddenly lost a large part of
 * its members is far more likely broken than true.
 * <p>
 * An identity provider is bound for life to the entityID it was created for: an entity is matched to an existing
 * identity provider only when that one's stored entityID is the entity's, never by alias alone. When two entities of
 * the feed would use one alias (the same entityID twice; a collision of the old 40-bit aliases on an identity
 * provider that still carries one; in theory a collision of the 128-bit ones), or an entity's alias is held by an
 * identity provider of another entityID, every entity involved is refused — named in {@link #conflicts} — and the
 * identity providers already there stay exactly as they are (neither rewritten nor disabled).
 *
 * @param create    entities that have no identity provider yet (alias, entity)
 * @param update    entities whose identity provider differs from what the feed says
 * @param unchanged how many identity providers are already what the feed says
 * @param leaving   aliases of this source's identity providers (still enabled) that the feed no longer lists
 * @param heldBack  {@code true}: nothing may be applied
 * @param existing  how many identity providers of this source the realm held
 * @param conflicts entities refused because their alias is disputed
 */
public record SyncPlan(List<Change> create, List<Change> update, int unchanged, List<String> leaving,
                       boolean heldBack, int existing, List<Conflict> conflicts) {

    /** One identity provider to write. */
    public record Change(String alias, EntityRecord entity, String digest) {
    }

    /**
     * What the realm holds of this source: alias → (digest written, still enabled, the entityID it is bound to;
     * {@code null} when none is stored, which matches no entity).
     */
    public record Existing(String digest, boolean enabled, String entityId) {
    }

    /** Entities refused because they dispute one alias, and why. */
    public record Conflict(String alias, List<String> entityIds, String reason) {

        /** For the source's status and the log: one line, entityIDs without control or format characters. */
        public String describe() {
            return "alias " + alias + ": " + reason + " (" + String.join(", ", entityIds.stream()
                    .map(Conflict::printable).toList()) + ")";
        }

        private static String printable(String text) {
            StringBuilder out = new StringBuilder();
            text.codePoints().limit(256).forEach(c -> {
                int type = Character.getType(c);
                boolean hidden = Character.isISOControl(c) || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT;
                if (hidden) {
                    out.append(String.format("\\u%04x", c));
                } else {
                    out.appendCodePoint(c);
                }
            });
            return text.codePointCount(0, text.length()) > 256 ? out.append('…').toString() : out.toString();
        }
    }

    /**
     * @param templateDigest  fingerprint of the source's template, part of every identity provider's digest
     * @param maxRemovalShare share of this source's enabled identity providers that may leave in one sync (0..1)
     */
    public static SyncPlan of(String aliasPrefix, List<EntityRecord> selected, Map<String, Existing> existing,
                              String templateDigest, double maxRemovalShare) {
        // the alias each entity would be written under: its bound identity provider's, else the new scheme's
        Map<String, List<EntityRecord>> claims = new LinkedHashMap<>();
        Map<String, Set<String>> legacyClaims = new LinkedHashMap<>();
        for (EntityRecord entity : selected) {
            claims.computeIfAbsent(resolve(aliasPrefix, entity.entityId(), existing), alias -> new ArrayList<>())
                    .add(entity);
            String legacy = IdentityProviderAlias.legacy(aliasPrefix, entity.entityId());
            if (existing.containsKey(legacy)) {
                legacyClaims.computeIfAbsent(legacy, alias -> new LinkedHashSet<>()).add(entity.entityId());
            }
        }
        List<Conflict> conflicts = new ArrayList<>();
        Set<String> refused = new HashSet<>();
        legacyClaims.forEach((alias, entityIds) -> {
            if (entityIds.size() > 1) {
                conflicts.add(new Conflict(alias, List.copyOf(entityIds), "entityIDs that derive the same alias "
                        + "under the old 40-bit scheme, which an existing identity provider carries"));
                refused.addAll(entityIds);
            }
        });
        claims.forEach((alias, entities) -> {
            Set<String> entityIds = new LinkedHashSet<>();
            entities.forEach(entity -> entityIds.add(entity.entityId()));
            Existing current = existing.get(alias);
            if (entities.size() > 1) {
                conflicts.add(new Conflict(alias, List.copyOf(entityIds), entityIds.size() == 1
                        ? "the same entityID more than once in the feed" : "entityIDs that derive the same alias"));
                refused.addAll(entityIds);
            } else if (current != null && !Objects.equals(current.entityId(), entities.get(0).entityId())) {
                List<String> named = new ArrayList<>(entityIds);
                named.add("identity provider bound to " + (current.entityId() == null ? "no entityID"
                        : current.entityId()));
                conflicts.add(new Conflict(alias, List.copyOf(named), "the alias belongs to an identity provider "
                        + "of another entityID, which never changes"));
                refused.addAll(entityIds);
            }
        });
        List<Change> create = new ArrayList<>();
        List<Change> update = new ArrayList<>();
        int unchanged = 0;
        Set<String> kept = new HashSet<>(); // aliases the feed still accounts for: listed, or held by a conflict
        for (Map.Entry<String, List<EntityRecord>> claim : claims.entrySet()) {
            String alias = claim.getKey();
            EntityRecord entity = claim.getValue().get(0);
            if (claim.getValue().stream().anyMatch(e -> refused.contains(e.entityId()))) {
                kept.add(alias);
                continue;
            }
            kept.add(alias);
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
        // a refused entity's identity providers under either scheme stay as they are
        for (String entityId : refused) {
            for (String alias : IdentityProviderAlias.candidates(aliasPrefix, entityId)) {
                if (existing.containsKey(alias)) {
                    kept.add(alias);
                }
            }
        }
        List<String> leaving = existing.entrySet().stream()
                .filter(entry -> entry.getValue().enabled() && !kept.contains(entry.getKey()))
                .map(Map.Entry::getKey).sorted().toList();
        long enabled = existing.values().stream().filter(Existing::enabled).count();
        // At least one may always leave; all of them only when the admin allows 100%.
        boolean heldBack = !leaving.isEmpty() && ((leaving.size() == enabled && maxRemovalShare < 1)
                || leaving.size() > Math.max(1, enabled * maxRemovalShare));
        return new SyncPlan(List.copyOf(create), List.copyOf(update), unchanged, leaving, heldBack, existing.size(),
                List.copyOf(conflicts));
    }

    /**
     * The alias an entity is written under: the new scheme's when an identity provider is there (whatever entityID
     * it is bound to: a mismatch is a conflict) or when none of the old scheme is bound to this entityID.
     */
    static String resolve(String aliasPrefix, String entityId, Map<String, Existing> existing) {
        String alias = IdentityProviderAlias.of(aliasPrefix, entityId);
        if (existing.containsKey(alias)) {
            return alias;
        }
        String legacy = IdentityProviderAlias.legacy(aliasPrefix, entityId);
        Existing old = existing.get(legacy);
        return old != null && entityId.equals(old.entityId()) ? legacy : alias;
    }
}
