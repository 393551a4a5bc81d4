package org.sciencegateway.keycloak.idpfilter.mapper;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.text.MessageFormat;

import static org.assertj.core.api.Assertions.assertThat;

class InstitutionFilterMapperTest {

    @Test
    @DisplayName("Given a validation message with JSON braces and quotes, then Keycloak's MessageFormat step shows it intact")
    void rejectionSurvivesMessageFormat() {
        String message = "Invalid institution rules: allow[0]: unknown key 'x'. Write {\"idp\": \"a\"}.";
        var exception = AdminMessage.configError(message);

        assertThat(exception.getMessageKey()).isNotNull();
        // Keycloak formats the admin messages' entry for the key, or the message itself when there is none.
        assertThat(MessageFormat.format(exception.getMessage(), exception.getParameters())).isEqualTo(message);
    }
}
