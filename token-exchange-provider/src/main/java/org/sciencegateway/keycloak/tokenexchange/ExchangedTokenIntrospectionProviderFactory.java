package org.sciencegateway.keycloak.tokenexchange;

import com.google.auto.service.AutoService;
import java.util.LinkedHashMap;
import java.util.Map;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.AccessTokenIntrospectionProviderFactory;
import org.keycloak.protocol.oidc.TokenIntrospectionProvider;
import org.keycloak.protocol.oidc.TokenIntrospectionProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

/**
 * Replaces Keycloak's {@code access_token} introspection provider (same id, higher order, which is how Keycloak picks
 * between factories of one id) with {@link ExchangedTokenIntrospectionProvider}, a subclass that answers every token
 * not governed by an audience policy exactly as Keycloak does.
 */
@AutoService(TokenIntrospectionProviderFactory.class)
public final class ExchangedTokenIntrospectionProviderFactory
        implements TokenIntrospectionProviderFactory, ServerInfoAwareProviderFactory {

    public static final int ORDER = 100;

    @Override
    public TokenIntrospectionProvider create(KeycloakSession session) {
        return new ExchangedTokenIntrospectionProvider(session);
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
        return AccessTokenIntrospectionProviderFactory.ACCESS_TOKEN_TYPE;
    }

    @Override
    public int order() {
        return ORDER;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("version", ModuleVersion.get());
        info.put("replaces", AccessTokenIntrospectionProviderFactory.class.getName());
        return info;
    }
}
