package org.sciencegateway.keycloak.assurance.binding;

/**
 * The user-session record the token boundary reads: the highest level a login of this user session reached for the
 * identity it attached, as judged at completion ({@link LevelOwnership}). Note {@value #NOTE}, value
 * {@code "<userId> <level>"}; the exchange provider (module {@code token-exchange-provider}) reads the same format and
 * counts no level above it, and none at all where the note is missing or names another user.
 */
public record BoundLevel(String userId, int level) {

    public static final String NOTE = "sg.assurance.bound-level";

    public String toNote() {
        return userId + " " + level;
    }

    /** {@code null} for a missing or malformed note. */
    public static BoundLevel fromNote(String note) {
        if (note == null) {
            return null;
        }
        String[] parts = note.trim().split(" ");
        if (parts.length != 2 || parts[0].isEmpty()) {
            return null;
        }
        try {
            return new BoundLevel(parts[0], Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** This login's level added to what the user session already recorded for the same user. */
    public static BoundLevel merge(BoundLevel existing, String userId, int level) {
        if (existing != null && existing.userId().equals(userId)) {
            return new BoundLevel(userId, Math.max(existing.level(), level));
        }
        return new BoundLevel(userId, level);
    }
}
