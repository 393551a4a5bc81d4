package org.sciencegateway.keycloak.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * JUnit 5 extension giving integration tests the Keycloak server shared by this JVM (started on first use, with the
 * JARs and lab realms, see {@link KeycloakServer#shared()}) and an admin client for it.
 * <p>
 * Static fields marked {@link Shared} of type {@link KeycloakServer} or {@link KeycloakAdmin} are set before the
 * class's own {@code @BeforeAll} methods run; test, lifecycle and constructor parameters of those types are resolved
 * as well:
 * <pre>{@code
 * @ExtendWith(SharedKeycloak.class)
 * class SomeIT {
 *     @SharedKeycloak.Shared private static KeycloakServer server;
 *     @SharedKeycloak.Shared private static KeycloakAdmin admin;
 * }
 * }</pre>
 */
public final class SharedKeycloak implements BeforeAllCallback, ParameterResolver {

    /** Marks a static field this extension sets. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Shared {
    }

    private static KeycloakAdmin admin;

    public static synchronized KeycloakAdmin admin() {
        if (admin == null) {
            admin = new KeycloakAdmin(KeycloakServer.shared());
            OneTimeCode.widenWindow(admin);
        }
        return admin;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        for (Class<?> type = context.getRequiredTestClass(); type != null; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (field.isAnnotationPresent(Shared.class)) {
                    inject(field);
                }
            }
        }
    }

    private static void inject(Field field) {
        if (!Modifier.isStatic(field.getModifiers())) {
            throw new ExtensionConfigurationException("@Shared field " + field + " must be static");
        }
        Object value = valueFor(field.getType());
        if (value == null) {
            throw new ExtensionConfigurationException("@Shared field " + field + " has a type this extension does not "
                    + "provide (KeycloakServer or KeycloakAdmin)");
        }
        try {
            field.setAccessible(true);
            field.set(null, value);
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("cannot set " + field, e);
        }
    }

    private static Object valueFor(Class<?> type) {
        if (type == KeycloakServer.class) {
            admin(); // the server as every test finds it (see OneTimeCode)
            return KeycloakServer.shared();
        }
        if (type == KeycloakAdmin.class) {
            return admin();
        }
        return null;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KeycloakServer.class || type == KeycloakAdmin.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return valueFor(parameter.getParameter().getType());
    }
}
