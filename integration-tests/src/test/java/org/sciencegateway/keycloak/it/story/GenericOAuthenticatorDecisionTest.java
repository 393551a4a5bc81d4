package org.sciencegateway.keycloak.it.story;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Configuration;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Outcome;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Release;

/** The test-side model of oauthenticator's decision, checked against the upstream rules it mirrors. */
class GenericOAuthenticatorDecisionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKENS = "{\"access_token\": \"a\", \"token_type\": \"Bearer\", \"refresh_token\": \"r\","
            + " \"id_token\": \"i\", \"scope\": \"openid profile email\"}";

    private static JsonNode authState(String userInfo) throws Exception {
        return GenericOAuthenticatorDecision.authState(JSON.readTree(TOKENS), JSON.readTree(userInfo));
    }

    private static GenericOAuthenticatorDecision decide(Configuration config, String userInfo) throws Exception {
        return GenericOAuthenticatorDecision.decide(config, authState(userInfo));
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    @DisplayName("Given the recipe and a member of /escape/users, then admitted, not admin, groups synced")
    void memberAdmitted(Release release) throws Exception {
        var decision = decide(Configuration.recipe(release),
                "{\"preferred_username\": \"Alice\", \"groups\": [\"/escape/users\", \"/other\"]}");
        assertThat(decision.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(decision.username()).as("normalize_username lowercases").isEqualTo("alice");
        assertThat(decision.admin()).isFalse();
        assertThat(decision.groups()).containsExactly("/escape/users", "/other");
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    @DisplayName("Given the recipe and a member of /escape/admins, then admitted as admin")
    void adminAdmitted(Release release) throws Exception {
        var decision = decide(Configuration.recipe(release),
                "{\"preferred_username\": \"carol\", \"groups\": [\"/escape/users\", \"/escape/admins\"]}");
        assertThat(decision.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(decision.admin()).isTrue();
        assertThat(decision.groups()).containsExactly("/escape/admins", "/escape/users");
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    @DisplayName("Given the recipe and no groups claim at all, then refused (the missing key means no group)")
    void missingClaimRefused(Release release) throws Exception {
        var decision = decide(Configuration.recipe(release), "{\"preferred_username\": \"bob\"}");
        assertThat(decision.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(decision.groups()).isEmpty();
    }

    @Test
    @DisplayName("Given oauthenticator 17 with auth_state_groups_key \"groups\", then no user has groups: the key is relative to auth_state, not to the userinfo response")
    void bareGroupsKeyFindsNothingIn17() throws Exception {
        var decision = decide(Configuration.recipe(Release.V17).withGroupsKey("groups"),
                "{\"preferred_username\": \"carol\", \"groups\": [\"/escape/users\", \"/escape/admins\"]}");
        assertThat(decision.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(decision.admin()).isFalse();
    }

    @Test
    @DisplayName("Given oauthenticator 17 without a groups key, then GenericOAuthenticator's default oauth_user.groups applies")
    void defaultKeyIn17() throws Exception {
        var decision = decide(Configuration.recipe(Release.V17).withGroupsKey(null),
                "{\"preferred_username\": \"alice\", \"groups\": [\"/escape/users\"]}");
        assertThat(decision.outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    @DisplayName("Given oauthenticator 17, allowed_groups without manage_groups is a configuration error")
    void manageGroupsRequiredIn17() {
        assertThatThrownBy(() -> Configuration.recipe(Release.V17).withManageGroups(false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requires GenericOAuthenticator.manage_groups");
    }

    @Test
    @DisplayName("Given oauthenticator 16.3 without manage_groups, then allowed_groups and admin_groups still decide")
    void groupsWithoutManageGroupsIn16() throws Exception {
        var config = Configuration.recipe(Release.V16_3).withManageGroups(false);
        var admin = decide(config, "{\"preferred_username\": \"carol\", \"groups\": [\"/escape/admins\"]}");
        assertThat(admin.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(admin.admin()).isTrue();
        assertThat(admin.groups()).as("not synced without manage_groups").isEmpty();
        assertThat(decide(config, "{\"preferred_username\": \"bob\", \"groups\": [\"/other\"]}").outcome())
                .isEqualTo(Outcome.REFUSED);
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    @DisplayName("Given a groups claim that is one string, then Python's set() splits it into characters and nobody is admitted by it")
    void stringClaimBecomesCharacters(Release release) throws Exception {
        var decision = decide(Configuration.recipe(release),
                "{\"preferred_username\": \"alice\", \"groups\": \"/escape/users\"}");
        assertThat(decision.outcome()).isEqualTo(Outcome.REFUSED);
        if (release == Release.V17) {
            assertThat(decision.groups()).contains("/", "e", "s").doesNotContain("/escape/users");
        }
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    @DisplayName("Given a groups list holding an object, then set() raises TypeError, which is caught: no groups")
    void unhashableElement(Release release) throws Exception {
        var decision = decide(Configuration.recipe(release),
                "{\"preferred_username\": \"alice\", \"groups\": [\"/escape/users\", {\"x\": 1}]}");
        assertThat(decision.outcome()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    @DisplayName("Given a dotted key walking through a non-object, then no groups (TypeError caught)")
    void dottedKeyThroughNonObject() throws Exception {
        var decision = decide(Configuration.recipe(Release.V17).withGroupsKey("oauth_user.groups.names"),
                "{\"preferred_username\": \"alice\", \"groups\": [\"/escape/users\"]}");
        assertThat(decision.outcome()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    @DisplayName("Given no preferred_username in the userinfo response, then the login fails before any decision")
    void noUsername() throws Exception {
        var decision = decide(Configuration.recipe(Release.V17), "{\"preferred_username\": \"\", \"groups\": []}");
        assertThat(decision.outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    @DisplayName("Given check_allowed's order, then blocked_users beats admin, and admin_users, allowed_users, allow_all and allowed_scopes admit without groups")
    void checkAllowedOrder() throws Exception {
        String noGroups = "{\"preferred_username\": \"dora\"}";
        var recipe = Configuration.recipe(Release.V17);
        assertThat(decide(recipe.withUsers(Set.of("dora"), Set.of(), Set.of("dora")), noGroups).outcome())
                .isEqualTo(Outcome.REFUSED);
        var adminUser = decide(recipe.withUsers(Set.of("dora"), Set.of(), Set.of()), noGroups);
        assertThat(adminUser.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(adminUser.admin()).as("admin_users keep admin despite admin_groups").isTrue();
        assertThat(decide(recipe.withUsers(Set.of(), Set.of("dora"), Set.of()), noGroups).outcome())
                .isEqualTo(Outcome.ADMITTED);
        assertThat(decide(recipe.withAllowAll(true), noGroups).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(decide(recipe.withAllowedScopes(Set.of("openid", "email")), noGroups).outcome())
                .isEqualTo(Outcome.ADMITTED);
        assertThat(decide(recipe.withAllowedScopes(Set.of("openid", "wlcg")), noGroups).outcome())
                .isEqualTo(Outcome.REFUSED);
    }

    @Test
    @DisplayName("Given a token response, then auth_state has build_auth_state_dict's keys, scope split into a list")
    void authStateShape() throws Exception {
        JsonNode state = authState("{\"preferred_username\": \"alice\"}");
        assertThat(state.fieldNames()).toIterable().containsExactly("access_token", "refresh_token", "id_token",
                "scope", "token_response", "oauth_user");
        assertThat(state.path("scope")).hasSize(3);
        assertThat(state.path("oauth_user").path("preferred_username").asText()).isEqualTo("alice");
    }
}
