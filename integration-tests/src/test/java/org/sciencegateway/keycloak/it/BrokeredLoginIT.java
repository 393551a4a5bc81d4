package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenSet;

@DisplayName("Brokered logins of the lab users into realm vre")
@ExtendWith(SharedKeycloak.class)
class BrokeredLoginIT {

    @SharedKeycloak.Shared
    private static KeycloakServer server;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = LabUser.class, names = {"ALICE", "CAROL", "BOB", "DAVE", "ERIN"})
    @DisplayName("Given a lab user at jupyterhub, when they sign in at their home institution, then the hub gets tokens for them")
    void signsInThroughHomeInstitution(LabUser user) {
        TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, user);

        JsonNode id = tokens.idTokenClaims();
        assertThat(id.get("iss").asText()).isEqualTo(server.realmUrl("vre"));
        assertThat(id.get("aud").asText()).isEqualTo("jupyterhub");
        assertThat(id.get("preferred_username").asText()).isEqualTo(user.username());
        JsonNode access = tokens.accessTokenClaims();
        assertThat(access.get("azp").asText()).isEqualTo("jupyterhub");
        assertThat(access.get("sub").asText()).isEqualTo(id.get("sub").asText());
        assertThat(tokens.refreshToken()).isNotBlank();
    }

    @Test
    @DisplayName("Given a brokered login, then the vre user is the pre-provisioned one linked to the institution account")
    void brokeredLoginUsesTheLinkedAccount() {
        KeycloakAdmin admin = SharedKeycloak.admin();
        String aliceId = admin.userId("vre", "alice");

        TokenSet tokens = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE);

        assertThat(tokens.idTokenClaims().get("sub").asText()).isEqualTo(aliceId);
        JsonNode links = admin.get("/admin/realms/vre/users/" + aliceId + "/federated-identity").ok();
        assertThat(links).hasSize(1);
        assertThat(links.get(0).get("identityProvider").asText()).isEqualTo("institution-a");
        assertThat(links.get(0).get("userName").asText()).isEqualTo("alice");
    }

    @Test
    @DisplayName("Given the federation proxy, then it states the user's home institution in the idp claim")
    void federationProxyStatesTheHomeInstitution() {
        HubLogin upstream = new HubLogin(server, new BrowserSession(),
                new HubClient("federation-proxy", "vre-broker", "vre-broker-lab-secret",
                        server.realmUrl("vre") + "/broker/federation-proxy/endpoint"));
        upstream.start();
        upstream.signIn(LabUser.ERIN.username(), LabUser.ERIN.password());

        TokenSet tokens = upstream.exchangeCode();

        assertThat(tokens.idTokenClaims().get("idp").asText()).isEqualTo(LabUser.ERIN.institution());
    }

    @Test
    @DisplayName("Given a wrong password at the institution, then no code reaches the hub and the login form says why")
    void wrongPasswordAtInstitutionIsRefused() {
        HubLogin login = new HubLogin(server, new BrowserSession(), HubClient.JUPYTERHUB);
        login.start();
        login.chooseIdentityProvider("institution-a");

        BrowserSession.Page page = login.signIn("alice", "not-alice");

        assertThat(login.reachedHub()).isFalse();
        assertThat(page.loginForm()).isPresent();
        assertThat(page.message()).containsIgnoringCase("invalid username or password");
    }
}
