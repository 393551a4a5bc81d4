package org.sciencegateway.keycloak.idpfilter.enforce;

import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.sciencegateway.keycloak.idpfilter.rules.ConfigList;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;
import org.sciencegateway.keycloak.idpfilter.rules.ProviderMetadata;

import java.util.Map;
import java.util.Set;

/**
 * What a federation's metadata says about the identity provider a login came through — entity categories,
 * assurance certifications, registration authority — read from that identity provider's config (written by the
 * saml-federation module's sync, or by an admin) at every decision. The values describe the identity provider, not
 * the user: no response of the identity provider can change them, and a change in the metadata applies to the next
 * decision, on every node.
 */
public final class IdentityProviderMetadata {

    static final String REGISTRATION_AUTHORITY = "institution.registrationAuthority";
    static final String ENTITY_CATEGORIES = "institution.entityCategories";
    static final String ASSURANCE_CERTIFICATIONS = "institution.assuranceCertifications";
    /**
     * Written by the saml-federation sync on every identity provider it imports: its config then holds everything
     * the federation's signed metadata says, so a registration authority it does not hold is known to be none.
     */
    static final String FEDERATION_ENTITY_ID = "sg.federation.entityId";

    private IdentityProviderMetadata() {
    }

    /**
     * What the identity provider's config says, for narrowing a login page before the login; {@link
     * ProviderMetadata#UNKNOWN} for an unknown alias. Categories and certifications are known (possibly none) for
     * every existing identity provider, since only its config can give them; the registration authority is unknown
     * when the config states none (an institution identity mapper may still record one at login) — except for an
     * identity provider a federation source imported, whose metadata states all there is: then it is known to be
     * none ({@code ""}), and a rule that requires one does not offer it.
     */
    public static ProviderMetadata provider(KeycloakSession session, String alias) {
        IdentityProviderModel idp = alias == null ? null : session.identityProviders().getByAlias(alias);
        return idp == null ? ProviderMetadata.UNKNOWN : of(idp);
    }

    /**
     * What {@code idp}'s config says ({@link #provider}), for a caller that already holds the model — such as a
     * directory built from one listing of the realm's identity providers.
     */
    public static ProviderMetadata of(IdentityProviderModel idp) {
        if (idp.getConfig() == null) {
            return ProviderMetadata.UNKNOWN;
        }
        Map<String, String> config = idp.getConfig();
        String authority = config.get(REGISTRATION_AUTHORITY);
        boolean described = config.get(FEDERATION_ENTITY_ID) != null;
        return new ProviderMetadata(authority == null || authority.isBlank() ? (described ? "" : null) : authority.trim(),
                words(config.get(ENTITY_CATEGORIES)), words(config.get(ASSURANCE_CERTIFICATIONS)));
    }

    /** The origin with its identity provider's metadata; unchanged for local logins and unknown aliases. */
    static LoginOrigin of(KeycloakSession session, LoginOrigin origin) {
        if (origin.isLocal()) {
            return origin;
        }
        ProviderMetadata metadata = provider(session, origin.identityProvider());
        LoginOrigin enriched = origin.withMetadata(metadata.entityCategories(), metadata.assuranceCertifications());
        if (enriched.registrationAuthority() == null && metadata.registrationAuthority() != null
                && !metadata.registrationAuthority().isEmpty()) {
            enriched = enriched.withRegistrationAuthority(metadata.registrationAuthority());
        }
        return enriched;
    }

    /** The values as the sync wrote them (a JSON array: a value with a space stays one value), or an admin's words. */
    private static Set<String> words(String value) {
        return Set.copyOf(ConfigList.parse(value));
    }
}
