package org.sciencegateway.keycloak.samlfederation.sync;

import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;

import java.util.List;
import java.util.Set;

/**
 * Which of the aggregate's identity providers a source imports: INDIGO IAM's and pySAML2's filters, as lists an admin
 * writes once. Empty include lists admit everything; exclude lists win; every required category and certification
 * must be present.
 *
 * @param registrationAuthorityInclude federations to import from (e.g. {@code https://www.aai.dfn.de})
 * @param registrationAuthorityExclude federations never to import from
 * @param requiredEntityCategories     categories every imported IdP carries (e.g. REFEDS R&amp;S)
 * @param requiredAssuranceCertifications certifications every imported IdP carries (e.g. SIRTFI)
 * @param entityIdInclude              entityIDs to import (empty: all)
 * @param entityIdExclude              entityIDs never to import
 */
public record EntitySelection(Set<String> registrationAuthorityInclude, Set<String> registrationAuthorityExclude,
                              Set<String> requiredEntityCategories, Set<String> requiredAssuranceCertifications,
                              Set<String> entityIdInclude, Set<String> entityIdExclude) {

    public static final EntitySelection ALL = new EntitySelection(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(),
            Set.of());

    public EntitySelection {
        registrationAuthorityInclude = Set.copyOf(registrationAuthorityInclude);
        registrationAuthorityExclude = Set.copyOf(registrationAuthorityExclude);
        requiredEntityCategories = Set.copyOf(requiredEntityCategories);
        requiredAssuranceCertifications = Set.copyOf(requiredAssuranceCertifications);
        entityIdInclude = Set.copyOf(entityIdInclude);
        entityIdExclude = Set.copyOf(entityIdExclude);
    }

    public boolean admits(EntityRecord entity) {
        String authority = entity.registrationAuthority();
        if (entityIdExclude.contains(entity.entityId())
                || (authority != null && registrationAuthorityExclude.contains(authority))) {
            return false;
        }
        if (!entityIdInclude.isEmpty() && !entityIdInclude.contains(entity.entityId())) {
            return false;
        }
        if (!registrationAuthorityInclude.isEmpty()
                && (authority == null || !registrationAuthorityInclude.contains(authority))) {
            return false;
        }
        return entity.entityCategories().containsAll(requiredEntityCategories)
                && entity.assuranceCertifications().containsAll(requiredAssuranceCertifications);
    }

    public List<EntityRecord> select(List<EntityRecord> entities) {
        return entities.stream().filter(this::admits).toList();
    }
}
