package org.sciencegateway.keycloak.idpfilter.rules;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code shibmd:Scope} check of Shibboleth service providers: a scoped value an identity provider asserts (its
 * users' {@code schacHomeOrganization}, the part after {@code @} of an eduPersonPrincipalName or of a verified email)
 * counts only when it lies within one of the scopes its federation registered for it — otherwise any member of a
 * federation could claim to be any university. Exact scopes compare case-insensitively; {@code regexp:} scopes must
 * match the whole value (RE2, linear time). No scopes registered: nothing to check ({@link #NONE}).
 */
public final class ScopeCheck {

    public static final ScopeCheck NONE = new ScopeCheck(List.of(), List.of(), false);

    private final List<String> exact;
    private final List<Pattern> patterns;
    private final boolean active;

    private ScopeCheck(List<String> exact, List<Pattern> patterns, boolean active) {
        this.exact = exact;
        this.patterns = patterns;
        this.active = active;
    }

    /**
     * Parses the scope list of an identity provider's config ({@link ConfigList}: the sync's JSON array, or an admin's
     * space-separated list; {@code regexp:} marks patterns). An unreadable list admits nothing, and so does an empty
     * JSON array: the federation registered scopes, none of which could be used.
     */
    public static ScopeCheck parse(String scopes) {
        List<String> values = ConfigList.parse(scopes);
        boolean registered = scopes != null && scopes.trim().startsWith("[");
        if (values.isEmpty() && !registered) {
            return NONE;
        }
        if (values == ConfigList.UNREADABLE) {
            return new ScopeCheck(List.of(), List.of(), true);
        }
        List<String> exact = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        for (String scope : values) {
            if (scope.startsWith("regexp:")) {
                try {
                    patterns.add(Pattern.compile(scope.substring("regexp:".length()), Pattern.CASE_INSENSITIVE));
                } catch (PatternSyntaxException e) {
                    // an unreadable pattern admits nothing (fail closed); the other scopes still apply
                }
            } else {
                exact.add(scope.toLowerCase(Locale.ROOT));
            }
        }
        return new ScopeCheck(List.copyOf(exact), List.copyOf(patterns), true);
    }

    /** Whether scopes are registered at all. */
    public boolean active() {
        return active;
    }

    /** Whether a scope value ({@code uni-a.example}, or the part after {@code @} of {@code user@uni-a.example}) is within. */
    public boolean admits(String value) {
        if (!active) {
            return true;
        }
        if (value == null || value.isBlank()) {
            return false;
        }
        String scope = value.substring(value.lastIndexOf('@') + 1).trim().toLowerCase(Locale.ROOT);
        return exact.contains(scope) || patterns.stream().anyMatch(pattern -> pattern.matches(scope));
    }
}
