package org.sciencegateway.keycloak.idpfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AssertedOriginTest {

    private static Function<String, Object> claims(Map<String, Object> values) {
        return values::get;
    }

    @Test
    @DisplayName("Given a configured claim with one value, then that value (trimmed) is the institution")
    void oneValue() {
        AssertedOrigin origin = AssertedOrigin.read(" idp ",
                claims(Map.of("idp", " https://idp.uni-allowed.example.org ")), null, null);

        assertThat(origin.institution()).isEqualTo("https://idp.uni-allowed.example.org");
        assertThat(origin.registrationAuthority()).isNull();
        assertThat(origin.emailDomain()).as("not recorded").isNull();
    }

    @Test
    @DisplayName("Given a SAML attribute with exactly one value in a list, then that value is the institution")
    void oneValueInAList() {
        assertThat(AssertedOrigin.read("schacHomeOrganization",
                claims(Map.of("schacHomeOrganization", List.of("uni-saml.example.org"))), null, null).institution())
                .isEqualTo("uni-saml.example.org");
    }

    @Test
    @DisplayName("Given a configured claim that is missing, blank or multi-valued, then the institution is empty "
            + "(recorded, so nothing from an earlier login is inherited, and no rule on institutions can match)")
    void missingOrAmbiguousFailsClosed() {
        assertThat(AssertedOrigin.read("idp", claims(Map.of()), null, null).institution()).isEmpty();
        assertThat(AssertedOrigin.read("idp", claims(Map.of("idp", "  ")), null, null).institution()).isEmpty();
        assertThat(AssertedOrigin.read("idp", claims(Map.of("idp", List.of("a.org", "b.org"))), null, null)
                .institution()).isEmpty();
        assertThat(AssertedOrigin.read("idp", claims(Map.of("idp", List.of())), null, null).institution()).isEmpty();
    }

    @Test
    @DisplayName("Given no claim configured, then no institution is recorded (the identity provider is the institution)")
    void noClaimConfigured() {
        assertThat(AssertedOrigin.read(null, claims(Map.of("idp", "x")), null, null).institution()).isNull();
        assertThat(AssertedOrigin.read(" ", claims(Map.of("idp", "x")), null, null).institution()).isNull();
    }

    @Test
    @DisplayName("Given a registration authority, then it is recorded trimmed; blank records none")
    void registrationAuthority() {
        assertThat(AssertedOrigin.read(null, claims(Map.of()), " https://incommon.org ", null)
                .registrationAuthority()).isEqualTo("https://incommon.org");
        assertThat(AssertedOrigin.read(null, claims(Map.of()), "", null).registrationAuthority()).isNull();
    }

    @Test
    @DisplayName("Given an email the identity provider is trusted for, then its domain is recorded in lower case")
    void trustedEmail() {
        AssertedOrigin.Email email = new AssertedOrigin.Email("Erin@Uni-Allowed.Example.ORG", true, () -> null);

        assertThat(AssertedOrigin.read(null, claims(Map.of()), null, email).emailDomain())
                .isEqualTo("uni-allowed.example.org");
    }

    @Test
    @DisplayName("Given an untrusted identity provider, then the domain counts only with email_verified true")
    void emailVerified() {
        assertThat(domain(new AssertedOrigin.Email("a@x.org", false, () -> true))).isEqualTo("x.org");
        assertThat(domain(new AssertedOrigin.Email("a@x.org", false, () -> "true"))).isEqualTo("x.org");
        assertThat(domain(new AssertedOrigin.Email("a@x.org", false, () -> false))).isEmpty();
        assertThat(domain(new AssertedOrigin.Email("a@x.org", false, () -> null))).isEmpty();
        assertThat(domain(new AssertedOrigin.Email("a@x.org", false, () -> "yes"))).isEmpty();
        // SAML: no email_verified claim to consult; only trust counts.
        assertThat(domain(new AssertedOrigin.Email("a@x.org", false, null))).isEmpty();
    }

    @Test
    @DisplayName("Given no address or one without @, then the recorded domain is empty")
    void noAddress() {
        assertThat(domain(new AssertedOrigin.Email(null, true, null))).isEmpty();
        assertThat(domain(new AssertedOrigin.Email("not-an-address", true, null))).isEmpty();
    }

    @Test
    @DisplayName("Given an address with several @, then the domain is what follows the last one")
    void lastAt() {
        assertThat(domain(new AssertedOrigin.Email("\"a@b\"@uni.org", true, null))).isEqualTo("uni.org");
    }

    private static String domain(AssertedOrigin.Email email) {
        return AssertedOrigin.read(null, claims(Map.of()), null, email).emailDomain();
    }
}
