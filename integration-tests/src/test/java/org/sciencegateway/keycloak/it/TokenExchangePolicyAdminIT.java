package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;

/** Audience exchange policies are saved through the admin REST API exactly as the admin console saves them. */
@DisplayName("Audience exchange policies in the admin REST API")
@ExtendWith(SharedKeycloak.class)
class TokenExchangePolicyAdminIT {

    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    @BeforeAll
    static void setUp() {
        TokenExchangeFixtures.ensure(admin);
    }

    private static String messageOf(KeycloakAdmin.Response response) {
        JsonNode json = response.json();
        return json.path("error_description").asText(json.path("error").asText());
    }

    @Test
    @DisplayName("Given the lab realm export, then rucio carries the rucio exchange policy with the lab values")
    void labPolicyIsImported() {
        JsonNode mappers = admin.get(TokenExchangeFixtures.mappersPath(admin, "rucio")).ok();
        JsonNode policy = null;
        for (JsonNode mapper : mappers) {
            if ("audience-exchange-policy".equals(mapper.path("protocolMapper").asText())) {
                policy = mapper;
            }
        }
        assertThat(policy).isNotNull();
        JsonNode config = policy.path("config");
        assertThat(config.path("allowed.requesters").asText()).isEqualTo("jupyterhub");
        assertThat(config.path("required.groups").asText()).isEqualTo("/escape/users");
        assertThat(config.path("grantable.scopes").asText()).isEqualTo("openid##profile");
        assertThat(config.path("max.lifetime.seconds").asText()).isEqualTo("3600");
        assertThat(config.path("refresh.allowed").asText()).isEqualTo("true");
        assertThat(config.path("wlcg.claims").asText()).isEqualTo("true");
    }

    @Test
    @DisplayName("Given a policy with bad values, then saving it fails with 400 and a message naming each fix")
    void badPolicyIsRejected() {
        KeycloakAdmin.Response response = admin.post(
                TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.PLAIN_AUDIENCE),
                TokenExchangeFixtures.policyMapper("broken", Map.of(
                        "allowed.requesters", "jupyterhub",
                        "grantable.scopes", "openid##offline_access",
                        "max.lifetime.seconds", "1h",
                        "refresh.allowed", "yes")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(messageOf(response))
                .contains("Grantable scopes: remove offline_access")
                .contains("Maximum lifetime: 1h is not a whole number of seconds; enter e.g. 3600.")
                .contains("Refresh token allowed: yes is not true or false.");
        assertThat(admin.get(TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.PLAIN_AUDIENCE)).ok())
                .as("nothing was saved").isEmpty();
    }

    @Test
    @DisplayName("Given a policy whose name holds an apostrophe and braces, then the admin reads the message with them "
            + "exactly as written")
    void messageReachesTheAdminUnchanged() {
        KeycloakAdmin.Response response = admin.post(
                TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.PLAIN_AUDIENCE),
                TokenExchangeFixtures.policyMapper("o'neil {0} policy", Map.of(
                        "allowed.requesters", "jupyterhub", "max.lifetime.seconds", "1h")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("error_description").asText())
                .startsWith("Audience exchange policy o'neil {0} policy is not valid.")
                .contains("Maximum lifetime: 1h is not a whole number of seconds");
    }

