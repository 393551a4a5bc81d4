package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.OAuth2Constants;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExchangeParametersTest {

    /** Seed 002: what the CERN VRE hub sends. */
    static Map<String, List<String>> seed002() {
        Map<String, List<String>> form = new HashMap<>();
        form.put("grant_type", List.of("urn:ietf:params:oauth:grant-type:token-exchange"));
        form.put("subject_token_type", List.of(OAuth2Constants.ACCESS_TOKEN_TYPE));
        form.put("subject_token", List.of("eyJ.subject.token"));
        form.put("scope", List.of("openid profile"));
        form.put("audience", List.of("rucio"));
        return form;
    }

    private static ExchangeRefusal refusal(Map<String, List<String>> form) {
        try {
            ExchangeParameters.from(form);
        } catch (ExchangeRefusal r) {
            return r;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    @DisplayName("Given seed 002's request, then audience, token and scope are taken and an access token is asked for")
    void seed002IsAccepted() {
        ExchangeParameters params = ExchangeParameters.from(seed002());

        assertThat(params).isEqualTo(new ExchangeParameters("rucio", "eyJ.subject.token", "openid profile", false));
    }

    @Test
    @DisplayName("Given requested_token_type refresh_token, then a refresh token is asked for")
    void refreshRequested() {
        Map<String, List<String>> form = seed002();
        form.put("requested_token_type", List.of(OAuth2Constants.REFRESH_TOKEN_TYPE));

        assertThat(ExchangeParameters.from(form).wantsRefreshToken()).isTrue();
    }

    @Test
    @DisplayName("Given requested_token_type access_token, then an access token is asked for")
    void accessRequested() {
        Map<String, List<String>> form = seed002();
        form.put("requested_token_type", List.of(OAuth2Constants.ACCESS_TOKEN_TYPE));

        assertThat(ExchangeParameters.from(form).wantsRefreshToken()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"urn:ietf:params:oauth:token-type:id_token", "urn:ietf:params:oauth:token-type:saml2",
            "urn:ietf:params:oauth:token-type:jwt", "bogus"})
    @DisplayName("Given any other requested_token_type, then invalid_request")
    void otherRequestedTypes(String type) {
        Map<String, List<String>> form = seed002();
        form.put("requested_token_type", List.of(type));

        assertThat(refusal(form).error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
        assertThat(refusal(form).reason()).isEqualTo("requested_token_type_unsupported");
    }

    @Test
    @DisplayName("Given two audiences, then invalid_target")
    void twoAudiences() {
        Map<String, List<String>> form = seed002();
        form.put("audience", List.of("rucio", "other"));

        ExchangeRefusal r = refusal(form);
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_TARGET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.reason()).isEqualTo("multiple_audiences");
    }

    @Test
    @DisplayName("Given no audience, then invalid_target")
    void noAudience() {
        Map<String, List<String>> form = seed002();
        form.remove("audience");

        assertThat(refusal(form).error()).isEqualTo(ExchangeRefusal.INVALID_TARGET);
    }

    @Test
    @DisplayName("Given an empty or over-long audience, then invalid_target")
    void malformedAudience() {
        Map<String, List<String>> form = seed002();
        form.put("audience", List.of(" "));
        assertThat(refusal(form).reason()).isEqualTo("audience_malformed");
        form.put("audience", List.of("a".repeat(256)));
        assertThat(refusal(form).reason()).isEqualTo("audience_malformed");
    }

    @Test
    @DisplayName("Given a resource parameter, then invalid_target (only audience is governed)")
    void resource() {
        Map<String, List<String>> form = seed002();
        form.put("resource", List.of("https://rucio.example"));

        assertThat(refusal(form).error()).isEqualTo(ExchangeRefusal.INVALID_TARGET);
    }

    @ParameterizedTest
    @ValueSource(strings = {"actor_token", "actor_token_type", "requested_subject", "requested_issuer", "subject_issuer"})
    @DisplayName("Given a delegation, impersonation or brokering parameter, then invalid_request naming it")
    void unsupportedParameters(String name) {
        Map<String, List<String>> form = seed002();
        form.put(name, List.of("x"));

        ExchangeRefusal r = refusal(form);
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
        assertThat(r.description()).contains(name);
    }

    @Test
    @DisplayName("Given no subject_token, then invalid_request")
    void missingSubjectToken() {
        Map<String, List<String>> form = seed002();
        form.remove("subject_token");

        assertThat(refusal(form).reason()).isEqualTo("subject_token_missing");
    }

    @Test
    @DisplayName("Given an oversized subject_token, then invalid_request before any parsing")
    void oversizedSubjectToken() {
        Map<String, List<String>> form = seed002();
        form.put("subject_token", List.of("a".repeat(ExchangeParameters.MAX_SUBJECT_TOKEN_LENGTH + 1)));

        assertThat(refusal(form).reason()).isEqualTo("subject_token_oversized");
    }

    @Test
    @DisplayName("Given no subject_token_type, then invalid_request")
    void missingSubjectTokenType() {
        Map<String, List<String>> form = seed002();
        form.remove("subject_token_type");

        assertThat(refusal(form).reason()).isEqualTo("subject_token_type_missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"urn:ietf:params:oauth:token-type:id_token", "urn:ietf:params:oauth:token-type:jwt",
            "urn:ietf:params:oauth:token-type:refresh_token", "access_token"})
    @DisplayName("Given a subject_token_type other than access_token, then invalid_request")
    void wrongSubjectTokenType(String type) {
        Map<String, List<String>> form = seed002();
        form.put("subject_token_type", List.of(type));

        assertThat(refusal(form).reason()).isEqualTo("subject_token_type_unsupported");
    }

    @Test
    @DisplayName("Given an oversized scope, then invalid_scope")
    void oversizedScope() {
        Map<String, List<String>> form = seed002();
        form.put("scope", List.of("a ".repeat(ExchangeParameters.MAX_SCOPE_LENGTH)));

        assertThat(refusal(form).error()).isEqualTo(ExchangeRefusal.INVALID_SCOPE);
    }

    @Test
    @DisplayName("Given a repeated single-valued parameter, then invalid_request")
    void repeated() {
        Map<String, List<String>> form = seed002();
        form.put("subject_token", List.of("a", "b"));

        assertThat(refusal(form).reason()).isEqualTo("parameter_repeated");
    }

    @Test
    @DisplayName("Given a refusal, then it is an exception without a stack trace cost and carries its description")
    void refusalShape() {
        assertThatThrownBy(() -> ExchangeParameters.from(Map.of()))
                .isInstanceOf(ExchangeRefusal.class)
                .hasMessageContaining("Exactly one audience");
    }
}
