package org.sciencegateway.keycloak.groupmapper;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed policies keyed by the stored configuration itself, so that a mapper edited on any cluster node is
 * re-parsed on every node at its next token (the old entry is simply never looked up again). Bounded: the map is
 * dropped when it grows past {@link #MAX_ENTRIES}, which only costs a re-parse.
 */
public final class GroupClaimPolicyCache {

    static final int MAX_ENTRIES = 512;

    private record Key(Map<String, String> config, boolean escapeSlashes) {
    }

    private final Map<Key, GroupClaimPolicy> policies = new ConcurrentHashMap<>();

    public GroupClaimPolicy policy(Map<String, String> config, boolean escapeSlashes)
            throws InvalidGroupMapperConfigException {
        Key key = new Key(Map.copyOf(withoutNullValues(config)), escapeSlashes);
        GroupClaimPolicy cached = policies.get(key);
        if (cached != null) {
            return cached;
        }
        GroupClaimPolicy parsed = GroupMapperConfig.parse(config, escapeSlashes);
        if (policies.size() >= MAX_ENTRIES) {
            policies.clear();
        }
        policies.put(key, parsed);
        return parsed;
    }

    int size() {
        return policies.size();
    }

    private static Map<String, String> withoutNullValues(Map<String, String> config) {
        Map<String, String> copy = new HashMap<>(config);
        copy.values().removeIf(Objects::isNull);
        return copy;
    }
}
