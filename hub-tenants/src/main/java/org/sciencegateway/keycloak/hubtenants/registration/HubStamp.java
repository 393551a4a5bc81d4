package org.sciencegateway.keycloak.hubtenants.registration;

import java.util.Set;
import java.util.stream.Collectors;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.sciencegateway.keycloak.hubtenants.Hub;

/**
 * The protections every registered hub carries, whatever its request said: confidential, authorization code with
 * PKCE S256 only, no offline access, no service account, the template hub's institution filter, groups and assurance
 * mappers and client scopes — and disabled, pending a realm admin's approval.
 */
public final class HubStamp {

    static final String STATE = Hub.STATE;
    static final String PENDING = Hub.PENDING;
    public static final String PKCE_METHOD = "pkce.code.challenge.method";
    static final Set<String> INHERITED_MAPPERS = Hub.INHERITED_MAPPERS;
    static final String OFFLINE_ACCESS = Hub.OFFLINE_ACCESS;

    private HubStamp() {
    }

    static void apply(KeycloakSession session, RealmModel realm, ClientModel hub, ClientModel template) {
        hub.setEnabled(false);
        hub.setAttribute(STATE, PENDING);
        reassert(hub);
        // Only the template's mappers: none the request may have brought (Keycloak's representation can carry some).
        hub.getProtocolMappersStream().toList().forEach(hub::removeProtocolMapper);
        // never full scope, whatever the template: an owner's token at another hub would carry their admin role
        // (lifecycle.AdminScope)
        hub.setFullScopeAllowed(false);
        if (template != null) {
            hub.setAttribute(Hub.TEMPLATE, template.getClientId());
            template.getProtocolMappersStream()
                    .filter(mapper -> INHERITED_MAPPERS.contains(mapper.getProtocolMapper()))
                    .forEach(mapper -> hub.addProtocolMapper(copy(mapper)));
            hub.getClientScopes(true).values().forEach(hub::removeClientScope);
            hub.getClientScopes(false).values().forEach(hub::removeClientScope);
            hub.addClientScopes(Set.copyOf(template.getClientScopes(true).values()), true);
            hub.addClientScopes(template.getClientScopes(false).values().stream()
                    .filter(scope -> !OFFLINE_ACCESS.equals(scope.getName()))
                    .collect(Collectors.toSet()), false);
        }
        removeOfflineAccess(hub);
    }

    /** What no registration or RFC 7592 update may change. */
    public static void reassert(ClientModel hub) {
        hub.setPublicClient(false);
        hub.setClientAuthenticatorType("client-secret");
        hub.setStandardFlowEnabled(true);
        hub.setImplicitFlowEnabled(false);
        hub.setDirectAccessGrantsEnabled(false);
        hub.setServiceAccountsEnabled(false);
        hub.setBearerOnly(false);
        hub.setAttribute(PKCE_METHOD, "S256");
        for (String grant : new String[] {"oauth2.device.authorization.grant.enabled", "oidc.ciba.grant.enabled",
                "oauth2.jwt.authorization.grant.enabled"}) {
            hub.setAttribute(grant, "false");
        }
        removeOfflineAccess(hub);
    }

    private static void removeOfflineAccess(ClientModel hub) {
        hub.getClientScopes(false).values().stream()
                .filter(scope -> OFFLINE_ACCESS.equals(scope.getName()))
                .forEach(hub::removeClientScope);
        hub.getClientScopes(true).values().stream()
                .filter(scope -> OFFLINE_ACCESS.equals(scope.getName()))
                .forEach(hub::removeClientScope);
    }

    private static ProtocolMapperModel copy(ProtocolMapperModel mapper) {
        ProtocolMapperModel copy = new ProtocolMapperModel();
        copy.setId(KeycloakModelUtils.generateId());
        copy.setName(mapper.getName());
        copy.setProtocol(mapper.getProtocol());
        copy.setProtocolMapper(mapper.getProtocolMapper());
        copy.setConfig(new java.util.HashMap<>(mapper.getConfig()));
        return copy;
    }

}
