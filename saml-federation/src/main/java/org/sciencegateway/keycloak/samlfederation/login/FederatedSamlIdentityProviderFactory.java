package org.sciencegateway.keycloak.samlfederation.login;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.broker.provider.IdentityProviderFactory;
import org.keycloak.broker.saml.SAMLIdentityProviderConfig;
import org.keycloak.broker.saml.SAMLIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.saml.validators.DestinationValidator;

/**
 * The identity provider type of every entity a federation source imports ({@value #PROVIDER_ID}): Keycloak's SAML
 * broker, with the source's shared assertion consumer service instead of one per alias (see
 * {@link FederatedSamlIdentityProvider}).
 */
@AutoService(IdentityProviderFactory.class)
public final class FederatedSamlIdentityProviderFactory extends SAMLIdentityProviderFactory {

    public static final String PROVIDER_ID = "saml-federation-member";

    private DestinationValidator destinations;

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getName() {
        return "SAML v2.0 (federation member)";
    }

    @Override
    public void init(Config.Scope config) {
        super.init(config);
        // the port map of destination checks, as for Keycloak's own SAML identity providers (default http=80, https=443)
        destinations = DestinationValidator.forProtocolMap(config.getArray("knownProtocols"));
    }

    @Override
    public FederatedSamlIdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new FederatedSamlIdentityProvider(session, new SAMLIdentityProviderConfig(model), destinations);
    }
}
