package org.sciencegateway.keycloak.tokenexchange;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;
import org.jboss.logging.Logger;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.Constants;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.utils.AcrUtils;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.util.JsonSerialization;

/**
 * Reads what a session achieved from the notes Keycloak keeps: the level of authentication recorded for the
 * requester's client session when its last code was issued, and from the user session's level map when that level
 * was reached (a level without a map entry, e.g. from a condition with max age 0, has no known time). The client session, not the subject token's {@code acr} claim: a later, weaker login of the same hub
 * lowers the note while earlier tokens still carry the old claim.
 */
final class SessionAssuranceReader {

    private static final Logger LOG = Logger.getLogger(SessionAssuranceReader.class);

    private SessionAssuranceReader() {
    }

    /** The policy's minimum as a level number in this realm; empty when its ACR value is no longer mapped. */
    static Optional<Integer> requiredLevel(AudiencePolicy policy, RealmModel realm) {
        return policy.assurance().resolveLevel(AcrUtils.getAcrLoaMap(realm));
    }

    static AudienceExchangeRules.SessionAssurance read(UserSessionModel userSession,
                                                       AuthenticatedClientSessionModel requesterSession,
                                                       int requiredLevel) {
        int level = requesterSession == null ? -1 : parseInt(requesterSession.getNote(Constants.LEVEL_OF_AUTHENTICATION));
        // No level above what a login of this very user was judged to have reached for its own identity (the
        // assurance module's completion check writes it); none where that record is missing or names someone else.
        level = Math.min(level, boundLevel(userSession));
        long authTime = 0;
        if (requiredLevel >= 0) {
            for (Map.Entry<Integer, Integer> entry : levelTimes(userSession).entrySet()) {
                if (entry.getKey() >= requiredLevel && entry.getKey() <= level && entry.getValue() > authTime) {
                    authTime = entry.getValue();
                }
            }
        }
        if (requiredLevel < 0) {
            // No minimum: the age is that of the last sign-in.
            authTime = Math.max(0, parseInt(userSession.getNote(AuthenticationManager.AUTH_TIME)));
        }
        // With a minimum and no entry for it in the level map the time stays unknown (refused where an age is
        // limited): the session's AUTH_TIME moves with every later login of any client and would make an old level
        // look fresh.
        return new AudienceExchangeRules.SessionAssurance(level, authTime);
    }

    /**
     * User-session note {@value #BOUND_LEVEL_NOTE}, {@code "<userId> <level>"}, written by the assurance module's
     * required action {@code sg-assurance-level-binding} when a login completes with levels its identity reached.
     */
    static final String BOUND_LEVEL_NOTE = "sg.assurance.bound-level";

    static int boundLevel(UserSessionModel userSession) {
        return boundLevel(userSession.getNote(BOUND_LEVEL_NOTE),
                userSession.getUser() == null ? null : userSession.getUser().getId());
    }

    /** The bound level of the note for {@code userId}; -1 when missing, malformed or of another user. */
    static int boundLevel(String note, String userId) {
        if (note == null || userId == null) {
            return -1;
        }
        String[] parts = note.trim().split(" ");
        if (parts.length != 2 || !parts[0].equals(userId)) {
            return -1;
        }
        return parseInt(parts[1]);
    }

    /** Keycloak's {@code loa-map} user session note: level to the epoch second it was last authenticated. */
    private static Map<Integer, Integer> levelTimes(UserSessionModel userSession) {
        String note = userSession.getNote(Constants.LOA_MAP);
        if (note == null || note.isBlank()) {
            return Map.of();
        }
        try {
            return JsonSerialization.readValue(note, new TypeReference<Map<Integer, Integer>>() {
            });
        } catch (IOException e) {
            LOG.warnf("Unreadable level-of-authentication map in user session %s; using its authentication time",
                    userSession.getId());
            return Map.of();
        }
    }

    private static int parseInt(String text) {
        if (text == null) {
            return -1;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
