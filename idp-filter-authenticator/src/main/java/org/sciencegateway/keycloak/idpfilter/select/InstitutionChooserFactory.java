package org.sciencegateway.keycloak.idpfilter.select;

import org.keycloak.provider.ProviderFactory;

/** Factory of the {@link InstitutionChooserSpi} ({@code sg-institution-chooser}). */
public interface InstitutionChooserFactory extends ProviderFactory<InstitutionChooser> {
}
