package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keycloak's file vault as the tests and the lab run it, the way Kubernetes mounts a secret: one directory, one file
 * per secret, named {@code <realm>_<key>} with underscores in realm and key doubled (Keycloak's default
 * {@code REALM_UNDERSCORE_KEY} resolver). A realm refers to an entry as {@code ${vault.<key>}}.
 */
public record FileVault(Path directory) {

    /** Build-time option that enables the file vault ({@code kc.sh build}, or with {@code start-dev}). */
    public static final String BUILD_OPTION = "--vault=file";

    /** The vault in {@code directory}, emptied: a server starts without secrets an earlier run left behind. */
    public static FileVault empty(Path directory) {
        try {
            Files.createDirectories(directory);
            try (var entries = Files.list(directory)) {
                for (Path entry : entries.toList()) {
                    Files.delete(entry);
                }
            }
            return new FileVault(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The start option that points the server at this directory. */
    public List<String> startOptions() {
        return List.of("--vault-dir=" + directory.toAbsolutePath());
    }

    /** Stores {@code secret} for {@code ${vault.key}} in {@code realm}; Keycloak reads it at each use. */
    public void put(String realm, String key, String secret) {
        try {
            Files.writeString(directory.resolve(fileName(realm, key)), secret, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String fileName(String realm, String key) {
        return realm.replace("_", "__") + "_" + key.replace("_", "__");
    }
}
