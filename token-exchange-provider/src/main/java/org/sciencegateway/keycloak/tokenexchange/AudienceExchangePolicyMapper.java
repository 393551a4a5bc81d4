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
import org.keycloak.provider.ProviderConfigurationBuilder;
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

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property().name(AudiencePolicyParser.ALLOWED_REQUESTERS).label("Requesting clients")
            .helpText("Client IDs of the confidential clients that may exchange a user's access token for a token "
                    + "whose only audience is this client. Each must present the user's token issued to itself.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).required(true).add()
            .property().name(AudiencePolicyParser.REQUIRED_GROUPS).label("Required groups")
            .helpText("Group paths such as /escape/users. When set, the user must be in one of these groups or in "
                    + "one of their subgroups. Leave empty to admit every user.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(AudiencePolicyParser.REQUIRED_ROLES).label("Required roles")
            .helpText("Realm role names, or clientId.role for client roles. When set, the user must hold one of "
                    + "them (directly, through a group or a composite role). Leave empty to admit every user.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(AudiencePolicyParser.GRANTABLE_SCOPES).label("Grantable scopes")
            .helpText("The scopes an exchanged token may carry, such as openid and profile. A request gets the "
                    + "scopes it asks for, or without a scope parameter all of these, but never a scope its subject "
                    + "token lacks.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).required(true).add()
            .property().name(AudiencePolicyParser.MAX_LIFETIME_SECONDS).label("Maximum lifetime (seconds)")
            .helpText("Upper bound of the exchanged access token lifetime, from "
                    + AudiencePolicyParser.MIN_LIFETIME_SECONDS + " to " + AudiencePolicyParser.MAX_LIFETIME_LIMIT_SECONDS
                    + ". The token also never outlives the subject token.")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(AudiencePolicyParser.DEFAULT_LIFETIME_SECONDS)).add()
            .property().name(AudiencePolicyParser.LIFETIME_BOUND).label("Lifetime bound")
            .helpText("What the exchanged token may not outlive besides the maximum lifetime. subject-token: the "
                    + "subject token and the requesting client's access-token lifespan (5 minutes by default). "
                    + "session: the user's SSO session and the requester's client session (idle and maximum), "
                    + "for tokens handed to long-running work such as notebooks.")
            .type(ProviderConfigProperty.LIST_TYPE)
            .options(AudiencePolicy.LifetimeBound.SUBJECT_TOKEN.configValue(),
                    AudiencePolicy.LifetimeBound.SESSION.configValue())
            .defaultValue(AudiencePolicy.LifetimeBound.SUBJECT_TOKEN.configValue()).add()
            .property().name(AudiencePolicyParser.REFRESH_ALLOWED).label("Refresh token allowed")
            .helpText("Whether requested_token_type=urn:ietf:params:oauth:token-type:refresh_token is honoured. "
                    + "Refreshing such a refresh token re-applies this policy and keeps the audience restriction.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(AudiencePolicyParser.WLCG_CLAIMS).label("WLCG claims")
            .helpText("Add the WLCG common JWT profile claims wlcg.ver (1.0) and wlcg.groups.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(AudiencePolicyParser.WLCG_GROUPS_ROOT).label("WLCG groups root")
            .helpText("Group path whose subtree feeds wlcg.groups, e.g. /escape; / for all of the user's groups.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue("/").add()
            .property().name(AudiencePolicyParser.REFRESH_ID_TOKEN).label("ID token on refresh")
            .helpText("Whether refreshing an exchanged refresh token also returns an ID token for the requester. "
                    + "Off (the default), refresh responses carry no id_token, like the exchange response; "
                    + "on needs Refresh token allowed and openid among the grantable scopes.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .build();

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
