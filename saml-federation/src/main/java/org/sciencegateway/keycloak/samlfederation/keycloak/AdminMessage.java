package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.keycloak.component.ComponentValidationException;

/**
 * A refused configuration, worded for the admin console. Keycloak answers a refused component save with HTTP 400
 * whose {@code errorMessage} is {@code MessageFormat.format(messages.getProperty(message, message), parameters)}
 * ({@code ComponentResource}): a plain message would lose its apostrophes and its braces would be read as arguments.
 * The message is handed over as a MessageFormat pattern that formats to exactly itself. This is the module's only way
 * to build one.
 */
final class AdminMessage {

    private AdminMessage() {
    }

    static ComponentValidationException configError(String message) {
        return new ComponentValidationException(verbatim(message));
    }

    /** A MessageFormat pattern that formats to {@code message}, unchanged when it holds no quote or brace. */
    static String verbatim(String message) {
        if (message.indexOf('\'') < 0 && message.indexOf('{') < 0 && message.indexOf('}') < 0) {
            return message;
        }
        return message.replace("'", "''").replace("{", "'{'").replace("}", "'}'");
    }
}
