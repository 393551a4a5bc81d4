package org.sciencegateway.keycloak.idpfilter.enforce;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.List;
import java.util.Map;
import org.sciencegateway.keycloak.idpfilter.Versions;

/** Registers {@link InstitutionFilterAuthenticator}. */
@AutoService(AuthenticatorFactory.class)
public final class InstitutionFilterAuthenticatorFactory implements AuthenticatorFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "sg-institution-filter";
    private static final InstitutionFilterAuthenticator SINGLETON = new InstitutionFilterAuthenticator();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Institution filter: enforce client rules";
    }

    @Override
    public String getHelpText() {
        return "Refuses the login when the identity provider or institution actually used is not allowed by the "
                + "client's Institution filter. Add as REQUIRED at the end of the browser flow, in every identity "
                + "provider's post-broker-login flow, and first in the registration and reset-credentials flows.";
    }

    @Override
    public String getReferenceCategory() {
        return "institution-filter";
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public Requirement[] getRequirementChoices() {
        return new Requirement[]{Requirement.REQUIRED, Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return SINGLETON;
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
    }

    @Override
    public void close() {
    }
}
