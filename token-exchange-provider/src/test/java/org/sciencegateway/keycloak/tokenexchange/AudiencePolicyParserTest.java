package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AudiencePolicyParserTest {

    static Map<String, String> labPolicy() {
        Map<String, String> config = new HashMap<>();
        config.put(AudiencePolicyParser.ALLOWED_REQUESTERS, "jupyterhub");
        config.put(AudiencePolicyParser.REQUIRED_GROUPS, "/escape/users");
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "openid##profile");
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, "3600");
        config.put(AudiencePolicyParser.REFRESH_ALLOWED, "true");
        config.put(AudiencePolicyParser.WLCG_CLAIMS, "true");
        config.put(AudiencePolicyParser.WLCG_GROUPS_ROOT, "/escape");
        return config;
    }

    @Test
    @DisplayName("Given the lab rucio policy, then every field is parsed")
    void parsesLabPolicy() {
        AudiencePolicyParser.Result result = AudiencePolicyParser.parse("rucio exchange", "rucio", labPolicy());

        assertThat(result.problems()).isEmpty();
        AudiencePolicy policy = result.policy().orElseThrow();
        assertThat(policy.name()).isEqualTo("rucio exchange");
        assertThat(policy.audience()).isEqualTo("rucio");
        assertThat(policy.allowedRequesters()).containsExactly("jupyterhub");
        assertThat(policy.requiredGroups()).containsExactly("/escape/users");
        assertThat(policy.requiredRoles()).isEmpty();
        assertThat(policy.grantableScopes()).containsExactlyInAnyOrder("openid", "profile");
        assertThat(policy.maxLifetimeSeconds()).isEqualTo(3600);
        assertThat(policy.refreshAllowed()).isTrue();
        assertThat(policy.wlcgClaims()).isTrue();
        assertThat(policy.wlcgGroupsRoot()).isEqualTo("/escape");
    }

    @Test
    @DisplayName("Given only requesters and scopes, then lifetime is 1 h, refresh and WLCG are off, WLCG root is /")
    void defaults() {
        AudiencePolicy policy = AudiencePolicyParser.parse("p", "rucio", Map.of(
                AudiencePolicyParser.ALLOWED_REQUESTERS, "jupyterhub",
                AudiencePolicyParser.GRANTABLE_SCOPES, "openid")).policy().orElseThrow();

        assertThat(policy.maxLifetimeSeconds()).isEqualTo(AudiencePolicyParser.DEFAULT_LIFETIME_SECONDS);
        assertThat(policy.refreshAllowed()).isFalse();
        assertThat(policy.wlcgClaims()).isFalse();
        assertThat(policy.wlcgGroupsRoot()).isEqualTo("/");
        assertThat(policy.idTokenOnRefresh()).isFalse();
        assertThat(policy.lifetimeBound()).isEqualTo(AudiencePolicy.LifetimeBound.SUBJECT_TOKEN);
    }

    @Test
    @DisplayName("Given a lifetime bound, then subject-token and session are accepted and anything else is named")
    void lifetimeBound() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.LIFETIME_BOUND, "session");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).policy().orElseThrow().lifetimeBound())
                .isEqualTo(AudiencePolicy.LifetimeBound.SESSION);
        config.put(AudiencePolicyParser.LIFETIME_BOUND, "forever");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Lifetime bound: forever is not subject-token or session.");
    }

    @Test
    @DisplayName("Given ID token on refresh, then it needs refresh allowed and openid grantable, and says which is missing")
    void idTokenOnRefreshNeedsRefreshAndOpenid() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.REFRESH_ID_TOKEN, "true");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).policy().orElseThrow().idTokenOnRefresh()).isTrue();

        config.put(AudiencePolicyParser.REFRESH_ALLOWED, "false");
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "profile");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems()).containsExactly(
                "ID token on refresh: switch on Refresh token allowed too, or switch this off.",
                "ID token on refresh: add openid to the grantable scopes, or switch this off.");

        config.put(AudiencePolicyParser.REFRESH_ID_TOKEN, "sometimes");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("ID token on refresh: sometimes is not true or false.");
    }

    @Test
    @DisplayName("Given multivalued settings with blanks and duplicates, then they are trimmed and collapsed")
    void valuesAreTrimmed() {
        assertThat(AudiencePolicyParser.values(" a ## b##a####")).containsExactly("a", "b");
        assertThat(AudiencePolicyParser.values("   ")).isEmpty();
        assertThat(AudiencePolicyParser.values(null)).isEmpty();
    }

    @Test
    @DisplayName("Given no configuration at all, then the problems name the requesters and the scopes")
    void emptyConfig() {
        AudiencePolicyParser.Result result = AudiencePolicyParser.parse("p", "rucio", null);

        assertThat(result.valid()).isFalse();
        assertThat(result.problems()).anyMatch(p -> p.startsWith("Requesting clients:"))
                .anyMatch(p -> p.startsWith("Grantable scopes:"));
    }

    @Test
    @DisplayName("Given the audience itself as requester, then the policy is rejected")
    void audienceAsRequester() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.ALLOWED_REQUESTERS, "jupyterhub##rucio");

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Requesting clients: remove rucio; a client cannot exchange tokens for itself "
                        + "through its own policy.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"escape/users", "/escape/", "//escape", "/", "/escape//users"})
    @DisplayName("Given a required group that is not a group path, then the problem says how to write one")
    void badGroupPath(String group) {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.REQUIRED_GROUPS, group);

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Required groups: " + group + " is not a group path; write it as /parent/child.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"open\"id", "a\\b", "é"})
    @DisplayName("Given a grantable scope with characters RFC 6749 forbids, then the policy is rejected")
    void badScope(String scope) {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "openid##" + scope);

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .singleElement().asString().contains("is not a valid scope name");
    }

    @Test
    @DisplayName("Given a scope value with a space (two scopes in one value), then the policy is rejected")
    void scopeWithSpace() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "openid profile");

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Grantable scopes: openid profile is not a valid scope name; enter one scope per value.");
    }

    @Test
    @DisplayName("Given offline_access among the grantable scopes, then the policy is rejected")
    void offlineAccess() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "openid##offline_access");

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Grantable scopes: remove offline_access; exchanged tokens must not open offline sessions.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"59", "86401", "0", "-5"})
    @DisplayName("Given a lifetime out of range, then the problem states the allowed range")
    void lifetimeOutOfRange(String lifetime) {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, lifetime);

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Maximum lifetime: " + lifetime
                        + " is out of range; enter a number of seconds from 60 to 86400.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1h", "3600.0", "lots", "99999999999"})
    @DisplayName("Given a lifetime that is not a whole number, then the problem gives an example")
    void lifetimeNotANumber(String lifetime) {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, lifetime);

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("Maximum lifetime: " + lifetime + " is not a whole number of seconds; enter e.g. 3600.");
    }

    @Test
    @DisplayName("Given lifetimes at both ends of the range, then they are accepted")
    void lifetimeBounds() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, "60");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).valid()).isTrue();
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, "86400");
        assertThat(AudiencePolicyParser.parse("p", "rucio", config).valid()).isTrue();
    }

    @Test
    @DisplayName("Given a boolean setting that is neither true nor false, then it is rejected, not read as false")
    void badBoolean() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.REFRESH_ALLOWED, "yes");
        config.put(AudiencePolicyParser.WLCG_CLAIMS, "on");

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems()).containsExactly(
                "Refresh token allowed: yes is not true or false.", "WLCG claims: on is not true or false.");
    }

    @Test
    @DisplayName("Given a WLCG groups root that is not a group path, then the policy is rejected")
    void badWlcgRoot() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.WLCG_GROUPS_ROOT, "escape");

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .containsExactly("WLCG groups root: escape is not a group path; write it as /vo or / for all groups.");
    }

    @Test
    @DisplayName("Given any problem message, then it avoids the quote and brace syntax of MessageFormat")
    void messagesAreMessageFormatSafe() {
        Map<String, String> config = new HashMap<>(labPolicy());
        config.put(AudiencePolicyParser.ALLOWED_REQUESTERS, "rucio");
        config.put(AudiencePolicyParser.REQUIRED_GROUPS, "x");
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "offline_access##a\"b");
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, "x");
        config.put(AudiencePolicyParser.REFRESH_ALLOWED, "x");
        config.put(AudiencePolicyParser.WLCG_GROUPS_ROOT, "x");

        assertThat(AudiencePolicyParser.parse("p", "rucio", config).problems())
                .hasSize(7)
                .allSatisfy(p -> assertThat(p).doesNotContain("'", "{", "}"));
    }

    @Test
    @DisplayName("Given a minimum level and a maximum age, then the policy carries both")
    void assuranceFields() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.MINIMUM_LEVEL, " https://refeds.org/profile/mfa ");
        config.put(AudiencePolicyParser.MAX_AUTH_AGE_SECONDS, "43200");

        AudiencePolicy policy = AudiencePolicyParser.parse("ssh", "ssh-gateway", config).policy().orElseThrow();

        assertThat(policy.assurance()).isEqualTo(new AssuranceRequirement("https://refeds.org/profile/mfa", 43200));
        assertThat(AudiencePolicyParser.parse("rucio", "rucio", labPolicy()).policy().orElseThrow().assurance())
                .isEqualTo(AssuranceRequirement.NONE);
    }

    @Test
    @DisplayName("Given a negative, zero, huge or non-numeric age, or a level with spaces, then each is named")
    void badAssuranceFields() {
        Map<String, String> config = labPolicy();
        config.put(AudiencePolicyParser.MAX_AUTH_AGE_SECONDS, "-5");
        config.put(AudiencePolicyParser.MINIMUM_LEVEL, "two factors");
        assertThat(AudiencePolicyParser.parse("ssh", "ssh-gateway", config).problems()).containsExactly(
                "Minimum authentication level: two factors is neither a level number such as 2 nor an ACR value "
                        + "such as https://refeds.org/profile/mfa.",
                "Maximum authentication age: -5 is negative; enter a number of seconds such as 43200, or leave it "
                        + "empty for no limit.");

        config.remove(AudiencePolicyParser.MINIMUM_LEVEL);
        for (String age : new String[] {"0", "31536001"}) {
            config.put(AudiencePolicyParser.MAX_AUTH_AGE_SECONDS, age);
            assertThat(AudiencePolicyParser.parse("ssh", "ssh-gateway", config).problems()).containsExactly(
                    "Maximum authentication age: " + age + " is out of range; enter a number of seconds from 1 to "
                            + "31536000, or leave it empty for no limit.");
        }
        config.put(AudiencePolicyParser.MAX_AUTH_AGE_SECONDS, "12h");
        assertThat(AudiencePolicyParser.parse("ssh", "ssh-gateway", config).problems()).containsExactly(
                "Maximum authentication age: 12h is not a whole number of seconds; enter e.g. 43200.");
    }
}
