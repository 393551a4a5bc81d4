package org.sciencegateway.keycloak.theme.picker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The picker's server side and its messages live in one module: the keys the Java code sets must be there. */
class PickerMessagesTest {

    @Test
    @DisplayName("Given the picker's error keys, then the theme defines each in English and German")
    void errorKeysDefined() throws IOException {
        for (String language : new String[]{"en", "de"}) {
            Properties messages = new Properties();
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(
                    "theme/science-gateway/login/messages/messages_" + language + ".properties")) {
                assertThat(in).isNotNull();
                messages.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            }
            assertThat(messages.stringPropertyNames()).as(language).contains(InstitutionPicker.ERROR_NOT_OFFERED,
                    InstitutionPicker.ERROR_QUERY_TOO_LONG, InstitutionPicker.ERROR_NO_LOCAL_LOGIN);
        }
    }

    @Test
    @DisplayName("Given the picker's template name, then the theme ships that template")
    void templateShipped() {
        assertThat(getClass().getClassLoader().getResource("theme/science-gateway/login/" + PickerTheme.TEMPLATE))
                .isNotNull();
    }
}
