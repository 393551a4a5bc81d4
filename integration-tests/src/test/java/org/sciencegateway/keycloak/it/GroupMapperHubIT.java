package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Configuration;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Release;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * The lab's {@code jupyterhub} client with the group mapper from the realm export, driven exactly as a stock
 * GenericOAuthenticator drives it: authorization-code exchange, then userinfo (or the ID token with
 * {@code userdata_from_id_token}), then {@code allowed_groups} / {@code admin_groups} on the {@code groups} list.
 */
@DisplayName("group-mapper: JupyterHub authorizes lab users by the groups claim")
@ExtendWith(SharedKeycloak.class)
class GroupMapperHubIT {

    /** The README recipe's allowed_groups, for the expected outcome of each lab user. */
    private static final Set<String> ALLOWED_GROUPS = Set.of("/escape/users", "/escape/admins");
    private static final String INTROSPECTOR = "gm-hub-introspector";
    private static final String INTROSPECTOR_SECRET = "gm-hub-introspector-secret";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    @BeforeAll
    static void startServer() {
        // A resource server that may introspect the hub's tokens (it is not in their audience).
        admin.post("/admin/realms/vre/clients", Map.of("clientId", INTROSPECTOR, "secret", INTROSPECTOR_SECRET,
                "publicClient", false, "standardFlowEnabled", false,
                "attributes", Map.of("allow.token.introspection.without.audience.check", "true"))).ok();
    }

    @AfterAll
    static void removeIntrospector() {
        admin.delete("/admin/realms/vre/clients/" + admin.clientUuid("vre", INTROSPECTOR)).ok();
    }

    /** The README's hub settings (oauthenticator 17), deciding on a login whose user data is {@code oauthUser}. */
    private static GenericOAuthenticatorDecision hubDecision(TokenSet tokens, JsonNode oauthUser) {
        return GenericOAuthenticatorDecision.decide(Configuration.recipe(Release.V17),
                GenericOAuthenticatorDecision.authState(tokens.json(), oauthUser));
    }

    private static boolean expectedAdmitted(LabUser user) {
        return user.groups().stream().anyMatch(ALLOWED_GROUPS::contains);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = LabUser.class, names = {"ALICE", "CAROL", "BOB", "DAVE", "ERIN"})
    @DisplayName("Given a lab user, when the hub reads groups from userinfo, then allowed_groups/admin_groups decide as the lab table says")
    void userinfoPath(LabUser user) {
        TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, user);
        JsonNode userinfo = OidcCalls.userinfo(server, "vre", tokens.accessToken());

        GenericOAuthenticatorDecision decision = hubDecision(tokens, userinfo);

        assertThat(decision.groups()).containsExactlyInAnyOrderElementsOf(user.groups());
        assertThat(decision.admitted()).as("admitted").isEqualTo(expectedAdmitted(user));
        assertThat(decision.admin()).as("admin").isEqualTo(user == LabUser.CAROL);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = LabUser.class, names = {"ALICE", "CAROL", "BOB"})
    @DisplayName("Given a lab user, when the hub reads groups from the ID token (userdata_from_id_token), then it decides the same")
    void idTokenPath(LabUser user) {
        TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, user);

        GenericOAuthenticatorDecision decision = hubDecision(tokens, tokens.idTokenClaims());

        assertThat(decision.groups()).containsExactlyInAnyOrderElementsOf(user.groups());
        assertThat(decision.admitted()).as("admitted").isEqualTo(expectedAdmitted(user));
        assertThat(decision.admin()).as("admin").isEqualTo(user == LabUser.CAROL);
    }

    @Test
    @DisplayName("Given alice, then she is admitted and not an admin; carol is admitted as admin; bob is refused")
    void labScenario() {
        Map<LabUser, GenericOAuthenticatorDecision> decisions = new java.util.EnumMap<>(LabUser.class);
        for (LabUser user : List.of(LabUser.ALICE, LabUser.CAROL, LabUser.BOB)) {
            TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, user);
            decisions.put(user, hubDecision(tokens, OidcCalls.userinfo(server, "vre", tokens.accessToken())));
        }

        assertThat(decisions.get(LabUser.ALICE).groups()).containsExactly("/escape/users");
        assertThat(decisions.get(LabUser.ALICE).admitted()).isTrue();
        assertThat(decisions.get(LabUser.ALICE).admin()).isFalse();
        assertThat(decisions.get(LabUser.CAROL).admitted()).isTrue();
        assertThat(decisions.get(LabUser.CAROL).admin()).isTrue();
        assertThat(decisions.get(LabUser.BOB).groups()).isEmpty();
        assertThat(decisions.get(LabUser.BOB).admitted()).isFalse();
        assertThat(decisions.get(LabUser.BOB).admin()).isFalse();
    }

    @Test
    @DisplayName("Given bob with no groups, then the groups claim is absent everywhere and no lookalike value admits him")
    void bobHasNoGroupsClaim() {
        TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.BOB);

        assertThat(tokens.idTokenClaims().has("groups")).isFalse();
        assertThat(tokens.accessTokenClaims().has("groups")).isFalse();
        assertThat(OidcCalls.userinfo(server, "vre", tokens.accessToken()).has("groups")).isFalse();
    }

    @Test
    @DisplayName("Given carol is also in /other-project/users, then no jupyterhub token, userinfo, introspection or refresh shows it")
    void otherProjectNeverAppears() {
        String carolId = admin.userId("vre", "carol");
        String otherGroupId = admin.get("/admin/realms/vre/group-by-path/other-project/users").ok().get("id").asText();
        admin.put("/admin/realms/vre/users/" + carolId + "/groups/" + otherGroupId, Map.of()).ok();
        try {
            assertThat(admin.get("/admin/realms/vre/users/" + carolId + "/groups").ok().findValuesAsText("path"))
                    .as("precondition: carol is a member of /other-project/users").contains("/other-project/users");

            TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.CAROL);
            TokenSet refreshed = OidcCalls.refresh(server, HubClient.JUPYTERHUB, tokens.refreshToken());
            List<JsonNode> views = List.of(tokens.idTokenClaims(), tokens.accessTokenClaims(),
                    OidcCalls.userinfo(server, "vre", tokens.accessToken()),
                    OidcCalls.introspect(server, "vre", INTROSPECTOR, INTROSPECTOR_SECRET, tokens.accessToken()),
                    refreshed.idTokenClaims(), refreshed.accessTokenClaims());

            for (JsonNode view : views) {
                assertThat(view.get("groups")).as("groups in %s", view).isNotNull();
                assertThat(MAPPER.convertValue(view.get("groups"), List.class))
                        .containsExactly("/escape/admins", "/escape/users");
                assertThat(view.toString()).doesNotContain("other-project");
            }
        } finally {
            admin.delete("/admin/realms/vre/users/" + carolId + "/groups/" + otherGroupId).ok();
        }
    }
}
