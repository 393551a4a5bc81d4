package org.sciencegateway.keycloak.tokenexchange;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The account a receiver such as an SSH gateway maps the user to (seed 003: the Linux cluster account, kept in LDAP):
 * a user attribute (e.g. {@code posix_username}, filled by Keycloak's LDAP federation from {@code uid}) copied into a
 * claim of the exchanged token. When required, a user without exactly one valid value gets no token.
 *
 * @param attribute the user attribute holding the account name; {@code null} for no account claim
 * @param claim     the claim's name
 * @param required  whether a user without the attribute is refused (otherwise the token just lacks the claim)
 */
public record AccountClaim(String attribute, String claim, boolean required) {

    public static final String DEFAULT_CLAIM = "posix_username";
    public static final AccountClaim NONE = new AccountClaim(null, DEFAULT_CLAIM, false);

    /** Event detail key naming the attribute of an account refusal. */
    public static final String DETAIL_ACCOUNT_ATTRIBUTE = "account_attribute";

    /**
     * A portable POSIX user name as Linux tools accept it: up to 32 characters of letters, digits, dot, underscore
     * and hyphen, not starting with a hyphen or dot, not all digits (a number reads as a uid).
     */
    private static final Pattern ACCOUNT_NAME = Pattern.compile("(?=.*[A-Za-z_])[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");

    public AccountClaim {
        Objects.requireNonNull(claim, "claim");
        if (attribute == null && required) {
            throw new IllegalArgumentException("a required account needs an attribute");
        }
    }

    public boolean isNone() {
        return attribute == null;
    }

    /**
     * The account to put in the token, from the user's values of {@link #attribute}: empty when there is none and
     * none is required. Refused (fail closed, whether required or not) when the values name more than one account or
     * an invalid one: a receiver must never map the user to a guessed account.
     */
    public Optional<String> decide(String audience, Collection<String> attributeValues) {
        if (isNone()) {
            return Optional.empty();
        }
        Set<String> values = new TreeSet<>();
        for (String value : attributeValues) {
            if (value != null && !value.isBlank()) {
                values.add(value.trim());
            }
        }
        if (values.isEmpty()) {
            if (required) {
                throw refusal("user_lacks_account_attribute", "The user has no account for audience " + audience
                        + ": user attribute " + attribute + " is missing, and the policy requires it.");
            }
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw refusal("account_attribute_ambiguous", "The user has " + values.size() + " values of user attribute "
                    + attribute + "; audience " + audience + " needs exactly one account.");
        }
        String account = values.iterator().next();
        if (!ACCOUNT_NAME.matcher(account).matches()) {
            throw refusal("account_attribute_invalid", "The user's attribute " + attribute
                    + " is not a valid account name for audience " + audience + " (a POSIX user name: up to 32 "
                    + "letters, digits, dots, underscores or hyphens).");
        }
        return Optional.of(account);
    }

    /** The refusal when the realm lets users write {@link #attribute} themselves: no account can be trusted. */
    public ExchangeRefusal userEditable(String audience) {
        return refusal("account_attribute_user_editable", "Audience " + audience + " cannot name an account: users "
                + "of this realm may edit the user attribute " + attribute + " themselves.");
    }

    private ExchangeRefusal refusal(String reason, String description) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put(DETAIL_ACCOUNT_ATTRIBUTE, attribute);
        return ExchangeRefusal.accessDenied(reason, description, details);
    }
}
