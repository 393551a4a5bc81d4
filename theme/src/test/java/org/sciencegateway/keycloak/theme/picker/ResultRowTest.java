package org.sciencegateway.keycloak.theme.picker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResultRowTest {

    private static final String RESOURCES = "/resources/abc12/login/science-gateway";

    @Test
    @DisplayName("Given a theme logo, then the row's logo URL is the login theme's resource; web and server paths stay")
    void logosResolved() {
        assertThat(ResultRow.logoUrl("theme:img/logos/institution-a.svg", RESOURCES))
                .isEqualTo(RESOURCES + "/img/logos/institution-a.svg");
        assertThat(ResultRow.logoUrl("https://uni-a.example.org/logo.png", RESOURCES))
                .isEqualTo("https://uni-a.example.org/logo.png");
        assertThat(ResultRow.logoUrl("/static/logo.png", RESOURCES)).isEqualTo("/static/logo.png");
        assertThat(ResultRow.logoUrl(null, RESOURCES)).isNull();
    }

    @Test
    @DisplayName("Given a logo that could run script, then the row has no logo and shows the initial")
    void unsafeLogoDropped() {
        ResultRow row = ResultRow.of(new Institution("x", "ørsted institute", List.of(), List.of(),
                "javascript:alert(1)"), false, RESOURCES, null, null);
        assertThat(row.getLogoUrl()).isNull();
        assertThat(row.getInitial()).isEqualTo("Ø");
        assertThat(ResultRow.of(new Institution("t", "𝕋est", List.of(), List.of(), null), false, RESOURCES, null, null)
                .getInitial()).isEqualTo("𝕋");
    }

    @Test
    @DisplayName("Given a row, then its JSON carries the configured logo, the resolved URL and no login URL")
    void json() {
        ResultRow row = ResultRow.of(new Institution("institution-a", "University A", List.of("uni-a.example.org"),
                List.of(), "theme:img/logos/institution-a.svg"), true, RESOURCES, "https://kc/broker/institution-a",
                java.util.Locale.ENGLISH);
        assertThat(row.json()).containsEntry("alias", "institution-a").containsEntry("name", "University A")
                .containsEntry("initial", "U").containsEntry("logo", "theme:img/logos/institution-a.svg")
                .containsEntry("logoUrl", RESOURCES + "/img/logos/institution-a.svg").containsEntry("recent", true)
                .doesNotContainKey("loginUrl");
        assertThat(row.getLoginUrl()).isEqualTo("https://kc/broker/institution-a");
    }

    @Test
    @DisplayName("Given names by language, then the row shows the user's language, else English, else the display name")
    void nameInTheUsersLanguage() {
        Institution bern = new Institution("swiss-bern", "University of Bern Test IdP", List.of(), List.of(), null,
                java.util.Map.of("de", "Universität Bern Test IdP", "en", "University of Bern Test IdP",
                        "fr", "Université de Berne Test IdP"));
        assertThat(ResultRow.of(bern, false, RESOURCES, null, java.util.Locale.GERMAN).getName())
                .isEqualTo("Universität Bern Test IdP");
        assertThat(ResultRow.of(bern, false, RESOURCES, null, java.util.Locale.forLanguageTag("de-CH")).json())
                .containsEntry("name", "Universität Bern Test IdP").containsEntry("initial", "U");
        assertThat(ResultRow.of(bern, false, RESOURCES, null, java.util.Locale.forLanguageTag("it")).getName())
                .isEqualTo("University of Bern Test IdP");
        Institution danish = new Institution("dk", "Københavns Universitet", List.of(), List.of(), null,
                java.util.Map.of("da", "Københavns Universitet"));
        assertThat(ResultRow.of(danish, false, RESOURCES, null, java.util.Locale.GERMAN).getName())
                .isEqualTo("Københavns Universitet");
    }
}
