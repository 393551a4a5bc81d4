package org.sciencegateway.keycloak.samlfederation.sync;

/** A federation source's configuration that cannot be used; the message says what to fix (shown in the console). */
public final class InvalidSourceException extends Exception {
    public InvalidSourceException(String message) {
        super(message);
    }
}
