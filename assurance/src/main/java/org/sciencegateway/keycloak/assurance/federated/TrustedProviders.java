package org.sciencegateway.keycloak.assurance.federated;

import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.RealmModel;

/** Whether the realm trusts an identity provider to assert a level (for the linking rule of the binding action). */
public final class TrustedProviders {

    private TrustedProviders() {
    }

    /**
     * True when the provider is marked {@code sg.assurance.trusted=true} or any "Federated assurance level" step of
     * the realm names it. Deliberately wider than one flow's view: linking such a provider may later raise a level.
     */
    public static boolean trustedForAssurance(RealmModel realm, IdentityProviderModel idp) {
        if (idp == null) {
            return false;
        }
        if (idp.getConfig() != null && "true".equals(idp.getConfig().get(FederatedAssuranceAuthenticator.TRUSTED_IDP_CONFIG))) {
            return true;
        }
        return realm.getAuthenticationFlowsStream()
                .flatMap(flow -> realm.getAuthenticationExecutionsStream(flow.getId()))
                .filter(execution -> FederatedAssuranceAuthenticatorFactory.PROVIDER_ID.equals(execution.getAuthenticator()))
                .anyMatch(execution -> {
                    AuthenticatorConfigModel config = execution.getAuthenticatorConfig() == null ? null
                            : realm.getAuthenticatorConfigById(execution.getAuthenticatorConfig());
                    return FederatedAssuranceConfig.of(config).trustedAliases().contains(idp.getAlias());
                });
    }
}
