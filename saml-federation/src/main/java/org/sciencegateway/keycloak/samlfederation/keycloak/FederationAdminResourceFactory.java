package org.sciencegateway.keycloak.samlfederation.keycloak;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.models.utils.PostMigrationEvent;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProvider;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProviderFactory;
import org.keycloak.timer.TimerProvider;

import java.util.Map;

/**
 * Registers the admin endpoint and, once the server has started, the minute task that starts due syncs on this node
 * (see {@link FederationSyncTask}). Independent of the {@code declarative-ui} feature: imported sources sync and
 * report their status whether or not the console page is enabled.
 */
@AutoService(AdminRealmResourceProviderFactory.class)
public final class FederationAdminResourceFactory implements AdminRealmResourceProviderFactory,
        ServerInfoAwareProviderFactory {

    public static final String ID = "saml-federation";

    @Override
    public AdminRealmResourceProvider create(KeycloakSession session) {
        return new AdminRealmResourceProvider() {
            @Override
            public Object getResource(KeycloakSession keycloakSession, org.keycloak.models.RealmModel realm,
                                      org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator auth,
                                      org.keycloak.services.resources.admin.AdminEventBuilder adminEvent) {
                return new FederationAdminResource(keycloakSession, realm, auth);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof PostMigrationEvent) {
                KeycloakModelUtils.runJobInTransaction(factory, session -> session.getProvider(TimerProvider.class)
                        .scheduleTask(new FederationSyncTask(), FederationSyncTask.INTERVAL_MILLIS,
                                FederationSyncTask.NAME));
            }
        });
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("version", ModuleVersion.of(getClass()));
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void close() {
    }
}
