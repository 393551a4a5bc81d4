package org.sciencegateway.keycloak.idpfilter.select;

import com.google.auto.service.AutoService;
import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/**
 * The SPI through which the identity-provider selection step finds a chooser page, so that this module compiles and
 * runs without the theme module (and the theme module depends on this one, never the reverse).
 */
@AutoService(Spi.class)
public final class InstitutionChooserSpi implements Spi {

    public static final String NAME = "sg-institution-chooser";

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return InstitutionChooser.class;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return InstitutionChooserFactory.class;
    }
}
