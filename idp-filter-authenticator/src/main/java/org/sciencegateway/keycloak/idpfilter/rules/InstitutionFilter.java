package org.sciencegateway.keycloak.idpfilter.rules;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides, for one client's {@link InstitutionRules}, whether a login may pass and which identity providers the
 * login page may offer. Works on the rules alone: its cost grows with the number of rule entries, never with the
 * number of identity providers in the realm.
 */
public final class InstitutionFilter {

    /** Longest alias or institution value the filter matches; a longer one is refused (claims are attacker input). */
    public static final int MAX_VALUE_LENGTH = 16_384;

    /** Answers of {@link #mayAdmit(String, ProviderMetadata)} kept per filter: a few times eduGAIN's size. */
    static final int OFFER_MEMORY = 50_000;

    private final InstitutionRules rules;
    /** Rules this filter may only narrow (a realm's baseline for hubs), judged after this filter's own; or null. */
    private final InstitutionFilter within;
    /** Prefix of the rule labels of this filter's decisions ({@code "baseline "} for a realm baseline). */
    private final String labelPrefix;
    /** Per alias, the last metadata judged for it and the answer: a picker asks with the same instances each time. */
    private final Map<String, Offer> offers = new ConcurrentHashMap<>();

    private record Offer(ProviderMetadata metadata, boolean admits) {
        boolean isFor(ProviderMetadata asked) {
            // the same instance in the common case (one directory snapshot); equal content after a rebuild
            return metadata == asked || metadata.equals(asked);
        }
    }

    public InstitutionFilter(InstitutionRules rules) {
        this(rules, null, "");
    }

    private InstitutionFilter(InstitutionRules rules, InstitutionFilter within, String labelPrefix) {
        this.rules = rules;
        this.within = within;
        this.labelPrefix = labelPrefix;
    }

    /**
     * A realm's baseline: decisions read {@code baseline allow[0]}, {@code baseline no-allow-match}, so a refusal
     * says which of the two rule sets refused.
     */
    public static InstitutionFilter baseline(InstitutionRules rules) {
        return new InstitutionFilter(rules, null, "baseline ");
    }

    /**
     * These rules, only ever narrowing {@code baseline}: a login passes when both admit it, the login page offers
     * what both may admit, local accounts only when both allow them.
     */
    public InstitutionFilter within(InstitutionFilter baseline) {
        return new InstitutionFilter(rules, baseline, labelPrefix);
    }

    /** The rules this filter narrows, or null. */
    public InstitutionFilter baselineFilter() {
        return within;
    }

    /** Whether local (username/password) accounts may log in: this filter's rules and its baseline's must allow it. */
    public boolean localAccounts() {
        return rules.localAccounts() && (within == null || within.localAccounts());
    }

    public InstitutionRules rules() {
        return rules;
    }

    /**
     * The decision on a completed login. Deny entries win; otherwise one allow entry must match; then the baseline,
     * if any, must admit it too.
     */
    public Decision decide(LoginOrigin origin) {
        Decision own = decideOwn(origin);
        if (!own.allowed() || within == null) {
            return own;
        }
        Decision baseline = within.decide(origin);
        return baseline.allowed() ? own : baseline;
    }

    private Decision decideOwn(LoginOrigin origin) {
        if (origin.isLocal()) {
            return labelled(rules.localAccounts() ? Decision.allow(Decision.LOCAL_ACCOUNTS) : Decision.deny(Decision.LOCAL_ACCOUNTS));
        }
        if (oversized(origin.identityProvider()) || oversized(origin.institution())
                || oversized(origin.registrationAuthority()) || oversized(origin.emailDomain())
                || oversized(origin.organization())) {
            return labelled(Decision.deny(Decision.OVERSIZED_VALUE));
        }
        for (int i = 0; i < rules.deny().size(); i++) {
            if (rules.deny().get(i).matches(origin)) {
                return labelled(new Decision(false, rules.deny().get(i).label(), "deny[" + i + "]"));
            }
        }
        for (int i = 0; i < rules.allow().size(); i++) {
            if (rules.allow().get(i).matches(origin)) {
                return labelled(new Decision(true, rules.allow().get(i).label(), "allow[" + i + "]"));
            }
        }
        return labelled(Decision.deny(Decision.NO_ALLOW_MATCH));
    }

    private Decision labelled(Decision decision) {
        return labelPrefix.isEmpty() ? decision : new Decision(decision.allowed(), labelPrefix + decision.rule(),
                labelPrefix + decision.position());
    }

    private static boolean oversized(String value) {
        return value != null && value.length() > MAX_VALUE_LENGTH;
    }

    /**
     * Whether some login through this identity provider could pass: an allow entry accepts the alias and no deny
     * entry refuses the alias outright. Used before the login (hints, linking); the final word is {@link #decide}.
     */
    public boolean mayAdmit(String alias) {
        return mayAdmit(alias, ProviderMetadata.UNKNOWN);
    }

