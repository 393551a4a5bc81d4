package org.sciencegateway.keycloak.hubtenants.lifecycle;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.sciencegateway.keycloak.hubtenants.GroupsSubtree;
import org.sciencegateway.keycloak.hubtenants.Hub;

/**
 * The token boundary's check of a hub: whatever was saved by whichever path (a mapper added in the console, a client
 * scope attached, an import), a hub gets tokens only while it is approved and carries no more than its template hub:
 * only the project's mapper types, a groups subtree within the template's, client scopes the template has (never
 * {@code offline_access}), no service account, password or implicit grant. A hub admin can save a mapper the
 * console offers, but no token of the hub will carry it: the hub's token requests are refused, naming it.
 */
final class HubConformance {

    private HubConformance() {
    }

    static Optional<String> deviation(RealmModel realm, ClientModel hub) {
        if (!Hub.isApproved(hub)) {
            return Optional.of("hub '" + hub.getClientId() + "' is " + (Hub.SUSPENDED.equals(hub.getAttribute(Hub.STATE))
                    ? "suspended by the realm admins" : "pending a realm admin's approval"));
        }
        if (hub.isFullScopeAllowed()) {
            return Optional.of("hub '" + hub.getClientId() + "' has Full scope allowed on: its tokens would carry "
                    + "every role of the user, a hub owner's admin role among them");
        }
        if (hub.isPublicClient() || hub.isServiceAccountsEnabled() || hub.isDirectAccessGrantsEnabled()
                || hub.isImplicitFlowEnabled() || hub.isBearerOnly()
                || !"client-secret".equals(hub.getClientAuthenticatorType())) {
            return Optional.of("hub '" + hub.getClientId() + "' has a client type or grant no hub may have");
        }
        String templateId = hub.getAttribute(Hub.TEMPLATE);
        ClientModel template = templateId == null ? null : realm.getClientByClientId(templateId);
        if (template == null) {
            return Optional.of("hub '" + hub.getClientId() + "' has no template hub ('" + templateId + "') to be "
                    + "judged against");
        }
        for (ProtocolMapperModel mapper : hub.getProtocolMappersStream().toList()) {
            if (!Hub.INHERITED_MAPPERS.contains(mapper.getProtocolMapper())) {
                return Optional.of("hub '" + hub.getClientId() + "' carries mapper '" + mapper.getName() + "' (type "
                        + mapper.getProtocolMapper() + "), which no hub may carry");
            }
            if (Hub.INSTITUTION_FILTER.equals(mapper.getProtocolMapper())) {
                continue; // the hub's own rules, held to the realm baseline at save and at every login and token
            }
            // Every other setting is the template's: a claim name or value of the hub's choosing would let its
            // tokens say anything (sub, aud, roles) with the realm's signature. Only the groups subtree may narrow.
            if (!configAsInTemplate(mapper, template)) {
                return Optional.of("hub '" + hub.getClientId() + "' mapper '" + mapper.getName() + "' (type "
                        + mapper.getProtocolMapper() + ") differs from the template's; only the groups subtree may "
                        + "change");
            }
            if (Hub.GROUP_MAPPER.equals(mapper.getProtocolMapper())) {
                Optional<String> subtree = subtreeWithinTemplate(mapper, template);
                if (subtree.isPresent()) {
                    return Optional.of("hub '" + hub.getClientId() + "' mapper '" + mapper.getName()
                            + "': groups subtree " + subtree.get() + " is outside the template's");
                }
            }
        }
        Set<String> allowedScopes = new HashSet<>();
        template.getClientScopes(true).keySet().forEach(allowedScopes::add);
        template.getClientScopes(false).keySet().forEach(allowedScopes::add);
        allowedScopes.remove(Hub.OFFLINE_ACCESS);
        for (boolean defaultScope : new boolean[] {true, false}) {
            for (ClientScopeModel scope : hub.getClientScopes(defaultScope).values()) {
                if (!allowedScopes.contains(scope.getName())) {
                    return Optional.of("hub '" + hub.getClientId() + "' has client scope '" + scope.getName()
                            + "', which its template does not offer hubs");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Whether some mapper of the template, of the same type, has the same config — for the groups mapper, the same
     * config apart from the subtree roots (judged by {@link #subtreeWithinTemplate}).
     */
    static boolean configAsInTemplate(ProtocolMapperModel mapper, ClientModel template) {
        java.util.Map<String, String> own = comparable(mapper);
        return template.getProtocolMappersStream()
                .filter(m -> m.getProtocolMapper().equals(mapper.getProtocolMapper())
                        && java.util.Objects.equals(m.getProtocol(), mapper.getProtocol()))
                .anyMatch(m -> comparable(m).equals(own));
    }

    private static java.util.Map<String, String> comparable(ProtocolMapperModel mapper) {
        java.util.Map<String, String> config = new java.util.HashMap<>();
        if (mapper.getConfig() != null) {
            mapper.getConfig().forEach((key, value) -> {
                if (value != null && !value.isEmpty()) {
                    config.put(key, value);
                }
            });
        }
        if (Hub.GROUP_MAPPER.equals(mapper.getProtocolMapper())) {
            config.remove(Hub.GROUP_SUBTREE_ROOTS);
        }
        return config;
    }

    /** A subtree root of the hub's groups mapper not under any root of the template's, or empty. */
    static Optional<String> subtreeWithinTemplate(ProtocolMapperModel mapper, ClientModel template) {
        return GroupsSubtree.outside(GroupsSubtree.roots(mapper), GroupsSubtree.templateRoots(template));
    }
}
