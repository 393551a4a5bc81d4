package org.sciencegateway.keycloak.tokenexchange;

import com.google.auto.service.AutoService;
import java.util.LinkedHashMap;
import java.util.Map;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.refresh.RefreshTokenProvider;
import org.keycloak.protocol.oidc.refresh.RefreshTokenProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

/**
 * Registers {@link AudienceRefreshTokenProvider}, ordered before Keycloak's default refresh token provider
 * (order 0); it only accepts refresh tokens minted by an audience-scoped exchange.
 */
@AutoService(RefreshTokenProviderFactory.class)
public final class AudienceRefreshTokenProviderFactory
        implements RefreshTokenProviderFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "audience-scoped-exchange";
    public static final int ORDER = 100;

    @Override
    public RefreshTokenProvider create(KeycloakSession session) {
        return new AudienceRefreshTokenProvider(session);
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
