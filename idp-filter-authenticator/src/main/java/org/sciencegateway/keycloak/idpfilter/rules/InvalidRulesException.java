package org.sciencegateway.keycloak.idpfilter.rules;

/** A stored or submitted rule document that cannot be used; the message says what to fix. */
public final class InvalidRulesException extends Exception {

    public InvalidRulesException(String message) {
        super(message);
    }
}
