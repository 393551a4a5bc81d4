package org.sciencegateway.keycloak.idpfilter.rules;

import java.util.Set;

/**
 * What is known about an identity provider before anyone logs in through it: its federation metadata (from its
 * config). Used only to narrow what a login page offers; the decision after login reads the same values again.
 * {@code null} means unknown (an identity provider without such config, or none looked up): a condition on an unknown
 * value may still hold.
 *
 * @param registrationAuthority   registration authority, {@code ""} when known to be none (a federation member whose
 *                                metadata states none), or {@code null} when unknown
 * @param entityCategories        entity categories, or {@code null} when unknown
 * @param assuranceCertifications assurance certifications, or {@code null} when unknown
 */
public record ProviderMetadata(String registrationAuthority, Set<String> entityCategories,
                               Set<String> assuranceCertifications) {

    public static final ProviderMetadata UNKNOWN = new ProviderMetadata(null, null, null);

    public ProviderMetadata {
        entityCategories = entityCategories == null ? null : Set.copyOf(entityCategories);
        assuranceCertifications = assuranceCertifications == null ? null : Set.copyOf(assuranceCertifications);
    }
}
