package org.sciencegateway.keycloak.assurance.federated;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The security decision for a brokered login: which level of authentication it counts as. An institution's claim of
 * a stronger authentication (a SAML {@code AuthnContextClassRef}, an OIDC {@code acr}) raises the level only when the
 * admin trusts that identity provider for it and the realm's ACR-to-LoA mapping names the value; everything else
 * counts as the realm's level for a federated login. Plain Java: no Keycloak types.
 */
public final class FederatedLevel {

    /** How far the realm trusts one identity provider's assertions about the authentication. */
    public enum Trust {
        /** Marked trusted by the admin (and, for SAML, with signature validation on). */
        TRUSTED,
        /** Not marked: what it asserts is ignored. */
        NOT_TRUSTED,
        /** Marked trusted, but a SAML provider whose signatures Keycloak does not validate: a user could forge it. */
        UNSIGNED,
        /**
         * Trusted, but the link between this institution account and the local account was made in this very login
         * (first-broker-login's link to an existing account): the person linking proved only the existing account's
         * first factor, so the institution's MFA is not yet the account owner's.
         */
        LINKED_IN_THIS_LOGIN,
        /**
         * Trusted, but nothing records that this institution account's link to the local account was vetted (made
         * where the account's own highest level was shown): a link made before that record existed, by an admin's
         * REST call or by the legacy linking endpoint. Its assertions raise nothing until the link is vetted.
         */
        UNVETTED_LINK
    }

    /**
     * @param level    the level of authentication to record
     * @param reason   why, for the event: {@code trusted_assertion}, {@code nothing_honoured}, {@code not_trusted},
     *                 {@code unsigned_assertions}, {@code linked_in_this_login}, {@code link_not_vetted},
     *                 {@code no_authentication_time}
     * @param honoured the asserted values that raised the level (empty unless {@code trusted_assertion})
     * @param time     epoch second at which the level was reached: the institution's own authentication time for a
     *                 raised level (an MFA done days ago at the institution is days old here too), else now
     */
    public record Decision(int level, String reason, List<String> honoured, long time) {
        public Decision {
            honoured = List.copyOf(honoured);
        }
    }

    private FederatedLevel() {
    }

    /**
     * @param asserted   the values the institution asserted, in its order
     * @param trust      the realm's trust in this identity provider
     * @param acrToLevel the realm's ACR-to-LoA mapping
     * @param baseLevel  the level a federated login counts as without an honoured assertion
     * @param authTime   when the institution says the user authenticated (SAML {@code AuthnInstant}, OIDC
     *                   {@code auth_time}), epoch seconds; 0 when it did not say
     * @param now        the current epoch second
     */
    public static Decision decide(Collection<String> asserted, Trust trust, Map<String, Integer> acrToLevel,
                                  int baseLevel, long authTime, long now) {
        if (trust == Trust.NOT_TRUSTED) {
            return new Decision(baseLevel, "not_trusted", List.of(), now);
        }
        if (trust == Trust.UNSIGNED) {
            return new Decision(baseLevel, "unsigned_assertions", List.of(), now);
        }
        if (trust == Trust.LINKED_IN_THIS_LOGIN) {
            return new Decision(baseLevel, "linked_in_this_login", List.of(), now);
        }
        if (trust == Trust.UNVETTED_LINK) {
            return new Decision(baseLevel, "link_not_vetted", List.of(), now);
        }
        int level = baseLevel;
        TreeSet<String> honoured = new TreeSet<>();
        for (String value : asserted) {
            Integer mapped = value == null ? null : acrToLevel.get(value);
            if (mapped != null && mapped > baseLevel) {
                honoured.add(value);
                level = Math.max(level, mapped);
            }
        }
        if (honoured.isEmpty()) {
            return new Decision(baseLevel, "nothing_honoured", List.of(), now);
        }
        if (authTime <= 0) {
            // Without the institution's time the MFA could be of any age: a maximum age could not be judged.
            return new Decision(baseLevel, "no_authentication_time", List.of(), now);
        }
        return new Decision(level, "trusted_assertion", List.copyOf(honoured), Math.min(authTime, now));
    }
}
