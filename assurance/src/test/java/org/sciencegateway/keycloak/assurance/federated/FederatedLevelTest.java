package org.sciencegateway.keycloak.assurance.federated;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FederatedLevelTest {

    private static final String MFA = "https://refeds.org/profile/mfa";
    private static final String SFA = "https://refeds.org/profile/sfa";
    private static final Map<String, Integer> REALM = Map.of(SFA, 1, MFA, 2);
    private static final long NOW = 1_800_000_000L;
    /** The institution's authentication, an hour before the brokered login. */
    private static final long T = NOW - 3600;

    @Test
    @DisplayName("Given a trusted provider asserting REFEDS MFA, then the login counts as the MFA level")
    void trustedMfa() {
        FederatedLevel.Decision d = FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.TRUSTED, REALM, 1, T, NOW);
        assertThat(d).isEqualTo(new FederatedLevel.Decision(2, "trusted_assertion", List.of(MFA), T));
    }

    @Test
    @DisplayName("Given a trusted provider whose account was linked to an existing local account in this very login, "
            + "then its MFA is ignored (linking is enrolment)")
    void linkedInThisLogin() {
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.LINKED_IN_THIS_LOGIN, REALM, 1, T, NOW))
                .isEqualTo(new FederatedLevel.Decision(1, "linked_in_this_login", List.of(), NOW));
    }

    @Test
    @DisplayName("Given a trusted provider whose link to the account was never vetted (made before the record existed, "
            + "by an admin's REST call or the legacy linking endpoint), then its MFA is ignored")
    void unvettedLink() {
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.UNVETTED_LINK, REALM, 1, T, NOW))
                .isEqualTo(new FederatedLevel.Decision(1, "link_not_vetted", List.of(), NOW));
    }

    @Test
    @DisplayName("Given the same assertion from an unmarked provider, then it is ignored")
    void untrustedMfa() {
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.NOT_TRUSTED, REALM, 1, T, NOW))
                .isEqualTo(new FederatedLevel.Decision(1, "not_trusted", List.of(), NOW));
    }

    @Test
    @DisplayName("Given a trusted SAML provider without signature validation, then its assertion is ignored")
    void unsigned() {
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.UNSIGNED, REALM, 1, T, NOW).level()).isEqualTo(1);
    }

    @Test
    @DisplayName("Given nothing, an unmapped value, a Keycloak-style number or a lower level, then the federated level")
    void nothingHonoured() {
        for (List<String> asserted : List.of(List.<String>of(),
                List.of("urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"), List.of("2"), List.of(SFA))) {
            assertThat(FederatedLevel.decide(asserted, FederatedLevel.Trust.TRUSTED, REALM, 1, T, NOW))
                    .as("asserted %s", asserted)
                    .isEqualTo(new FederatedLevel.Decision(1, "nothing_honoured", List.of(), NOW));
        }
    }

    @Test
    @DisplayName("Given several statements, then the highest mapped one counts")
    void highest() {
        assertThat(FederatedLevel.decide(List.of(SFA, MFA), FederatedLevel.Trust.TRUSTED, REALM, 0, T, NOW).level())
                .isEqualTo(2);
    }

    @Test
    @DisplayName("Given trusted MFA, then the level carries the institution's authentication time, never a later one; "
            + "without a time the level is not raised")
    void institutionTime() {
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.TRUSTED, REALM, 1, T, NOW).time())
                .isEqualTo(T);
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.TRUSTED, REALM, 1, NOW + 600, NOW).time())
                .as("a clock ahead of ours").isEqualTo(NOW);
        assertThat(FederatedLevel.decide(List.of(MFA), FederatedLevel.Trust.TRUSTED, REALM, 1, 0, NOW))
                .isEqualTo(new FederatedLevel.Decision(1, "no_authentication_time", List.of(), NOW));
    }
}
