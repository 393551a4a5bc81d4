package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccountClaimTest {

    private static final AccountClaim REQUIRED = new AccountClaim("posix_username", "posix_username", true);
    private static final AccountClaim OPTIONAL = new AccountClaim("posix_username", "posix_username", false);

    private static ExchangeRefusal refusal(AccountClaim claim, String... values) {
        ExchangeRefusal r = catchThrowableOfType(ExchangeRefusal.class,
                () -> claim.decide("ssh-gateway", Arrays.asList(values)));
        assertThat(r).as("expected a refusal").isNotNull();
        return r;
    }

    @Test
    @DisplayName("Given one account value, then it is the claim's value")
    void oneValue() {
        assertThat(REQUIRED.decide("ssh-gateway", List.of("alovelace"))).contains("alovelace");
        assertThat(OPTIONAL.decide("ssh-gateway", List.of(" alovelace "))).contains("alovelace");
    }

    @Test
    @DisplayName("Given a required account and a user without the attribute, then access_denied (403) naming the attribute, with the attribute in the event")
    void requiredButMissing() {
        ExchangeRefusal r = refusal(REQUIRED);

        assertThat(r.error()).isEqualTo(ExchangeRefusal.ACCESS_DENIED);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.reason()).isEqualTo("user_lacks_account_attribute");
        assertThat(r.description()).isEqualTo("The user has no account for audience ssh-gateway: user attribute "
                + "posix_username is missing, and the policy requires it.");
        assertThat(r.details()).containsEntry(AccountClaim.DETAIL_ACCOUNT_ATTRIBUTE, "posix_username");
    }

    @Test
    @DisplayName("Given a required account and only blank values, then it is missing")
    void blankIsMissing() {
        assertThat(refusal(REQUIRED, " ", "").reason()).isEqualTo("user_lacks_account_attribute");
    }

    @Test
    @DisplayName("Given an optional account and a user without the attribute, then no claim and no refusal")
    void optionalAndMissing() {
        assertThat(OPTIONAL.decide("ssh-gateway", List.of())).isEmpty();
    }

    @Test
    @DisplayName("Given two different account values, required or not, then access_denied: no account is guessed")
    void ambiguous() {
        for (AccountClaim claim : List.of(REQUIRED, OPTIONAL)) {
            ExchangeRefusal r = refusal(claim, "alovelace", "ada");
            assertThat(r.error()).isEqualTo(ExchangeRefusal.ACCESS_DENIED);
            assertThat(r.reason()).isEqualTo("account_attribute_ambiguous");
            assertThat(r.description()).contains("2 values of user attribute posix_username");
        }
    }

    @Test
    @DisplayName("Given the same value twice, then it is one account")
    void duplicateValue() {
        assertThat(REQUIRED.decide("ssh-gateway", List.of("ada", "ada"))).contains("ada");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-rf", ".profile", "a b", "1000", "ada:x", "ad/a", "x23456789012345678901234567890123",
            "ad\na", "ädä"})
    @DisplayName("Given a value that is not a POSIX user name, then access_denied without echoing the value")
    void invalidAccountName(String value) {
        ExchangeRefusal r = refusal(OPTIONAL, value);

        assertThat(r.reason()).isEqualTo("account_attribute_invalid");
        assertThat(r.description()).doesNotContain(value.trim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ada", "a.lovelace", "ada_l", "ada-l", "_svc", "ADA", "x2345678901234567890123456789012"})
    @DisplayName("Given a POSIX user name, then it is accepted")
    void validAccountNames(String value) {
        assertThat(OPTIONAL.decide("ssh-gateway", List.of(value))).contains(value);
    }

    @Test
    @DisplayName("Given no account attribute configured, then nothing is read or refused")
    void none() {
        assertThat(AccountClaim.NONE.isNone()).isTrue();
        assertThat(AccountClaim.NONE.decide("ssh-gateway", List.of("x", "y"))).isEmpty();
    }

    @Test
    @DisplayName("Given a realm that lets users edit the account attribute, then the refusal is access_denied, "
            + "reason account_attribute_user_editable, naming the attribute")
    void userEditable() {
        ExchangeRefusal refusal = new AccountClaim("posix_username", "posix_username", true).userEditable("ssh-gateway");
        assertThat(refusal.error()).isEqualTo(ExchangeRefusal.ACCESS_DENIED);
        assertThat(refusal.reason()).isEqualTo("account_attribute_user_editable");
        assertThat(refusal.description()).contains("posix_username");
        assertThat(refusal.details()).containsEntry(AccountClaim.DETAIL_ACCOUNT_ATTRIBUTE, "posix_username");
    }
}
