package org.sciencegateway.keycloak.samlfederation.login;

import jakarta.ws.rs.core.UriBuilder;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The public URLs of a federation source: one assertion consumer service and one SP metadata document per source,
 * named by its alias prefix, under {@code /realms/{realm}/saml-federation/{prefix}/}. A federation registers the
 * service provider once, with this one assertion consumer service, for every identity provider it lists.
 */
public final class SharedAcs {

    /** Path of the realm resource ({@link SharedAcsResourceFactory}). */
    public static final String RESOURCE = "saml-federation";

    /** Alias prefixes, as a source's settings accept them. */
    static final Pattern PREFIX = Pattern.compile("[a-z0-9]{1,12}");

    private SharedAcs() {
    }

    public static URI assertionConsumerService(URI baseUri, String realm, String prefix) {
        return path(baseUri, realm, prefix, "acs");
    }

    public static URI metadata(URI baseUri, String realm, String prefix) {
        return path(baseUri, realm, prefix, "metadata");
    }

    private static URI path(URI baseUri, String realm, String prefix, String endpoint) {
        return UriBuilder.fromUri(baseUri).path("realms").path(realm).path(RESOURCE).path(prefix).path(endpoint)
                .build();
    }
}
