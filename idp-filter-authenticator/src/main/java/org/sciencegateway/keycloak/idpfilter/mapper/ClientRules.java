package org.sciencegateway.keycloak.idpfilter.mapper;

import org.keycloak.models.ClientModel;
import org.keycloak.models.ProtocolMapperModel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionRules;
import org.sciencegateway.keycloak.idpfilter.rules.InvalidRulesException;

/**
 * The institution rules of one client, read from the client's institution filter mapper (OIDC or SAML form, see
 * {@link AbstractInstitutionFilterMapper}) — for a hub, narrowed by the realm's {@link RealmBaseline}, which then
 * applies even when the hub has no filter of its own. The parsed form is cached by the stored JSON text itself, so an update
 * saved on any cluster node (which Keycloak's own client cache propagates) is a different key and is parsed afresh;
 * nothing here can go stale.
 *
 * @param filter  the client's filter, or {@code null} when the client has no rules (unrestricted) or broken ones
 * @param problem why the stored rules cannot be used; non-null means every login to the client is refused
 */
public record ClientRules(InstitutionFilter filter, String problem) {

    private static final int CACHE_LIMIT = 1024;
    private static final Map<String, ClientRules> PARSED = new ConcurrentHashMap<>();
    private static final Map<Pair, ClientRules> NARROWED = new ConcurrentHashMap<>();
    private static final ClientRules UNRESTRICTED = new ClientRules(null, null);

    public static ClientRules of(ClientModel client) {
        if (client == null) {
            return new ClientRules(null, "no client in the authentication session");
        }
        ClientRules own = own(client);
        if (own.problem() != null || !RealmBaseline.binds(client) || client.getRealm() == null) {
            return own;
        }
        ClientRules baseline = RealmBaseline.of(client.getRealm());
        if (baseline.unrestricted()) {
            return own;
        }
        if (baseline.problem() != null) {
            return baseline;
        }
        if (own.unrestricted()) {
            return baseline;
        }
        return narrowed(own, baseline);
    }

    /** The rules of the client's own filter, without a baseline. */
    static ClientRules own(ClientModel client) {
        List<ProtocolMapperModel> mappers = client.getProtocolMappersStream()
                .filter(AbstractInstitutionFilterMapper::isInstitutionFilter)
                .toList();
        if (mappers.isEmpty()) {
            return UNRESTRICTED;
        }
        if (mappers.size() > 1) {
            return new ClientRules(null, "client '" + client.getClientId() + "' has " + mappers.size()
                    + " institution filters; keep exactly one");
        }
        Map<String, String> config = mappers.get(0).getConfig();
        return parse(config == null ? null : config.get(AbstractInstitutionFilterMapper.RULES));
    }

    static ClientRules parse(String document) {
        if (document == null) {
            return new ClientRules(null, "the institution filter has no rules");
        }
        return PARSED.computeIfAbsent(keyed("client", document), key -> {
            try {
                return new ClientRules(new InstitutionFilter(InstitutionRules.parse(document)), null);
            } catch (InvalidRulesException e) {
                return new ClientRules(null, e.getMessage());
            }
        });
    }

    static ClientRules parseBaseline(String document) {
        return PARSED.computeIfAbsent(keyed("baseline", document), key -> {
            try {
                return new ClientRules(InstitutionFilter.baseline(InstitutionRules.parse(document)), null);
            } catch (InvalidRulesException e) {
                return new ClientRules(null, "the realm's institution baseline (client scope " + RealmBaseline.SCOPE
                        + ") is unusable: " + e.getMessage());
            }
        });
    }

    /**
     * One filter object per pair of parsed filters (themselves one per stored text), so its memory of pre-login
     * answers serves every login. Filters compare by identity: a changed text is a new filter, hence a new pair.
     */
    private static ClientRules narrowed(ClientRules own, ClientRules baseline) {
        if (NARROWED.size() >= CACHE_LIMIT) {
            NARROWED.clear();
        }
        return NARROWED.computeIfAbsent(new Pair(own.filter(), baseline.filter()),
                pair -> new ClientRules(pair.own().within(pair.baseline()), null));
    }

    private record Pair(InstitutionFilter own, InstitutionFilter baseline) {
    }

    private static String keyed(String kind, String... documents) {
        if (PARSED.size() >= CACHE_LIMIT) {
            PARSED.clear();
        }
        return kind + '\u0000' + String.join("\u0000", documents);
    }

    static ClientRules unrestrictedRules() {
        return UNRESTRICTED;
    }

    public boolean unrestricted() {
        return filter == null && problem == null;
    }
}
