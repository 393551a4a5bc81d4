package org.sciencegateway.keycloak.hubtenants.lifecycle;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.sciencegateway.keycloak.hubtenants.Hub;
import org.sciencegateway.keycloak.hubtenants.registration.HubRegistrationRules;
import org.sciencegateway.keycloak.hubtenants.registration.HubRequestCheck;
import org.sciencegateway.keycloak.hubtenants.registration.HubStamp;

/**
 * The security decision of a hub's self-service: what a save of a hub in the admin console (or the admin REST API)
 * may change. Everyone — realm admins too — keeps a hub a hub: confidential, authorization code with PKCE S256 only,
 * every URL under its own https origin, no origin of another client. A hub's owners may further change only what
 * concerns their hub's users: name, description, redirect and logout URLs, consent and logout settings. The hub's
 * lifecycle attributes ({@value Hub#ATTRIBUTE_PREFIX}*), its client id, its secret (rotated by Keycloak's
 * "Regenerate" only), token lifetimes, grants, scopes and its enabling before approval are a realm admin's.
 */
final class HubEdits {

    /** Attributes an owner may change (URL ones are judged by {@link HubRequestCheck}). */
    static final Set<String> OWNER_EDITABLE_ATTRIBUTES = Set.of("post.logout.redirect.uris", "backchannel.logout.url",
            "frontchannel.logout.url", "backchannel.logout.session.required",
            "backchannel.logout.revoke.offline.tokens", "frontchannel.logout.session.required",
            "display.on.consent.screen", "consent.screen.text", "login_theme", "logoUri", "policyUri", "tosUri",
            "use.refresh.tokens");

    private HubEdits() {
    }

    /** Why the save is refused, or empty. */
    static Optional<String> refusal(KeycloakSession session, RealmModel realm, ClientModel hub, ClientRepresentation rep,
                                    boolean realmAdmin) {
        Optional<String> kept = keepsAHub(session, realm, hub, rep);
        if (kept.isPresent() || realmAdmin) {
            return kept;
        }
        if (rep.getClientId() != null && !rep.getClientId().equals(hub.getClientId())) {
            return Optional.of("A hub's client id is fixed; ask the realm admins for a new hub.");
        }
        // The origin the realm admins approved stays the hub's: its owners change paths under it, not the origin
        // (else an approved hub could move onto another hub's origin, or anywhere).
        String approvedOrigin = hub.getRedirectUris().stream().map(HubRegistrationRules::originOf)
                .filter(Objects::nonNull).findFirst().orElse(null);
        if (approvedOrigin != null && rep.getRedirectUris() != null) {
            for (String uri : rep.getRedirectUris()) {
                if (!approvedOrigin.equals(HubRegistrationRules.originOf(uri))) {
                    return Optional.of("Redirect URI '" + uri + "' is not under the hub's origin " + approvedOrigin
                            + ", which the realm admins approved; a hub's owners change paths under it, a realm admin "
                            + "moves a hub.");
                }
            }
        }
        if (Boolean.TRUE.equals(rep.isEnabled()) && !hub.isEnabled() && !Hub.isApproved(hub)) {
            return Optional.of(Hub.SUSPENDED.equals(hub.getAttribute(Hub.STATE))
                    ? "The realm admins switched this hub off; only they switch it on again."
                    : "A hub is enabled by a realm admin's approval.");
        }
        if (rep.getNodeReRegistrationTimeout() != null
                && rep.getNodeReRegistrationTimeout() != hub.getNodeReRegistrationTimeout()) {
            return Optional.of("A hub's cluster node settings are set by the realm admins.");
        }
        if (rep.getRegisteredNodes() != null && !normalNodes(rep.getRegisteredNodes()).equals(normalNodes(hub.getRegisteredNodes()))) {
            return Optional.of("A hub's registered cluster nodes are set by the realm admins.");
        }
        if (rep.getSecret() != null && !rep.getSecret().equals(hub.getSecret())) {
            return Optional.of("A hub's secret is rotated with Credentials → Regenerate, never chosen.");
        }
        if (rep.isFullScopeAllowed() != null && rep.isFullScopeAllowed() != hub.isFullScopeAllowed()) {
            return Optional.of("fullScopeAllowed is set by the realm admins.");
        }
        if (rep.getProtocol() != null && !rep.getProtocol().equals(hub.getProtocol())) {
            return Optional.of("A hub's protocol is fixed.");
        }
        if (rep.isSurrogateAuthRequired() != null && rep.isSurrogateAuthRequired() != hub.isSurrogateAuthRequired()) {
            return Optional.of("surrogateAuthRequired is set by the realm admins.");
        }
        if (rep.getAttributes() != null) {
            for (Map.Entry<String, String> attribute : rep.getAttributes().entrySet()) {
                String name = attribute.getKey();
                if (same(attribute.getValue(), hub.getAttribute(name))) {
                    continue;
                }
                if (name.startsWith(Hub.ATTRIBUTE_PREFIX) || !OWNER_EDITABLE_ATTRIBUTES.contains(name)) {
                    return Optional.of("Attribute '" + name + "' of a hub is set by the realm admins; a hub's owners "
                            + "may change its URLs, name, description, consent and logout settings.");
                }
            }
        }
        if (rep.getAuthenticationFlowBindingOverrides() != null
                && !normalMap(rep.getAuthenticationFlowBindingOverrides()).equals(normalMap(hub.getAuthenticationFlowBindingOverrides()))) {
            return Optional.of("A hub's authentication flows are the realm's; the realm admins set flow overrides.");
        }
        if (rep.getProtocolMappers() != null && !sameMappers(rep.getProtocolMappers(), hub)) {
            return Optional.of("Change a hub's mappers in its dedicated client scope (Client scopes tab → "
                    + hub.getClientId() + "-dedicated), where each is checked.");
        }
        return Optional.empty();
    }

