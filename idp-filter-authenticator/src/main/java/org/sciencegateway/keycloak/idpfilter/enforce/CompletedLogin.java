package org.sciencegateway.keycloak.idpfilter.enforce;

import java.util.Map;
import java.util.Set;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;
import org.keycloak.events.Details;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderFactory;
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
 *   <li><b>step-up on SSO</b>: the cookie named the user but this tab had to add a factor (Keycloak's
 *   level-of-authentication flows: the cookie authenticator then only "attempts", and no SSO mark is set). When
 *   nothing that identifies a user succeeded in this tab (only the cookie, conditions, {@code allow-access} and
 *   authenticators that need an already known user, such as OTP), the login is the cookie's session with one
 *   more factor and is judged as SSO, with the same checks. Anything that identified the user in this tab (a
 *   password, an identity-provider redirect) makes it local again: a stale success status can only make it
 *   stricter.</li>
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
        // The in-memory status scan first: a password login then never pays for verifying the identity cookie.
        if (authSession.getAuthenticatedUser() != null && !identifiedInThisTab(session, authSession)
                && identityCookie(session, authSession) != null) {
            return ofSsoCookie(session, authSession);
        }
        return new CompletedLogin(LoginOrigin.local(), null);
    }

    /** Whether an execution that can identify a user (not only add a factor for a known one) succeeded in this tab. */
    private static boolean identifiedInThisTab(KeycloakSession session, AuthenticationSessionModel authSession) {
        RealmModel realm = authSession.getRealm();
        for (Map.Entry<String, AuthenticationSessionModel.ExecutionStatus> status
                : authSession.getExecutionStatus().entrySet()) {
            if (status.getValue() != AuthenticationSessionModel.ExecutionStatus.SUCCESS) {
                continue;
            }
            AuthenticationExecutionModel execution = realm.getAuthenticationExecutionById(status.getKey());
            if (execution == null) {
                return true;
            }
            if (execution.isAuthenticatorFlow() || ONLY_ADD_TO_A_KNOWN_USER.contains(execution.getAuthenticator())) {
                continue;
            }
            ProviderFactory<Authenticator> factory = session.getKeycloakSessionFactory()
                    .getProviderFactory(Authenticator.class, execution.getAuthenticator());
            if (factory instanceof ConditionalAuthenticatorFactory) {
                continue;
            }
            if (!(factory instanceof AuthenticatorFactory authenticatorFactory)
                    || !authenticatorFactory.create(session).requiresUser()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Executions that identify nobody although they do not require a user: the cookie itself, allow access, and this
     * filter's own decision step.
     */
    private static final Set<String> ONLY_ADD_TO_A_KNOWN_USER = Set.of("auth-cookie", "allow-access-authenticator",
            InstitutionFilterAuthenticatorFactory.PROVIDER_ID);

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
