package org.sciencegateway.keycloak.theme.picker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResultRowTest {

    private static final String RESOURCES = "/resources/abc12/login/science-gateway";
    private static final ResultRow.LogoPaths PATHS = new ResultRow.LogoPaths(RESOURCES, "/realms/vre/institutions/logo/");

    private static String logoUrl(String logo) {
        return ResultRow.logoUrl(new Institution("idp-x", "X", List.of(), List.of(), logo), PATHS);
    }

    @Test
    @DisplayName("Given a theme logo, then the row's logo URL is the login theme's resource; web and server paths stay")
    void logosResolved() {
        assertThat(logoUrl("theme:img/logos/institution-a.svg"))
                .isEqualTo(RESOURCES + "/img/logos/institution-a.svg");
        assertThat(logoUrl("https://uni-a.example.org/logo.png"))
                .isEqualTo("https://uni-a.example.org/logo.png");
        assertThat(logoUrl("/static/logo.png")).isEqualTo("/static/logo.png");
        assertThat(logoUrl(null)).isNull();
        assertThat(logoUrl("inline:0123abcd")).isEqualTo("/realms/vre/institutions/logo/idp-x?v=0123abcd");
        assertThat(logoUrl("inline:../x")).as("only a version after inline:").isNull();
        assertThat(logoUrl("data:image/svg+xml;base64,PHN2Zy8+")).isNull();
    }

    @Test
    @DisplayName("Given a logo that could run script, then the row has no logo and shows the initial")
    void unsafeLogoDropped() {
        ResultRow row = ResultRow.of(new Institution("x", "ørsted institute", List.of(), List.of(),
                "javascript:alert(1)"), false, PATHS, null, null);
        assertThat(row.getLogoUrl()).isNull();
        assertThat(row.getInitial()).isEqualTo("Ø");
        assertThat(ResultRow.of(new Institution("t", "𝕋est", List.of(), List.of(), null), false, PATHS, null, null)
                .getInitial()).isEqualTo("𝕋");
    }

    @Test
    @DisplayName("Given a row, then its JSON carries the configured logo, the resolved URL and no login URL")
    void json() {
        ResultRow row = ResultRow.of(new Institution("institution-a", "University A", List.of("uni-a.example.org"),
                List.of(), "theme:img/logos/institution-a.svg"), true, PATHS, "https://kc/broker/institution-a",
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
        assertThat(ResultRow.of(bern, false, PATHS, null, java.util.Locale.GERMAN).getName())
                .isEqualTo("Universität Bern Test IdP");
        assertThat(ResultRow.of(bern, false, PATHS, null, java.util.Locale.forLanguageTag("de-CH")).json())
                .containsEntry("name", "Universität Bern Test IdP").containsEntry("initial", "U");
        assertThat(ResultRow.of(bern, false, PATHS, null, java.util.Locale.forLanguageTag("it")).getName())
                .isEqualTo("University of Bern Test IdP");
        Institution danish = new Institution("dk", "Københavns Universitet", List.of(), List.of(), null,
                java.util.Map.of("da", "Københavns Universitet"));
        assertThat(ResultRow.of(danish, false, PATHS, null, java.util.Locale.GERMAN).getName())
                .isEqualTo("Københavns Universitet");
    }
}
