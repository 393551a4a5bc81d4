package org.sciencegateway.keycloak.idpfilter.select;

import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.sciencegateway.keycloak.idpfilter.enforce.IdentityProviderMetadata;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.ProviderMetadata;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which identity providers a chooser page ({@link InstitutionChooser}) may offer for one login: the client's rules,
 * narrowed by the request's hints. This is the whole of what the filter tells a chooser; the same admission serves the
 * login page, its no-JavaScript search form and a JSON search, so none of them can offer more than the others.
 * Offering is a courtesy: {@code enforce} decides again on the identity provider actually used.
 *
 * @param admitted   whether the chooser may offer this identity-provider alias
 * @param localLogin whether the chooser may offer the username/password form
 * @param hints      the {@code kc_idp_hint} values in force (kept so that searches and re-renders narrow the same way)
 */
public record Admission(Predicate<String> admitted, boolean localLogin, List<String> hints) {

    public static final Admission NOTHING = new Admission(alias -> false, false, List.of());

    public Admission {
        hints = hints == null ? List.of() : List.copyOf(hints);
    }

    /**
     * The admission of {@code client} under {@code hints}.
     *
     * @throws UnusableRules when the client's stored rules cannot be used: nothing may be offered
     */
    public static Admission forClient(KeycloakSession session, ClientModel client, List<String> hints)
            throws UnusableRules {
        return forClient(client, hints, alias -> IdentityProviderMetadata.provider(session, alias));
    }

    /**
     * The admission of {@code client} under {@code hints}, with what is known of each identity provider from
     * {@code metadata} (see {@link InstitutionChooser#knownMetadata}).
     *
     * @throws UnusableRules when the client's stored rules cannot be used: nothing may be offered
     */
    public static Admission forClient(ClientModel client, List<String> hints,
                                      Function<String, ProviderMetadata> metadata) throws UnusableRules {
        ClientRules rules = ClientRules.of(client);
        if (rules.problem() != null) {
            throw new UnusableRules(rules.problem());
        }
        return of(rules.filter(), hints, metadata);
    }

    /**
     * @param filter the client's filter, {@code null} for a client without rules (everything admitted, local login
     *               allowed)
     * @param hints  {@code kc_idp_hint} values; they only ever narrow
     */
    public static Admission of(InstitutionFilter filter, List<String> hints) {
        return of(filter, hints, alias -> ProviderMetadata.UNKNOWN);
    }

    /**
     * @param metadata what is known of an identity provider before the login (its federation metadata), so that an
     *                 entry such as {@code {"entityCategory": …}} offers only the identity providers that carry it
     */
    public static Admission of(InstitutionFilter filter, List<String> hints,
                               Function<String, ProviderMetadata> metadata) {
        List<String> hinted = hints == null ? List.of() : hints;
        if (filter == null) {
            if (hinted.isEmpty()) {
                return new Admission(alias -> true, true, hinted);
            }
            Set<String> only = Set.copyOf(hinted);
            return new Admission(only::contains, false, hinted);
        }
        InstitutionFilter.Selection selection = filter.select(hinted);
        return switch (selection.kind()) {
            case REFUSE -> new Admission(alias -> false, false, hinted);
            case REDIRECT -> new Admission(Set.of(selection.identityProvider())::contains, false, hinted);
            case CHOOSE -> {
                if (selection.offered() == null) {
                    yield new Admission(alias -> filter.mayAdmit(alias, metadata.apply(alias)),
                            selection.localLoginOffered(), hinted);
                }
                Set<String> offered = Set.copyOf(selection.offered());
                yield new Admission(offered::contains, selection.localLoginOffered(), hinted);
            }
        };
    }

    /** The aliases of a {@code kc_idp_hint} value (comma-separated, blanks and repeats dropped). */
    public static List<String> hints(String hint) {
        if (hint == null || hint.isBlank()) {
            return List.of();
        }
        return Arrays.stream(hint.split(",")).map(String::trim).filter(h -> !h.isEmpty()).distinct().toList();
    }

    /** The client's institution rules are stored but cannot be used; every login to it is refused. */
    public static final class UnusableRules extends Exception {
        private static final long serialVersionUID = 1L;

        public UnusableRules(String problem) {
            super(problem);
        }
    }
}
