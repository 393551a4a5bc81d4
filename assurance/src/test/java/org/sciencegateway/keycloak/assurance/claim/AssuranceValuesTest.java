package org.sciencegateway.keycloak.assurance.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AssuranceValuesTest {

    private static final AssuranceValues LAB = AssuranceValues.parse(List.of(
            "1 https://refeds.org/assurance", "1 https://refeds.org/assurance/IAP/low",
            " 2  https://refeds.org/profile/mfa "));

    @Test
    @DisplayName("Given the level reached, then every value up to it, in order; MFA only from level 2")
    void valuesPerLevel() {
        assertThat(LAB.at(0)).isEmpty();
        assertThat(LAB.at(1)).containsExactly("https://refeds.org/assurance", "https://refeds.org/assurance/IAP/low");
        assertThat(LAB.at(2)).containsExactly("https://refeds.org/assurance", "https://refeds.org/assurance/IAP/low",
                "https://refeds.org/profile/mfa");
    }

    @Test
    @DisplayName("Given an entry without a level or with two values, or no entry, then the message names it")
    void malformed() {
        assertThatThrownBy(() -> AssuranceValues.parse(List.of("https://refeds.org/profile/mfa")))
                .hasMessage("Assurance values: \"https://refeds.org/profile/mfa\" is not a level and a value "
                        + "separated by a space, e.g. 2 https://refeds.org/profile/mfa.");
        assertThatThrownBy(() -> AssuranceValues.parse(List.of("2 a b"))).hasMessageContaining("\"2 a b\"");
        assertThatThrownBy(() -> AssuranceValues.parse(List.of(" "))).hasMessage(
                "Assurance values: add at least one entry such as 1 https://refeds.org/assurance/IAP/low.");
    }
}
