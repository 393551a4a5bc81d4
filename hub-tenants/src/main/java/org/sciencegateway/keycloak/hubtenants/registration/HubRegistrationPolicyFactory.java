package org.sciencegateway.keycloak.hubtenants.registration;

import com.google.auto.service.AutoService;
import java.util.List;
import java.util.Map;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.clientregistration.policy.AbstractClientRegistrationPolicyFactory;
import org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy;
import org.keycloak.services.clientregistration.policy.ClientRegistrationPolicyFactory;

/**
 * Client registration policy "Science gateway hub": every client registered through it (RFC 7591, with an initial
 * access token a realm admin handed out) is a hub under the realm's protections, disabled until approved.
 * Realm → Clients → Client registration → Anonymous access policies → Create policy.
 */
@AutoService(ClientRegistrationPolicyFactory.class)
public final class HubRegistrationPolicyFactory extends AbstractClientRegistrationPolicyFactory
        implements ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "sg-hub-registration";
    static final String TEMPLATE_CLIENT = "template.client";
    static final String RESERVED_CLIENT_IDS = "reserved.client.ids";
    static final String REVIEW_EMAILS = "review.emails";

    private static final List<ProviderConfigProperty> PROPERTIES = ProviderConfigurationBuilder.create()
            .property().name(TEMPLATE_CLIENT).label("Hub template client")
            .helpText("Client id of the realm's reference hub. A registered hub starts with its institution filter, "
                    + "groups and assurance mappers and its default client scopes (never offline_access).")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue("jupyterhub").required(true).add()
            .property().name(RESERVED_CLIENT_IDS).label("Reserved client ids")
            .helpText("Client ids no hub may take (compared without case), e.g. the audiences of exchange policies "
                    + "(rucio, ssh-gateway). Keycloak's own clients are always reserved.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).defaultValue("rucio##ssh-gateway").add()
            .property().name(REVIEW_EMAILS).label("Review e-mail addresses")
            .helpText("Who is told of each new hub request (sent with the realm's SMTP settings), e.g. the realm "
                    + "admins' list. Pending hubs are also listed in Clients: disabled, described 'Pending approval'.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .build();

    @Override
    public ClientRegistrationPolicy create(KeycloakSession session, ComponentModel model) {
        return new HubRegistrationPolicy(session, HubRegistrationConfig.of(model));
    }

    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model)
            throws ComponentValidationException {
        HubRegistrationConfig config = HubRegistrationConfig.of(model);
        if (config.templateClient() == null || realm.getClientByClientId(config.templateClient()) == null) {
            throw new ComponentValidationException("Hub template client: no client '" + config.templateClient()
                    + "' in realm " + realm.getName() + "; name the realm's reference hub (e.g. jupyterhub).");
        }
    }

    @Override
    public String getHelpText() {
        return "Registered clients become science-gateway hubs: confidential, authorization code with PKCE S256, "
                + "redirect URIs under one https origin of their own, the template hub's institution filter and "
                + "groups, no offline access or service account; disabled until a realm admin approves them.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return PROPERTIES;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        String version = HubRegistrationPolicyFactory.class.getPackage().getImplementationVersion();
        return Map.of("version", version == null ? "development" : version);
    }
}
