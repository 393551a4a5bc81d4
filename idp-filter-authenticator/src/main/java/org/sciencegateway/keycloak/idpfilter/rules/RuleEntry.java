package org.sciencegateway.keycloak.idpfilter.rules;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import com.google.re2j.Pattern;

/**
 * One allow or deny entry. Every condition present must hold (AND); a list inside one condition is a choice (OR).
 * A condition on a value the login does not carry (an institution when the identity provider asserted none) does
 * not hold, so an entry never matches by accident of missing data.
 *
 * @param label                  how the entry is named in events: its {@code name}, else {@code allow[i]}/{@code deny[i]}
 * @param identityProviders      exact identity-provider aliases, or empty
 * @param identityProviderPattern regular expression over the alias (whole match, RE2 syntax: linear time), or {@code null}
 * @param institutions           exact institution identifiers, or empty
 * @param institutionPattern     regular expression over the institution identifier (whole match), or {@code null}
 * @param registrationAuthorities exact registration authorities, or empty
 * @param emailDomains           email domains, lower case, or empty
 * @param organizations          organization aliases, or empty
 * @param entityCategories       entity categories of the identity provider's federation metadata (any of), or empty
 * @param assuranceCertifications assurance certifications of its metadata (any of), or empty
 */
public record RuleEntry(String label, Set<String> identityProviders, Pattern identityProviderPattern,
                        Set<String> institutions, Pattern institutionPattern, Set<String> registrationAuthorities,
                        Set<String> emailDomains, Set<String> organizations, Set<String> entityCategories,
                        Set<String> assuranceCertifications) {

    public RuleEntry {
        identityProviders = ordered(identityProviders);
        institutions = ordered(institutions);
        registrationAuthorities = ordered(registrationAuthorities);
        emailDomains = ordered(emailDomains);
        organizations = ordered(organizations);
        entityCategories = ordered(entityCategories);
        assuranceCertifications = ordered(assuranceCertifications);
    }

    /** Keeps the order admins wrote, so offered lists follow the rule document. */
    private static Set<String> ordered(Set<String> values) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(values));
    }

    public boolean matches(LoginOrigin origin) {
        return identityProviderMatches(origin.identityProvider())
                && valueMatches(institutions, institutionPattern, origin.institution())
                && valueMatches(registrationAuthorities, null, origin.registrationAuthority())
                && valueMatches(emailDomains, null, lowerCase(origin.emailDomain()))
                && valueMatches(organizations, null, origin.organization())
                && anyOf(entityCategories, origin.entityCategories())
                && anyOf(assuranceCertifications, origin.assuranceCertifications());
    }

    /** A metadata condition holds when the identity provider carries one of the listed values. */
    private static boolean anyOf(Set<String> required, Set<String> carried) {
        return required.isEmpty() || required.stream().anyMatch(carried::contains);
    }

    /**
     * Whether a login through this identity provider could match, judged before the login: the identity-provider
     * condition and the metadata conditions that {@code metadata} knows; user-specific conditions are judged after.
     */
    public boolean mayMatchBeforeLogin(String alias, ProviderMetadata metadata) {
        return identityProviderMatches(alias)
                && (registrationAuthorities.isEmpty() || metadata.registrationAuthority() == null
                        || registrationAuthorities.contains(metadata.registrationAuthority()))
                && (metadata.entityCategories() == null || anyOf(entityCategories, metadata.entityCategories()))
                && (metadata.assuranceCertifications() == null
                        || anyOf(assuranceCertifications, metadata.assuranceCertifications()));
    }

    /**
     * Whether this (deny) entry refuses every login through the identity provider, judged before the login: it has no
     * user-specific condition, and its identity-provider and metadata conditions certainly hold.
     */
    public boolean certainlyMatchesBeforeLogin(String alias, ProviderMetadata metadata) {
        boolean userSpecific = !institutions.isEmpty() || institutionPattern != null || !emailDomains.isEmpty()
                || !organizations.isEmpty();
        if (userSpecific || !hasIdentityProviderCondition() && registrationAuthorities.isEmpty()
                && entityCategories.isEmpty() && assuranceCertifications.isEmpty()) {
            return false;
        }
        return identityProviderMatches(alias)
                && (registrationAuthorities.isEmpty() || metadata.registrationAuthority() != null
                        && registrationAuthorities.contains(metadata.registrationAuthority()))
                && (entityCategories.isEmpty() || metadata.entityCategories() != null
                        && anyOf(entityCategories, metadata.entityCategories()))
                && (assuranceCertifications.isEmpty() || metadata.assuranceCertifications() != null
                        && anyOf(assuranceCertifications, metadata.assuranceCertifications()));
    }

    /** Whether the identity-provider condition alone admits this alias (other conditions are judged after login). */
    public boolean identityProviderMatches(String alias) {
        return valueMatches(identityProviders, identityProviderPattern, alias);
    }

    public boolean hasIdentityProviderCondition() {
        return !identityProviders.isEmpty() || identityProviderPattern != null;
    }

    private static boolean valueMatches(Set<String> exact, Pattern pattern, String value) {
        if (exact.isEmpty() && pattern == null) {
            return true;
        }
        if (value == null || value.isEmpty()) {
            return false;
        }
        // RE2/J runs in time linear in the value: no pattern an admin saves can make a claim stall a login thread.
        return exact.contains(value) || (pattern != null && pattern.matches(value));
    }

    private static String lowerCase(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }
}
