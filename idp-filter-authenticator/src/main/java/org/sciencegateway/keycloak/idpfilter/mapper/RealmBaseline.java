package org.sciencegateway.keycloak.idpfilter.mapper;

import java.util.List;
import java.util.Map;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;

/**
 * A realm's institution baseline: the rules every hub's own rules may only narrow. It is the institution filter of the
 * realm's client scope {@value #SCOPE} — realm admins edit it in the console (Client scopes → institution-baseline →
 * Mappers) with the same form and validation as a hub's — and it binds every hub, i.e. every client carrying the
 * attribute {@value #HUB_ATTRIBUTE} (set when a hub registers, kept out of hub admins' reach by the hub-tenants
 * module). A hub's rules are checked against it when saved; every login and token of a hub is judged by both rule
 * sets, so a hub whose own filter was removed is still held to the baseline.
 */
public final class RealmBaseline {

    /** The client scope holding the baseline. Not meant to be assigned to clients: it adds nothing to tokens. */
    public static final String SCOPE = "institution-baseline";
    /** Client attribute marking a hub (its lifecycle state: pending, approved). */
    public static final String HUB_ATTRIBUTE = "sg.hub.state";

    private RealmBaseline() {
    }

    /** Whether the realm's baseline binds {@code client}. */
    public static boolean binds(ClientModel client) {
        String state = client.getAttribute(HUB_ATTRIBUTE);
        return state != null && !state.isBlank();
    }

    /** Whether {@code scope} is the realm's baseline scope. */
    static boolean isBaselineScope(ClientScopeModel scope) {
        return SCOPE.equals(scope.getName());
    }

    /**
     * The stored baseline document of {@code realm}; {@code null} when the realm has no baseline (no scope, or the
     * scope has no institution filter). A scope with two filters is reported as a problem by {@link ClientRules}.
     */
    static List<String> documents(RealmModel realm) {
        return realm.getClientScopesStream()
                .filter(RealmBaseline::isBaselineScope)
                .flatMap(ClientScopeModel::getProtocolMappersStream)
                .filter(AbstractInstitutionFilterMapper::isInstitutionFilter)
                .map(ProtocolMapperModel::getConfig)
                .map(config -> config == null ? null : config.get(AbstractInstitutionFilterMapper.RULES))
                .map(document -> document == null ? "" : document)
                .toList();
    }

    /** The baseline of {@code realm} as rules: unrestricted when it has none, a problem when it is unusable. */
    public static ClientRules of(RealmModel realm) {
        List<String> documents = documents(realm);
        if (documents.isEmpty()) {
            return ClientRules.unrestrictedRules();
        }
        if (documents.size() > 1) {
            return new ClientRules(null, "the realm's institution baseline (client scope " + SCOPE + ") has "
                    + documents.size() + " institution filters; keep exactly one");
        }
        return ClientRules.parseBaseline(documents.get(0));
    }

}
