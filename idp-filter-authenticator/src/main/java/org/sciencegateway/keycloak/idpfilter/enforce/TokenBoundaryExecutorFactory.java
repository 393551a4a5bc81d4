package org.sciencegateway.keycloak.idpfilter.enforce;

import java.util.List;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProviderFactory;

/**
 * Registers {@link TokenBoundaryExecutor} as a client-policy executor. A realm uses it through a client profile
 * holding this executor and a client policy (condition {@code any-client}) applying that profile; clients without an
 * institution filter pass untouched.
 */
@AutoService(ClientPolicyExecutorProviderFactory.class)
public final class TokenBoundaryExecutorFactory implements ClientPolicyExecutorProviderFactory {

    public static final String PROVIDER_ID = "sg-institution-filter-tokens";

    @Override
    public ClientPolicyExecutorProvider create(KeycloakSession session) {
        return new TokenBoundaryExecutor(session);
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
    public String getHelpText() {
        return "Institution filter at the token endpoint: refuses the code exchange, refresh, token exchange and "
                + "password grant of a client whose institution filter does not admit the user session's recorded "
                + "identity provider and institution (invalid_grant).";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }
}
