package org.sciencegateway.keycloak.idpfilter.rules;

import java.util.Map;
import java.util.Optional;

/**
 * Whether a hub's rules stay within the realm's baseline, judged at save on what is known before any login: every
 * identity provider of the realm with its metadata, and local accounts. A hub's rules widen the baseline when they
 * may admit an identity provider the baseline cannot admit, or local accounts the baseline refuses. What only a
 * login shows (a user's institution or e-mail domain) cannot be judged here; the token boundary judges every login
 * against both rule sets ({@link InstitutionFilter#within}).
 */
public final class BaselineCheck {

    private BaselineCheck() {
    }

    /** What widens, with the entry of the hub's rules that admits it. */
    public record Widening(String entry, String identityProvider) {
        public String message() {
            if (identityProvider == null) {
                return "Widens the realm's institution baseline: \"localAccounts\": true, but the baseline does not "
                        + "allow local accounts.";
            }
            return "Widens the realm's institution baseline: entry \"" + entry + "\" admits identity provider \""
                    + identityProvider + "\", which the baseline does not admit. A hub's rules may only narrow the "
                    + "baseline (client scope " + "institution-baseline" + ").";
        }
    }

    /**
     * The first widening of {@code baseline} by {@code hub}, in the order of {@code providers} (alias to metadata).
     */
    public static Optional<Widening> widening(InstitutionRules hub, InstitutionFilter baseline,
                                              Map<String, ProviderMetadata> providers) {
        if (hub.localAccounts() && !baseline.localAccounts()) {
            return Optional.of(new Widening(Decision.LOCAL_ACCOUNTS, null));
        }
        InstitutionFilter own = new InstitutionFilter(hub);
        for (Map.Entry<String, ProviderMetadata> provider : providers.entrySet()) {
            String alias = provider.getKey();
            ProviderMetadata metadata = provider.getValue();
            if (own.mayAdmit(alias, metadata) && !baseline.mayAdmit(alias, metadata)) {
                String entry = hub.allow().stream()
                        .filter(e -> e.mayMatchBeforeLogin(alias, metadata))
                        .map(RuleEntry::label)
                        .findFirst().orElse(Decision.NO_ALLOW_MATCH);
                return Optional.of(new Widening(entry, alias));
            }
        }
        return Optional.empty();
    }
}
