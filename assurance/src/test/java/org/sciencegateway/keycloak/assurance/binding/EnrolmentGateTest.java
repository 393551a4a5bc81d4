package org.sciencegateway.keycloak.assurance.binding;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EnrolmentGateTest {

    @Test
    @DisplayName("Given kc_action=CONFIGURE_TOTP after the first factor only, then refused; at level 2, allowed")
    void selfEnrolment() {
        assertThat(EnrolmentGate.judge("CONFIGURE_TOTP", false, false, 1, 2)).isEqualTo(EnrolmentGate.ENROLMENT_NEEDS_LEVEL);
        assertThat(EnrolmentGate.judge("webauthn-register", false, false, -1, 2)).isEqualTo(EnrolmentGate.ENROLMENT_NEEDS_LEVEL);
        assertThat(EnrolmentGate.judge("CONFIGURE_TOTP", false, false, 2, 2)).isNull();
    }

    @Test
    @DisplayName("Given an admin set Configure OTP on the user, then the enrolment is the vetted onboarding and allowed")
    void adminSet() {
        assertThat(EnrolmentGate.judge("CONFIGURE_TOTP", true, false, 1, 2)).isNull();
    }

    @Test
    @DisplayName("Given kc_action=idp_link to a provider trusted for assurance below level 2, then refused; untrusted, allowed")
    void linking() {
        assertThat(EnrolmentGate.judge("idp_link:institution-saml", false, true, 1, 2)).isEqualTo(EnrolmentGate.LINK_NEEDS_LEVEL);
        assertThat(EnrolmentGate.judge("idp_link", false, true, 1, 2)).isEqualTo(EnrolmentGate.LINK_NEEDS_LEVEL);
        assertThat(EnrolmentGate.judge("idp_link:institution-b", false, false, 1, 2)).isNull();
        assertThat(EnrolmentGate.judge("idp_link:institution-saml", false, true, 2, 2)).isNull();
    }

    @Test
    @DisplayName("Given other actions, no action, or a realm without levels, then nothing is gated")
    void others() {
        assertThat(EnrolmentGate.judge("UPDATE_PASSWORD", false, false, 1, 2)).isNull();
        assertThat(EnrolmentGate.judge(null, false, false, 1, 2)).isNull();
        assertThat(EnrolmentGate.judge("CONFIGURE_TOTP", false, false, 1, -1)).isNull();
    }
}
