package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.keycloak.TokenVerifier;
import org.keycloak.common.VerificationException;
import org.keycloak.common.crypto.CryptoIntegration;
import org.keycloak.jose.jwk.JSONWebKeySet;
import org.keycloak.jose.jwk.JWK;
import org.keycloak.representations.AccessToken;
import org.keycloak.util.JWKSUtils;
import org.keycloak.util.JsonSerialization;

/**
 * The checks Rucio's {@code validate_jwt} ({@code lib/rucio/core/oidc.py}) applies to a bearer token, done as a
 * resource server does them: from the issuer's discovery document and JWKS, with nothing shared with Keycloak.
 * {@code iss} equals the configured issuer exactly, the signature verifies against the issuer's JWKS, {@code exp} is
 * in the future, {@code aud} contains the configured audience, {@code scope} contains the configured scopes.
 */
public final class RucioTokenRules {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        CryptoIntegration.init(RucioTokenRules.class.getClassLoader());
    }

    private final String issuer;
    private final String audience;
    private final Set<String> requiredScopes;

    /** Rucio's defaults for an OIDC issuer: audience {@code rucio}, scopes {@code openid profile}. */
    public static RucioTokenRules forIssuer(String issuer) {
        return new RucioTokenRules(issuer, "rucio", Set.of("openid", "profile"));
    }

    public RucioTokenRules(String issuer, String audience, Set<String> requiredScopes) {
        this.issuer = issuer;
        this.audience = audience;
        this.requiredScopes = Set.copyOf(requiredScopes);
    }

    /** The verified token, or a {@link VerificationException} naming the rule it breaks. */
    public AccessToken validate(String jwt) throws VerificationException {
        TokenVerifier<AccessToken> verifier = TokenVerifier.create(jwt, AccessToken.class);
        String kid = verifier.getHeader().getKeyId();
        Map<String, PublicKey> keys = JWKSUtils.getKeysForUse(jwks(), JWK.Use.SIG);
        PublicKey key = keys.get(kid);
        if (key == null) {
            throw new VerificationException("No key " + kid + " in the issuer's JWKS");
        }
        AccessToken token = verifier.publicKey(key)
                .withChecks(new TokenVerifier.RealmUrlCheck(issuer), TokenVerifier.IS_ACTIVE)
                .verify()
                .getToken();
        if (token.getExp() == null || token.getExp() <= System.currentTimeMillis() / 1000) {
            throw new VerificationException("Token has no future exp");
        }
        if (!token.hasAudience(audience)) {
            throw new VerificationException("aud " + Arrays.toString(token.getAudience()) + " lacks " + audience);
        }
        Set<String> scopes = token.getScope() == null ? Set.of() : Set.of(token.getScope().split(" "));
        if (!scopes.containsAll(requiredScopes)) {
            throw new VerificationException("scope " + token.getScope() + " lacks one of " + requiredScopes);
        }
        return token;
    }

    private JSONWebKeySet jwks() {
        JsonNode discovery = getJson(issuer + "/.well-known/openid-configuration");
        String jwksUri = discovery.path("jwks_uri").asText();
        try {
            return JsonSerialization.readValue(get(jwksUri), JSONWebKeySet.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode getJson(String url) {
        try {
            return MAPPER.readTree(get(url));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String get(String url) {
        HttpResponse<String> response = Http.send(Http.request(url).GET());
        if (response.statusCode() != 200) {
            throw new AssertionError(url + " answered " + response.statusCode());
        }
        return response.body();
    }
}
