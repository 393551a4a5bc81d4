package org.sciencegateway.keycloak.idpfilter.rules;

/**
 * Outcome of {@link InstitutionFilter#decide(LoginOrigin)}: whether the login may continue ({@link #allowed}), and
 * which rule decided, as shown in events and logs ({@link #rule}: {@code allow[2]}, {@code deny[0]} or the entry's
 * {@code name}, {@code localAccounts}, {@code no-allow-match}) and by position only ({@link #position}). Equal when
 * outcome and rule are.
 */
public final class Decision {

    private final boolean allowed;
    private final String rule;
    /** The deciding rule by position ({@code allow[1]}, {@code deny[0]}, keywords as {@link #rule}): never a name. */
    private final String position;

    public Decision(boolean allowed, String rule) {
        this(allowed, rule, rule);
    }

    Decision(boolean allowed, String rule, String position) {
        this.allowed = allowed;
        this.rule = rule;
        this.position = position;
    }

    public boolean allowed() {
        return allowed;
    }

    public String rule() {
        return rule;
    }

    /**
     * The rule by position, for labels that must not carry text an admin or hub owner typed (metrics): an entry's
     * {@code name} is free text.
     */
    public String position() {
        return position;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Decision that && allowed == that.allowed && java.util.Objects.equals(rule, that.rule);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(allowed, rule);
    }

    @Override
    public String toString() {
        return "Decision[allowed=" + allowed + ", rule=" + rule + "]";
    }


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
