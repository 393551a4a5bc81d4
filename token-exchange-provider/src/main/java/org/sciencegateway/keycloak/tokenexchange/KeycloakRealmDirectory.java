package org.sciencegateway.keycloak.tokenexchange;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ModelException;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.oidc.utils.AcrUtils;

/** {@link RealmDirectory} backed by a realm's models. */
final class KeycloakRealmDirectory implements RealmDirectory {

    private final KeycloakSession session;
    private final RealmModel realm;

    KeycloakRealmDirectory(KeycloakSession session, RealmModel realm) {
        this.session = session;
        this.realm = realm;
    }

    @Override
    public boolean clientExists(String clientId) {
        return realm.getClientByClientId(clientId) != null;
    }

    @Override
    public boolean clientIsPublic(String clientId) {
        ClientModel client = realm.getClientByClientId(clientId);
        return client != null && client.isPublicClient();
    }

    @Override
    public boolean groupExists(String path) {
        return KeycloakModelUtils.findGroupByPath(session, realm, path) != null;
    }

    @Override
    public boolean roleExists(String name) {
        try {
            return KeycloakModelUtils.getRoleFromString(realm, name) != null;
        } catch (ModelException e) {
            return false;
        }
    }

    @Override
    public boolean clientScopeExists(String name) {
        return KeycloakModelUtils.getClientScopeByName(realm, name) != null;
    }

    @Override
    public Map<String, Integer> acrLevels() {
        return AcrUtils.getAcrLoaMap(realm);
    }

    @Override
    public Set<Integer> flowLevels() {
        Set<Integer> levels = new TreeSet<>();
        realm.getAuthenticatorConfigsStream()
                .map(config -> config.getConfig() == null ? null : config.getConfig().get(LOA_CONDITION_LEVEL))
                .filter(AssuranceRequirement::isNumeric)
                .forEach(value -> levels.add(Integer.parseInt(value)));
        return levels;
    }

    /** The configuration key of Keycloak's "Condition - Level of Authentication" (ConditionalLoaAuthenticator). */
    private static final String LOA_CONDITION_LEVEL = "loa-condition-level";
}
