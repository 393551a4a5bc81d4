package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.OneTimeCode;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;
import org.sciencegateway.keycloak.testing.UserProfileEdit;

/**
 * Seed 003's rule on the lab realm: no token for the SSH gateway (cluster access) without two-factor authentication.
 * Cluster users (group /escape/cluster-users) complete a one-time code when the hub asks for
 * {@code acr_values=https://refeds.org/profile/mfa}; an institution's own MFA counts only when the realm trusts it;
 * the exchange judges the level the hub's session actually reached, at every exchange and every refresh.
 */
@DisplayName("Privileged access: the ssh-gateway exchange needs MFA (seed 003)")
@ExtendWith(SharedKeycloak.class)
class PrivilegedAccessIT {

    private static final String MFA = "https://refeds.org/profile/mfa";
    private static final String SFA = "https://refeds.org/profile/sfa";
    private static final String SSH_GATEWAY = "ssh-gateway";
    private static final String INSUFFICIENT = "insufficient_user_authentication";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokens;

    @BeforeAll
    static void setUp() {
        tokens = new TokenEndpointClient(server, "vre");
        TokenExchangeFixtures.ensure(admin);
    }

    /** One hub login and what the user was asked on the way. */
    private record Login(HubLogin login, boolean passwordAsked, List<String> codeAskedIn) {
        TokenSet tokens() {
            return login.exchangeCode();
        }
    }

    /**
     * A jupyterhub login of {@code user} in {@code browser}, asking for {@code acr} ({@code null}: nothing), answering
     * every page as the user would: the institution's button, the institution's password, the one-time code.
     */
    private static Login login(LabUser user, BrowserSession browser, String acr, Map<String, String> extra) {
        HubLogin login = new HubLogin(server, browser, HubClient.JUPYTERHUB);
        if (acr != null) {
            login.parameter("acr_values", acr);
        }
        extra.forEach(login::parameter);
        BrowserSession.Page page = login.start();
        boolean passwordAsked = false;
        List<String> codeAskedIn = new ArrayList<>();
        for (int step = 0; step < 6 && !login.reachedHub(); step++) {
            if (page.identityProviderLink(user.identityProvider()).isPresent()) {
                page = login.chooseIdentityProvider(user.identityProvider());
            } else if (page.loginForm().isPresent()) {
                passwordAsked = true;
                page = login.signIn(user.username(), user.password());
            } else if (login.asksForPasswordOnly()) {
                passwordAsked = true;
                page = login.reenterPassword(user.password());
            } else if (login.asksForOneTimeCode()) {
                String realm = page.url().contains("/realms/institution-saml/") ? "institution-saml" : "vre";
                codeAskedIn.add(realm);
                page = login.enterOneTimeCode(OneTimeCode.next(user == LabUser.FRANK ? OneTimeCode.FRANK : OneTimeCode.OSCAR));
            } else {
                throw new AssertionError("Unexpected page in the login of " + user + ": " + page);
            }
        }
        assertThat(login.reachedHub()).as("the login of %s reached the hub: %s", user, login.page()).isTrue();
        return new Login(login, passwordAsked, codeAskedIn);
    }

    private static Login login(LabUser user, BrowserSession browser, String acr) {
        return login(user, browser, acr, Map.of());
    }

