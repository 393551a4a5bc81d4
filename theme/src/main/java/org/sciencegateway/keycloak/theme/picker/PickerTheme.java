package org.sciencegateway.keycloak.theme.picker;

import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.Urls;
import org.keycloak.theme.Theme;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;

/** The login theme in force for this request (the client's, else the realm's), as far as the picker needs it. */
final class PickerTheme {

    static final String TEMPLATE = "institution-picker.ftl";

    private static final Logger LOG = Logger.getLogger(PickerTheme.class);

    private PickerTheme() {
    }

    /** Whether the login theme has the picker's template; otherwise Keycloak's own login page is used. */
    static boolean hasPicker(KeycloakSession session) {
        try {
            Theme theme = session.theme().getTheme(Theme.Type.LOGIN);
            return theme != null && theme.getTemplate(TEMPLATE) != null;
        } catch (IOException e) {
            LOG.warnf(e, "Could not read the login theme; using Keycloak's login page");
            return false;
        }
    }

    /** The theme's resource path, as the login pages' {@code url.resourcesPath}. */
    static String resourcesPath(KeycloakSession session, URI baseUri) {
        String name;
        try {
            Theme theme = session.theme().getTheme(Theme.Type.LOGIN);
            name = theme.getName();
        } catch (IOException e) {
            throw new IllegalStateException("the login theme cannot be read", e);
        }
        return Urls.themeRoot(baseUri).getPath() + "/" + Theme.Type.LOGIN.name().toLowerCase(Locale.ROOT) + "/" + name;
    }
}
