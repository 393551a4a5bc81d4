package org.sciencegateway.keycloak.tokenexchange;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.keycloak.models.RealmModel;

/**
 * The exchange's metrics in Keycloak's registry ({@code /metrics} on the management port when the server runs with
 * {@code --metrics-enabled=true}; without it the registry has no backend and nothing is kept):
 * <ul>
 *   <li>{@code sg_token_exchange_total{realm, audience, requester, outcome, error}}: every exchange this provider
 *       answered; {@code outcome} is {@code granted} or the refusal's reason ({@code audience_without_policy},
 *       {@code subject_token_offline}, …), {@code error} the OAuth error code sent ({@code none} when granted);</li>
 *   <li>{@code sg_token_exchange_duration_seconds{realm, audience, result}}: how long the answer took
 *       ({@code result} {@code granted}, {@code refused} or {@code error});</li>
 *   <li>{@code sg_step_up_refusals_total{realm, audience, reason}}: refusals asking the user to authenticate
 *       again, stronger or more recently ({@code insufficient_user_authentication}).</li>
 * </ul>
 * Cardinality stays bounded by the realm's configuration: {@code audience} is a client of the realm (an audience
 * the realm does not know is counted as {@code (unknown)}, several as {@code (several)}), {@code requester} the
 * authenticated client; no user, token or free text is a tag.
 */
final class ExchangeMetrics {

    static final String EXCHANGES = "sg.token.exchange";
    static final String DURATION = "sg.token.exchange.duration";
    static final String STEP_UP_REFUSALS = "sg.step.up.refusals";
    static final String GRANTED = "granted";
    static final String UNKNOWN_AUDIENCE = "(unknown)";
    static final String SEVERAL_AUDIENCES = "(several)";

    private ExchangeMetrics() {
    }

    /** The audience tag: the audience's client id when it is one client of the realm. */
    static String audience(RealmModel realm, List<String> audiences) {
        if (audiences == null || audiences.isEmpty()) {
            return UNKNOWN_AUDIENCE;
        }
        if (audiences.size() > 1) {
            return SEVERAL_AUDIENCES;
        }
        String audience = audiences.get(0);
        return audience != null && realm.getClientByClientId(audience) != null ? audience : UNKNOWN_AUDIENCE;
    }

    static void granted(RealmModel realm, String audience, String requester, long startNanos) {
        count(realm, audience, requester, GRANTED, "none");
        time(realm, audience, GRANTED, startNanos);
    }

    static void refused(RealmModel realm, String audience, String requester, ExchangeRefusal refusal,
                        long startNanos) {
        count(realm, audience, requester, refusal.reason(), refusal.error());
        time(realm, audience, "refused", startNanos);
        if (ExchangeRefusal.INSUFFICIENT_USER_AUTHENTICATION.equals(refusal.error())) {
            Counter.builder(STEP_UP_REFUSALS)
                    .description("Exchanges refused until the user authenticates again, stronger or more recently")
                    .tags("realm", realm.getName(), "audience", audience, "reason", refusal.reason())
                    .register(registry()).increment();
        }
    }

    /** An exchange answered by Keycloak's own code on the way (outcome {@code keycloak_http_<status>}). */
    static void answeredByKeycloak(RealmModel realm, String audience, String requester, int status, long startNanos) {
        count(realm, audience, requester, "keycloak_http_" + status, "http_" + status);
        time(realm, audience, status < 400 ? GRANTED : "refused", startNanos);
    }

    /** An exchange that ended in an unexpected error (a 500): counted, so that a rise is seen. */
    static void failed(RealmModel realm, String audience, String requester, long startNanos) {
        count(realm, audience, requester, "server_error", "server_error");
        time(realm, audience, "error", startNanos);
    }

    private static void count(RealmModel realm, String audience, String requester, String outcome, String error) {
        Counter.builder(EXCHANGES)
                .description("Token exchanges answered by the audience-scoped exchange, by outcome")
                .tags("realm", realm.getName(), "audience", audience, "requester", requester, "outcome", outcome,
                        "error", error)
                .register(registry()).increment();
    }

    private static void time(RealmModel realm, String audience, String result, long startNanos) {
        Timer.builder(DURATION)
                .description("Time to answer a token exchange")
                .tags("realm", realm.getName(), "audience", audience, "result", result)
                .register(registry()).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private static MeterRegistry registry() {
        return Metrics.globalRegistry;
    }
}