    private static Answer exchange(TokenSet hub, String audience) {
        return tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken()).set("audience", audience));
    }

    private static void assertInsufficient(Answer answer, String descriptionPart) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.error()).as(answer.body()).isEqualTo(INSUFFICIENT);
        assertThat(answer.json().path("error_description").asText()).contains(descriptionPart);
    }

    private static JsonNode latestEvent(String type, LabUser user) {
        String userId = admin.userId("vre", user.username());
        for (JsonNode event : admin.events("vre", type)) {
            if (userId.equals(event.path("userId").asText())) {
                return event;
            }
        }
        throw new AssertionError("No " + type + " event for " + user);
    }

    private static List<String> values(JsonNode claim) {
        List<String> out = new ArrayList<>();
        if (claim.isArray()) {
            claim.forEach(v -> out.add(v.asText()));
        } else if (!claim.isMissingNode()) {
            out.add(claim.asText());
        }
        return out;
    }

    @Test
    @DisplayName("Given a cluster user after a password-only login, then Rucio yes, ssh-gateway refused with the "
            + "documented error and event; after the one-time code the same exchange succeeds and carries MFA")
    void passwordOnlyThenStepUp() {
        BrowserSession browser = new BrowserSession();
        Login passwordOnly = login(LabUser.OSCAR, browser, null);
        assertThat(passwordOnly.codeAskedIn()).as("no second factor without a request for it").isEmpty();
        TokenSet hub = passwordOnly.tokens();
        assertThat(hub.idTokenClaims().path("acr").asText()).isEqualTo(SFA);

        assertThat(exchange(hub, "rucio").status()).isEqualTo(200);
        Answer refused = exchange(hub, SSH_GATEWAY);
        assertInsufficient(refused, "requires authentication level " + MFA + " (2); this session reached 1. "
                + "Sign in again with acr_values=" + MFA);
        JsonNode event = latestEvent("TOKEN_EXCHANGE_ERROR", LabUser.OSCAR).path("details");
        assertThat(event.path("reason").asText()).isEqualTo("authentication_level_too_low");
        assertThat(event.path("required_level").asText()).isEqualTo(MFA + " (2)");
        assertThat(event.path("achieved_level").asText()).isEqualTo("1");
        assertThat(event.path("audience").asText()).isEqualTo(SSH_GATEWAY);

        // Step-up in the same browser: the SSO session stays, only the second factor is asked.
        Login stepUp = login(LabUser.OSCAR, browser, MFA);
        assertThat(stepUp.passwordAsked()).as("no second password").isFalse();
        assertThat(stepUp.codeAskedIn()).containsExactly("vre");
        TokenSet stepped = stepUp.tokens();
        assertThat(stepped.idTokenClaims().path("acr").asText()).isEqualTo(MFA);
        assertThat(values(stepped.accessTokenClaims().path("eduperson_assurance"))).contains(MFA);

        Answer granted = exchange(stepped, SSH_GATEWAY);
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
        JsonNode claims = granted.tokens().accessTokenClaims();
        assertThat(values(claims.path("aud"))).containsExactly(SSH_GATEWAY);
        assertThat(claims.path("acr").asText()).isEqualTo(MFA);
        assertThat(values(claims.path("eduperson_assurance")))
                .containsExactly("https://refeds.org/assurance", "https://refeds.org/assurance/IAP/low", MFA);
        // What motley_cue authorises and maps on (issue 29, point 5): the cluster groups and the Linux account.
        assertThat(values(claims.path("groups"))).containsExactly("/escape/cluster-users");
        assertThat(claims.path("posix_username").asText()).isEqualTo("oolsen");
    }

    @Test
    @DisplayName("Given a fresh login asking for MFA, then a cluster user types the code after the institution, "
            + "and the exchange succeeds")
    void freshLoginWithMfa() {
        Login login = login(LabUser.OSCAR, new BrowserSession(), MFA);
        assertThat(login.passwordAsked()).isTrue();
        assertThat(login.codeAskedIn()).containsExactly("vre");
        assertThat(exchange(login.tokens(), SSH_GATEWAY).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("Given users outside /escape/cluster-users, then a hub asking for MFA never asks them for a code, "
            + "their SSO session still works, and their tokens claim no MFA")
    void othersAreNeverAskedForACode() {
        BrowserSession browser = new BrowserSession();
        Login alice = login(LabUser.ALICE, browser, MFA);
        assertThat(alice.codeAskedIn()).isEmpty();
        TokenSet aliceTokens = alice.tokens();
        assertThat(aliceTokens.idTokenClaims().path("acr").asText()).isEqualTo(SFA);
        assertThat(values(aliceTokens.accessTokenClaims().path("eduperson_assurance"))).doesNotContain(MFA);

        // SSO with the same request: straight back to the hub (the step-up flow must not fail or ask anything).
        Login again = login(LabUser.ALICE, browser, MFA);
        assertThat(again.passwordAsked()).isFalse();
        assertThat(again.codeAskedIn()).isEmpty();

        Login dave = login(LabUser.DAVE, new BrowserSession(), MFA);
        assertThat(dave.codeAskedIn()).isEmpty();
    }

    @Test
    @DisplayName("Given a cluster user without a one-time-code credential, then a login asking for MFA does not let "
            + "him enrol one on the way (that would be MFA from a password alone) and the exchange is refused")
    void noEnrolmentDuringTheLogin() {
        String alice = admin.userId("vre", LabUser.ALICE.username());
        String group = admin.get("/admin/realms/vre/group-by-path/escape/cluster-users").ok().path("id").asText();
        String membership = "/admin/realms/vre/users/" + alice + "/groups/" + group;
        try {
            assertThat(admin.put(membership, "").status()).isEqualTo(204);
            Login login = login(LabUser.ALICE, new BrowserSession(), MFA);
            assertThat(login.codeAskedIn()).isEmpty();
            TokenSet tokens = login.tokens();
            assertThat(tokens.idTokenClaims().path("acr").asText()).isEqualTo(SFA);
            assertInsufficient(exchange(tokens, SSH_GATEWAY), "this session reached 1");
        } finally {
            assertThat(admin.delete(membership).status()).isEqualTo(204);
        }
    }

    @Test
    @DisplayName("Given an MFA session older than the policy's maximum authentication age, then the exchange is refused")
    void tooOldAuthentication() throws InterruptedException {
        TokenSet hub = login(LabUser.OSCAR, new BrowserSession(), MFA).tokens();
        assertThat(exchange(hub, SSH_GATEWAY).status()).isEqualTo(200);
        try {
            updatePolicy("max.auth.age.seconds", "1");
            Thread.sleep(2_500);
            Answer refused = exchange(hub, SSH_GATEWAY);
            assertInsufficient(refused, "accepts an authentication at most 1 seconds old");
            JsonNode event = latestEvent("TOKEN_EXCHANGE_ERROR", LabUser.OSCAR).path("details");
            assertThat(event.path("reason").asText()).isEqualTo("authentication_too_old");
            assertThat(event.path("max_auth_age").asText()).isEqualTo("1");
            assertThat(Integer.parseInt(event.path("auth_age").asText())).isGreaterThanOrEqualTo(2);
        } finally {
            updatePolicy("max.auth.age.seconds", "43200");
        }
    }

    @Test
    @DisplayName("Given an exchanged ssh-gateway refresh token, when a password-only login replaces the session's "
            + "level, then its refresh and the old MFA hub token are refused")
    void refreshAfterTheLevelDropped() {
        BrowserSession browser = new BrowserSession();
        TokenSet hub = login(LabUser.OSCAR, browser, MFA).tokens();
        Answer exchanged = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, hub.accessToken())
                .set("audience", SSH_GATEWAY)
                .add("requested_token_type", TokenEndpointClient.REFRESH_TOKEN_TYPE));
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
        String refreshToken = exchanged.tokens().refreshToken();
        Answer refreshed = tokens.refresh(HubClient.JUPYTERHUB, refreshToken);
        assertThat(refreshed.status()).as("a refresh at MFA level: " + refreshed.body()).isEqualTo(200);
        assertThat(refreshed.tokens().accessTokenClaims().path("acr").asText()).isEqualTo(MFA);
        assertThat(refreshed.tokens().accessTokenClaims().path("posix_username").asText()).isEqualTo("oolsen");
        assertThat(values(refreshed.tokens().accessTokenClaims().path("groups"))).containsExactly("/escape/cluster-users");
        assertThat(exchange(hub, SSH_GATEWAY).status()).as("the hub's level survived the refresh-token exchange")
                .isEqualTo(200);

        // The same browser signs in again, password only (prompt=login, no acr request): the session's level drops.
        Login weaker = login(LabUser.OSCAR, browser, null, Map.of("prompt", "login"));
        assertThat(weaker.codeAskedIn()).isEmpty();
        TokenSet weakerTokens = weaker.tokens();
        assertThat(weakerTokens.idTokenClaims().path("sid").asText()).as("same user session")
                .isEqualTo(hub.idTokenClaims().path("sid").asText());

        Answer refusedRefresh = tokens.refresh(HubClient.JUPYTERHUB, refreshed.tokens().refreshToken());
        assertInsufficient(refusedRefresh, "this session reached 1");
        // Keycloak does not store refresh events by default; its event log line carries the same details.
        assertThat(server.log().lines().filter(line -> line.contains("type=\"REFRESH_TOKEN_ERROR\""))
                .filter(line -> line.contains("username=\"oscar\"")).reduce((a, b) -> b).orElse(""))
                .contains("required_level=\"" + MFA + " (2)\"", "achieved_level=\"1\"", "audience=\"ssh-gateway\"");
        assertInsufficient(exchange(hub, SSH_GATEWAY), "this session reached 1");
    }

    @Test
    @DisplayName("Given an institution that asserts REFEDS MFA: trusted, the exchange succeeds without a local code; "
            + "unmarked, refused; asserting nothing, refused")
    void federatedMfa() {
        Login trusted = login(LabUser.FRANK, new BrowserSession(), null);
        assertThat(trusted.codeAskedIn()).as("the code is the institution's, not ours").containsExactly("institution-saml");
        TokenSet trustedTokens = trusted.tokens();
        assertThat(trustedTokens.idTokenClaims().path("acr").asText()).isEqualTo(MFA);
        Answer granted = exchange(trustedTokens, SSH_GATEWAY);
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
        assertThat(values(granted.tokens().accessTokenClaims().path("eduperson_assurance"))).contains(MFA);

        String configPath = federatedAssuranceConfigPath();
        ObjectNode config = (ObjectNode) admin.get(configPath).ok();
        String trustedList = config.path("config").path("trusted.identity.providers").asText();
        assertThat(trustedList).isEqualTo("institution-saml");
        try {
            ((ObjectNode) config.path("config")).put("trusted.identity.providers", "");
            assertThat(admin.put(configPath, config).status()).isEqualTo(204);
            Login unmarked = login(LabUser.FRANK, new BrowserSession(), null);
            assertThat(unmarked.codeAskedIn()).as("the institution still asked for its code")
                    .containsExactly("institution-saml");
            TokenSet unmarkedTokens = unmarked.tokens();
            assertThat(unmarkedTokens.idTokenClaims().path("acr").asText()).isEqualTo(SFA);
            assertInsufficient(exchange(unmarkedTokens, SSH_GATEWAY), "this session reached 1");
        } finally {
            ((ObjectNode) config.path("config")).put("trusted.identity.providers", trustedList);
            assertThat(admin.put(configPath, config).status()).isEqualTo(204);
        }

        // Trusted, but Keycloak no longer validates the institution's signatures: a user could forge the assertion.
        String idpPath = "/admin/realms/vre/identity-provider/instances/institution-saml";
        ObjectNode idp = (ObjectNode) admin.get(idpPath).ok();
        try {
            ((ObjectNode) idp.path("config")).put("validateSignature", "false");
            assertThat(admin.put(idpPath, idp).status()).isEqualTo(204);
            Login unsigned = login(LabUser.FRANK, new BrowserSession(), null);
            assertInsufficient(exchange(unsigned.tokens(), SSH_GATEWAY), "this session reached 1");
        } finally {
            ((ObjectNode) idp.path("config")).put("validateSignature", "true");
            assertThat(admin.put(idpPath, idp).status()).isEqualTo(204);
        }

        String frankAtInstitution = admin.userId("institution-saml", "frank");
        String rolesPath = "/admin/realms/institution-saml/users/" + frankAtInstitution + "/role-mappings/realm";
        JsonNode enrolled = admin.get("/admin/realms/institution-saml/roles/mfa-enrolled").ok();
        try {
            assertThat(admin.send("DELETE", rolesPath, List.of(enrolled)).status()).isEqualTo(204);
            Login nothingAsserted = login(LabUser.FRANK, new BrowserSession(), null);
            assertThat(nothingAsserted.codeAskedIn()).isEmpty();
            assertInsufficient(exchange(nothingAsserted.tokens(), SSH_GATEWAY), "this session reached 1");
        } finally {
            assertThat(admin.post(rolesPath, List.of(enrolled)).status()).isEqualTo(204);
        }
    }

    @Test
    @DisplayName("Given a realm whose user profile lets users edit posix_username (they could name another person's "
            + "Linux account), then the ssh-gateway exchange names no account: 403 access_denied, reason "
            + "account_attribute_user_editable; given back to admins, granted with oscar's account")
    void userEditableAccountAttributeIsNeverTrusted() {
        try (UserProfileEdit edit = UserProfileEdit.letUsersEdit(admin, "vre", "posix_username")) {
            Answer refused = exchange(login(LabUser.OSCAR, new BrowserSession(), MFA).tokens(), SSH_GATEWAY);
            assertThat(refused.status()).as(refused.body()).isEqualTo(403);
            assertThat(refused.error()).isEqualTo("access_denied");
            assertThat(refused.json().path("error_description").asText()).contains("posix_username");
        }
        Answer granted = exchange(login(LabUser.OSCAR, new BrowserSession(), MFA).tokens(), SSH_GATEWAY);
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
        assertThat(granted.tokens().accessTokenClaims().path("posix_username").asText()).isEqualTo("oolsen");
    }

    @Test
    @DisplayName("Given the console, then the policy's level fields are validated at save: unknown ACR value, level "
            + "no login reaches, negative age")
    void consoleValidation() {
        JsonNode policy = sshGatewayPolicy();
        assertThat(policy.path("config").path("minimum.level").asText()).isEqualTo(MFA);
        assertThat(policy.path("config").path("max.auth.age.seconds").asText()).isEqualTo("43200");

        String path = TokenExchangeFixtures.mappersPath(admin, TokenExchangeFixtures.PLAIN_AUDIENCE);
        KeycloakAdmin.Response unknownAcr = admin.post(path, TokenExchangeFixtures.policyMapper("typo", Map.of(
                "allowed.requesters", "jupyterhub", "grantable.scopes", "openid",
                "minimum.level", MFA + "-typo")));
        assertThat(unknownAcr.status()).isEqualTo(400);
        assertThat(unknownAcr.json().path("error_description").asText()).contains("Minimum authentication level: the "
                + "realm's ACR to LoA mapping has no ACR value " + MFA + "-typo");

        KeycloakAdmin.Response unknownLevel = admin.post(path, TokenExchangeFixtures.policyMapper("level 7", Map.of(
                "allowed.requesters", "jupyterhub", "grantable.scopes", "openid", "minimum.level", "7")));
        assertThat(unknownLevel.status()).isEqualTo(400);
        assertThat(unknownLevel.json().path("error_description").asText())
                .contains("no login in this realm reaches level 7");

        KeycloakAdmin.Response negative = admin.post(path, TokenExchangeFixtures.policyMapper("negative", Map.of(
                "allowed.requesters", "jupyterhub", "grantable.scopes", "openid", "max.auth.age.seconds", "-5")));
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.json().path("error_description").asText())
                .contains("Maximum authentication age: -5 is negative");
        assertThat(admin.get(path).ok()).as("nothing was saved").isEmpty();
    }

    private static JsonNode sshGatewayPolicy() {
        for (JsonNode mapper : admin.get(TokenExchangeFixtures.mappersPath(admin, SSH_GATEWAY)).ok()) {
            if ("audience-exchange-policy".equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        throw new AssertionError("ssh-gateway has no exchange policy");
    }

    private static void updatePolicy(String key, String value) {
        ObjectNode policy = (ObjectNode) sshGatewayPolicy();
        ((ObjectNode) policy.path("config")).put(key, value);
        KeycloakAdmin.Response saved = admin.put(TokenExchangeFixtures.mappersPath(admin, SSH_GATEWAY) + "/"
                + policy.path("id").asText(), policy);
        assertThat(saved.status()).as(saved.body()).isEqualTo(204);
    }

    private static String federatedAssuranceConfigPath() {
        String flow = URLEncoder.encode("institution filter post broker login", StandardCharsets.UTF_8).replace("+", "%20");
        for (JsonNode execution : admin.get("/admin/realms/vre/authentication/flows/" + flow + "/executions").ok()) {
            if ("sg-federated-assurance".equals(execution.path("providerId").asText())) {
                return "/admin/realms/vre/authentication/config/" + execution.path("authenticationConfig").asText();
            }
        }
        throw new AssertionError("no federated assurance step in the post-broker-login flow");
    }
}
