package org.sciencegateway.keycloak.idpfilter.enforce;

import java.util.List;
import java.util.Map;

import com.google.auto.service.AutoService;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.sciencegateway.keycloak.idpfilter.Versions;

/**
 * Registers {@link AdmissionRequiredAction} and enables it in every realm created or imported while the JAR is
 * installed, first in order. Realms that existed before enable it under Authentication &gt; Required actions; until
 * they do, the filter's enforce step refuses logins to restricted clients ({@code invalid-configuration}) rather than
 * run without its completion check.
 */
@AutoService(RequiredActionFactory.class)
public final class AdmissionRequiredActionFactory implements RequiredActionFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "sg-institution-filter-admission";
    /** Before Keycloak's own actions: nobody is asked to update a profile for a login that is refused anyway. */
    static final int PRIORITY = -1000;

    private static final Logger LOG = Logger.getLogger(AdmissionRequiredActionFactory.class);
    private static final AdmissionRequiredAction SINGLETON = new AdmissionRequiredAction();

    static boolean enabledIn(RealmModel realm) {
        RequiredActionProviderModel model = realm.getRequiredActionProviderByAlias(PROVIDER_ID);
        return model != null && model.isEnabled();
    }

    static void register(RealmModel realm) {
        if (realm.getRequiredActionProviderByAlias(PROVIDER_ID) != null) {
            return;
        }
        RequiredActionProviderModel model = new RequiredActionProviderModel();
        model.setAlias(PROVIDER_ID);
        model.setProviderId(PROVIDER_ID);
        model.setName("Institution filter: admission at login completion");
        model.setEnabled(true);
        model.setDefaultAction(false);
        model.setPriority(PRIORITY);
        realm.addRequiredActionProvider(model);
        LOG.infof("Enabled required action %s in realm %s", PROVIDER_ID, realm.getName());
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayText() {
        return "Institution filter: admission at login completion";
    }

    @Override
    public boolean isOneTimeAction() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return List.of();
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof RealmModel.RealmPostCreateEvent created) {
                register(created.getCreatedRealm());
            }
        });
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("version", Versions.implementation(getClass()));
    }

    @Override
    public void close() {
    }
}
