package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AudiencePolicyRealmCheckTest {

    /** A small in-memory realm: the lab's names. */
    private static final RealmDirectory LAB_REALM = new RealmDirectory() {
        private final Map<String, Boolean> clients = Map.of("jupyterhub", false, "other-gateway", false,
                "rucio", false, "spa", true);
        private final Set<String> groups = Set.of("/escape", "/escape/users", "/escape/admins");
        private final Set<String> roles = Set.of("offline_access", "rucio.reader");
        private final Set<String> scopes = Set.of("profile", "email", "basic");

        @Override
        public boolean clientExists(String clientId) {
            return clients.containsKey(clientId);
        }

        @Override
        public boolean clientIsPublic(String clientId) {
            return clients.getOrDefault(clientId, false);
        }

        @Override
        public boolean groupExists(String path) {
            return groups.contains(path);
        }

        @Override
        public boolean roleExists(String name) {
            return roles.contains(name);
        }

        @Override
        public boolean clientScopeExists(String name) {
            return scopes.contains(name);
        }

        @Override
        public Map<String, Integer> acrLevels() {
            return Map.of("https://refeds.org/profile/sfa", 1, "https://refeds.org/profile/mfa", 2);
        }

        @Override
        public Set<Integer> flowLevels() {
            return Set.of(1, 2, 3);
        }
    };

    private static AudiencePolicy withMinimum(String level) {
        return new AudiencePolicy("p", "ssh-gateway", Set.of("jupyterhub"), Set.of(), Set.of(), Set.of("openid"), 3600,
                false, false, "/", false, AudiencePolicy.LifetimeBound.SUBJECT_TOKEN,
                new AssuranceRequirement(level, 0));
    }

    @Test
    @DisplayName("Given a minimum the realm defines, by ACR value or by level, then there is no problem")
    void knownMinimumLevels() {
        assertThat(AudiencePolicyRealmCheck.problems(withMinimum("https://refeds.org/profile/mfa"), LAB_REALM)).isEmpty();
        assertThat(AudiencePolicyRealmCheck.problems(withMinimum("2"), LAB_REALM)).isEmpty();
        assertThat(AudiencePolicyRealmCheck.problems(withMinimum("3"), LAB_REALM)).isEmpty();
    }

    @Test
    @DisplayName("Given an unknown ACR value or a level no login reaches, then the problem says where to define it")
    void unknownMinimumLevels() {
        assertThat(AudiencePolicyRealmCheck.problems(withMinimum("https://refeds.org/profile/mfa-typo"), LAB_REALM))
                .containsExactly("Minimum authentication level: the realm's ACR to LoA mapping has no ACR value "
                        + "https://refeds.org/profile/mfa-typo; add it under Realm settings, General, ACR to LoA "
                        + "Mapping, or enter a level number.");
        assertThat(AudiencePolicyRealmCheck.problems(withMinimum("7"), LAB_REALM)).containsExactly(
                "Minimum authentication level: no login in this realm reaches level 7; neither the ACR to LoA "
                        + "mapping nor a Level of Authentication condition defines it.");
    }

    private static AudiencePolicy policy(Set<String> requesters, Set<String> groups, Set<String> roles,
                                         Set<String> scopes, boolean wlcg, String root) {
        return new AudiencePolicy("p", "rucio", requesters, groups, roles, scopes, 3600, true, wlcg, root, false,
                AudiencePolicy.LifetimeBound.SUBJECT_TOKEN, AssuranceRequirement.NONE);
    }

    @Test
    @DisplayName("Given the lab policy in the lab realm, then there is no problem")
    void labPolicyIsValid() {
        AudiencePolicy lab = AudiencePolicyParser.parse("p", "rucio", AudiencePolicyParserTest.labPolicy())
                .policy().orElseThrow();

        assertThat(AudiencePolicyRealmCheck.problems(lab, LAB_REALM)).isEmpty();
    }

    @Test
    @DisplayName("Given names that do not exist, then each is reported with the field to fix")
    void missingNames() {
        AudiencePolicy p = policy(Set.of("jupyterhub", "ghost"), Set.of("/escape/nobody"), Set.of("ghost-role"),
                Set.of("openid", "ghost-scope"), true, "/vo");

        assertThat(AudiencePolicyRealmCheck.problems(p, LAB_REALM)).containsExactly(
                "Requesting clients: no client with client ID ghost exists in this realm.",
                "Required groups: no group with path /escape/nobody exists in this realm.",
                "Required roles: no role ghost-role exists; use a realm role name or clientId.role for a client role.",
                "Grantable scopes: no client scope named ghost-scope exists in this realm.",
                "WLCG groups root: no group with path /vo exists in this realm.");
    }

    @Test
    @DisplayName("Given a public client as requester, then the problem says to make it confidential or remove it")
    void publicRequester() {
        AudiencePolicy p = policy(Set.of("spa"), Set.of(), Set.of(), Set.of("openid"), false, "/");

        assertThat(AudiencePolicyRealmCheck.problems(p, LAB_REALM)).containsExactly(
                "Requesting clients: spa is a public client and cannot authenticate; make it confidential or remove it.");
    }

    @Test
    @DisplayName("Given openid, which is no client scope, and client roles, then they are accepted")
    void openidAndClientRole() {
        AudiencePolicy p = policy(Set.of("jupyterhub"), Set.of(), Set.of("rucio.reader"), Set.of("openid"), false, "/");

        assertThat(AudiencePolicyRealmCheck.problems(p, LAB_REALM)).isEmpty();
    }

    @Test
    @DisplayName("Given WLCG claims off, then an unknown WLCG root is not reported")
    void wlcgRootIgnoredWhenOff() {
        AudiencePolicy p = policy(Set.of("jupyterhub"), Set.of(), Set.of(), Set.of("openid"), false, "/vo");

        assertThat(AudiencePolicyRealmCheck.problems(p, LAB_REALM)).isEmpty();
    }

    @Test
    @DisplayName("Given a groups claim subtree that does not exist, then the problem names it; an existing one or / passes")
    void groupsClaimSubtree() {
        Map<String, String> config = new java.util.HashMap<>(ClaimOptionsParserTest.sshGatewayPolicy());
        config.remove(AudiencePolicyParser.REQUIRED_GROUPS);
        config.put(AudiencePolicyParser.GROUPS_CLAIM_ROOT, "/escape/cluster-users");
        AudiencePolicy missing = AudiencePolicyParser.parse("p", "ssh-gateway", config).policy().orElseThrow();
        config.put(AudiencePolicyParser.GROUPS_CLAIM_ROOT, "/escape");
        AudiencePolicy existing = AudiencePolicyParser.parse("p", "ssh-gateway", config).policy().orElseThrow();
        config.put(AudiencePolicyParser.GROUPS_CLAIM_ROOT, "/");
        AudiencePolicy all = AudiencePolicyParser.parse("p", "ssh-gateway", config).policy().orElseThrow();

        assertThat(AudiencePolicyRealmCheck.problems(missing, LAB_REALM)).containsExactly(
                "Groups claim subtree: no group with path /escape/cluster-users exists in this realm.");
        assertThat(AudiencePolicyRealmCheck.problems(existing, LAB_REALM)).isEmpty();
        assertThat(AudiencePolicyRealmCheck.problems(all, LAB_REALM)).isEmpty();
    }
}
