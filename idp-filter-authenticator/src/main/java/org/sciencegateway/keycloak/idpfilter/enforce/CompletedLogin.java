package org.sciencegateway.keycloak.idpfilter.enforce;

import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.events.Details;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * The origin of the login a tab is about to complete, read the way Keycloak will attach it to the user session:
 * <ul>
 *   <li><b>brokered</b>: Keycloak has attached a brokered identity (the {@code identity_provider} user-session note
 *   and the broker user id it writes when a brokered login finishes). Its origin is the one the filter admitted for
 *   exactly that identity in this tab ({@link AdmissionLedger}); an identity the filter never decided on is refused,
 *   whatever Keycloak skipped to get there.</li>
 *   <li><b>SSO</b>: the cookie authenticator attached the user session named by {@code KEYCLOAK_IDENTITY}. That is
 *   the session judged, never one looked up through the authentication session's id; if the two differ (cookies
 *   from two logins mixed in one request) the login is refused.</li>
 *   <li><b>local</b>: anything else (password, registration, reset).</li>
 * </ul>
 *
 * @param origin  the origin to decide on, or {@code null} when {@code refusal} is set
 * @param refusal the rule that refuses the login before any rule is consulted, or {@code null}
 */
record CompletedLogin(LoginOrigin origin, String refusal) {

    static final String UNDECIDED_IDENTITY = "undecided-identity";
    static final String SESSION_MISMATCH = "session-mismatch";
    static final String NO_USER_SESSION = "no-user-session";
    /** KeycloakSession attribute: this request's verified identity cookie. */
    private static final String IDENTITY_COOKIE = CompletedLogin.class.getName() + ".identityCookie";

    static CompletedLogin of(KeycloakSession session, AuthenticationSessionModel authSession) {
        String alias = authSession.getUserSessionNotes().get(Details.IDENTITY_PROVIDER);
        if (alias != null && !alias.isEmpty()) {
            String identity = authSession.getAuthNote(AuthenticationProcessor.BROKER_USER_ID);
            LoginOrigin admitted = AdmissionLedger.admitted(authSession, alias, identity);
            return admitted == null
                    ? new CompletedLogin(LoginOrigin.brokered(alias), UNDECIDED_IDENTITY)
                    : new CompletedLogin(admitted, null);
        }
        if ("true".equals(authSession.getAuthNote(AuthenticationManager.SSO_AUTH))) {
            return ofSsoCookie(session, authSession);
        }
        return new CompletedLogin(LoginOrigin.local(), null);
    }

    /** SSO reuse: the session of {@code KEYCLOAK_IDENTITY}, which is what the cookie authenticator attached. */
    static CompletedLogin ofSsoCookie(KeycloakSession session, AuthenticationSessionModel authSession) {
        IdentityCookie cookie = identityCookie(session, authSession);
        if (cookie == null || cookie.session() == null) {
            return new CompletedLogin(null, NO_USER_SESSION);
        }
        LoginOrigin origin = SessionOrigin.of(cookie.session());
        UserModel authenticated = authSession.getAuthenticatedUser();
        boolean sameUser = authenticated == null || authenticated.getId().equals(cookie.user().getId());
        // Keycloak names the authentication session after the user session it belongs to; a pending authentication
        // session of another login next to this identity cookie means the browser mixed two logins' cookies.
        boolean sameSession = cookie.session().getId().equals(authSession.getParentSession().getId());
        if (!sameUser || !sameSession) {
            return new CompletedLogin(origin, SESSION_MISMATCH);
        }
        return new CompletedLogin(origin, null);
    }

    /**
     * The verified identity cookie, once per request: the browser flow's last step and the completion check both
     * read it in the request that completes an SSO login.
     */
    private static IdentityCookie identityCookie(KeycloakSession session, AuthenticationSessionModel authSession) {
        if (session.getAttribute(IDENTITY_COOKIE) instanceof IdentityCookie verified) {
            return verified;
        }
        AuthenticationManager.AuthResult result =
                AuthenticationManager.authenticateIdentityCookie(session, authSession.getRealm(), true);
        if (result == null) {
            return null;
        }
        IdentityCookie cookie = IdentityCookie.of(result);
        session.setAttribute(IDENTITY_COOKIE, cookie);
        return cookie;
    }

    boolean refused() {
        return refusal != null;
    }
}
