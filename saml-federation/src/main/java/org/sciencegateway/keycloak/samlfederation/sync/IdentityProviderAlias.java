package org.sciencegateway.keycloak.samlfederation.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The alias of an imported identity provider: derived from the source's prefix and the entityID alone, so it is the
 * same at every sync and on every node, and users' broker links (which Keycloak keys by alias) survive every sync.
 * Readable part from the entityID's host and path, plus a hash of the full entityID so two entityIDs never share an
 * alias after the readable part was shortened.
 */
public final class IdentityProviderAlias {

    static final int READABLE_LENGTH = 40;

    private IdentityProviderAlias() {
    }

    public static String of(String prefix, String entityId) {
        String readable = entityId.toLowerCase(Locale.ROOT)
                .replaceFirst("^[a-z][a-z0-9+.-]*:(//)?", "")
                .replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (readable.length() > READABLE_LENGTH) {
            readable = readable.substring(0, READABLE_LENGTH).replaceAll("-+$", "");
        }
        return prefix + "-" + (readable.isEmpty() ? "" : readable + "-") + hash(entityId);
    }

    private static String hash(String entityId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(entityId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
