package org.sciencegateway.keycloak.it.story;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.common.VerificationException;
import org.keycloak.representations.AccessToken;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Configuration;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Outcome;
import org.sciencegateway.keycloak.it.story.GenericOAuthenticatorDecision.Release;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.RucioTokenRules;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * The lab scenario end to end, one chapter per lab user: the user opens the hub, Keycloak shows the
 * science-gateway institution picker, the user picks their home institution and signs in there. Then each layer
 * decides in turn, as in production:
 *
 * <ol>
 *   <li><b>Keycloak</b> (the institution filter) either refuses with its page and an
 *       {@code IDENTITY_PROVIDER_POST_LOGIN_ERROR} event, or
 *       redirects to the hub's callback with a code;</li>
 *   <li><b>the hub</b> exchanges the code, calls userinfo, and decides admitted / admin / refused exactly as a stock
 *       GenericOAuthenticator configured with the hub-admin recipe ({@link GenericOAuthenticatorDecision}, for
 *       oauthenticator 17 and 16.3, which must agree);</li>
 *   <li><b>Rucio</b>: before spawning, the hub sends seed 002's token exchange request with the access token from its
 *       {@code auth_state}; the returned token must pass Rucio's {@code validate_jwt} rules
 *       ({@link RucioTokenRules}).</li>
 * </ol>
 *
 * Each chapter prints what every layer decided, so the test report reads as the story.
 */
@DisplayName("The whole story: each lab user signs in at a hub through their home institution, then asks for a Rucio token")
@ExtendWith(SharedKeycloak.class)
class FullStoryIT {

    private static final String REFUSAL_TEXT = "not allowed for this service";
    private static final ObjectMapper JSON = new ObjectMapper();

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokenEndpoint;
    private static RucioTokenRules rucio;

    /** Where a chapter ends. */
    enum Ending {
        HUB_ADMITS, HUB_ADMITS_AS_ADMIN, HUB_REFUSES, KEYCLOAK_REFUSES,
        /** A gateway that allows the institution, but is not a requester in Rucio's exchange policy. */
        KEYCLOAK_ADMITS_NO_RUCIO
    }

    record Chapter(LabUser user, HubClient hub, Ending ending, String story) {
        @Override
        public String toString() {
            return story;
        }
    }

    static Stream<Chapter> chapters() {
        HubClient hub = HubClient.JUPYTERHUB;
        return Stream.of(
                new Chapter(LabUser.ALICE, hub, Ending.HUB_ADMITS,
                        "alice (institution-a, /escape/users) at jupyterhub: the hub admits her and Rucio accepts her exchanged token"),
                new Chapter(LabUser.CAROL, hub, Ending.HUB_ADMITS_AS_ADMIN,
                        "carol (institution-b, /escape/users + /escape/admins) at jupyterhub: the hub admits her as an admin and Rucio accepts her exchanged token"),
                new Chapter(LabUser.BOB, hub, Ending.HUB_REFUSES,
                        "bob (institution-b, no group) at jupyterhub: Keycloak lets him through, the hub refuses him (no allowed group), and Keycloak would refuse him a Rucio token too"),
                new Chapter(LabUser.DAVE, hub, Ending.HUB_ADMITS,
                        "dave (institution-saml over SAML 2.0, /escape/users) at jupyterhub: the hub admits him and Rucio accepts his exchanged token"),
                new Chapter(LabUser.ERIN, hub, Ending.HUB_ADMITS,
                        "erin (federation-proxy, uni-allowed, /escape/users) at jupyterhub: the hub admits her and Rucio accepts her exchanged token"),
                new Chapter(LabUser.MALLORY, hub, Ending.KEYCLOAK_REFUSES,
                        "mallory (federation-proxy, uni-denied) at jupyterhub: Keycloak refuses her institution with its page and an event; the hub never gets a code"),
                new Chapter(LabUser.ZED, hub, Ending.KEYCLOAK_REFUSES,
                        "zed (institution-blocked) at jupyterhub: the picker does not offer his institution, and his broker link is refused by Keycloak with its page and an event"),
                new Chapter(LabUser.ZED, HubClient.OTHER_GATEWAY, Ending.KEYCLOAK_ADMITS_NO_RUCIO,
                        "zed (institution-blocked) at other-gateway: Keycloak admits him there; other-gateway is no requester of Rucio's policy, so its exchange is unauthorized_client"));
    }

