package org.sciencegateway.keycloak.idpfilter.select;

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

/** Registers {@link IdentityProviderSelectionAuthenticator}. */
@AutoService(AuthenticatorFactory.class)
public final class IdentityProviderSelectionAuthenticatorFactory implements AuthenticatorFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "sg-institution-idp-selection";
    private static final IdentityProviderSelectionAuthenticator SINGLETON = new IdentityProviderSelectionAuthenticator();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Institution filter: identity provider selection";
    }

    @Override
    public String getHelpText() {
        return "Replaces the Identity Provider Redirector: kc_idp_hint only narrows the client's allowed identity "
                + "providers (a disallowed hint gets the refusal page); a single allowed identity provider is "
                + "redirected to directly. Add as ALTERNATIVE after the cookie authenticator.";
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
        return new Requirement[]{Requirement.ALTERNATIVE, Requirement.REQUIRED, Requirement.DISABLED};
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
