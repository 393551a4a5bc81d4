package org.sciencegateway.keycloak.samlfederation.sync;

import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderAliasTest.COLLIDING_A;
import static org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderAliasTest.COLLIDING_B;

class SyncPlanTest {

    static final String TEMPLATE = "t";

    static EntityRecord entity(String entityId) {
        return new EntityRecord(entityId, null, Set.of(), Set.of(), Map.of("en", entityId), List.of(), null,
                List.of(), List.of(), "https://sso.example/" + entityId.length(), null, List.of("MIIC"), List.of(), false, null);
    }

    static SyncPlan.Existing bound(EntityRecord entity) {
        return new SyncPlan.Existing(entity.digest() + ":" + TEMPLATE, true, entity.entityId());
    }

    static SyncPlan plan(List<EntityRecord> feed, Map<String, SyncPlan.Existing> existing) {
        return SyncPlan.of("fed", feed, existing, TEMPLATE, 1.0);
    }

    @Test
    void newEntitiesGetTheNewScheme() {
        SyncPlan plan = plan(List.of(entity(COLLIDING_A), entity(COLLIDING_B)), Map.of());
        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.create()).extracting(SyncPlan.Change::alias).containsExactly(
                IdentityProviderAlias.of("fed", COLLIDING_A), IdentityProviderAlias.of("fed", COLLIDING_B));
    }

    @Test
    void anIdentityProviderOfTheOldSchemeKeepsItsAliasForItsEntity() {
        EntityRecord a = entity(COLLIDING_A);
        String legacy = IdentityProviderAlias.legacy("fed", COLLIDING_A);
        SyncPlan plan = plan(List.of(a), Map.of(legacy, bound(a)));
        assertThat(plan.unchanged()).isEqualTo(1);
        assertThat(plan.create()).isEmpty();
        assertThat(plan.leaving()).isEmpty();
    }

    @Test
    void theOldSchemesCollisionNeverRePointsAnExistingIdentityProvider() {
        // the attack: B (the other half of the birthday pair) listed first, A's IdP carrying the old alias
        EntityRecord a = entity(COLLIDING_A);
        EntityRecord b = entity(COLLIDING_B);
        String legacy = IdentityProviderAlias.legacy("fed", COLLIDING_A);
        Map<String, SyncPlan.Existing> existing = Map.of(legacy, new SyncPlan.Existing("old", true, COLLIDING_A));

        SyncPlan plan = plan(List.of(b, a), existing);

        assertThat(plan.create()).isEmpty();
        assertThat(plan.update()).isEmpty();
        assertThat(plan.leaving()).as("held as it is, not disabled").isEmpty();
        assertThat(plan.conflicts()).singleElement().satisfies(conflict -> {
            assertThat(conflict.alias()).isEqualTo(legacy);
            assertThat(conflict.entityIds()).containsExactlyInAnyOrder(COLLIDING_A, COLLIDING_B);
            assertThat(conflict.describe()).contains(legacy, COLLIDING_A, COLLIDING_B, "old 40-bit");
        });
    }

    @Test
    void theOtherHalfAloneGetsItsOwnAliasAndTheOldOneLeaves() {
        EntityRecord b = entity(COLLIDING_B);
        String legacy = IdentityProviderAlias.legacy("fed", COLLIDING_A);
        SyncPlan plan = plan(List.of(b), Map.of(legacy, new SyncPlan.Existing("old", true, COLLIDING_A)));
        assertThat(plan.create()).extracting(SyncPlan.Change::alias)
                .containsExactly(IdentityProviderAlias.of("fed", COLLIDING_B));
        assertThat(plan.update()).isEmpty();
        assertThat(plan.leaving()).containsExactly(legacy);
    }

    @Test
    void anAliasBoundToAnotherEntityIdIsNeverRewritten() {
        EntityRecord a = entity(COLLIDING_A);
        String alias = IdentityProviderAlias.of("fed", COLLIDING_A);
        for (String stored : new String[]{"https://someone.else/idp", null}) {
            Map<String, SyncPlan.Existing> existing = new HashMap<>();
            existing.put(alias, new SyncPlan.Existing("x", true, stored));
            SyncPlan plan = plan(List.of(a), existing);
            assertThat(plan.create()).isEmpty();
            assertThat(plan.update()).isEmpty();
            assertThat(plan.leaving()).isEmpty();
            assertThat(plan.conflicts()).singleElement()
                    .satisfies(conflict -> assertThat(conflict.reason()).contains("another entityID"));
        }
    }

    @Test
    void theSameEntityIdTwiceIsRefusedNotFirstCounts() {
        EntityRecord first = entity("https://idp.example/idp");
        EntityRecord second = new EntityRecord("https://idp.example/idp", null, Set.of(), Set.of(),
                Map.of("en", "Impostor"), List.of(), null, List.of(), List.of(), "https://evil.example/sso", null,
                List.of("MIIEVIL"), List.of(), false, null);
        String alias = IdentityProviderAlias.of("fed", "https://idp.example/idp");
        SyncPlan plan = plan(List.of(second, first), Map.of(alias, bound(first)));
        assertThat(plan.update()).isEmpty();
        assertThat(plan.unchanged()).isZero();
        assertThat(plan.leaving()).isEmpty();
        assertThat(plan.conflicts()).singleElement()
                .satisfies(conflict -> assertThat(conflict.reason()).contains("same entityID"));
    }

    @Test
    void changedAndReturningEntitiesAreUpdatedUnderTheirAlias() {
        EntityRecord a = entity("https://a.example/idp");
        String alias = IdentityProviderAlias.of("fed", a.entityId());
        assertThat(plan(List.of(a), Map.of(alias, new SyncPlan.Existing("old", true, a.entityId()))).update())
                .extracting(SyncPlan.Change::alias).containsExactly(alias);
        assertThat(plan(List.of(a), Map.of(alias, new SyncPlan.Existing(a.digest() + ":" + TEMPLATE, false,
                a.entityId()))).update()).hasSize(1);
    }

    @Test
    void aConflictIsDescribedOnOneLine() {
        SyncPlan.Conflict conflict = new SyncPlan.Conflict("fed-x", List.of("https://a.example/\nWARN forged\u202e"),
                "r");
        assertThat(conflict.describe()).doesNotContain("\n").doesNotContain("\u202e").contains("\\u000a");
    }
}
