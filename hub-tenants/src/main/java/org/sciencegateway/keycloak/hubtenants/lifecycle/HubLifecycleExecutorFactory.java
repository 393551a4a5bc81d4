package org.sciencegateway.keycloak.hubtenants.lifecycle;

import com.google.auto.service.AutoService;
import java.util.List;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProviderFactory;

/**
 * Registers {@link HubLifecycleExecutor}. A realm uses it through a client profile holding this executor and a client
 * policy (condition {@code any-client}) applying that profile. The group hub owners join at approval (for the
 * {@code query-clients} role the console's client list needs) is a server setting,
 * {@code --spi-client-policy-executor--sg-hub-lifecycle--owners-group} (default {@value #DEFAULT_OWNERS_GROUP}).
 */
@AutoService(ClientPolicyExecutorProviderFactory.class)
public final class HubLifecycleExecutorFactory implements ClientPolicyExecutorProviderFactory {

    public static final String PROVIDER_ID = "sg-hub-lifecycle";
    static final String DEFAULT_OWNERS_GROUP = "hub-admins";

    private String ownersGroup = DEFAULT_OWNERS_GROUP;

    @Override
    public ClientPolicyExecutorProvider create(KeycloakSession session) {
        return new HubLifecycleExecutor(session, ownersGroup);
    }

    @Override
    public void init(Config.Scope config) {
        ownersGroup = config.get("owners-group", DEFAULT_OWNERS_GROUP);
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
    public String getHelpText() {
        return "Hub lifecycle: judges saves of hubs (owners may change only their hub's URLs and texts; everyone keeps "
                + "a hub confidential with PKCE and its URLs under its own origin), approves a pending hub when a "
                + "realm admin enables it (new secret, owners' console rights, e-mail), tells owners of a rejection, "
                + "and refuses tokens to hubs that are pending or carry more than their template (unauthorized_client).";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }
}
