package org.sciencegateway.keycloak.samlfederation.keycloak;

/** The module's version for the console's provider info: the JAR manifest's Implementation-Version. */
final class ModuleVersion {

    private ModuleVersion() {
    }

    static String of(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
