package org.sciencegateway.keycloak.assurance.binding;

import com.google.auto.service.AutoService;
import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * Registers {@link LevelBindingRequiredAction} ({@value #PROVIDER_ID}) and enables it in every realm created or
 * imported while the JAR is installed. Realms that existed before enable it under Authentication &gt; Required
 * actions; until they do, the exchange policies' minimum level refuses their sessions (no bound level).
 */
@AutoService(RequiredActionFactory.class)
public final class LevelBindingRequiredActionFactory implements RequiredActionFactory {

    public static final String PROVIDER_ID = "sg-assurance-level-binding";
    /** Before Keycloak's own actions (after the institution filter's admission, -1000). */
    static final int PRIORITY = -990;

    private static final Logger LOG = Logger.getLogger(LevelBindingRequiredActionFactory.class);
    private static final LevelBindingRequiredAction SINGLETON = new LevelBindingRequiredAction();

    static void register(RealmModel realm) {
        if (realm.getRequiredActionProviderByAlias(PROVIDER_ID) != null) {
            return;
        }
        RequiredActionProviderModel model = new RequiredActionProviderModel();
        model.setAlias(PROVIDER_ID);
        model.setProviderId(PROVIDER_ID);
        model.setName("Assurance: levels bound to the identity that reached them");
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
        return "Assurance: levels bound to the identity that reached them";
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
    public void close() {
    }
}
