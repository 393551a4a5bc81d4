package org.sciencegateway.keycloak.idpfilter.enforce;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;

/**
 * The institution filter's decisions in Keycloak's metrics registry ({@code /metrics} on the management port with
 * {@code --metrics-enabled=true}): {@code sg_institution_filter_decisions_total{realm, client, stage, outcome, rule}}.
 * <ul>
 *   <li>{@code stage}: {@code login} (a login completed or refused), {@code token} (a token, refresh, userinfo or
 *       exchange judged at the token boundary), {@code link} (account linking refused);</li>
 *   <li>{@code outcome}: {@code allowed} or {@code refused};</li>
 *   <li>{@code rule}: the rule that decided, as in the refusal event ({@code allow[1]} or the entry's name,
 *       {@code deny[0]}, {@code no-allow-match}, {@code localAccounts}, {@code baseline…}).</li>
 * </ul>
 * Tags come from the realm's own configuration (clients, their rule entries): no user or institution value is one.
 */
final class FilterMetrics {

    static final String DECISIONS = "sg.institution.filter.decisions";
    static final String LOGIN = "login";
    static final String TOKEN = "token";
    static final String LINK = "link";

    private FilterMetrics() {
    }

    static void decision(RealmModel realm, ClientModel client, String stage, boolean allowed, String rule) {
        Counter.builder(DECISIONS)
                .description("Institution filter decisions, by client, stage, outcome and deciding rule")
                .tags("realm", realm == null ? "" : realm.getName(),
                        "client", client == null ? "" : client.getClientId(),
                        "stage", stage, "outcome", allowed ? "allowed" : "refused", "rule", rule == null ? "" : rule)
                .register(Metrics.globalRegistry).increment();
    }
}
