package org.sciencegateway.keycloak.idpfilter.select;

import org.junit.jupiter.api.DisplayName;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilterTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AdmissionTest {

    private static final String HUB_RULES = InstitutionFilterTest.HUB_RULES;

    @Test
    @DisplayName("Given the hub rules and no hint, then exactly the allowed IdPs are admitted, without local login")
    void hubRules() throws Exception {
        Admission scope = Admission.of(InstitutionFilterTest.filter(HUB_RULES), List.of());
        assertThat(List.of("institution-a", "institution-b", "institution-saml", "federation-proxy"))
                .allMatch(scope.admitted());
        assertThat(scope.admitted().test("institution-blocked")).isFalse();
        assertThat(scope.admitted().test("")).isFalse();
        assertThat(scope.localLogin()).isFalse();
    }

    @Test
    @DisplayName("Given hints, then only hinted IdPs the rules allow are admitted; a disallowed hint adds nothing")
    void hintsNarrow() throws Exception {
        Admission scope = Admission.of(InstitutionFilterTest.filter(HUB_RULES),
                List.of("institution-a", "institution-blocked", "institution-b"));
        assertThat(scope.admitted().test("institution-a")).isTrue();
        assertThat(scope.admitted().test("institution-b")).isTrue();
        assertThat(scope.admitted().test("institution-saml")).isFalse();
        assertThat(scope.admitted().test("institution-blocked")).isFalse();
        assertThat(scope.hints()).containsExactly("institution-a", "institution-blocked", "institution-b");
    }

    @Test
    @DisplayName("Given only disallowed hints, then nothing is admitted")
    void disallowedHintsAdmitNothing() throws Exception {
        Admission scope = Admission.of(InstitutionFilterTest.filter(HUB_RULES), List.of("institution-blocked"));
        assertThat(scope.admitted().test("institution-blocked")).isFalse();
        assertThat(scope.admitted().test("institution-a")).isFalse();
    }

    @Test
    @DisplayName("Given rules admitting by pattern, then the filter's own judgement on each alias applies")
    void patternRules() throws Exception {
        Admission scope = Admission.of(InstitutionFilterTest.filter("""
                {"localAccounts": true, "allow": [{"idpPattern": "institution-.*"}], "deny": [{"idp": "institution-blocked"}]}"""),
                List.of());
        assertThat(scope.admitted().test("institution-a")).isTrue();
        assertThat(scope.admitted().test("institution-blocked")).isFalse();
        assertThat(scope.admitted().test("federation-proxy")).isFalse();
        assertThat(scope.localLogin()).isTrue();
    }

    @Test
    @DisplayName("Given a client without rules, then everything is admitted unless hints narrow it")
    void unrestricted() {
        Admission open = Admission.of(null, List.of());
        assertThat(open.admitted().test("anything")).isTrue();
        assertThat(open.localLogin()).isTrue();
        Admission hinted = Admission.of(null, List.of("a", "b"));
        assertThat(hinted.admitted().test("a")).isTrue();
        assertThat(hinted.admitted().test("c")).isFalse();
    }

    @Test
    @DisplayName("Given the NOTHING scope, then nothing is admitted")
    void nothing() {
        assertThat(Admission.NOTHING.admitted().test("institution-a")).isFalse();
        assertThat(Admission.NOTHING.localLogin()).isFalse();
    }

    @Test
    @DisplayName("Given kc_idp_hint values, then aliases are split at commas, trimmed, blanks and repeats dropped")
    void hintsParsed() {
        assertThat(Admission.hints(null)).isEmpty();
        assertThat(Admission.hints("  ")).isEmpty();
        assertThat(Admission.hints(" institution-a, ,institution-b,institution-a ,"))
                .containsExactly("institution-a", "institution-b");
    }
}
