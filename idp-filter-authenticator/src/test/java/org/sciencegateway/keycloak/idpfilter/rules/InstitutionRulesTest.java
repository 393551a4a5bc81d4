package org.sciencegateway.keycloak.idpfilter.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InstitutionRulesTest {

    @Test
    @DisplayName("Given the lab hub rules, then they parse into three allow entries without local accounts")
    void parsesHubRules() throws Exception {
        InstitutionRules rules = InstitutionRules.parse(InstitutionFilterTest.HUB_RULES);
        assertThat(rules.allow()).hasSize(3);
        assertThat(rules.deny()).isEmpty();
        assertThat(rules.localAccounts()).isFalse();
        assertThat(rules.namedIdentityProviders())
                .containsExactly("institution-a", "institution-b", "institution-saml", "federation-proxy");
        assertThat(rules.allow().get(2).label()).isEqualTo("proxy-allowed");
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Given a broken rule document, then parsing fails with a message that says what to fix")
    @CsvSource(delimiter = '|', textBlock = """
            empty document                | ''                                                   | The rules are empty
            malformed JSON                | '{\"allow\": [{\"idp\": \"a\"}'                       | not valid JSON (line 1
            not an object                 | '[1, 2]'                                             | must be a JSON object
            unknown top-level key         | '{\"alow\": []}'                                     | Unknown key 'alow'
            nobody could log in           | '{\"allow\": []}'                                    | nobody could log in
            no allow at all               | '{\"deny\": [{\"idp\": \"a\"}]}'                      | nobody could log in
            localAccounts not boolean     | '{\"localAccounts\": \"yes\", \"allow\": [{\"idp\": \"a\"}]}' | localAccounts must be true or false
            allow not an array            | '{\"allow\": {\"idp\": \"a\"}}'                       | allow must be a JSON array
            entry not an object           | '{\"allow\": [\"a\"]}'                                | allow[0] must be a JSON object
            entry without condition       | '{\"allow\": [{\"name\": \"x\"}]}'                    | allow[0] has no condition
            unknown entry key             | '{\"allow\": [{\"idp\": \"a\", \"entityId\": \"x\"}]}' | allow[0]: unknown key 'entityId'
            idp and idpPattern            | '{\"allow\": [{\"idp\": \"a\", \"idpPattern\": \"a\"}]}' | either idp or idpPattern
            institution and its pattern   | '{\"allow\": [{\"institution\": \"a\", \"institutionPattern\": \"a\"}]}' | either institution or institutionPattern
            blank alias                   | '{\"allow\": [{\"idp\": \" \"}]}'                     | allow[0].idp must be a non-empty string
            number alias                  | '{\"allow\": [{\"idp\": 3}]}'                         | allow[0].idp must be a string or a non-empty array
            empty alias list              | '{\"allow\": [{\"idp\": []}]}'                        | allow[0].idp must be a string or a non-empty array
            bad element in list           | '{\"allow\": [{\"idp\": [\"a\", 1]}]}'                | allow[0].idp[1] must be a non-empty string
            bad regular expression        | '{\"allow\": [{\"idpPattern\": \"institution-[\"}]}'  | allow[0].idpPattern is not a valid regular expression
            bad institution pattern       | '{\"allow\": [{\"idp\": \"a\"}], \"deny\": [{\"institutionPattern\": \"(x\"}]}' | deny[0].institutionPattern is not a valid regular expression
            email address as domain       | '{\"allow\": [{\"emailDomain\": \"a@uni.org\"}]}'     | is not a domain
            blank name                    | '{\"allow\": [{\"idp\": \"a\", \"name\": \"\"}]}'     | allow[0].name must be a non-empty string
            """)
    void rejectsBrokenDocuments(String caseName, String document, String message) {
        assertThatThrownBy(() -> InstitutionRules.parse(document))
                .isInstanceOf(InvalidRulesException.class)
                .hasMessageContaining(message);
    }

    @Test
    @DisplayName("Given a null document, then parsing fails rather than allowing everything")
    void nullDocument() {
        assertThatThrownBy(() -> InstitutionRules.parse(null)).isInstanceOf(InvalidRulesException.class);
    }

    @Test
    @DisplayName("Given an oversized pattern, then parsing fails")
    void oversizedPattern() {
        String pattern = "a".repeat(600);
        assertThatThrownBy(() -> InstitutionRules.parse("{\"allow\": [{\"idpPattern\": \"" + pattern + "\"}]}"))
                .hasMessageContaining("longer than 512");
    }

    @Test
    @DisplayName("Given only localAccounts true, then the rules are valid with an empty allow list")
    void localOnly() throws Exception {
        InstitutionRules rules = InstitutionRules.parse("{\"localAccounts\": true}");
        assertThat(rules.allow()).isEmpty();
        assertThat(rules.localAccounts()).isTrue();
    }

    @Test
    @DisplayName("Given the hub console review's documents — a key twice, a second object after the first, values "
            + "with spaces or control characters, nesting 1,200 deep — then each is refused with a message (one "
            + "reading of a document; no server error)")
    void documentsWithTwoReadingsAreRefused() {
        for (String document : java.util.List.of(
                "{\"allow\": [{\"idp\": \"institution-b\", \"idp\": \"institution-a\"}]}",
                "{\"allow\": [{\"idp\": \"institution-b\"}]} {\"allow\": [{\"idp\": \"institution-a\"}]}",
                "{\"allow\": [{\"idp\": \" institution-a\"}]}",
                "{\"allow\": [{\"idp\": \"institution-a\\u0000\"}]}",
                "{\"allow\": [{\"idp\": [\"institution-a\", \"institution-b\\n\"]}]}",
                "{\"allow\": [], \"allow\": [{\"idp\": \"institution-a\"}]}",
                "{\"allow\": " + "[".repeat(1200) + "]".repeat(1200) + "}")) {
            assertThatThrownBy(() -> InstitutionRules.parse(document)).as(document.length() > 100
                    ? document.substring(0, 100) : document).isInstanceOf(InvalidRulesException.class)
                    .hasMessageNotContaining("null");
        }
    }
}
