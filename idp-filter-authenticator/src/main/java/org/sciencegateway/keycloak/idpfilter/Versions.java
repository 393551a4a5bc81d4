package org.sciencegateway.keycloak.idpfilter;

/** The module version, as written into the JAR manifest by Maven, for the admin console's provider info. */
public final class Versions {

    private Versions() {
    }

    public static String implementation(Class<?> type) {
        String version = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
