package org.sciencegateway.keycloak.idpfilter.enforce;

import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.services.managers.AuthenticationManager;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The user and user session of a verified {@code KEYCLOAK_IDENTITY} cookie ({@link AuthenticationManager.AuthResult}).
 * Keycloak 26.5 turned {@code AuthResult} into a record: its accessors are {@code user()}/{@code session()} there and
 * {@code getUser()}/{@code getSession()} before, and a JAR compiled against one fails on the other with
 * {@code NoSuchMethodError}. Resolving the accessor once keeps this JAR working on 26.4 as on 26.7. Fails closed: a
 * Keycloak with neither accessor cannot load this class, and every login through the filter is refused with an error.
 */
record IdentityCookie(UserModel user, UserSessionModel session) {

    private static final Method USER = accessor("user", "getUser");
    private static final Method SESSION = accessor("session", "getSession");

    static IdentityCookie of(AuthenticationManager.AuthResult result) {
        return new IdentityCookie((UserModel) read(USER, result), (UserSessionModel) read(SESSION, result));
    }

    private static Method accessor(String recordName, String beanName) {
        try {
            return AuthenticationManager.AuthResult.class.getMethod(recordName);
        } catch (NoSuchMethodException record) {
            try {
                return AuthenticationManager.AuthResult.class.getMethod(beanName);
            } catch (NoSuchMethodException bean) {
                throw new IllegalStateException("AuthenticationManager.AuthResult has neither " + recordName
                        + "() nor " + beanName + "()", bean);
            }
        }
    }

    private static Object read(Method accessor, AuthenticationManager.AuthResult result) {
        try {
            return accessor.invoke(result);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + accessor + " of the identity cookie", e);
        }
    }
}
