package org.sciencegateway.keycloak.assurance.binding;

import java.util.Objects;

/**
 * Whose levels a login tab holds, and whether the login now completing may keep them. Keycloak keeps a tab's levels
 * of authentication (notes {@code level-of-authentication}, {@code loa-map}) and its executions' statuses for the
 * whole tab: a second brokered login in the same tab skips what already succeeded and inherits the levels the first
 * identity reached. A level counts only for the identity that reached it: the identity recorded when the tab's levels
 * were reached must be the one the completing login attaches (same user, same brokered account).
 */
public final class LevelOwnership {

    /** Refusal reasons (event detail {@code reason}). */
    public static final String LEVEL_OF_ANOTHER_IDENTITY = "level_of_another_identity";
    public static final String LEVEL_WITHOUT_OWNER = "level_without_owner";

    private LevelOwnership() {
    }

    /**
     * An identity that can reach a level.
     *
     * @param userId            the Keycloak user
     * @param brokeredIdentity  the brokered account ({@code alias.brokeredUserId}, Keycloak's broker user id), or
     *                          {@code null} for a local login
     */
    public record Identity(String userId, String brokeredIdentity) {
        public Identity {
            Objects.requireNonNull(userId, "userId");
        }

        public boolean brokered() {
            return brokeredIdentity != null;
        }

        /** Note form: {@code userId} or {@code userId brokeredIdentity} (user ids contain no space). */
        public String toNote() {
            return brokeredIdentity == null ? userId : userId + " " + brokeredIdentity;
        }

        /** {@code null} for a missing or malformed note. */
        public static Identity fromNote(String note) {
            if (note == null || note.isBlank()) {
                return null;
            }
            int space = note.indexOf(' ');
            if (space < 0) {
                return new Identity(note, null);
            }
            if (space == 0 || space == note.length() - 1) {
                return null;
            }
            return new Identity(note.substring(0, space), note.substring(space + 1));
        }
    }

    /** {@code null}: the completing login may keep the tab's levels; otherwise the reason it is refused. */
    public static String judge(Identity owner, Identity completing, boolean tabHoldsALevel) {
        if (!tabHoldsALevel) {
            return null;
        }
        if (completing == null) {
            return LEVEL_WITHOUT_OWNER;
        }
        if (owner == null) {
            // Levels no brokered login recorded: a local login's own (the browser flow cannot change its user without
            // starting over, which clears the tab). A brokered login whose level nobody bound to it inherited them.
            return completing.brokered() ? LEVEL_WITHOUT_OWNER : null;
        }
        return owner.equals(completing) ? null : LEVEL_OF_ANOTHER_IDENTITY;
    }
}
