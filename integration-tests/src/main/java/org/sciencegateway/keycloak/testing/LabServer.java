package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./lab.sh}: the lab server on {@code LAB_PORT} (default 8080), started from the realm exports every time,
 * until Ctrl-C or SIGTERM.
 */
public final class LabServer {

    private LabServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = labPort();
        Path target = Path.of(System.getProperty("lab.target.dir", "integration-tests/target"));
        String version = serverVersion();
        Path distribution = distribution(target.resolve("keycloak-dist"), version);
        KeycloakServer.Settings settings = new KeycloakServer.Settings(
                distribution,
                target.resolve("providers"),
                target.resolve("realm-exports/lab"),
                target.resolve("lab-server"),
                port,
                null,
                Map.of(),
                List.of());
        boolean cluster = "cluster".equals(System.getenv().getOrDefault("LAB_MODE", "dev"));
        System.out.println("Starting Keycloak " + version + (cluster
                ? " as a production cluster (PostgreSQL, kc.sh build, two nodes with start --optimized) on ports "
                + port + " and " + (port + 1) + " (logs: " + target.resolve("lab-server/production") + ") ..."
                : " on port " + port + " (log: " + target.resolve("lab-server/server.log") + ") ..."));
        AtomicReference<AutoCloseable> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            System.out.println("\nStopping Keycloak ...");
            try {
                AutoCloseable server = running.get();
                if (server != null) {
                    server.close();
                }
            } catch (Exception e) {
                System.err.println("lab: while stopping: " + e);
            }
            stopped.countDown();
        }, "lab-stop"));
        KeycloakServer server;
        try {
            if (cluster) {
                ProductionCluster production = ProductionCluster.start(settings, 2, port);
                running.set(production);
                server = production.node(0);
            } else {
                server = KeycloakServer.create(settings);
                running.set(server);
                server.start();
            }
        } catch (IllegalStateException e) {
            if (stopping.get()) {
                return;
            }
            throw e;
        }
        if (cluster) {
            System.out.println("Second node: http://localhost:" + (port + 1) + " (same realms; the hostname, and so "
                    + "every token's issuer, is the first node's URL)");
        }
        String initialAccessToken;
        try {
            initialAccessToken = LabHubTenants.prepare(server);
        } catch (RuntimeException e) {
            System.err.println("lab: hub tenants could not be set up: " + e.getMessage());
            initialAccessToken = "(not available: " + e.getMessage() + ")";
        }
        System.out.println(banner(server, version, initialAccessToken));
        int entities = LabFederation.entities();
        System.out.println("Publishing the lab federation (" + entities + " entities, signed with the lab-only key) "
                + "and syncing realm vre's source '" + LabFederation.SOURCE + "' ...");
        try {
            LabFederation.describe(LabFederation.publish(server, entities)).forEach(line -> {
                if (!line.isBlank()) {
                    System.out.println("  " + line);
                }
            });
        } catch (IOException | RuntimeException e) {
            System.err.println("lab: the lab federation could not be published: " + e.getMessage());
        }
        stopped.await();
    }

    /**
     * The release the last build chose (keycloak.server.version, written into this resource by Maven): after runs
     * against other releases, keycloak-dist holds several distributions side by side.
     */
    private static String serverVersion() {
        Properties server = new Properties();
        try (InputStream in = LabServer.class.getResourceAsStream("keycloak-server.properties")) {
            if (in == null) {
                throw fail("keycloak-server.properties is missing from the classpath: run 'mvn package' first");
            }
            server.load(in);
        } catch (IOException e) {
            throw fail("Cannot read keycloak-server.properties: " + e.getMessage());
        }
        String version = server.getProperty("version", "");
        if (version.isBlank() || version.contains("${")) {
            throw fail("keycloak-server.properties names no Keycloak version ('" + version + "'): run 'mvn package'");
        }
        return version.trim();
    }

    /** The distribution of that release, as the build unpacked it (keycloak-dist/keycloak-<version>). */
    private static Path distribution(Path dir, String version) {
        Path distribution = dir.resolve("keycloak-" + version);
        if (!Files.isRegularFile(distribution.resolve("bin/kc.sh"))) {
            throw fail("No Keycloak " + version + " distribution in " + dir + ": run 'mvn package' first");
        }
        return distribution;
    }

    private static int labPort() {
        String value = System.getenv().getOrDefault("LAB_PORT", "8080");
        int port;
        try {
            port = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw fail("LAB_PORT must be a port number, got '" + value + "'");
        }
        if (port < 1 || port > 65535) {
            throw fail("LAB_PORT must be between 1 and 65535, got " + port);
        }
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
            probe.setReuseAddress(true);
        } catch (IOException e) {
            throw fail("Port " + port + " is in use; choose another with LAB_PORT=<port> ./lab.sh");
        }
        return port;
    }

    private static IllegalStateException fail(String message) {
        System.err.println("lab: " + message);
        System.exit(2);
        return new IllegalStateException(message);
    }

    private static String banner(KeycloakServer server, String version, String initialAccessToken) {
        String base = server.baseUrl();
        return """

                ==========================================================================================
                 Science-gateway lab is ready (Keycloak %s)

                 Admin console     %s/admin/            admin / admin
                 Gateway realm     %s/realms/vre/.well-known/openid-configuration
                 Account console   %s/realms/vre/account/

                 Try a hub login (client jupyterhub, redirect http://localhost:8000/hub/oauth_callback):
                   %s/realms/vre/protocol/openid-connect/auth?client_id=jupyterhub&response_type=code&scope=openid&redirect_uri=http%%3A%%2F%%2Flocalhost%%3A8000%%2Fhub%%2Foauth_callback

                 Demo users (password = username), each logs in through a home institution:
                   alice   institution-a                                  /escape/users
                   carol   institution-b                                  /escape/users, /escape/admins
                   bob     institution-b                                  (no groups)
                   dave    institution-saml (SAML 2.0)                    /escape/users
                   erin    federation-proxy, https://idp.uni-allowed.example.org   /escape/users
                   mallory federation-proxy, https://idp.uni-denied.example.org    /escape/users
                   zed     institution-blocked                            /escape/users
                   oscar   institution-a, one-time code in vre            /escape/users, /escape/cluster-users
                   frank   institution-saml, which asks a code and asserts MFA   /escape/users, /escape/cluster-users
                   hubadmin institution-a, owner of the hub other-gateway      /hub-admins
                   heidi   "Nordic Polar Institute" in the picker (lab federation): transient NameIDs only, the
                           account is keyed by SAML subject-id; signed requests (no groups; created at first login)
                 One-time codes (TOTP, lab only): oscar base32 N5ZWGYLSFVWGCYRNN52HALLTMVRXEZLU,
                   frank base32 MZZGC3TLFVWGCYRNN52HALLTMVRXEZLU; ask for them with acr_values=https://refeds.org/profile/mfa

                 Clients: jupyterhub (secret jupyterhub-lab-secret), other-gateway (other-gateway-lab-secret), rucio,
                   ssh-gateway (exchange audience for cluster users with MFA)

                 Hub tenants (docs/hub-tenants.md): hubadmin (institution-a, password hubadmin) owns other-gateway:
                   %s/admin/vre/console/ shows hubadmin that hub only; its institution rules and groups
                   subtree: %s/realms/vre/hub-console/. Request a hub with this initial
                   access token (10 hubs, one day), naming hubadmin@institution-a.example.org in contacts:
                   %s
                   POST it to %s/realms/vre/clients-registrations/openid-connect
                   then approve it as admin: Clients -> the pending hub -> Enabled.
                 Ctrl-C stops the server; the next start imports the realms afresh.
                ==========================================================================================
                """.formatted(version, base, base, base, base, base, base, initialAccessToken, base);
    }
}
