package org.sciencegateway.keycloak.idpfilter.rules;

/**
 * Outcome of {@link InstitutionFilter#decide(LoginOrigin)}.
 *
 * @param allowed whether the login may continue
 * @param rule    which rule decided, as shown in events and logs: {@code allow[2]}, {@code deny[0]} (or the entry's
 *                {@code name}), {@code localAccounts}, {@code no-allow-match}
 */
public record Decision(boolean allowed, String rule) {

    public static final String NO_ALLOW_MATCH = "no-allow-match";
    public static final String LOCAL_ACCOUNTS = "localAccounts";
    public static final String INVALID_CONFIGURATION = "invalid-configuration";
    /** Linking ({@code kc_action=idp_link}, legacy {@code /broker/{alias}/link}) of an IdP the client does not admit. */
    public static final String IDP_LINK = "idp_link";
    /** A login value longer than {@link InstitutionFilter#MAX_VALUE_LENGTH}: refused before any pattern runs. */
    public static final String OVERSIZED_VALUE = "oversized-value";

    static Decision allow(String rule) {
        return new Decision(true, rule);
    }

    static Decision deny(String rule) {
        return new Decision(false, rule);
    }
}