    @Test
    @DisplayName("Given a policy naming a client, group and scope that do not exist, then each is reported")
    void unknownNamesAreRejected() {
        KeycloakAdmin.Response response = admin.post(
                TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.PLAIN_AUDIENCE),
                TokenExchangeFixtures.policyMapper("ghosts", Map.of(
                        "allowed.requesters", "jupyterhub##ghost-hub",
                        "required.groups", "/escape/ghosts",
                        "grantable.scopes", "openid##ghost-scope")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(messageOf(response))
                .contains("no client with client ID ghost-hub exists")
                .contains("no group with path /escape/ghosts exists")
                .contains("no client scope named ghost-scope exists");
    }

    @Test
    @DisplayName("Given a public client as requester, then saving fails and says to make it confidential")
    void publicRequesterIsRejected() {
        KeycloakAdmin.Response response = admin.post(
                TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.PLAIN_AUDIENCE),
                TokenExchangeFixtures.policyMapper("public", Map.of(
                        "allowed.requesters", TokenExchangeFixtures.PUBLIC_CLIENT, "grantable.scopes", "openid")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(messageOf(response)).contains(TokenExchangeFixtures.PUBLIC_CLIENT + " is a public client");
    }

    @Test
    @DisplayName("Given an existing valid policy updated with bad values, then the update fails and the policy is unchanged")
    void badUpdateIsRejected() {
        String path = TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.LIMITED_AUDIENCE);
        JsonNode before = admin.get(path).ok().get(0);
        Map<String, Object> update = TokenExchangeFixtures.policyMapper(before.path("name").asText(),
                Map.of("allowed.requesters", "jupyterhub", "grantable.scopes", "openid", "max.lifetime.seconds", "999999"));
        update.put("id", before.path("id").asText());

        KeycloakAdmin.Response response = admin.put(path + "/" + before.path("id").asText(), update);

        assertThat(response.status()).isEqualTo(400);
        assertThat(messageOf(response)).contains("Maximum lifetime: 999999 is out of range");
        assertThat(admin.get(path).ok().get(0).path("config")).isEqualTo(before.path("config"));
    }

    @Test
    @DisplayName("Given a second policy on the same audience, then saving fails and points to the existing one")
    void secondPolicyIsRejected() {
        KeycloakAdmin.Response response = admin.post(TokenExchangeFixtures.mappersPath(admin, "rucio"),
                TokenExchangeFixtures.policyMapper("second", Map.of("allowed.requesters", "jupyterhub",
                        "grantable.scopes", "openid")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(messageOf(response)).contains("already has the audience exchange policy rucio exchange policy");
    }

    @Test
    @DisplayName("Given a policy added to a shared client scope, then saving fails and says where it belongs")
    void policyOnSharedScopeIsRejected() {
        String profileScope = null;
        for (JsonNode scope : admin.get("/admin/realms/vre/client-scopes").ok()) {
            if ("profile".equals(scope.path("name").asText())) {
                profileScope = scope.path("id").asText();
            }
        }
        KeycloakAdmin.Response response = admin.post("/admin/realms/vre/client-scopes/" + profileScope
                        + "/protocol-mappers/models",
                TokenExchangeFixtures.policyMapper("on-scope", Map.of("allowed.requesters", "jupyterhub",
                        "grantable.scopes", "openid")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(messageOf(response)).contains("dedicated scope");
    }

    @Test
    @DisplayName("Given the server info, then the mapper and the three providers report their version")
    void providersAreRegistered() {
        JsonNode info = admin.get("/admin/serverinfo").ok();
        JsonNode mapperTypes = info.path("protocolMapperTypes").path("openid-connect");
        boolean listed = false;
        for (JsonNode type : mapperTypes) {
            listed |= "audience-exchange-policy".equals(type.path("id").asText());
        }
        assertThat(listed).as("offered under Add mapper, By configuration").isTrue();
        JsonNode exchange = info.path("providers").path("oauth2-token-exchange").path("providers").path("audience-scoped");
        assertThat(exchange.path("operationalInfo").path("version").asText()).isNotBlank();
        assertThat(exchange.path("order").asInt()).isGreaterThan(
                info.path("providers").path("oauth2-token-exchange").path("providers").path("standard").path("order").asInt());
        JsonNode refresh = info.path("providers").path("refresh-token").path("providers").path("audience-scoped-exchange");
        assertThat(refresh.path("operationalInfo").path("version").asText()).isNotBlank();
        // Ours replaces Keycloak's access_token introspection provider: one factory per id is kept, ours by order.
        JsonNode introspection = info.path("providers").path("oauth2-token-introspection").path("providers").path("access_token");
        assertThat(introspection.path("operationalInfo").path("replaces").asText())
                .isEqualTo("org.keycloak.protocol.oidc.AccessTokenIntrospectionProviderFactory");
    }
}
