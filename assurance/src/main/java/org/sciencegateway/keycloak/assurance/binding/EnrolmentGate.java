package org.sciencegateway.keycloak.assurance.binding;

import java.util.Set;

/**
 * Enrolling a second factor, or linking an identity provider trusted to assert one, is itself a step to the highest
 * level: whoever holds only the first factor must not be able to add a factor of their own. A user-initiated action
 * ({@code kc_action}) of that kind needs the realm's highest level reached in this very login by this identity. An
 * action an admin set on the user (vetted onboarding) is not gated.
 */
public final class EnrolmentGate {

    public static final String ENROLMENT_NEEDS_LEVEL = "enrolment_needs_level";
    public static final String LINK_NEEDS_LEVEL = "link_needs_level";

    /** Keycloak's actions that add a second factor. */
    static final Set<String> SECOND_FACTOR_ENROLMENTS = Set.of("CONFIGURE_TOTP", "webauthn-register",
            "webauthn-register-passwordless", "CONFIGURE_RECOVERY_AUTHN_CODES");
    /** Keycloak's application-initiated linking action ({@code kc_action=idp_link:alias}). */
    static final String IDP_LINK = "idp_link";

    private EnrolmentGate() {
    }

    /** The action name of a {@code kc_action} value ({@code idp_link:alias} → {@code idp_link}). */
    public static String actionName(String kcAction) {
        if (kcAction == null) {
            return null;
        }
        int colon = kcAction.indexOf(':');
        return colon < 0 ? kcAction : kcAction.substring(0, colon);
    }

    /**
     * @param kcAction          the application-initiated action of this login, or {@code null}
     * @param setByAdmin        whether the user carries that action as a required action (an admin set it)
     * @param linksTrustedIdp   for {@code idp_link}: whether the identity provider is trusted to assert levels
     * @param levelInThisLogin  the level this login reached for its own identity (-1: none)
     * @param enrolmentLevel    the realm's highest level (-1: the realm has no levels, nothing is gated)
     * @return {@code null} when allowed, else the refusal reason
     */
    public static String judge(String kcAction, boolean setByAdmin, boolean linksTrustedIdp, int levelInThisLogin,
                               int enrolmentLevel) {
        String name = actionName(kcAction);
        if (name == null || enrolmentLevel < 0 || levelInThisLogin >= enrolmentLevel) {
            return null;
        }
        if (SECOND_FACTOR_ENROLMENTS.contains(name) && !setByAdmin) {
            return ENROLMENT_NEEDS_LEVEL;
        }
        if (IDP_LINK.equals(name) && linksTrustedIdp) {
            return LINK_NEEDS_LEVEL;
        }
        return null;
    }
}
