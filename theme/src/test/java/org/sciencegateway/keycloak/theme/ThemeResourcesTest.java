package org.sciencegateway.keycloak.theme;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ThemeResourcesTest {

    private static final String LOGIN = "theme/science-gateway/login/";
    /** Keycloak's base login theme, which keycloak.v2 (our parent) extends: the only other source of messages. */
    private static final String KEYCLOAK_BASE = "theme/base/login/";

    private static String text(String path) throws IOException {
        try (InputStream in = ThemeResourcesTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Properties messages(String language) throws IOException {
        return messages(LOGIN, language);
    }

    static Properties messages(String theme, String language) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = ThemeResourcesTest.class.getClassLoader()
                .getResourceAsStream(theme + "messages/messages_" + language + ".properties")) {
            assertThat(in).isNotNull();
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return properties;
    }

    private static Set<String> keysUsedBy(String template) throws IOException {
        Set<String> keys = new HashSet<>();
        Matcher matcher = Pattern.compile("msg\\(\"([A-Za-z0-9]+)\"").matcher(text(LOGIN + template));
        while (matcher.find()) {
            keys.add(matcher.group(1));
        }
        return keys;
    }

    @Test
    @DisplayName("Given the English and German messages, then both define exactly the same keys, none empty")
    void languagesComplete() throws IOException {
        Properties en = messages("en");
        Properties de = messages("de");
        assertThat(de.stringPropertyNames()).isEqualTo(en.stringPropertyNames());
        en.forEach((key, value) -> assertThat((String) value).as("en %s", key).isNotBlank());
        de.forEach((key, value) -> assertThat((String) value).as("de %s", key).isNotBlank());
    }

    @Test
    @DisplayName("Given the templates, then every message key they use is defined by the theme or by Keycloak's base theme, in both languages")
    void templatesUseDefinedKeys() throws IOException {
        Set<String> used = new HashSet<>(keysUsedBy("institution-picker.ftl"));
        used.addAll(keysUsedBy("error.ftl"));
        for (String language : new String[]{"en", "de"}) {
            Set<String> defined = new HashSet<>(messages(language).stringPropertyNames());
            defined.addAll(messages(KEYCLOAK_BASE, language).stringPropertyNames());
            assertThat(defined).as(language).containsAll(used);
        }
    }

    @Test
    @DisplayName("Given the theme JAR, then it declares the login theme, extends keycloak.v2 and loads no external asset")
    void selfContained() throws IOException {
        assertThat(text("META-INF/keycloak-themes.json")).contains("\"science-gateway\"").contains("\"login\"");
        Properties theme = new Properties();
        theme.load(new java.io.StringReader(text(LOGIN + "theme.properties")));
        assertThat(theme.getProperty("parent")).isEqualTo("keycloak.v2");
        for (String file : new String[]{"institution-picker.ftl", "error.ftl", "resources/js/institution-picker.js",
                "resources/css/institution-picker.css"}) {
            assertThat(text(LOGIN + file)).as(file).doesNotContainPattern("(?i)(src|href)=\"(https?:)?//")
                    .doesNotContainPattern("(?i)@import\\s+url\\(\\s*['\"]?(https?:)?//");
        }
    }
}
