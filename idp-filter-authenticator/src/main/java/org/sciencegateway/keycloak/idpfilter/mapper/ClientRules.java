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
 * {@link AbstractInstitutionFilterMapper}). The parsed form is cached by the stored JSON text itself, so an update
 * saved on any cluster node (which Keycloak's own client cache propagates) is a different key and is parsed afresh;
 * nothing here can go stale.
 *
 * @param filter  the client's filter, or {@code null} when the client has no rules (unrestricted) or broken ones
 * @param problem why the stored rules cannot be used; non-null means every login to the client is refused
 */
public record ClientRules(InstitutionFilter filter, String problem) {

    private static final int CACHE_LIMIT = 1024;
    private static final Map<String, ClientRules> PARSED = new ConcurrentHashMap<>();
    private static final ClientRules UNRESTRICTED = new ClientRules(null, null);

    public static ClientRules of(ClientModel client) {
        if (client == null) {
            return new ClientRules(null, "no client in the authentication session");
        }
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
        ClientRules cached = PARSED.get(document);
        if (cached != null) {
            return cached;
        }
        ClientRules parsed;
        try {
            parsed = new ClientRules(new InstitutionFilter(InstitutionRules.parse(document)), null);
        } catch (InvalidRulesException e) {
            parsed = new ClientRules(null, e.getMessage());
        }
        if (PARSED.size() >= CACHE_LIMIT) {
            PARSED.clear();
        }
        PARSED.put(document, parsed);
        return parsed;
    }

    public boolean unrestricted() {
        return filter == null && problem == null;
    }
}
