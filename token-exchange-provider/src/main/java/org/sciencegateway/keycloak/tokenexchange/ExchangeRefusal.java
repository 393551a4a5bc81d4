package org.sciencegateway.keycloak.tokenexchange;

import java.util.Map;

/**
 * A refused exchange: the OAuth error code and description the client sees (RFC 8693 section 2.2.2, RFC 6749
 * section 5.2), the HTTP status, and a short machine-readable reason recorded in the event.
 */
public final class ExchangeRefusal extends RuntimeException {

    public static final String INVALID_REQUEST = "invalid_request";
    public static final String INVALID_GRANT = "invalid_grant";
    public static final String INVALID_SCOPE = "invalid_scope";
    public static final String INVALID_TARGET = "invalid_target";
    public static final String UNAUTHORIZED_CLIENT = "unauthorized_client";
    public static final String ACCESS_DENIED = "access_denied";
    /**
     * RFC 9470's step-up error: the user must authenticate again, stronger or more recently. RFC 9470 registers it
     * for resource servers; at the token endpoint it is the most specific code there is, answered with 400.
     */
    public static final String INSUFFICIENT_USER_AUTHENTICATION = "insufficient_user_authentication";

    private static final long serialVersionUID = 1L;

    private final String error;
    private final int status;
    private final String reason;
    private final Map<String, String> details;

    private ExchangeRefusal(String error, String description, int status, String reason) {
        this(error, description, status, reason, Map.of());
    }

    private ExchangeRefusal(String error, String description, int status, String reason,
                            Map<String, String> details) {
        super(description, null, false, false);
        this.error = error;
        this.status = status;
        this.reason = reason;
        this.details = Map.copyOf(details);
    }

    /**
     * The session's authentication is weaker or older than the policy demands; {@code details} (recorded in the
     * event) name the required and the achieved level.
     */
    public static ExchangeRefusal insufficientUserAuthentication(String reason, String description,
                                                                 Map<String, String> details) {
        return new ExchangeRefusal(INSUFFICIENT_USER_AUTHENTICATION, description, 400, reason, details);
    }

    public static ExchangeRefusal invalidRequest(String reason, String description) {
        return new ExchangeRefusal(INVALID_REQUEST, description, 400, reason);
    }

    public static ExchangeRefusal invalidGrant(String reason, String description) {
        return new ExchangeRefusal(INVALID_GRANT, description, 400, reason);
    }

    public static ExchangeRefusal invalidScope(String reason, String description) {
        return new ExchangeRefusal(INVALID_SCOPE, description, 400, reason);
    }

    public static ExchangeRefusal invalidTarget(String reason, String description) {
        return new ExchangeRefusal(INVALID_TARGET, description, 400, reason);
    }

    public static ExchangeRefusal unauthorizedClient(String reason, String description) {
        return new ExchangeRefusal(UNAUTHORIZED_CLIENT, description, 400, reason);
    }

    /** A user the policy does not admit; 403 as Keycloak answers {@code access_denied} on the token endpoint. */
    public static ExchangeRefusal accessDenied(String reason, String description) {
        return new ExchangeRefusal(ACCESS_DENIED, description, 403, reason);
    }

    /** As {@link #accessDenied(String, String)}, with {@code details} recorded in the event. */
    public static ExchangeRefusal accessDenied(String reason, String description, Map<String, String> details) {
        return new ExchangeRefusal(ACCESS_DENIED, description, 403, reason, details);
    }

    public String error() {
        return error;
    }

    public String description() {
        return getMessage();
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** Further event details, beyond the reason. */
    public Map<String, String> details() {
        return details;
    }
}
