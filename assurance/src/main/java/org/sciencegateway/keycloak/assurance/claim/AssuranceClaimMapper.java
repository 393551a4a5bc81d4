package org.sciencegateway.keycloak.assurance.claim;

import com.google.auto.service.AutoService;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.keycloak.authentication.authenticators.util.LoAUtil;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperContainerModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.ProtocolMapperConfigException;
import org.keycloak.protocol.oidc.mappers.AbstractOIDCProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAccessTokenMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.protocol.oidc.mappers.OIDCIDTokenMapper;
import org.keycloak.protocol.oidc.mappers.TokenIntrospectionTokenMapper;
import org.keycloak.protocol.oidc.mappers.UserInfoTokenMapper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.representations.IDToken;
import org.keycloak.services.managers.AuthenticationManager;

/**
 * Emits REFEDS assurance values ({@code eduperson_assurance}) for the level of authentication the client session
 * achieved, read as Keycloak's acr mapper reads it, so that {@code acr} and {@code eduperson_assurance} never
 * disagree: {@code https://refeds.org/profile/mfa} only after a second factor or a trusted institution's MFA.
 */
@AutoService(ProtocolMapper.class)
public final class AssuranceClaimMapper extends AbstractOIDCProtocolMapper implements OIDCAccessTokenMapper,
        OIDCIDTokenMapper, UserInfoTokenMapper, TokenIntrospectionTokenMapper {

    public static final String PROVIDER_ID = "science-gateway-assurance-mapper";
    static final String VALUES = "assurance.values";
    static final String DEFAULT_CLAIM = "eduperson_assurance";

    private static final List<ProviderConfigProperty> PROPERTIES;

    static {
        PROPERTIES = new java.util.ArrayList<>(ProviderConfigurationBuilder.create()
                .property().name(VALUES).label("Assurance values")
                .helpText("Entries LEVEL VALUE: the value is asserted once the session reached that level of "
                        + "authentication, e.g. 1 https://refeds.org/assurance/IAP/low and "
                        + "2 https://refeds.org/profile/mfa. The level is the one Keycloak's acr claim reports.")
                .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).required(true).add()
                .build());
        OIDCAttributeMapperHelper.addTokenClaimNameConfig(PROPERTIES);
        OIDCAttributeMapperHelper.addIncludeInTokensConfig(PROPERTIES, AssuranceClaimMapper.class);
        PROPERTIES.stream().filter(p -> OIDCAttributeMapperHelper.TOKEN_CLAIM_NAME.equals(p.getName()))
                .forEach(p -> p.setDefaultValue(DEFAULT_CLAIM));
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayCategory() {
        return TOKEN_MAPPER_CATEGORY;
    }

    @Override
    public String getDisplayType() {
        return "Assurance by level of authentication";
    }

    @Override
    public String getHelpText() {
        return "REFEDS assurance values (eduperson_assurance) that match the level of authentication the session "
                + "actually achieved.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return PROPERTIES;
    }

    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, ProtocolMapperContainerModel container,
                               ProtocolMapperModel model) throws ProtocolMapperConfigException {
        try {
            values(model.getConfig());
        } catch (IllegalArgumentException e) {
            throw AdminMessage.configError(e.getMessage());
        }
        String claim = model.getConfig() == null ? null : model.getConfig().get(OIDCAttributeMapperHelper.TOKEN_CLAIM_NAME);
        if (claim == null || claim.isBlank()) {
            throw AdminMessage.configError("Token Claim Name: enter a claim name such as " + DEFAULT_CLAIM + ".");
        }
        String topLevel = claim.trim().split("(?<!\\\\)\\.", 2)[0];
        if (RESERVED_CLAIMS.contains(topLevel)) {
            throw AdminMessage.configError("Token Claim Name \"" + claim + "\" is a claim Keycloak sets itself or one "
                    + "that says who the token is for and what it may do: choose another name, e.g. " + DEFAULT_CLAIM + ".");
        }
    }

    /** Claims Keycloak sets itself or that change what a token means (subject, audience, roles); never assurance. */
    static final java.util.Set<String> RESERVED_CLAIMS = java.util.Set.of("sub", "azp", "acr", "auth_time", "aud",
            "jti", "typ", "iat", "exp", "nbf", "iss", "scope", "nonce", "session_state", "sid", "cnf", "realm_access",
            "resource_access", "client_id", "preferred_username", "amr");

    @Override
    protected void setClaim(IDToken token, ProtocolMapperModel model, UserSessionModel userSession,
                            KeycloakSession session, ClientSessionContext clientSessionCtx) {
        AssuranceValues values;
        try {
            values = values(model.getConfig());
        } catch (IllegalArgumentException e) {
            // Stored without validation (an import): assert nothing rather than something unchecked.
            return;
        }
        List<String> asserted = values.at(achievedLevel(clientSessionCtx.getClientSession()));
        if (!asserted.isEmpty()) {
            OIDCAttributeMapperHelper.mapClaim(token, model, asserted);
        }
    }

    /** The level as Keycloak's acr mapper reports it: none recorded is 0 after SSO, else 1. */
    static int achievedLevel(AuthenticatedClientSessionModel clientSession) {
        int level = LoAUtil.getCurrentLevelOfAuthentication(clientSession);
        if (level < Constants.MINIMUM_LOA) {
            return AuthenticationManager.isSSOAuthentication(clientSession) ? 0 : 1;
        }
        return level;
    }

    private static AssuranceValues values(Map<String, String> config) {
        String stored = config == null ? null : config.get(VALUES);
        return AssuranceValues.parse(stored == null ? List.of()
                : Arrays.asList(stored.split(Pattern.quote(Constants.CFG_DELIMITER))));
    }
}
