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

    /** Whether a policy governs an issued token (introspection's question, where there is no request to judge). */
    sealed interface Governing permits NotGoverned, Governed, GovernedButBroken {
    }

    /** Not a token for a policy's audience; Keycloak's rules apply. */
    record NotGoverned() implements Governing {
    }

    record Governed(ClientModel audienceClient, AudiencePolicy policy) implements Governing {
    }

    /** For a policy's audience, but the policy cannot be applied: such tokens are not vouched for. */
    record GovernedButBroken(String policyName) implements Governing {
    }

    private AudiencePolicyLookup() {
    }

    /**
     * A token is governed by a policy when its only audience is a client with a policy and it was issued to another
     * client: exactly the shape of every exchanged token and of its refreshes. Whether the issuing client is still an
     * allowed requester is the policy's decision, made by the caller.
     */
    static Governing governing(RealmModel realm, String[] audiences, String issuedFor) {
        if (audiences == null || audiences.length != 1 || audiences[0] == null || audiences[0].equals(issuedFor)) {
            return new NotGoverned();
        }
        Result result = find(realm, audiences[0]);
        if (result instanceof Found found) {
            return new Governed(found.client(), found.policy());
        }
        if (result instanceof Broken broken) {
            return new GovernedButBroken(broken.policyName());
        }
        return new NotGoverned();
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
