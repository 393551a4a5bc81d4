package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the production topology: Debian's {@code postgresql} binaries
 * ({@code /usr/lib/postgresql/<version>/bin}), a fresh cluster in a temporary directory, listening on 127.0.0.1 only,
 * with database and user {@code keycloak}. Debian's package, not a PostgreSQL embedded in a JAR: it is the server
 * operators run, it starts in a second, and CI installs it with {@code apt-get install postgresql}. PostgreSQL
 * refuses to run as root, so under root the server runs as the {@code postgres} user the package creates.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String DATABASE = "keycloak";
    public static final String USERNAME = "keycloak";
    public static final String PASSWORD = "keycloak-test-password";

    private final Path bin;
    private final Path dataDir;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresServer(Path bin, Path dataDir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Initialises and starts a new cluster; fails with what to install when the binaries are missing. */
    public static PostgresServer start() {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dataDir = Files.createTempDirectory("sg-postgres-");
            PostgresServer server = new PostgresServer(bin, dataDir, KeycloakServer.freePort(), root);
            server.initialise();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path binaries() {
        Path base = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.isDirectory(base) ? Files.list(base) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
                    .orElseThrow(() -> new IllegalStateException("No PostgreSQL server binaries under " + base
                            + ": install Debian's package (apt-get install postgresql); .ci/run does."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void initialise() throws IOException {
        if (asPostgresUser) {
            run(List.of("chown", "postgres:postgres", dataDir.toString()), false);
        }
        Path pgData = dataDir.resolve("data");
        Path passwordFile = dataDir.resolve("superuser-password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        if (asPostgresUser) {
            run(List.of("chown", "postgres:postgres", passwordFile.toString()), false);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", pgData.toString(), "-U", "postgres", "--auth=scram-sha-256",
                "--pwfile=" + passwordFile, "-E", "UTF8", "--locale=C.UTF-8"), true);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", pgData.toString(), "-l", dataDir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dataDir
                        + " -c max_connections=200 -c fsync=off", "start"), true);
        psql("CREATE USER " + USERNAME + " WITH PASSWORD '" + PASSWORD + "'");
        psql("CREATE DATABASE " + DATABASE + " OWNER " + USERNAME);
    }

    private void psql(String sql) {
        List<String> command = List.of("env", "PGPASSWORD=" + PASSWORD, bin.resolve("psql").toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql);
        run(command, false);
    }

    /**
     * What the database is doing now, for a stall's evidence: sessions that are not idle (what they wait on, since
     * when, their query) and locks not granted. Never throws: a failure is the text returned.
     */
    public String activity() {
        String sql = "SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS in_transaction, "
                + "now() - query_start AS in_query, left(query, 200) AS query FROM pg_stat_activity "
                + "WHERE state IS DISTINCT FROM 'idle' ORDER BY xact_start; "
                + "SELECT locktype, relation::regclass, mode, pid, granted FROM pg_locks WHERE NOT granted;";
        List<String> command = List.of("env", "PGPASSWORD=" + PASSWORD, bin.resolve("psql").toString(), "-h",
                "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", "-d", DATABASE, "-c", sql);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            process.waitFor(30, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            return "(psql failed: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop"), true);
        } catch (RuntimeException e) {
            // already stopped
        }
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a temporary directory; left for the system to clean
        }
    }

    private void run(List<String> command, boolean asServerUser) {
        List<String> full = new ArrayList<>();
        if (asServerUser && asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).directory(dataDir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("PostgreSQL command failed: " + String.join(" ", full) + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
