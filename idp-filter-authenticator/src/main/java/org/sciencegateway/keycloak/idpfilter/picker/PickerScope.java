package org.sciencegateway.keycloak.idpfilter.picker;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;

/**
 * Which identity providers the institution picker may list for one login: the client's rules, narrowed by the
 * request's hints. The same scope serves the login page, the no-JavaScript search form and the JSON search, so none
 * of them can offer more than the other two. Offering is a courtesy: the filter decides again after the login.
 *
 * @param admitted   whether the picker may list this alias
 * @param localLogin whether the page may offer the username/password form
 * @param hints      the hints in force (kept so that searches and re-renders narrow the same way)
 */
public record PickerScope(Predicate<String> admitted, boolean localLogin, List<String> hints) {

    public static final PickerScope NOTHING = new PickerScope(alias -> false, false, List.of());

    public PickerScope {
        hints = hints == null ? List.of() : List.copyOf(hints);
    }

    /**
     * @param filter the client's filter, {@code null} for a client without rules (everything admitted, local login
     *               allowed)
     * @param hints  {@code kc_idp_hint} values; they only ever narrow
     */
    public static PickerScope of(InstitutionFilter filter, List<String> hints) {
        List<String> hinted = hints == null ? List.of() : hints;
        if (filter == null) {
            if (hinted.isEmpty()) {
                return new PickerScope(alias -> true, true, hinted);
            }
            Set<String> only = Set.copyOf(hinted);
            return new PickerScope(only::contains, false, hinted);
        }
        InstitutionFilter.Selection selection = filter.select(hinted);
        return switch (selection.kind()) {
            case REFUSE -> new PickerScope(alias -> false, false, hinted);
            case REDIRECT -> new PickerScope(Set.of(selection.identityProvider())::contains, false, hinted);
            case CHOOSE -> {
                if (selection.offered() == null) {
                    yield new PickerScope(filter::mayAdmit, selection.localLoginOffered(), hinted);
                }
                Set<String> offered = Set.copyOf(selection.offered());
                yield new PickerScope(offered::contains, selection.localLoginOffered(), hinted);
            }
        };
    }
}
