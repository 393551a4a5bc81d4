package org.sciencegateway.keycloak.assurance.claim;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.MessageFormat;
import java.util.Properties;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.keycloak.protocol.ProtocolMapperConfigException;

class AdminMessageTest {

    /** What Keycloak's ProtocolMappersResource puts into error_description (no admin message has our key). */
    private static String shownToAdmin(ProtocolMapperConfigException e) {
        return MessageFormat.format(new Properties().getProperty(e.getMessageKey(), e.getMessage()), e.getParameters());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "Plain text, nothing special.",
        "unknown key 'x'. Write {\"idp\": \"a\"}.",
        "pattern ^(a{2,})$ is not allowed",
        "it''s doubled already, and '{0}' stays",
        "only a closing brace }",
        "'"
    })
    @DisplayName("Given a message with apostrophes and braces, then the admin reads it unchanged")
    void reachesTheAdminUnchanged(String message) {
        ProtocolMapperConfigException e = AdminMessage.configError(message);

        assertThat(e.getMessageKey()).as("a key, or Keycloak answers 500").isNotNull();
        assertThat(shownToAdmin(e)).isEqualTo(message);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Token claim name \"sub\" is a standard claim.", "Group /escape is not allowed."})
    @DisplayName("Given a message without apostrophes or braces, then the exception carries it as it is")
    void plainMessagesStayPlain(String message) {
        assertThat(AdminMessage.configError(message).getMessage()).isEqualTo(message);
    }
}
