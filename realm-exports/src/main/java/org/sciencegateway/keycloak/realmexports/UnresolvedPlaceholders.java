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
 * count (upper case, digits, underscores): {@code ${authBaseUrl}} is one of Keycloak's own URL expressions (its
 * built-in clients use it). A {@code ${vault.KEY}} reference is resolved by Keycloak's vault when used; the caller
 * records those the vault cannot read ({@link #missingVaultEntry}), so a realm does not arrive with a login that
 * cannot work.
 */
public final class UnresolvedPlaceholders {

    /** {@code ${NAME}} as Keycloak's import leaves it when {@code NAME} is unset (a default would have been used). */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)}");

    /** A whole value that is a vault reference, as Keycloak's vault transcriber recognises it. */
    private static final Pattern VAULT_REFERENCE = Pattern.compile("^\\$\\{vault\\.(.+?)}$");

    private final Map<String, List<String>> found = new LinkedHashMap<>();
    private final Map<String, List<String>> vaultEntries = new LinkedHashMap<>();

    /** The vault key {@code value} refers to, or null when it is not a vault reference. */
    public static String vaultKey(String value) {
        if (value == null) {
            return null;
        }
        Matcher matcher = VAULT_REFERENCE.matcher(value);
        return matcher.matches() ? matcher.group(1) : null;
    }

    /** Records a {@code ${vault.key}} reference the server's vault cannot read. */
    public UnresolvedPlaceholders missingVaultEntry(String where, String key) {
        vaultEntries.computeIfAbsent(key, k -> new ArrayList<>()).add(where);
        return this;
    }

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
        return !found.isEmpty() || !vaultEntries.isEmpty();
    }

    /** The variables, each with the places that need it, in the order found. */
    public Map<String, List<String>> variables() {
        return found;
    }

    /** The vault keys the vault could not read, each with the places that refer to it. */
    public Map<String, List<String>> vaultEntries() {
        return vaultEntries;
    }

    /** What the import failure says: every variable and vault key by name, and where the realm uses it. */
    public String message(String realm) {
        StringBuilder message = new StringBuilder("Realm '").append(realm).append("' was not imported:");
        if (!found.isEmpty()) {
            message.append(" these environment variables are not set, so their placeholders would be stored verbatim "
                    + "(a secret '${NAME}' would be public):");
            list(message, found);
            message.append(" Set them in the environment of the import (kc.sh import, --import-realm, or the "
                    + "Operator's KeycloakRealmImport placeholders).");
        }
        if (!vaultEntries.isEmpty()) {
            message.append(" the server's vault has no entry for:");
            list(message, vaultEntries);
            message.append(" With the file vault (kc.sh build --vault=file, start --vault-dir=DIR) each entry is the "
                    + "file DIR/").append(realm.replace("_", "__")).append("_KEY holding the secret (underscores in "
                    + "realm and key doubled); mount it, as a Kubernetes secret, in the importing process too.");
        }
        return message.append(" Then import again.").toString();
    }

    private static void list(StringBuilder message, Map<String, List<String>> entries) {
        entries.forEach((name, places) -> message.append(' ').append(name).append(" (")
                .append(String.join(", ", places)).append(");"));
        message.setCharAt(message.length() - 1, '.');
    }
}
