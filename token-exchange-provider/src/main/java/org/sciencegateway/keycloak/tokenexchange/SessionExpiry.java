package org.sciencegateway.keycloak.tokenexchange;

import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.SessionExpirationUtils;

/**
 * When a user's session ends if nothing refreshes it: the earliest of the SSO session's maximum and idle expiry and
 * the requester's client-session maximum and idle expiry, computed by Keycloak's own {@link SessionExpirationUtils}
 * (realm and per-client settings, remember-me, offline). A token bounded by it never outlives the session.
 */
final class SessionExpiry {

    private SessionExpiry() {
    }

    /** Epoch seconds, or 0 when neither session expires (an offline session without a maximum). */
    static long of(RealmModel realm, UserSessionModel userSession, AuthenticatedClientSessionModel clientSession,
                   ClientModel requester) {
        boolean offline = userSession.isOffline();
        boolean rememberMe = userSession.isRememberMe();
        long userStarted = userSession.getStarted() * 1000L;
        long earliest = earliest(Long.MAX_VALUE,
                SessionExpirationUtils.calculateUserSessionMaxLifespanTimestamp(offline, rememberMe, userStarted, realm),
                SessionExpirationUtils.calculateUserSessionIdleTimestamp(offline, rememberMe,
                        userSession.getLastSessionRefresh() * 1000L, realm));
        if (clientSession != null) {
            earliest = earliest(earliest,
                    SessionExpirationUtils.calculateClientSessionMaxLifespanTimestamp(offline, rememberMe,
                            clientSession.getStarted() * 1000L, userStarted, realm, requester),
                    SessionExpirationUtils.calculateClientSessionIdleTimestamp(offline, rememberMe,
                            clientSession.getTimestamp() * 1000L, realm, requester));
        }
        return earliest == Long.MAX_VALUE ? 0 : earliest / 1000L;
    }

    /** Keycloak returns -1 (or 0) for "does not expire". */
    private static long earliest(long current, long... candidates) {
        long out = current;
        for (long candidate : candidates) {
            if (candidate > 0) {
                out = Math.min(out, candidate);
            }
        }
        return out;
    }
}
