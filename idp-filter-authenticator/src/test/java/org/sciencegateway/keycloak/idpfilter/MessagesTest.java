package org.sciencegateway.keycloak.idpfilter;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class MessagesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"messages_en.properties", "messages_de.properties"})
    @DisplayName("Given the shipped messages, then Keycloak's MessageFormat step keeps every apostrophe")
    void apostrophesSurviveMessageFormat(String file) throws IOException {
        Properties messages = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/theme-resources/messages/" + file)) {
            assertThat(in).as(file).isNotNull();
            messages.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        assertThat(messages).isNotEmpty();
        for (String key : messages.stringPropertyNames()) {
            String pattern = messages.getProperty(key);
            String rendered = new MessageFormat(pattern).format(new Object[0]);
            // A single quote starts a quoted section in MessageFormat and disappears; the shipped text writes ''.
            assertThat(rendered).as(key).isEqualTo(pattern.replace("''", "'"));
        }
    }
}
