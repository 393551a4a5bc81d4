package org.sciencegateway.keycloak.assurance.federated;

import com.google.auto.service.AutoService;
import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** Registers {@link FederatedAssuranceAuthenticator} as "Federated assurance level" ({@value #PROVIDER_ID}). */
@AutoService(AuthenticatorFactory.class)
public final class FederatedAssuranceAuthenticatorFactory implements AuthenticatorFactory {

    public static final String PROVIDER_ID = "sg-federated-assurance";

    private static final FederatedAssuranceAuthenticator SINGLETON = new FederatedAssuranceAuthenticator();
    private static final AuthenticationExecutionModel.Requirement[] REQUIREMENTS = {
            AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED};

    private static final List<ProviderConfigProperty> PROPERTIES = ProviderConfigurationBuilder.create()
            .property().name(FederatedAssuranceConfig.TRUSTED_IDPS).label("Trusted identity providers")
            .helpText("Aliases of the identity providers whose statement about how the user authenticated counts: "
                    + "a SAML AuthnContextClassRef or an OIDC acr that the realm's ACR to LoA mapping names (e.g. "
                    + "https://refeds.org/profile/mfa) raises the login to that level. Assertions of every other "
                    + "provider are ignored. A provider can also be marked with its setting "
                    + FederatedAssuranceAuthenticator.TRUSTED_IDP_CONFIG + "=true. SAML providers count only with "
                    + "signature validation switched on.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(FederatedAssuranceConfig.FEDERATED_LEVEL).label("Federated login level")
            .helpText("The level of authentication a brokered login counts as when nothing it asserted is honoured. "
                    + "Default 1 (the level of a password login). Not a number: level 0.")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(FederatedAssuranceConfig.DEFAULT_FEDERATED_LEVEL)).add()
            .build();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Federated assurance level";
    }

    @Override
    public String getReferenceCategory() {
        return "assurance";
    }

    @Override
    public String getHelpText() {
        return "In the post-broker-login flow: records the level of authentication of a brokered login, raised when "
                + "a trusted institution asserted MFA.";
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIREMENTS;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return PROPERTIES;
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return SINGLETON;
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
