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
 *   <li>{@code rule}: the rule that decided, by position ({@code allow[1]}, {@code deny[0]}, {@code baseline
 *       allow[0]}) or keyword ({@code no-allow-match}, {@code localAccounts}, …); never an entry's typed name.</li>
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

    /**
     * The rule label: a rule by position ({@code allow[1]}, {@code baseline deny[0]}) or one of the filter's keywords;
     * anything else — an entry's {@code name}, free text an admin or hub owner typed — is {@code named-entry}, so
     * that no typed text (an e-mail address, say) reaches the metrics and renaming starts no new series.
     */
    static String ruleLabel(String rule) {
        return rule != null && POSITIONAL.matcher(rule).matches() ? rule : "named-entry";
    }

    private static final java.util.regex.Pattern POSITIONAL = java.util.regex.Pattern.compile(
            "(baseline )?((allow|deny)\\[\\d{1,4}\\]|no-allow-match|localAccounts|invalid-configuration|idp_link|"
                    + "oversized-value)");

    static void decision(RealmModel realm, ClientModel client, String stage, boolean allowed, String rule) {
        Counter.builder(DECISIONS)
                .description("Institution filter decisions, by client, stage, outcome and deciding rule")
                .tags("realm", realm == null ? "" : realm.getName(),
                        "client", client == null ? "" : client.getClientId(),
                        "stage", stage, "outcome", allowed ? "allowed" : "refused", "rule", ruleLabel(rule))
                .register(Metrics.globalRegistry).increment();
    }
}
