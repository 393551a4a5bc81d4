package org.sciencegateway.keycloak.tokenexchange;

import com.google.auto.service.AutoService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.Config;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ProtocolMapperContainerModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.ProtocolMapperConfigException;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

/**
 * Holds an {@link AudiencePolicy}: added to the audience client (Clients, then the audience client, then Client
 * scopes, then its dedicated scope, then Add mapper, By configuration). It implements none of Keycloak's token
 * mapper interfaces, so it never changes any token by itself; {@link AudienceScopedTokenExchangeProvider} reads it.
 * Keycloak calls {@link #validateConfig} when the mapper is created or updated through the admin console or REST API.
 */
@AutoService(ProtocolMapper.class)
public final class AudienceExchangePolicyMapper implements ProtocolMapper, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "audience-exchange-policy";

    private static final List<ProviderConfigProperty> CONFIG = AudiencePolicyForm.PROPERTIES;

    @Override
    public String getProtocol() {
        return OIDCLoginProtocol.LOGIN_PROTOCOL;
    }

    @Override
    public String getDisplayCategory() {
        return "Token exchange";
    }

    @Override
    public String getDisplayType() {
        return "Audience exchange policy";
    }

    @Override
    public String getHelpText() {
        return "Lets the named clients exchange a user's access token (RFC 8693) for a token whose only audience is "
                + "this client. Changes no token by itself.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, ProtocolMapperContainerModel container,
                               ProtocolMapperModel model) throws ProtocolMapperConfigException {
        List<String> problems = problems(session, realm, container, model);
        if (!problems.isEmpty()) {
            String message = "Audience exchange policy " + model.getName() + " is not valid. "
                    + String.join(" ", problems);
            throw AdminMessage.configError(message);
        }
    }

    static List<String> problems(KeycloakSession session, RealmModel realm, ProtocolMapperContainerModel container,
                                 ProtocolMapperModel model) {
        if (!(container instanceof ClientModel client)) {
            return List.of("Add it to the audience client dedicated scope (Clients, the audience client, Client "
                    + "scopes, its dedicated scope), not to a shared client scope.");
        }
        List<String> problems = new ArrayList<>();
        container.getProtocolMappersStream()
                .filter(other -> PROVIDER_ID.equals(other.getProtocolMapper()))
                .filter(other -> model.getId() == null || !model.getId().equals(other.getId()))
                .findFirst()
                .ifPresent(other -> problems.add("Client " + client.getClientId()
                        + " already has the audience exchange policy " + other.getName() + "; edit that one instead."));
        AudiencePolicyParser.Result parsed = AudiencePolicyParser.parse(
                String.valueOf(model.getName()), client.getClientId(), model.getConfig());
        problems.addAll(parsed.problems());
        parsed.policy().ifPresent(policy ->
                problems.addAll(AudiencePolicyRealmCheck.problems(policy, new KeycloakRealmDirectory(session, realm))));
        return problems;
    }

    @Override
    public ProtocolMapper create(KeycloakSession session) {
        return this;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("version", ModuleVersion.get());
        return info;
    }
}
