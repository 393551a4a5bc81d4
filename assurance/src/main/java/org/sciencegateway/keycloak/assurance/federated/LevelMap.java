package org.sciencegateway.keycloak.assurance.federated;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import com.fasterxml.jackson.core.type.TypeReference;
import org.keycloak.models.Constants;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.util.JsonSerialization;

/**
 * Keycloak's level map ({@code loa-map}: level to the epoch second it was last reached), in the authentication
 * session and, for later logins and the exchange, in the user session. Keycloak's own {@code AcrStore} writes it only
 * with the current time; a level reached through an institution carries the institution's time.
 */
final class LevelMap {

    private LevelMap() {
    }

    static void record(AuthenticationSessionModel authSession, int level, long time) {
        Map<Integer, Integer> levels = new HashMap<>();
        String stored = authSession.getAuthNote(Constants.LOA_MAP);
        if (stored != null && !stored.isBlank()) {
            try {
                levels.putAll(JsonSerialization.readValue(stored, new TypeReference<Map<Integer, Integer>>() {
                }));
            } catch (IOException e) {
                // Unreadable: start over with this login's level only (older levels are not trusted then).
                levels.clear();
            }
        }
        levels.put(level, (int) time);
        try {
            String note = JsonSerialization.writeValueAsString(levels);
            authSession.setAuthNote(Constants.LOA_MAP, note);
            authSession.setUserSessionNote(Constants.LOA_MAP, note);
        } catch (IOException e) {
            throw new IllegalStateException("level map not writable", e);
        }
    }
}