    /**
     * Like {@link #mayAdmit(String)}, also judging the metadata conditions ({@code registrationAuthority},
     * {@code entityCategory}, {@code assuranceCertification}) on what is known of the identity provider before the
     * login: a login page then offers only the federation members a rule can admit.
     */
    public boolean mayAdmit(String alias, ProviderMetadata metadata) {
        if (alias == null || alias.isBlank() || oversized(alias)) {
            return false;
        }
        // A pure function of the rules (fixed for this instance), the alias and the metadata: remembered, since a
        // picker over thousands of institutions asks it for every one of them at every keystroke.
        ProviderMetadata asked = metadata == null ? ProviderMetadata.UNKNOWN : metadata;
        Offer known = offers.get(alias);
        if (known != null && known.isFor(asked)) {
            return known.admits();
        }
        boolean admits = judgeBeforeLogin(alias, asked) && (within == null || within.mayAdmit(alias, asked));
        if (offers.size() >= OFFER_MEMORY) {
            offers.clear();
        }
        offers.put(alias, new Offer(asked, admits));
        return admits;
    }

    private boolean judgeBeforeLogin(String alias, ProviderMetadata metadata) {
        for (RuleEntry entry : rules.deny()) {
            if (entry.certainlyMatchesBeforeLogin(alias, metadata)) {
                return false;
            }
        }
        return rules.allow().stream().anyMatch(entry -> entry.mayMatchBeforeLogin(alias, metadata));
    }

    /**
     * The identity providers the login page may offer, in rule order, when every allow entry names its aliases
     * exactly; empty when an entry admits by pattern or by institution alone (the realm's own list then applies and
     * {@link #decide} still guards the result).
     */
    public Optional<List<String>> offeredIdentityProviders() {
        Set<String> offered = new LinkedHashSet<>();
        for (RuleEntry entry : rules.allow()) {
            if (entry.identityProviders().isEmpty()) {
                // these rules name no list; the baseline's list (if it names one) is the most that may be offered
                return within == null ? Optional.empty()
                        : within.offeredIdentityProviders().map(list -> list.stream().filter(this::mayAdmit).toList());
            }
            entry.identityProviders().stream().filter(this::mayAdmit).forEach(offered::add);
        }
        return Optional.of(List.copyOf(offered));
    }

    /** Institution identifiers that allow entries name, for the theme's institution picker. */
    public List<String> allowedInstitutions() {
        Set<String> institutions = new LinkedHashSet<>();
        rules.allow().forEach(entry -> entry.institutions().forEach(institutions::add));
        return List.copyOf(institutions);
    }

    /**
     * What the login page should do before the user chooses. Hints ({@code kc_idp_hint}, one alias or a comma
     * separated list) only narrow: a hint naming no admissible identity provider is refused, never followed.
     */
    public Selection select(List<String> hints) {
        List<String> hinted = hints == null ? List.of() : hints.stream().map(String::trim).filter(h -> !h.isEmpty())
                .distinct().toList();
        if (!hinted.isEmpty()) {
            List<String> kept = new ArrayList<>();
            for (String hint : hinted) {
                if (mayAdmit(hint)) {
                    kept.add(hint);
                }
            }
            if (kept.isEmpty()) {
                return Selection.refuse(hinted);
            }
            return kept.size() == 1 ? Selection.redirect(kept.get(0)) : Selection.choose(kept, false);
        }
        Optional<List<String>> offered = offeredIdentityProviders();
        if (offered.isEmpty()) {
            return Selection.choose(null, localAccounts());
        }
        List<String> aliases = offered.get();
        if (!localAccounts()) {
            if (aliases.isEmpty()) {
                return Selection.refuse(List.of());
            }
            if (aliases.size() == 1) {
                return Selection.redirect(aliases.get(0));
            }
        }
        return Selection.choose(aliases, localAccounts());
    }

    /**
     * @param kind              what to do
     * @param identityProvider  the alias to go to straight away ({@link Kind#REDIRECT})
     * @param offered           aliases the page may offer ({@link Kind#CHOOSE}); {@code null} = not restricted by alias;
     *                          the refused hints ({@link Kind#REFUSE})
     * @param localLoginOffered whether the page may offer the username/password form
     */
    public record Selection(Kind kind, String identityProvider, List<String> offered, boolean localLoginOffered) {

        public enum Kind { REDIRECT, CHOOSE, REFUSE }

        static Selection redirect(String alias) {
            return new Selection(Kind.REDIRECT, alias, List.of(alias), false);
        }

        static Selection choose(List<String> offered, boolean localLogin) {
            return new Selection(Kind.CHOOSE, null, offered == null ? null : List.copyOf(offered), localLogin);
        }

        static Selection refuse(List<String> hints) {
            return new Selection(Kind.REFUSE, null, List.copyOf(hints), false);
        }
    }
}