    @BeforeAll
    static void startServer() {
        tokenEndpoint = new TokenEndpointClient(server, "vre");
        rucio = RucioTokenRules.forIssuer(server.realmUrl("vre"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chapters")
    @DisplayName("Chapter")
    void chapter(Chapter chapter) throws VerificationException {
        LabUser user = chapter.user();
        List<String> narration = new ArrayList<>();
        long startedAt = System.currentTimeMillis();

        HubLogin login = signInThroughHomeInstitution(chapter, narration);

        if (chapter.ending() == Ending.KEYCLOAK_REFUSES) {
            assertRefusedByKeycloak(chapter, login, startedAt, narration);
            print(chapter, narration);
            return;
        }

        // Keycloak: the browser reaches the hub's callback with a code; the hub exchanges it (state, nonce, PKCE).
        assertThat(login.reachedHub()).as("Keycloak redirected to the hub: %s", login.page()).isTrue();
        TokenSet hubTokens = login.exchangeCode();
        assertThat(hubTokens.idTokenClaims().path("preferred_username").asText()).isEqualTo(user.username());
        narration.add("Keycloak: admitted, code exchanged by " + chapter.hub().clientId());

        if (chapter.ending() == Ending.KEYCLOAK_ADMITS_NO_RUCIO) {
            TokenEndpointClient.Answer answer = tokenEndpoint.post(
                    TokenEndpointClient.seed002(chapter.hub(), hubTokens.accessToken()));
            assertThat(answer.status()).as(answer.body()).isEqualTo(400);
            assertThat(answer.error()).isEqualTo("unauthorized_client");
            narration.add("Rucio exchange by " + chapter.hub().clientId() + ": " + answer.status() + " "
                    + answer.error());
            print(chapter, narration);
            return;
        }

        // The hub: userinfo, auth_state, decision.
        JsonNode userInfo = userinfo(hubTokens.accessToken());
        assertThat(groupsClaim(userInfo)).as("the groups claim of the userinfo response (group mapper)")
                .isEqualTo(user.groups().isEmpty() ? null : List.copyOf(new TreeSet<>(user.groups())));
        JsonNode authState = GenericOAuthenticatorDecision.authState(hubTokens.json(), userInfo);
        GenericOAuthenticatorDecision hub17 = GenericOAuthenticatorDecision.decide(
                Configuration.recipe(Release.V17), authState);
        GenericOAuthenticatorDecision hub16 = GenericOAuthenticatorDecision.decide(
                Configuration.recipe(Release.V16_3), authState);
        assertThat(hub16).as("oauthenticator 16.3 and 17 decide alike with the recipe").isEqualTo(hub17);
        narration.add("hub (GenericOAuthenticator 17 and 16.3): " + hub17.describe());
        assertThat(hub17.username()).isEqualTo(user.username());
        switch (chapter.ending()) {
            case HUB_ADMITS -> {
                assertThat(hub17.outcome()).isEqualTo(Outcome.ADMITTED);
                assertThat(hub17.admin()).isFalse();
            }
            case HUB_ADMITS_AS_ADMIN -> {
                assertThat(hub17.outcome()).isEqualTo(Outcome.ADMITTED);
                assertThat(hub17.admin()).isTrue();
            }
            case HUB_REFUSES -> assertThat(hub17.outcome()).isEqualTo(Outcome.REFUSED);
            default -> throw new AssertionError("unexpected ending " + chapter.ending());
        }
        assertThat(hub17.groups()).containsExactlyElementsOf(new TreeSet<>(user.groups()));

        if (chapter.ending() == Ending.HUB_REFUSES) {
            // The hub never spawns for a refused user; were it misconfigured (allow_all), Keycloak's policy would
            // still refuse seed 002's request with the token the hub holds.
            TokenEndpointClient.Answer refused = tokenEndpoint.post(
                    TokenEndpointClient.seed002(chapter.hub(), authState.path("access_token").asText()));
            assertThat(refused.status()).as(refused.body()).isEqualTo(403);
            assertThat(refused.error()).isEqualTo("access_denied");
            narration.add("Rucio exchange (had the hub tried): " + refused.status() + " " + refused.error());
            print(chapter, narration);
            return;
        }

        // Before the spawn (README: refresh_pre_spawn), OAuthenticator.refresh_user reads userinfo again with the
        // stored token while it is valid, and the groups and admin status are applied again.
        JsonNode refreshedState = GenericOAuthenticatorDecision.authState(hubTokens.json(),
                userinfo(authState.path("access_token").asText()));
        assertThat(GenericOAuthenticatorDecision.decide(Configuration.recipe(Release.V17), refreshedState))
                .as("the decision before spawn").isEqualTo(hub17);

        // Rucio: seed 002's request with the access token the hub keeps in auth_state.
        String subjectToken = refreshedState.path("access_token").asText();
        TokenEndpointClient.Answer answer = tokenEndpoint.post(TokenEndpointClient.seed002(chapter.hub(), subjectToken));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        AccessToken rucioToken = rucio.validate(answer.json().path("access_token").asText());
        AccessToken subject = claims(subjectToken);
        assertThat(rucioToken.getAudience()).containsExactly("rucio");
        assertThat(rucioToken.getIssuedFor()).isEqualTo(chapter.hub().clientId());
        assertThat(rucioToken.getSubject()).isEqualTo(subject.getSubject());
        assertThat(rucioToken.getPreferredUsername()).isEqualTo(user.username());
        assertThat(rucioToken.getScope().split(" ")).containsExactlyInAnyOrder("openid", "profile");
        // Session-bound (lab policy): the notebook's token outlives the hub's access token, never the SSO session.
        assertThat(rucioToken.getExp()).isGreaterThan(subject.getExp());
        assertThat(rucioToken.getExp() - rucioToken.getIat()).isLessThanOrEqualTo(1800);
        assertThat(rucioToken.getOtherClaims()).containsEntry("wlcg.groups", List.copyOf(new TreeSet<>(user.groups())));
        assertThat(audiences(subject)).as("the hub's own token never names rucio").doesNotContain("rucio");
        narration.add("Rucio: validate_jwt accepts the exchanged token (aud " + List.of(rucioToken.getAudience())
                + ", azp " + rucioToken.getIssuedFor() + ", scope " + rucioToken.getScope() + ", wlcg.groups "
                + rucioToken.getOtherClaims().get("wlcg.groups") + ", lifetime "
                + (rucioToken.getExp() - rucioToken.getIat()) + " s)");
        print(chapter, narration);
    }

    /**
     * Opens the hub's authorization URL, checks that the picker is shown and lists exactly what the hub's rules
     * allow, and signs in at the home institution: through the picker where it offers the institution, otherwise
     * through the broker link the user knows from elsewhere (a bookmark, another gateway).
     */
    private static HubLogin signInThroughHomeInstitution(Chapter chapter, List<String> narration) {
        LabUser user = chapter.user();
        HubLogin login = new HubLogin(server, new BrowserSession(), chapter.hub());
        BrowserSession.Page picker = login.start();
        assertThat(picker.document().getElementById("sg-picker"))
                .as("the science-gateway institution picker: %s", picker).isNotNull();
        List<String> offered = picker.document().select("a[id^=social-]").stream()
                .map(a -> a.id().substring("social-".length())).sorted().toList();
        narration.add("picker at " + chapter.hub().clientId() + " offers " + offered);
        if (offered.contains(user.identityProvider())) {
            login.chooseIdentityProvider(user.identityProvider());
        } else {
            assertThat(chapter.ending()).as("only refused users lack their institution on the picker")
                    .isEqualTo(Ending.KEYCLOAK_REFUSES);
            String known = picker.identityProviderLink(offered.get(0)).orElseThrow()
                    .replace("/broker/" + offered.get(0) + "/", "/broker/" + user.identityProvider() + "/");
            login.visit(known);
            narration.add(user.identityProvider() + " is not offered; " + user.username() + " follows its broker link");
        }
        assertThat(login.page().url()).as("the home institution's login page: %s", login.page())
                .startsWith(server.realmUrl(user.identityProvider()));
        login.signIn(user.username(), user.password());
        narration.add(user.username() + " signs in at " + user.identityProvider()
                + (user.institution() == null ? "" : " as a member of " + user.institution()));
        return login;
    }

    private static void assertRefusedByKeycloak(Chapter chapter, HubLogin login, long startedAt,
                                                List<String> narration) {
        BrowserSession.Page page = login.page();
        assertThat(login.reachedHub()).as("no code for the hub: %s", page).isFalse();
        assertThat(page.status()).as("%s", page).isEqualTo(403);
        assertThat(page.url()).startsWith(server.realmUrl("vre"));
        assertThat(page.document().text()).contains(REFUSAL_TEXT).doesNotContain(chapter.user().username())
                // The message is rendered through MessageFormat, which eats a lone apostrophe.
                .contains("contact the service's administrators");
        Element another = page.document().getElementById("sg-choose-another");
        assertThat(another).as("the refusal page offers another institution").isNotNull();
        assertThat(page.body()).doesNotContain("Exception");

        JsonNode event = refusalEvent(chapter.hub().clientId(), chapter.user().identityProvider(), startedAt);
        // Brokered logins are decided in the post-broker-login flow, whose event type this is.
        assertThat(event.path("type").asText()).isEqualTo("IDENTITY_PROVIDER_POST_LOGIN_ERROR");
        assertThat(event.path("details").path("institution_filter_rule").asText()).isEqualTo("no-allow-match");
        if (chapter.user().institution() != null) {
            assertThat(event.path("details").path("institution").asText()).isEqualTo(chapter.user().institution());
        }
        narration.add("Keycloak: 403 \"" + page.message() + "\"; event " + event.path("type").asText() + " error="
                + event.path("error").asText() + " " + event.path("details"));
    }

    private static JsonNode refusalEvent(String clientId, String identityProvider, long since) {
        JsonNode events = admin.get("/admin/realms/vre/events?client=" + clientId + "&type=IDENTITY_PROVIDER_POST_LOGIN_ERROR&max=200").ok();
        return StreamSupport.stream(events.spliterator(), false)
                .filter(e -> e.path("time").asLong() >= since - 2_000)
                .filter(e -> "institution_not_allowed".equals(e.path("error").asText()))
                .filter(e -> identityProvider.equals(e.path("details").path("identity_provider").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No institution_not_allowed event for " + clientId + " via "
                        + identityProvider + " since " + since + " in " + events));
    }

    /** The userinfo call oauthenticator makes ({@code token_to_user}): GET with the access token as bearer. */
    private static JsonNode userinfo(String accessToken) {
        HttpResponse<String> response = Http.send(Http.request(server.realmUrl("vre") + "/protocol/openid-connect/userinfo")
                .header("Authorization", "Bearer " + accessToken).header("Accept", "application/json").GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> groupsClaim(JsonNode userInfo) {
        JsonNode groups = userInfo.get("groups");
        if (groups == null) {
            return null;
        }
        List<String> values = new ArrayList<>();
        groups.forEach(g -> values.add(g.asText()));
        return values;
    }

    private static AccessToken claims(String jwt) {
        try {
            return new org.keycloak.jose.jws.JWSInput(jwt).readJsonContent(AccessToken.class);
        } catch (org.keycloak.jose.jws.JWSInputException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> audiences(AccessToken token) {
        return token.getAudience() == null ? List.of() : List.of(token.getAudience());
    }

    private static void print(Chapter chapter, List<String> narration) {
        StringBuilder text = new StringBuilder("\n== ").append(chapter.story()).append('\n');
        narration.forEach(line -> text.append("   - ").append(line).append('\n'));
        System.out.print(text);
    }
}
