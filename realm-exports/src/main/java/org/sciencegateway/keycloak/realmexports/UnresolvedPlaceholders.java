package org.sciencegateway.keycloak.realmexports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds import-file placeholders that Keycloak left as they were. Keycloak replaces {@code ${NAME}} and
 * {@code ${NAME:default}} in realm import files from the environment, and keeps an unset {@code ${NAME}} verbatim:
 * a client secret {@code ${RUCIO_CLIENT_SECRET}} becomes a public, working secret. Only environment-variable names
 * count (upper case, digits, underscores): {@code ${vault.…}} is a vault reference and {@code ${authBaseUrl}} one of
 * Keycloak's own URL expressions (its built-in clients use it), both resolved when used.
 */
public final class UnresolvedPlaceholders {

    /** {@code ${NAME}} as Keycloak's import leaves it when {@code NAME} is unset (a default would have been used). */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)}");

    private final Map<String, List<String>> found = new LinkedHashMap<>();

    /** Records every unresolved placeholder in {@code value}, saying where it was ({@code client rucio: secret}). */
    public UnresolvedPlaceholders check(String where, String value) {
        if (value == null) {
            return this;
        }
        Matcher matcher = PLACEHOLDER.matcher(value);
        while (matcher.find()) {
            found.computeIfAbsent(matcher.group(1), name -> new ArrayList<>()).add(where);
        }
        return this;
    }

    public boolean any() {
        return !found.isEmpty();
    }

    /** The variables, each with the places that need it, in the order found. */
    public Map<String, List<String>> variables() {
        return found;
    }

    /** What the import failure says: every variable by name, and where the realm uses it. */
    public String message(String realm) {
        StringBuilder message = new StringBuilder("Realm '").append(realm)
                .append("' was not imported: these environment variables are not set, so their placeholders would "
                        + "be stored verbatim (a secret '${NAME}' would be public):");
        found.forEach((name, places) -> message.append(' ').append(name).append(" (").append(String.join(", ", places))
                .append(");"));
        message.setLength(message.length() - 1);
        return message.append(". Set them in the environment of the import (kc.sh import, --import-realm, or the "
                + "Operator's KeycloakRealmImport placeholders) and import again.").toString();
    }
}
