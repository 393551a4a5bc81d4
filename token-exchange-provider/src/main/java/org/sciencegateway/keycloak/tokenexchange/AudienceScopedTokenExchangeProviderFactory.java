package org.sciencegateway.keycloak.tokenexchange;

import com.google.auto.service.AutoService;
import java.util.LinkedHashMap;
import java.util.Map;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.protocol.oidc.TokenExchangeProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

/**
 * Registers {@link AudienceScopedTokenExchangeProvider}. Keycloak asks token exchange providers in descending
 * {@link #order()} and uses the first whose {@code supports} accepts; the standard V2 provider has order 10.
 */
@AutoService(TokenExchangeProviderFactory.class)
public final class AudienceScopedTokenExchangeProviderFactory
        implements TokenExchangeProviderFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "audience-scoped";
    public static final int ORDER = 100;

    @Override
    public TokenExchangeProvider create(KeycloakSession session) {
        return new AudienceScopedTokenExchangeProvider(session);
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
    public int order() {
        return ORDER;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("version", ModuleVersion.get());
        info.put("order", String.valueOf(ORDER));
        return info;
    }
}