    /** What nobody may change on a hub: its request rules (URLs, grants, client type) and its protections. */
    private static Optional<String> keepsAHub(KeycloakSession session, RealmModel realm, ClientModel hub,
                                              ClientRepresentation rep) {
        Optional<String> request = HubRequestCheck.judge(session, realm, rep, hub, Set.of())
                .map(problem -> problem.description());
        if (request.isPresent()) {
            return request;
        }
        if (Boolean.TRUE.equals(rep.isBearerOnly())) {
            return Optional.of("A hub logs users in; it cannot be bearer-only.");
        }
        if (rep.getClientAuthenticatorType() != null && !"client-secret".equals(rep.getClientAuthenticatorType())) {
            return Optional.of("A hub authenticates with its client secret (client-secret).");
        }
        if (rep.getAttributes() != null && rep.getAttributes().containsKey(HubStamp.PKCE_METHOD)) {
            String pkce = rep.getAttributes().get(HubStamp.PKCE_METHOD);
            boolean weakened = pkce == null || pkce.isEmpty() ? "S256".equals(hub.getAttribute(HubStamp.PKCE_METHOD))
                    : !"S256".equals(pkce);
            if (weakened) {
                return Optional.of("A hub uses PKCE with S256 (attribute " + HubStamp.PKCE_METHOD + ").");
            }
        }
        return Optional.empty();
    }

    /** Equal for Keycloak's purposes: absent, empty and "false" are the same setting. */
    private static boolean same(String proposed, String stored) {
        return Objects.equals(normal(proposed), normal(stored));
    }

    private static String normal(String value) {
        return value == null || value.isEmpty() || "false".equals(value) ? "" : value;
    }

    private static Map<String, Integer> normalNodes(Map<String, Integer> nodes) {
        return nodes == null ? Map.of() : Map.copyOf(nodes);
    }

    private static Map<String, String> normalMap(Map<String, String> map) {
        Map<String, String> normal = new HashMap<>();
        if (map != null) {
            map.forEach((key, value) -> {
                if (value != null && !value.isEmpty()) {
                    normal.put(key, value);
                }
            });
        }
        return normal;
    }

    private static boolean sameMappers(List<ProtocolMapperRepresentation> proposed, ClientModel hub) {
        Map<String, Object> stored = hub.getProtocolMappersStream().collect(Collectors.toMap(
                ProtocolMapperModel::getName, m -> List.of(m.getProtocol(), m.getProtocolMapper(), config(m.getConfig()))));
        Map<String, Object> asked = new HashMap<>();
        for (ProtocolMapperRepresentation mapper : proposed) {
            asked.put(mapper.getName(), List.of(String.valueOf(mapper.getProtocol()),
                    String.valueOf(mapper.getProtocolMapper()), config(mapper.getConfig())));
        }
        return stored.equals(asked);
    }

    private static Map<String, String> config(Map<String, String> config) {
        return config == null ? Map.of() : config;
    }
}
