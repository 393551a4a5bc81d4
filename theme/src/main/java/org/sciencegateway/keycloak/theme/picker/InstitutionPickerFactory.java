package org.sciencegateway.keycloak.theme.picker;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.sciencegateway.keycloak.idpfilter.Versions;
import org.sciencegateway.keycloak.idpfilter.select.InstitutionChooser;
import org.sciencegateway.keycloak.idpfilter.select.InstitutionChooserFactory;

import java.util.Map;

/** Registers {@link InstitutionPicker} as the institution filter's chooser page ({@code sg-institution-chooser} SPI). */
@AutoService(InstitutionChooserFactory.class)
public final class InstitutionPickerFactory implements InstitutionChooserFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "institution-picker";

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public InstitutionChooser create(KeycloakSession session) {
        return new InstitutionPicker(session);
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
