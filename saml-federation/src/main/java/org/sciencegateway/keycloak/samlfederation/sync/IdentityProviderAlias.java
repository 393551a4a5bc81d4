package org.sciencegateway.keycloak.samlfederation.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The alias of an imported identity provider: derived from the source's prefix and the entityID alone, so it is the
 * same at every sync and on every node, and users' broker links (which Keycloak keys by alias) survive every sync.
 * Readable part from the entityID's host and path, then {@code --} and 128 bits of SHA-256 of the full entityID
 * (32 hex digits): two entityIDs sharing an alias would be a SHA-256 collision.
 * <p>
 * Releases before this one appended only 40 bits ({@link #legacy}); a birthday pair of those was found in seconds.
 * Identity providers created under that scheme keep their alias (their users' links are keyed by it), but only for
 * the entityID stored in them: the sync and the shared assertion consumer service look an entity up under both
 * aliases and take an identity provider only when its stored entityID is the entity's, so the old scheme's collisions
 * can never re-point one. New identity providers always get this scheme's alias. The two schemes cannot produce the
 * same alias: only this one contains {@code --}.
 */
public final class IdentityProviderAlias {

    static final int READABLE_LENGTH = 40;
    /** Bytes of SHA-256 in the alias: 128 bits. */
    static final int HASH_BYTES = 16;
    /** Bytes of SHA-256 in aliases of the old scheme: 40 bits. */
    static final int LEGACY_HASH_BYTES = 5;

    private IdentityProviderAlias() {
    }

    /** The alias a new identity provider of this entity gets. */
    public static String of(String prefix, String entityId) {
        String readable = readable(entityId);
        return prefix + "-" + (readable.isEmpty() ? "" : readable + "-") + "-" + hash(entityId, HASH_BYTES);
    }

    /** The alias of the old scheme (40-bit hash): only identity providers created by earlier releases carry it. */
    public static String legacy(String prefix, String entityId) {
        String readable = readable(entityId);
        return prefix + "-" + (readable.isEmpty() ? "" : readable + "-") + hash(entityId, LEGACY_HASH_BYTES);
    }

    /** Where an identity provider of this entity may be: its alias, then that of the old scheme. */
    public static List<String> candidates(String prefix, String entityId) {
        return List.of(of(prefix, entityId), legacy(prefix, entityId));
    }

    private static String readable(String entityId) {
        String readable = entityId.toLowerCase(Locale.ROOT)
                .replaceFirst("^[a-z][a-z0-9+.-]*:(//)?", "")
                .replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (readable.length() > READABLE_LENGTH) {
            readable = readable.substring(0, READABLE_LENGTH).replaceAll("-+$", "");
        }
        return readable;
    }

    private static String hash(String entityId, int bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(entityId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
