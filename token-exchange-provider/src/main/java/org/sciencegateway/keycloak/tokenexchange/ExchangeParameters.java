package org.sciencegateway.keycloak.tokenexchange;

import java.util.List;
import java.util.Map;
import org.keycloak.OAuth2Constants;

/**
 * The form parameters of a token exchange request governed by an audience policy, checked before any token is
 * parsed. Everything this provider does not implement (delegation, impersonation, brokering, resource indicators,
 * non-access-token subjects) is refused explicitly rather than ignored.
 *
 * @param audience            the single requested audience
 * @param subjectToken        the subject token, not yet verified
 * @param requestedScope      the {@code scope} parameter, or null when absent
 * @param wantsRefreshToken   whether {@code requested_token_type} asks for a refresh token
 */
public record ExchangeParameters(String audience, String subjectToken, String requestedScope,
                                 boolean wantsRefreshToken) {


    /** Keycloak's own access tokens stay far below this; anything larger is not one of them. */
    public static final int MAX_SUBJECT_TOKEN_LENGTH = 16_384;
    public static final int MAX_SCOPE_LENGTH = 2_048;
    public static final int MAX_AUDIENCE_LENGTH = 255;

    private static final List<String> UNSUPPORTED = List.of(
            "actor_token", "actor_token_type", "requested_subject", "requested_issuer", "subject_issuer");

    /**
     * @param form the request's form parameters (name to all its values)
     * @throws ExchangeRefusal naming the first problem found
     */
    public static ExchangeParameters from(Map<String, List<String>> form) {
        List<String> audiences = form.getOrDefault("audience", List.of());
        if (audiences.size() != 1) {
            throw ExchangeRefusal.invalidTarget("multiple_audiences",
                    "Exactly one audience per exchange is supported; send one audience parameter.");
        }
        String audience = audiences.get(0);
        if (audience == null || audience.isBlank() || audience.length() > MAX_AUDIENCE_LENGTH) {
            throw ExchangeRefusal.invalidTarget("audience_malformed", "The audience parameter is empty or too long.");
        }
        if (!form.getOrDefault("resource", List.of()).isEmpty()) {
            throw ExchangeRefusal.invalidTarget("resource_unsupported",
                    "The resource parameter is not supported for audience " + audience + "; use audience only.");
        }
        for (String name : UNSUPPORTED) {
            if (!form.getOrDefault(name, List.of()).isEmpty()) {
                throw ExchangeRefusal.invalidRequest(name + "_unsupported",
                        "Parameter " + name + " is not supported for audience " + audience + ".");
            }
        }

        String subjectToken = single(form, "subject_token");
        if (subjectToken == null || subjectToken.isEmpty()) {
            throw ExchangeRefusal.invalidRequest("subject_token_missing", "Parameter subject_token is required.");
        }
        if (subjectToken.length() > MAX_SUBJECT_TOKEN_LENGTH) {
            throw ExchangeRefusal.invalidRequest("subject_token_oversized",
                    "Parameter subject_token exceeds " + MAX_SUBJECT_TOKEN_LENGTH + " characters.");
        }
        String subjectTokenType = single(form, "subject_token_type");
        if (subjectTokenType == null || subjectTokenType.isEmpty()) {
            throw ExchangeRefusal.invalidRequest("subject_token_type_missing",
                    "Parameter subject_token_type is required.");
        }
        if (!OAuth2Constants.ACCESS_TOKEN_TYPE.equals(subjectTokenType)) {
            throw ExchangeRefusal.invalidRequest("subject_token_type_unsupported",
                    "Only subject_token_type " + OAuth2Constants.ACCESS_TOKEN_TYPE + " is supported.");
        }

        String requestedType = single(form, "requested_token_type");
        boolean refresh;
        if (requestedType == null || OAuth2Constants.ACCESS_TOKEN_TYPE.equals(requestedType)) {
            refresh = false;
        } else if (OAuth2Constants.REFRESH_TOKEN_TYPE.equals(requestedType)) {
            refresh = true;
        } else {
            throw ExchangeRefusal.invalidRequest("requested_token_type_unsupported",
                    "requested_token_type must be " + OAuth2Constants.ACCESS_TOKEN_TYPE + " or " + OAuth2Constants.REFRESH_TOKEN_TYPE + ".");
        }

        String scope = single(form, "scope");
        if (scope != null && scope.length() > MAX_SCOPE_LENGTH) {
            throw ExchangeRefusal.invalidScope("scope_oversized",
                    "Parameter scope exceeds " + MAX_SCOPE_LENGTH + " characters.");
        }
        return new ExchangeParameters(audience, subjectToken, scope, refresh);
    }

    /** Keycloak rejects repeated single-valued parameters before the grant runs; this is the second line. */
    private static String single(Map<String, List<String>> form, String name) {
        List<String> values = form.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw ExchangeRefusal.invalidRequest("parameter_repeated", "Parameter " + name + " is repeated.");
        }
        return values.isEmpty() ? null : values.get(0);
    }
}
