package org.sciencegateway.keycloak.tokenexchange;

/** The module version from the JAR manifest, reported in the admin console's provider info. */
final class ModuleVersion {

    private ModuleVersion() {
    }

    static String get() {
        String version = ModuleVersion.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
