package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OpenLDAP server: Debian's {@code slapd} with a directory of its own in a temporary directory, loaded with
 * {@code slapadd} from LDIF before it starts, listening on 127.0.0.1 only, in the foreground of a process this object
 * owns. Debian's package, as operators run it ({@code apt-get install slapd}; .ci/run installs it); the package's
 * system service and its database are not used. The configuration is a {@code slapd.conf} (no cn=config), with the
 * schemas a POSIX account directory needs: core, cosine, nis, inetorgperson.
 */
public final class LdapServer implements AutoCloseable {

    public static final Path SLAPD = Path.of("/usr/sbin/slapd");
    private static final Path SLAPADD = Path.of("/usr/sbin/slapadd");
    private static final Path SCHEMAS = Path.of("/etc/ldap/schema");

    private final Path dir;
    private final String suffix;
    private final String adminDn;
    private final String adminPassword;
    private final int port;
    private Process slapd;

    private LdapServer(Path dir, String suffix, String adminPassword, int port) {
        this.dir = dir;
        this.suffix = suffix;
        this.adminDn = "cn=admin," + suffix;
        this.adminPassword = adminPassword;
        this.port = port;
    }

    /** Whether Debian's slapd is installed (the tests that need it skip, with this reason, when it is not). */
    public static boolean installed() {
        return Files.isExecutable(SLAPD) && Files.isExecutable(SLAPADD)
                && Files.isRegularFile(SCHEMAS.resolve("inetorgperson.schema"));
    }

    /**
     * Starts a server for {@code suffix} (e.g. {@code dc=cluster,dc=test}) holding {@code ldif}, which must create the
     * suffix entry first. Returns once the server accepts connections.
     */
    public static LdapServer start(String suffix, String adminPassword, String ldif) {
        if (!installed()) {
            throw new IllegalStateException("Debian's slapd is not installed: apt-get install slapd ldap-utils "
                    + "(.ci/run does)");
        }
        try {
            Path dir = Files.createTempDirectory("sg-slapd-");
            LdapServer server = new LdapServer(dir, suffix, adminPassword, KeycloakServer.freePort());
            server.load(ldif);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void load(String ldif) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        StringBuilder conf = new StringBuilder();
        for (String schema : List.of("core", "cosine", "nis", "inetorgperson")) {
            conf.append("include ").append(SCHEMAS.resolve(schema + ".schema")).append('\n');
        }
        conf.append("modulepath /usr/lib/ldap\nmoduleload back_mdb\n")
                .append("pidfile ").append(dir.resolve("slapd.pid")).append('\n')
                .append("database mdb\nmaxsize 10485760\n")
                .append("suffix \"").append(suffix).append("\"\n")
                .append("rootdn \"").append(adminDn).append("\"\n")
                .append("rootpw ").append(adminPassword).append('\n')
                .append("directory ").append(dir.resolve("data")).append('\n');
        Files.writeString(dir.resolve("slapd.conf"), conf);
        Files.writeString(dir.resolve("directory.ldif"), ldif);
        run(List.of(SLAPADD.toString(), "-f", conf().toString(), "-l", dir.resolve("directory.ldif").toString()));
    }

    private void launch() throws IOException {
        // -d 0: no debug output, and slapd stays in the foreground, so this process is the server and closing ends it.
        slapd = new ProcessBuilder(SLAPD.toString(), "-h", url() + "/", "-f", conf().toString(), "-d", "0")
                .redirectErrorStream(true).redirectOutput(dir.resolve("slapd.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            if (!slapd.isAlive()) {
                throw new IllegalStateException("slapd exited with " + slapd.exitValue() + ": "
                        + Files.readString(dir.resolve("slapd.log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        close();
        throw new IllegalStateException("slapd did not listen on " + url() + " within 20 s");
    }

    private Path conf() {
        return dir.resolve("slapd.conf");
    }

    public String url() {
        return "ldap://127.0.0.1:" + port;
    }

    public String adminDn() {
        return adminDn;
    }

    public String adminPassword() {
        return adminPassword;
    }

    @Override
    public void close() {
        if (slapd != null) {
            slapd.destroy();
            try {
                if (!slapd.waitFor(10, TimeUnit.SECONDS)) {
                    slapd.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a temporary directory; left for the system to clean
        }
    }

    private void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("OpenLDAP command failed: " + String.join(" ", command) + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
