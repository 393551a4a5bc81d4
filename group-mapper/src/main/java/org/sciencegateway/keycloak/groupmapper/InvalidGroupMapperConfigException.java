package org.sciencegateway.keycloak.groupmapper;

/** A mapper configuration that cannot be applied; the message tells the administrator what to fix. */
public final class InvalidGroupMapperConfigException extends Exception {

    public InvalidGroupMapperConfigException(String message) {
        super(message);
    }
}
