package org.sciencegateway.keycloak.theme.picker;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.sciencegateway.keycloak.idpfilter.Versions;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;

import java.util.Map;

/**
 * Registers {@link InstitutionsResource} at {@code /realms/{realm}/institutions} and keeps every node's institution
 * directory in step with identity-provider changes (see {@link InstitutionDirectory}).
 */
@AutoService(RealmResourceProviderFactory.class)
public final class InstitutionsResourceFactory implements RealmResourceProviderFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "institutions";

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new RealmResourceProvider() {
            @Override
            public Object getResource() {
                return new InstitutionsResource(session);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("version", Versions.implementation(getClass()));
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        InstitutionDirectory.invalidateOnChanges(factory);
    }

    @Override
    public void close() {
    }
}
