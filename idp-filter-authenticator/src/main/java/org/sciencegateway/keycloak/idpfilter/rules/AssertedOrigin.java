package org.sciencegateway.keycloak.idpfilter.rules;

import java.util.Collection;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What one brokered login's identity provider asserts about where the user comes from, as the institution filter
 * reads it: the home institution (from a claim or attribute), the registration authority configured for the identity
 * provider, and the email domain when the address is vouched for. Plain Java: the identity-provider mapper feeds it
 * the response's claims and records the result in the brokered context.
 *
 * @param institution           the asserted institution; {@code ""} when the claim is configured but missing or
 *                              ambiguous; {@code null} when no claim is configured (the IdP is the institution)
 * @param registrationAuthority the configured federation, {@code null} when none is configured
 * @param emailDomain           the vouched-for email domain, {@code ""} when not vouched for; {@code null} when the
 *                              mapper does not record it
 */
public record AssertedOrigin(String institution, String registrationAuthority, String emailDomain) {

    /** The identity provider's email facts: the address, and whether anyone vouches for it. */
    public record Email(String address, boolean identityProviderTrusted, Supplier<Object> emailVerifiedClaim) {
    }

    /**
     * @param institutionClaim      configured claim or attribute name ({@code null}/blank: none)
     * @param claims                reads a claim or attribute of the response (a collection for several values)
     * @param registrationAuthority configured registration authority ({@code null}/blank: none)
     * @param email                 {@code null} when the mapper does not record the email domain
     */
    public static AssertedOrigin read(String institutionClaim, Function<String, Object> claims,
                                      String registrationAuthority, Email email) {
        String institution = null;
        if (institutionClaim != null && !institutionClaim.isBlank()) {
            String value = single(claims.apply(institutionClaim.trim()));
            // Always a value, possibly empty: nothing can be inherited from an earlier login.
            institution = value == null ? "" : value;
        }
        String authority = registrationAuthority == null || registrationAuthority.isBlank()
                ? null : registrationAuthority.trim();
        return new AssertedOrigin(institution, authority, email == null ? null : vouchedDomain(email));
    }

    /** One institution per login: a multi-valued claim is ambiguous and yields no value (fails closed). */
    static String single(Object value) {
        if (value instanceof Collection<?> values) {
            return values.size() == 1 ? single(values.iterator().next()) : null;
        }
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? null : text;
    }

    private static String vouchedDomain(Email email) {
        String address = email.address();
        if (address == null || address.indexOf('@') < 0) {
            return "";
        }
        boolean vouched = email.identityProviderTrusted();
        if (!vouched && email.emailVerifiedClaim() != null) {
            Object verified = email.emailVerifiedClaim().get();
            vouched = Boolean.TRUE.equals(verified) || "true".equals(String.valueOf(verified));
        }
        String domain = address.substring(address.lastIndexOf('@') + 1).trim().toLowerCase(Locale.ROOT);
        return vouched ? domain : "";
    }
}
