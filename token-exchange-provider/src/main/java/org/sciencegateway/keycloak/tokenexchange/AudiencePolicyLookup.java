package org.sciencegateway.keycloak.tokenexchange;

import java.util.List;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;

/**
 * Finds the policy for an audience: the audience client's "Audience exchange policy" mapper. The client and its
 * mappers come from Keycloak's realm cache, which every cluster node invalidates on change; the few-field
 * configuration is parsed per request, so no extra cache can go stale.
 */
final class AudiencePolicyLookup {

    /** What the realm says about one requested audience. */
    sealed interface Result permits UnknownAudience, NoPolicy, Found, Broken {
    }

    /** No client with that client ID. */
    record UnknownAudience() implements Result {
    }

    /** A client without a policy: stock Keycloak governs it. */
    record NoPolicy(ClientModel client) implements Result {
    }

    record Found(ClientModel client, AudiencePolicy policy) implements Result {
    }

    /** A policy exists but cannot be applied (e.g. imported unvalidated); exchanges for it are refused. */
    record Broken(ClientModel client, String policyName, List<String> problems) implements Result {
    }

    private AudiencePolicyLookup() {
    }

    static boolean hasPolicy(ClientModel client) {
        return client.getProtocolMappersStream().anyMatch(AudiencePolicyLookup::isPolicy);
    }

    static Result find(RealmModel realm, String audience) {
        ClientModel client = audience == null || audience.length() > ExchangeParameters.MAX_AUDIENCE_LENGTH
                ? null : realm.getClientByClientId(audience);
        if (client == null) {
            return new UnknownAudience();
        }
        List<ProtocolMapperModel> mappers = client.getProtocolMappersStream()
                .filter(AudiencePolicyLookup::isPolicy).toList();
        if (mappers.isEmpty()) {
            return new NoPolicy(client);
        }
        if (mappers.size() > 1) {
            return new Broken(client, mappers.get(0).getName(),
                    List.of("Client " + audience + " has " + mappers.size() + " audience exchange policies; keep one."));
        }
        ProtocolMapperModel mapper = mappers.get(0);
        AudiencePolicyParser.Result parsed = AudiencePolicyParser.parse(mapper.getName(), audience, mapper.getConfig());
        return parsed.policy().<Result>map(policy -> new Found(client, policy))
                .orElseGet(() -> new Broken(client, mapper.getName(), parsed.problems()));
    }

    private static boolean isPolicy(ProtocolMapperModel mapper) {
        return AudienceExchangePolicyMapper.PROVIDER_ID.equals(mapper.getProtocolMapper());
    }
}
