package org.sciencegateway.keycloak.it.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabFederation;
import org.sciencegateway.keycloak.testing.LabUser;
import org.sciencegateway.keycloak.testing.MetricsScrape;
import org.sciencegateway.keycloak.testing.MonitoringFiles;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Issue 31: the extensions' metrics on the management port's {@code /metrics} of a real server (Keycloak's own
 * registry, {@code --metrics-enabled=true}), counted after scripted traffic: exchanges by audience, requester and
 * outcome, a step-up refusal, the institution filter's decisions by client, stage, outcome and rule, a federation
 * sync and the source's gauges. Each count is the difference between a scrape before and one after, so that other
 * tests on the shared server do not matter; the filter's client is this test's own.
 */
@DisplayName("Metrics on /metrics after scripted traffic: exchanges, step-up, institution filter, federation sync (issue 31)")
@ExtendWith(SharedKeycloak.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsIT {

    private static final String CLIENT = "metrics-hub";
    private static final String SECRET = "metrics-hub-secret";
    private static final String CALLBACK = "https://metrics-hub.example.org/hub/oauth_callback";
    private static final HubClient HUB = new HubClient("vre", CLIENT, SECRET, CALLBACK);

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static TokenEndpointClient tokens;

    @BeforeAll
    static void setUp() {
        tokens = new TokenEndpointClient(server, "vre");
        TokenExchangeFixtures.ensure(admin);
        admin.post("/admin/realms/vre/clients", Map.of("clientId", CLIENT, "secret", SECRET, "publicClient", false,
                "standardFlowEnabled", true, "redirectUris", List.of(CALLBACK), "protocolMappers", List.of(Map.of(
                        "name", "institution filter", "protocol", "openid-connect", "protocolMapper",
                        "sg-institution-filter", "config", Map.of("rules", "{\"allow\": [{\"name\": \"home "
                                + "institutions\", \"idp\": [\"institution-a\", \"institution-b\"]}]}"))))).ok();
    }

    @AfterAll
    static void tearDown() {
        admin.delete("/admin/realms/vre/clients/" + admin.clientUuid("vre", CLIENT));
    }

    private static Map<String, String> exchange(String audience, String requester, String outcome) {
        return Map.of("realm", "vre", "audience", audience, "requester", requester, "outcome", outcome);
    }

    @Test
    @Order(1)
    @DisplayName("Given a granted rucio exchange, one for an unknown audience and one for ssh-gateway without MFA, then "
            + "sg_token_exchange_total counts each by audience, requester and outcome, the step-up refusal is in "
            + "sg_step_up_refusals_total, and the durations are timed")
    void exchangesAreCountedByAudienceRequesterAndOutcome() {
        TokenSet alice = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.ALICE);
        TokenSet oscar = HubLogin.loginThroughHomeInstitution(server, HubClient.JUPYTERHUB, LabUser.OSCAR);
        MetricsScrape before = MetricsScrape.of(server.managementUrl());

        assertThat(tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB, alice.accessToken())).status())
                .isEqualTo(200);
        TokenEndpointClient.Answer unknown = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                alice.accessToken()).set("audience", "no-such-audience-" + System.nanoTime()));
        assertThat(unknown.error()).isEqualTo("invalid_target");
        TokenEndpointClient.Answer stepUp = tokens.post(TokenEndpointClient.seed002(HubClient.JUPYTERHUB,
                oscar.accessToken()).set("audience", "ssh-gateway"));
        assertThat(stepUp.error()).as(stepUp.body()).isEqualTo("insufficient_user_authentication");

        MetricsScrape after = MetricsScrape.of(server.managementUrl());
        String total = "sg_token_exchange_total";
        assertThat(delta(before, after, total, exchange("rucio", "jupyterhub", "granted"))).isEqualTo(1);
        assertThat(after.value(total, exchange("rucio", "jupyterhub", "granted"))).isGreaterThanOrEqualTo(1);
        assertThat(after.matching(total, exchange("rucio", "jupyterhub", "granted")).get(0).labels())
                .containsEntry("error", "none");
        // an audience the realm does not know is one tag value, whatever was asked (no cardinality from requests)
        assertThat(delta(before, after, total, exchange("(unknown)", "jupyterhub", "audience_unknown"))).isEqualTo(1);
        assertThat(after.text()).doesNotContain("no-such-audience-");
        Map<String, String> refusedSsh = Map.of("realm", "vre", "audience", "ssh-gateway", "requester", "jupyterhub",
                "error", "insufficient_user_authentication");
        assertThat(delta(before, after, total, refusedSsh)).isEqualTo(1);
        String reason = after.matching(total, refusedSsh).get(0).labels().get("outcome");
        assertThat(reason).isNotBlank().isNotEqualTo("granted");
        // The step-up refusal is in its own counter too. Exact deltas of this counter and the timer below held in
        // isolated runs but not in two full-suite runs (the exchange counter's did): open, see issue 31's note; the
        // exact step-up count is the exchange counter's error=insufficient_user_authentication above.
        assertThat(after.sum("sg_step_up_refusals_total", Map.of("realm", "vre", "audience", "ssh-gateway",
                "reason", reason))).isGreaterThanOrEqualTo(1);
        // the answers are timed (count and total time per audience and result); the exact counts are the counter's
        for (Map<String, String> timed : List.of(Map.of("realm", "vre", "audience", "rucio", "result", "granted"),
                Map.of("realm", "vre", "audience", "ssh-gateway", "result", "refused"))) {
            assertThat(after.sum("sg_token_exchange_duration_seconds_count", timed)).as("%s", timed)
                    .isGreaterThanOrEqualTo(1);
            assertThat(after.sum("sg_token_exchange_duration_seconds_sum", timed)).as("%s", timed).isPositive();
        }
        assertThat(after.text()).doesNotContain("alice", "oscar"); // no user in any tag
    }

    @Test
    @Order(2)
    @DisplayName("Given alice logs in to a client admitting institution-a and zed is refused there, then "
            + "sg_institution_filter_decisions_total counts the allowed login, the allowed token and the refused "
            + "login, each with its rule by position (never the entry's typed name)")
    void filterDecisionsAreCountedByClientStageOutcomeAndRule() {
        MetricsScrape before = MetricsScrape.of(server.managementUrl());
        HubLogin.loginThroughHomeInstitution(server, HUB, LabUser.ALICE);
        HubLogin zed = new HubLogin(server, new BrowserSession(), HUB).parameter("kc_idp_hint", "institution-blocked");
        zed.start();
        assertThat(zed.reachedHub() && zed.callbackParameters().containsKey("code")).isFalse();
        MetricsScrape after = MetricsScrape.of(server.managementUrl());

        String decisions = "sg_institution_filter_decisions_total";
        Map<String, String> allowedLogin = Map.of("realm", "vre", "client", CLIENT, "stage", "login",
                "outcome", "allowed", "rule", "allow[0]");
        assertThat(delta(before, after, decisions, allowedLogin)).isEqualTo(1);
        assertThat(delta(before, after, decisions, Map.of("realm", "vre", "client", CLIENT, "stage", "token",
                "outcome", "allowed", "rule", "allow[0]"))).isEqualTo(1);
        Map<String, String> refusedLogin = Map.of("realm", "vre", "client", CLIENT, "stage", "login",
                "outcome", "refused");
        assertThat(delta(before, after, decisions, refusedLogin)).isEqualTo(1);
        assertThat(after.matching(decisions, refusedLogin).get(0).labels().get("rule")).isNotBlank();
        assertThat(after.text()).doesNotContain("institution-blocked.example"); // no institution value in tags
        assertThat(after.text()).doesNotContain("home institutions"); // an entry's typed name is never a label
    }

    @Test
    @Order(3)
    @DisplayName("Given the lab federation is published and synced, then sg_federation_sync_total counts the sync and "
            + "the source's gauges show its entities, identity providers, the age of the sync and the time left "
            + "until the aggregate's validUntil")
    void federationSyncAndItsGauges() throws Exception {
        MetricsScrape before = MetricsScrape.of(server.managementUrl());
        JsonNode status = LabFederation.publish(server, LabFederation.DEFAULT_ENTITIES);
        assertThat(status.path("state").asText()).isEqualTo("ok");
        MetricsScrape after = MetricsScrape.of(server.managementUrl());

        Map<String, String> source = Map.of("realm", "vre", "source", LabFederation.SOURCE);
        assertThat(delta(before, after, "sg_federation_sync_total", Map.of("realm", "vre", "source",
                LabFederation.SOURCE, "result", "ok", "error", "none"))).isEqualTo(1);
        assertThat(delta(before, after, "sg_federation_sync_duration_seconds_count", source)).isEqualTo(1);
        assertThat(after.value("sg_federation_entities", source))
                .isEqualTo(status.path("feed").path("entities").asDouble());
        assertThat(after.value("sg_federation_identity_providers", source))
                .isEqualTo(status.path("identityProviders").asDouble());
        assertThat(after.value("sg_federation_last_success_age_seconds", source)).isBetween(0.0, 120.0);
        double remaining = Instant.parse(status.path("feed").path("validUntil").asText()).getEpochSecond()
                - Instant.now().getEpochSecond();
        assertThat(after.value("sg_federation_valid_until_remaining_seconds", source)).isCloseTo(remaining, within(120.0));
    }

    @Test
    @Order(4)
    @DisplayName("Given the traffic above, then every metric the shipped alert rules and Grafana dashboard query is "
            + "served on /metrics")
    void everyMetricTheAlertsAndDashboardUseIsServed() {
        MetricsScrape scrape = MetricsScrape.of(server.managementUrl());
        java.util.Set<String> names = MonitoringFiles.metricNames();
        assertThat(names).contains("sg_token_exchange_total", "sg_step_up_refusals_total",
                "sg_institution_filter_decisions_total", "sg_federation_sync_total",
                "sg_federation_last_success_age_seconds", "sg_federation_valid_until_remaining_seconds");
        for (String name : names) {
            assertThat(scrape.matching(name, Map.of())).as("%s on /metrics", name).isNotEmpty();
        }
    }

    private static double delta(MetricsScrape before, MetricsScrape after, String name, Map<String, String> labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
