package org.sciencegateway.keycloak.testing;

import java.util.List;

/** The lab's demo users (password = username) and the home institution each logs in through. */
public enum LabUser {
    ALICE("institution-a", null, List.of("/escape/users")),
    CAROL("institution-b", null, List.of("/escape/users", "/escape/admins")),
    BOB("institution-b", null, List.of()),
    DAVE("institution-saml", null, List.of("/escape/users")),
    ERIN("federation-proxy", "https://idp.uni-allowed.example.org", List.of("/escape/users")),
    MALLORY("federation-proxy", "https://idp.uni-denied.example.org", List.of("/escape/users")),
    ZED("institution-blocked", null, List.of("/escape/users")),
    /** Cluster user with a one-time-code credential in realm vre (secret {@link OneTimeCode#OSCAR}). */
    OSCAR("institution-a", null, List.of("/escape/users", "/escape/cluster-users")),
    /** Cluster user whose institution (institution-saml) asks him for a one-time code and asserts REFEDS MFA. */
    FRANK("institution-saml", null, List.of("/escape/users", "/escape/cluster-users"));

    private final String identityProvider;
    private final String institution;
    private final List<String> groups;

    LabUser(String identityProvider, String institution, List<String> groups) {
        this.identityProvider = identityProvider;
        this.institution = institution;
        this.groups = groups;
    }

    public String username() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public String password() {
        return username();
    }

    /** Alias of the identity provider in realm {@code vre} (= the upstream realm's name). */
    public String identityProvider() {
        return identityProvider;
    }

    /** The home institution's entityID behind the federation proxy, or null for a single-institution IdP. */
    public String institution() {
        return institution;
    }

    /** Group paths in realm {@code vre}. */
    public List<String> groups() {
        return groups;
    }
}
