package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AudienceExchangeRulesTest {

    private static final AudiencePolicy LAB = AudiencePolicyParser
            .parse("rucio exchange", "rucio", AudiencePolicyParserTest.labPolicy()).policy().orElseThrow();

    private static AudiencePolicy withRoles(String... roles) {
        return new AudiencePolicy("p", "rucio", Set.of("jupyterhub"), Set.of(), Set.of(roles),
                Set.of("openid", "profile"), 3600, false, false, "/", false,
                AudiencePolicy.LifetimeBound.SUBJECT_TOKEN, AssuranceRequirement.NONE);
    }

    private static ExchangeRefusal refusal(Runnable check) {
        ExchangeRefusal r = catchThrowableOfType(ExchangeRefusal.class, check::run);
        assertThat(r).as("expected a refusal").isNotNull();
        return r;
    }

    @Test
    @DisplayName("Given the requester named by the policy, then it passes")
    void allowedRequester() {
        assertThatCode(() -> AudienceExchangeRules.checkRequester(LAB, "jupyterhub", false)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given a requester the policy does not name, then unauthorized_client")
    void otherRequester() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkRequester(LAB, "other-gateway", false));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.UNAUTHORIZED_CLIENT);
        assertThat(r.reason()).isEqualTo("requester_not_allowed");
    }

    @Test
    @DisplayName("Given a public requester, even one the policy names, then unauthorized_client")
    void publicRequester() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkRequester(LAB, "jupyterhub", true));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.UNAUTHORIZED_CLIENT);
        assertThat(r.reason()).isEqualTo("requester_public");
    }

    @Test
    @DisplayName("Given a requester matching only by case, then unauthorized_client (client IDs are exact)")
    void caseMismatch() {
        assertThat(refusal(() -> AudienceExchangeRules.checkRequester(LAB, "JupyterHub", false)).error())
                .isEqualTo(ExchangeRefusal.UNAUTHORIZED_CLIENT);
    }

    @Test
    @DisplayName("Given @approved-hubs among the requesters, then an approved hub passes, an unapproved client does "
            + "not, and the entry is no client id; without the entry an approved hub must be named")
    void approvedHubs() {
        AudiencePolicy hubs = new AudiencePolicy("p", "rucio", Set.of("jupyterhub", AudienceExchangeRules.APPROVED_HUBS),
                Set.of(), Set.of(), Set.of("openid"), 3600, false, false, "/", false,
                AudiencePolicy.LifetimeBound.SUBJECT_TOKEN, AssuranceRequirement.NONE);
        assertThatCode(() -> AudienceExchangeRules.checkRequester(hubs, "astro-hub", false, true))
                .doesNotThrowAnyException();
        assertThat(refusal(() -> AudienceExchangeRules.checkRequester(hubs, "astro-hub", false, false)).reason())
                .isEqualTo("requester_not_allowed");
        assertThat(refusal(() -> AudienceExchangeRules.checkRequester(hubs, AudienceExchangeRules.APPROVED_HUBS,
                false, false)).reason()).isEqualTo("requester_not_allowed");
        assertThat(refusal(() -> AudienceExchangeRules.checkRequester(hubs, "astro-hub", true, true)).reason())
                .isEqualTo("requester_public");
        assertThat(refusal(() -> AudienceExchangeRules.checkRequester(LAB, "astro-hub", false, true)).reason())
                .isEqualTo("requester_not_allowed");
        assertThat(AudienceExchangeRules.approvedHub("approved")).isTrue();
        assertThat(AudienceExchangeRules.approvedHub("pending")).isFalse();
        assertThat(AudienceExchangeRules.approvedHub(null)).isFalse();
    }

    @Test
    @DisplayName("Given a refresh token asked for where the policy allows it, then it passes")
    void refreshAllowed() {
        assertThatCode(() -> AudienceExchangeRules.checkRequestedTokenType(LAB, true, true)).doesNotThrowAnyException();
        assertThatCode(() -> AudienceExchangeRules.checkRequestedTokenType(withRoles(), false, false))
                .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given a refresh token asked for where the policy forbids it, then invalid_request")
    void refreshForbidden() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkRequestedTokenType(withRoles(), true, true));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
        assertThat(r.reason()).isEqualTo("refresh_not_allowed");
    }

    @Test
    @DisplayName("Given a refresh token asked for on a server without the refresh token SPI, then invalid_request naming it; an access token still passes")
    void refreshUnsupportedByServer() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkRefreshTokensSupported(LAB, true, false));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
        assertThat(r.reason()).isEqualTo("refresh_unsupported_by_server");
        assertThat(r.description()).contains("26.7");
        assertThatCode(() -> AudienceExchangeRules.checkRefreshTokensSupported(LAB, false, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> AudienceExchangeRules.checkRefreshTokensSupported(LAB, true, true))
                .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given a refresh token asked for by a client with refresh tokens switched off, then invalid_request")
    void refreshOffForClient() {
        assertThat(refusal(() -> AudienceExchangeRules.checkRequestedTokenType(LAB, true, false)).reason())
                .isEqualTo("refresh_disabled_for_requester");
    }

    @Test
    @DisplayName("Given a subject token issued to the requester, then it passes; to another client or none, invalid_grant")
    void subjectHolder() {
        assertThatCode(() -> AudienceExchangeRules.checkSubjectHolder("jupyterhub", "jupyterhub"))
                .doesNotThrowAnyException();
        assertThat(refusal(() -> AudienceExchangeRules.checkSubjectHolder("other-gateway", "jupyterhub")).error())
                .isEqualTo(ExchangeRefusal.INVALID_GRANT);
        assertThat(refusal(() -> AudienceExchangeRules.checkSubjectHolder(null, "jupyterhub")).error())
                .isEqualTo(ExchangeRefusal.INVALID_GRANT);
    }

    @Test
    @DisplayName("Given a user in the required group or one of its subgroups, then the user passes")
    void userInGroup() {
        assertThatCode(() -> AudienceExchangeRules.checkUser(LAB, List.of("/escape/users"), r -> false))
                .doesNotThrowAnyException();
        assertThatCode(() -> AudienceExchangeRules.checkUser(LAB, List.of("/other", "/escape/users/atlas"), r -> false))
                .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given a user without groups, in the parent group, or in a group sharing a name prefix, then access_denied")
    void userNotInGroup() {
        for (List<String> groups : List.of(List.<String>of(), List.of("/escape"), List.of("/escape/users-old"),
                List.of("/escape/admins"))) {
            ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkUser(LAB, groups, role -> true));
            assertThat(r.error()).as("groups %s", groups).isEqualTo(ExchangeRefusal.ACCESS_DENIED);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.reason()).isEqualTo("user_not_in_required_group");
        }
    }

    @Test
    @DisplayName("Given required roles, then a user holding one passes and a user holding none is denied")
    void roles() {
        AudiencePolicy policy = withRoles("rucio-user", "data-manager");
        assertThatCode(() -> AudienceExchangeRules.checkUser(policy, List.of(), "data-manager"::equals))
                .doesNotThrowAnyException();
        assertThat(refusal(() -> AudienceExchangeRules.checkUser(policy, List.of("/escape/users"), r -> false)).reason())
                .isEqualTo("user_lacks_required_role");
    }

    @Test
    @DisplayName("Given a policy without groups or roles, then every user passes")
    void noUserConditions() {
        assertThatCode(() -> AudienceExchangeRules.checkUser(withRoles(), List.of(), r -> false))
                .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given seed 002's scope and a subject token with openid profile email, then exactly openid profile")
    void seedScopes() {
        assertThat(AudienceExchangeRules.grantScopes(LAB, "openid profile", Set.of("openid", "profile", "email")))
                .containsExactly("openid", "profile");
    }

    @Test
    @DisplayName("Given no scope parameter, then the policy's scopes that the subject token carries")
    void defaultScopes() {
        assertThat(AudienceExchangeRules.grantScopes(LAB, null, Set.of("openid", "email")))
                .containsExactly("openid");
        assertThat(AudienceExchangeRules.grantScopes(LAB, "  ", Set.of("openid", "profile", "email")))
                .containsExactly("openid", "profile");
    }

    @Test
    @DisplayName("Given no scope parameter and no scope in common, then invalid_scope")
    void noCommonScope() {
        assertThat(refusal(() -> AudienceExchangeRules.grantScopes(LAB, null, Set.of("email"))).reason())
                .isEqualTo("no_common_scope");
    }

    @Test
    @DisplayName("Given a requested scope the policy does not grant (even if the subject has it), then invalid_scope")
    void scopeOutsidePolicy() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.grantScopes(LAB, "openid email",
                Set.of("openid", "profile", "email")));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_SCOPE);
        assertThat(r.reason()).isEqualTo("scope_not_in_policy");
    }

    @Test
    @DisplayName("Given a requested scope the policy grants but the subject token lacks, then invalid_scope (no upscoping)")
    void upscoping() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.grantScopes(LAB, "openid profile", Set.of("openid")));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_SCOPE);
        assertThat(r.reason()).isEqualTo("scope_not_in_subject_token");
    }

    @Test
    @DisplayName("Given a scope parameter with control characters or quotes, then invalid_scope")
    void malformedScope() {
        assertThat(refusal(() -> AudienceExchangeRules.grantScopes(LAB, "openid\tprofile", Set.of("openid"))).reason())
                .isEqualTo("scope_malformed");
        assertThat(refusal(() -> AudienceExchangeRules.grantScopes(LAB, "\"openid\"", Set.of("openid"))).reason())
                .isEqualTo("scope_malformed");
    }

    @Test
    @DisplayName("Given repeated scopes and extra spaces, then each granted scope appears once")
    void repeatedScopes() {
        assertThat(AudienceExchangeRules.grantScopes(LAB, " openid  openid profile ", Set.of("openid", "profile")))
                .containsExactly("openid", "profile");
    }

    @Test
    @DisplayName("Given a scope claim, then it splits on spaces; null and blank give nothing")
    void scopesOf() {
        assertThat(AudienceExchangeRules.scopesOf("openid  profile email")).containsExactly("openid", "profile", "email");
        assertThat(AudienceExchangeRules.scopesOf(null)).isEmpty();
        assertThat(AudienceExchangeRules.scopesOf(" ")).isEmpty();
    }

    @Test
    @DisplayName("Given the subject-token bound, then the exchanged token ends at the earliest of policy, Keycloak and subject; the session is not consulted")
    void expiryBoundBySubjectToken() {
        long now = 1_000_000;
        assertThat(AudienceExchangeRules.expiry(LAB, now, now + 300, now + 7200, now + 60)).isEqualTo(now + 300);
        assertThat(AudienceExchangeRules.expiry(LAB, now, now + 7200, now + 200, 0)).isEqualTo(now + 200);
        assertThat(AudienceExchangeRules.expiry(LAB, now, now + 7200, now + 7200, 0)).isEqualTo(now + 3600);
        assertThat(AudienceExchangeRules.expiry(LAB, now, 0, 0, 0)).isEqualTo(now + 3600);
    }

    @Test
    @DisplayName("Given the session bound, then the exchanged token ends at the earlier of policy and session, outliving the hub's 300 s token")
    void expiryBoundBySession() {
        java.util.Map<String, String> config = AudiencePolicyParserTest.labPolicy();
        config.put(AudiencePolicyParser.LIFETIME_BOUND, "session");
        AudiencePolicy notebooks = AudiencePolicyParser.parse("rucio exchange", "rucio", config).policy().orElseThrow();
        long now = 1_000_000;

        assertThat(AudienceExchangeRules.expiry(notebooks, now, now + 300, now + 300, now + 1800)).isEqualTo(now + 1800);
        assertThat(AudienceExchangeRules.expiry(notebooks, now, now + 300, now + 300, now + 36_000)).isEqualTo(now + 3600);
        assertThat(AudienceExchangeRules.expiry(notebooks, now, now + 300, now + 300, now + 10)).isEqualTo(now + 10);
        assertThat(AudienceExchangeRules.expiry(notebooks, now, 0, 0, 0)).as("no session bound: the maximum")
                .isEqualTo(now + 3600);
    }

    @Test
    @DisplayName("Given WLCG root /escape, then only the user's groups in that subtree are listed, sorted")
    void wlcgGroups() {
        assertThat(AudienceExchangeRules.wlcgGroups(LAB,
                List.of("/escape/users", "/other", "/escape-old", "/escape", "/escape/admins")))
                .containsExactly("/escape", "/escape/admins", "/escape/users");
    }

    @Test
    @DisplayName("Given WLCG root /, then all of the user's groups are listed")
    void wlcgAllGroups() {
        assertThat(AudienceExchangeRules.wlcgGroups(withRoles(), List.of("/b", "/a/x"))).containsExactly("/a/x", "/b");
    }

    private static AudiencePolicy ssh(String level, int maxAge) {
        return new AudiencePolicy("ssh", "ssh-gateway", Set.of("jupyterhub"), Set.of(), Set.of(),
                Set.of("openid"), 3600, true, false, "/", false, AudiencePolicy.LifetimeBound.SUBJECT_TOKEN,
                new AssuranceRequirement(level, maxAge));
    }

    @Test
    @DisplayName("Given a session below the minimum level, then insufficient_user_authentication names both levels")
    void levelTooLow() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkAssurance(
                ssh("https://refeds.org/profile/mfa", 0), 2, new AudienceExchangeRules.SessionAssurance(1, 1000), 1010));

        assertThat(r.error()).isEqualTo("insufficient_user_authentication");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.reason()).isEqualTo("authentication_level_too_low");
        assertThat(r.description()).isEqualTo("The policy for audience ssh-gateway requires authentication level "
                + "https://refeds.org/profile/mfa (2); this session reached 1. Sign in again with "
                + "acr_values=https://refeds.org/profile/mfa.");
        assertThat(r.details()).containsEntry("required_level", "https://refeds.org/profile/mfa (2)")
                .containsEntry("achieved_level", "1");
    }

    @Test
    @DisplayName("Given a session without any recorded level, then a minimum refuses it")
    void noLevel() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkAssurance(ssh("1", 0), 1,
                new AudienceExchangeRules.SessionAssurance(-1, 1000), 1010));
        assertThat(r.details()).containsEntry("achieved_level", "-1").containsEntry("required_level", "1");
    }

    @Test
    @DisplayName("Given the level but an authentication older than the maximum age or of unknown time, then refused")
    void tooOld() {
        ExchangeRefusal old = refusal(() -> AudienceExchangeRules.checkAssurance(ssh("2", 60), 2,
                new AudienceExchangeRules.SessionAssurance(2, 1000), 1061));
        assertThat(old.reason()).isEqualTo("authentication_too_old");
        assertThat(old.details()).containsEntry("auth_age", "61").containsEntry("max_auth_age", "60");

        ExchangeRefusal unknown = refusal(() -> AudienceExchangeRules.checkAssurance(ssh(null, 60), -1,
                new AudienceExchangeRules.SessionAssurance(1, 0), 1061));
        assertThat(unknown.reason()).isEqualTo("authentication_time_unknown");
    }

    @Test
    @DisplayName("Given the level, or a higher one, within the maximum age, then the exchange goes on")
    void sufficient() {
        assertThatCode(() -> AudienceExchangeRules.checkAssurance(ssh("2", 60), 2,
                new AudienceExchangeRules.SessionAssurance(3, 1000), 1060)).doesNotThrowAnyException();
        assertThatCode(() -> AudienceExchangeRules.checkAssurance(ssh(null, 0), -1,
                new AudienceExchangeRules.SessionAssurance(-1, 0), 1060)).doesNotThrowAnyException();
    }

    private static AudiencePolicy bound(AudiencePolicy.LifetimeBound bound) {
        return new AudiencePolicy("p", "rucio", Set.of("jupyterhub"), Set.of(), Set.of(),
                Set.of("openid", "profile"), 3600, false, false, "/", false, bound, AssuranceRequirement.NONE);
    }

    @Test
    @DisplayName("Given an offline subject token under lifetime.bound=session, then invalid_request; online passes; "
            + "under subject_token the offline token passes")
    void offlineSubjectUnderSessionBound() {
        ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkSubjectSession(
                bound(AudiencePolicy.LifetimeBound.SESSION), true, 1000, 0));
        assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
        assertThat(r.reason()).isEqualTo("subject_token_offline");
        assertThatCode(() -> AudienceExchangeRules.checkSubjectSession(bound(AudiencePolicy.LifetimeBound.SESSION),
                false, 1000, 0)).doesNotThrowAnyException();
        assertThatCode(() -> AudienceExchangeRules.checkSubjectSession(
                bound(AudiencePolicy.LifetimeBound.SUBJECT_TOKEN), true, 1000, 0)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given an offline subject token under a policy with a minimum level, then invalid_request under "
            + "every bound (the level belongs to the sign-in session); an online one passes")
    void offlineSubjectUnderAMinimumLevel() {
        for (AudiencePolicy.LifetimeBound b : AudiencePolicy.LifetimeBound.values()) {
            AudiencePolicy policy = new AudiencePolicy("p", "ssh-gateway", Set.of("jupyterhub"), Set.of(), Set.of(),
                    Set.of("openid", "profile"), 900, false, false, "/", false, b,
                    new AssuranceRequirement("https://refeds.org/profile/mfa", 43200));
            ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkSubjectSession(policy, true, 1000, 0));
            assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
            assertThat(r.reason()).isEqualTo("subject_token_offline");
            assertThatCode(() -> AudienceExchangeRules.checkSubjectSession(policy, false, 1000, 0))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    @DisplayName("Given a subject token issued before the user's not-before (admin sign-out), then invalid_request "
            + "under every bound; issued at or after it, passes")
    void userNotBefore() {
        for (AudiencePolicy.LifetimeBound b : AudiencePolicy.LifetimeBound.values()) {
            ExchangeRefusal r = refusal(() -> AudienceExchangeRules.checkSubjectSession(bound(b), false, 999, 1000));
            assertThat(r.error()).isEqualTo(ExchangeRefusal.INVALID_REQUEST);
            assertThat(r.reason()).isEqualTo("subject_token_before_user_not_before");
        }
        assertThatCode(() -> AudienceExchangeRules.checkSubjectSession(bound(AudiencePolicy.LifetimeBound.SESSION),
                false, 1000, 1000)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("Given the bound-level note, then only this user's level counts; missing, malformed or another "
            + "user's: none")
    void boundLevel() {
        assertThat(SessionAssuranceReader.boundLevel("u1 2", "u1")).isEqualTo(2);
        assertThat(SessionAssuranceReader.boundLevel("u2 2", "u1")).isEqualTo(-1);
        assertThat(SessionAssuranceReader.boundLevel(null, "u1")).isEqualTo(-1);
        assertThat(SessionAssuranceReader.boundLevel("u1", "u1")).isEqualTo(-1);
        assertThat(SessionAssuranceReader.boundLevel("u1 x", "u1")).isEqualTo(-1);
    }
}
