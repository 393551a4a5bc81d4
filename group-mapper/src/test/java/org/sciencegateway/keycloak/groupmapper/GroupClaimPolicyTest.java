package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GroupClaimPolicyTest {

    private static final GroupPath USERS = GroupPath.of("escape", "users");
    private static final GroupPath ADMINS = GroupPath.of("escape", "admins");
    private static final GroupPath DATA = GroupPath.of("escape", "data-managers");
    private static final GroupPath OTHER = GroupPath.of("other-project", "users");
    private static final List<GroupPath> CAROL = List.of(USERS, ADMINS, OTHER);

    private static final Function<GroupPath, Collection<RoleRef>> NO_GROUP_ROLES = g -> List.of();

    private static GroupClaimPolicy policy(String... keyValues) throws InvalidGroupMapperConfigException {
        Map<String, String> config = new HashMap<>();
        config.put(GroupMapperConfig.CLAIM_NAME, "groups");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return GroupMapperConfig.parse(config, false);
    }

    @Test
    @DisplayName("Given the lab's jupyterhub mapper (subtree /escape, full paths), then carol gets both /escape groups only")
    void labJupyterhubMapper() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.SUBTREE_ROOTS, "/escape", GroupMapperConfig.FORMAT, "full-path");

        assertThat(policy.claimValues(CAROL, NO_GROUP_ROLES, List.of(), null))
                .containsExactly("/escape/admins", "/escape/users");
    }

    @Test
    @DisplayName("Given a user without memberships, then the claim has no values")
    void noMemberships() throws Exception {
        assertThat(policy().claimValues(List.of(), NO_GROUP_ROLES, List.of(), null)).isEmpty();
    }

    @Test
    @DisplayName("Given format name, then each group is its last name, duplicates across subtrees appear once")
    void nameFormat() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "name");

        assertThat(policy.claimValues(CAROL, NO_GROUP_ROLES, List.of(), null)).containsExactly("admins", "users");
    }

    @Test
    @DisplayName("Given format path-without-leading-slash, then groups read like INDIGO IAM's escape/users")
    void iamFormat() throws Exception {
        assertThat(policy(GroupMapperConfig.FORMAT, "path-without-leading-slash")
                .claimValues(List.of(USERS), NO_GROUP_ROLES, List.of(), null)).containsExactly("escape/users");
    }

    @Test
    @DisplayName("Given format relative-path, then paths are relative to the subtree and the root itself is left out")
    void relativeFormat() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "relative-path", GroupMapperConfig.SUBTREE_ROOTS,
                "/escape", GroupMapperConfig.INCLUDE_PARENTS, "true");

        assertThat(policy.claimValues(List.of(GroupPath.of("escape", "users", "x"), ADMINS), NO_GROUP_ROLES, List.of(), null))
                .containsExactly("admins", "users", "users/x");
    }

    @Test
    @DisplayName("Given format wlcg without requests, then default groups come as /vo/sub paths sorted, optional ones not at all")
    void wlcgDefaults() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.SUBTREE_ROOTS, "/escape",
                GroupMapperConfig.WLCG_OPTIONAL_GROUPS, "/escape/data-managers");

        assertThat(policy.claimValues(List.of(USERS, DATA), NO_GROUP_ROLES, List.of(), "openid wlcg.groups"))
                .containsExactly("/escape/users");
    }

    @Test
    @DisplayName("Given format wlcg and a scope requesting an optional group, then it is emitted first")
    void wlcgOptionalRequested() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.SUBTREE_ROOTS, "/escape",
                GroupMapperConfig.WLCG_OPTIONAL_GROUPS, "/escape/data-managers");

        assertThat(policy.claimValues(List.of(USERS, DATA), NO_GROUP_ROLES, List.of(),
                "openid wlcg.groups:/escape/data-managers")).containsExactly("/escape/data-managers", "/escape/users");
    }

    @Test
    @DisplayName("Given format wlcg and requested default groups, then they come first in request order, then the rest")
    void wlcgRequestOrder() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "wlcg");

        assertThat(policy.claimValues(List.of(USERS, ADMINS, DATA), NO_GROUP_ROLES, List.of(),
                "wlcg.groups:/escape/users wlcg.groups:/escape/data-managers"))
                .containsExactly("/escape/users", "/escape/data-managers", "/escape/admins");
    }

    @Test
    @DisplayName("Given a WLCG request for a group the user is not in, then it is not emitted (bypass: scope grants membership)")
    void wlcgRequestCannotAddMembership() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.WLCG_OPTIONAL_GROUPS,
                "/escape/admins");

        assertThat(policy.claimValues(List.of(USERS), NO_GROUP_ROLES, List.of(), "wlcg.groups:/escape/admins"))
                .containsExactly("/escape/users");
    }

    @Test
    @DisplayName("Given a WLCG request for an excluded or out-of-subtree group, then it is not emitted (bypass: scope beats filter)")
    void wlcgRequestCannotBypassSelection() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.SUBTREE_ROOTS, "/escape",
                GroupMapperConfig.EXCLUDE_PATTERNS, "/escape/admins");

        assertThat(policy.claimValues(CAROL, NO_GROUP_ROLES, List.of(),
                "wlcg.groups:/escape/admins wlcg.groups:/other-project/users")).containsExactly("/escape/users");
    }

    @Test
    @DisplayName("Given format wlcg with parents on, then parents are emitted; with parents off, a child never implies its parent")
    void wlcgParents() throws Exception {
        assertThat(policy(GroupMapperConfig.FORMAT, "wlcg").claimValues(List.of(USERS), NO_GROUP_ROLES, List.of(), null))
                .containsExactly("/escape/users");
        assertThat(policy(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.INCLUDE_PARENTS, "true")
                .claimValues(List.of(USERS), NO_GROUP_ROLES, List.of(), null)).containsExactly("/escape", "/escape/users");
    }

    @Test
    @DisplayName("Given format aarc-entitlement without roles, then each group gets one role=member entitlement")
    void aarcMembersOnly() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.SUBTREE_ROOTS,
                "/escape", GroupMapperConfig.AARC_NAMESPACE, "urn:mace:example.org", GroupMapperConfig.AARC_AUTHORITY,
                "aai.example.org");

        assertThat(policy.claimValues(CAROL, g -> fail("roles are not asked for without a role selection"), List.of(), null))
                .containsExactly("urn:mace:example.org:group:escape:admins:role=member#aai.example.org",
                        "urn:mace:example.org:group:escape:users:role=member#aai.example.org");
    }

    @Test
    @DisplayName("Given format aarc-entitlement with client roles, then each group gets role=member plus one value per selected role it grants")
    void aarcWithRoles() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.SUBTREE_ROOTS,
                "/escape", GroupMapperConfig.AARC_NAMESPACE, "urn:mace:example.org", GroupMapperConfig.AARC_AUTHORITY,
                "aai.example.org", GroupMapperConfig.CLIENT_ROLES_CLIENT, "jupyterhub");
        Map<GroupPath, Collection<RoleRef>> grants = Map.of(ADMINS, List.of(RoleRef.clientRole("jupyterhub", "manager"),
                RoleRef.clientRole("jupyterhub", "admin"), RoleRef.clientRole("rucio", "root"), RoleRef.realmRole("staff")));

        assertThat(policy.claimValues(CAROL, g -> grants.getOrDefault(g, List.of()),
                List.of(RoleRef.clientRole("jupyterhub", "user-level")), null))
                .containsExactly("urn:mace:example.org:group:escape:admins:role=member#aai.example.org",
                        "urn:mace:example.org:group:escape:admins:role=admin#aai.example.org",
                        "urn:mace:example.org:group:escape:admins:role=manager#aai.example.org",
                        "urn:mace:example.org:group:escape:users:role=member#aai.example.org");
    }

    @Test
    @DisplayName("Given format aarc-entitlement, then group roles are asked for selected groups only")
    void aarcAsksRolesOfSelectedGroupsOnly() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.SUBTREE_ROOTS,
                "/escape", GroupMapperConfig.AARC_NAMESPACE, "urn:x", GroupMapperConfig.AARC_AUTHORITY, "a.org",
                GroupMapperConfig.REALM_ROLES, "true");

        policy.claimValues(CAROL, g -> {
            assertThat(g.isWithin(GroupPath.of("escape"))).as("roles asked for %s", g).isTrue();
            return List.of();
        }, List.of(), null);
    }

    @Test
    @DisplayName("Given realm roles on with a path format, then the user's realm role names follow the groups, sorted")
    void realmRolesAppended() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.SUBTREE_ROOTS, "/escape", GroupMapperConfig.REALM_ROLES, "true");

        assertThat(policy.claimValues(List.of(USERS), NO_GROUP_ROLES, List.of(RoleRef.realmRole("z-role"),
                RoleRef.realmRole("a-role"), RoleRef.clientRole("jupyterhub", "admin")), null))
                .containsExactly("/escape/users", "a-role", "z-role");
    }

    @Test
    @DisplayName("Given client roles of one client, then only that client's roles are added, a same-named realm role once")
    void clientRolesOfChosenClientOnly() throws Exception {
        GroupClaimPolicy policy = policy(GroupMapperConfig.FORMAT, "name", GroupMapperConfig.CLIENT_ROLES_CLIENT,
                "jupyterhub", GroupMapperConfig.REALM_ROLES, "true");

        assertThat(policy.claimValues(List.of(), NO_GROUP_ROLES, List.of(RoleRef.clientRole("jupyterhub", "admin"),
                RoleRef.clientRole("rucio", "root"), RoleRef.realmRole("admin")), null)).containsExactly("admin");
    }

    @Test
    @DisplayName("Given no role selection, then roles are neither needed nor emitted")
    void rolesOff() throws Exception {
        GroupClaimPolicy policy = policy();

        assertThat(policy.needsUserRoles()).isFalse();
        assertThat(policy.needsGroupRoles()).isFalse();
        assertThat(policy.claimValues(List.of(USERS), NO_GROUP_ROLES, List.of(RoleRef.realmRole("admin")), null))
                .containsExactly("/escape/users");
    }

    @Test
    @DisplayName("Given memberships in any order, then the claim values are the same list")
    void stableOrder() throws Exception {
        GroupClaimPolicy policy = policy();

        assertThat(policy.claimValues(List.of(OTHER, USERS, ADMINS), NO_GROUP_ROLES, List.of(), null))
                .isEqualTo(policy.claimValues(List.of(ADMINS, OTHER, USERS), NO_GROUP_ROLES, List.of(), null));
    }

    @Test
    @DisplayName("Given 10,000 memberships and a subtree selecting two, then the claim has exactly those two")
    void manyMembershipsSmallClaim() throws Exception {
        List<GroupPath> memberships = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            memberships.add(GroupPath.of("bulk", "g" + i));
        }
        memberships.add(USERS);
        memberships.add(ADMINS);

        assertThat(policy(GroupMapperConfig.SUBTREE_ROOTS, "/escape").claimValues(memberships, NO_GROUP_ROLES,
                List.of(), null)).containsExactly("/escape/admins", "/escape/users");
    }
}
