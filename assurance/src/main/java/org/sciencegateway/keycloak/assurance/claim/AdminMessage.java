package org.sciencegateway.keycloak.assurance.claim;

import org.keycloak.protocol.ProtocolMapperConfigException;

/**
 * A refused configuration, worded for the admin console. Keycloak answers a refused protocol-mapper save with
 * HTTP 400 whose {@code error_description} is {@code MessageFormat.format(adminMessages.getProperty(key, message),
 * params)} ({@code ProtocolMappersResource}): a plain message would lose its apostrophes and its braces would be
 * read as arguments (or fail). The message is therefore handed over as a MessageFormat pattern that formats to exactly
 * itself, and as its own key, which no admin theme defines. This is the module's only way to build one.
 */
final class AdminMessage {

    private AdminMessage() {
    }

    /** The exception whose {@code error_description} reads exactly {@code message}. */
    static ProtocolMapperConfigException configError(String message) {
        String pattern = verbatim(message);
        return new ProtocolMapperConfigException(pattern, pattern);
    }

    /** A MessageFormat pattern that formats to {@code message}, unchanged when it holds no quote or brace. */
    static String verbatim(String message) {
        if (message.indexOf('\'') < 0 && message.indexOf('{') < 0 && message.indexOf('}') < 0) {
            return message;
        }
        // '' stands for one apostrophe; a brace alone in a quoted section ('{') is literal. Each escape is
        // self-contained, so escapes next to each other cannot merge (quoting the whole text would: a message
        // starting with an apostrophe).
        return message.replace("'", "''").replace("{", "'{'").replace("}", "'}'");
    }
}
