package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GroupClaimPolicyCacheTest {

    private final GroupClaimPolicyCache cache = new GroupClaimPolicyCache();

    @Test
    @DisplayName("Given the same stored config twice, then the parsed policy is reused")
    void reuses() throws Exception {
        Map<String, String> config = Map.of(GroupMapperConfig.CLAIM_NAME, "groups");

        assertThat(cache.policy(config, false)).isSameAs(cache.policy(new HashMap<>(config), false));
    }

    @Test
    @DisplayName("Given the config changed (as by an edit on another node), then the new config is parsed and applied")
    void noticesChanges() throws Exception {
        Map<String, String> config = new HashMap<>(Map.of(GroupMapperConfig.CLAIM_NAME, "groups",
                GroupMapperConfig.SUBTREE_ROOTS, "/escape"));
        GroupClaimPolicy before = cache.policy(config, false);
        config.put(GroupMapperConfig.SUBTREE_ROOTS, "/other-project");
        GroupClaimPolicy after = cache.policy(config, false);

        assertThat(after).isNotSameAs(before);
        assertThat(after.claimValues(List.of(GroupPath.of("escape", "users")), g -> List.of(), List.of(), null)).isEmpty();
    }

    @Test
    @DisplayName("Given the same config under another slash-escaping setting, then it is parsed separately")
    void keyedByEscaping() throws Exception {
        Map<String, String> config = Map.of(GroupMapperConfig.CLAIM_NAME, "groups");

        assertThat(cache.policy(config, true)).isNotSameAs(cache.policy(config, false));
    }

    @Test
    @DisplayName("Given an invalid config, then every lookup refuses it and nothing is cached")
    void invalidNotCached() {
        Map<String, String> config = Map.of(GroupMapperConfig.CLAIM_NAME, "groups", GroupMapperConfig.FORMAT, "bogus");

        assertThatThrownBy(() -> cache.policy(config, false)).isInstanceOf(InvalidGroupMapperConfigException.class);
        assertThat(cache.size()).isZero();
    }

    @Test
    @DisplayName("Given more distinct configs than the bound, then the cache stays bounded")
    void bounded() throws Exception {
        for (int i = 0; i < GroupClaimPolicyCache.MAX_ENTRIES * 2; i++) {
            cache.policy(Map.of(GroupMapperConfig.CLAIM_NAME, "groups" + i), false);
        }

        assertThat(cache.size()).isLessThanOrEqualTo(GroupClaimPolicyCache.MAX_ENTRIES);
    }

    @Test
    @DisplayName("Given a config with a null value, then it is treated like the value being absent")
    void nullValues() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put(GroupMapperConfig.CLAIM_NAME, "groups");
        config.put(GroupMapperConfig.FORMAT, null);

        assertThat(cache.policy(config, false).format()).isEqualTo(GroupClaimFormat.FULL_PATH);
    }
}
