package org.sciencegateway.keycloak.samlfederation.sync;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where this server may fetch federation metadata from: a server-level decision (SPI options of the {@code ui-page}
 * provider {@code saml-federation}), never a realm admin's. A realm admin is not a server admin: by default
 * {@code file:} URLs are refused and so is every host that is, or resolves to, a loopback, private, link-local,
 * unique-local, carrier-grade NAT, unspecified or multicast address.
 * <ul>
 * <li>{@value #FILE_DIRECTORY}: the one directory whose regular files {@code file:} URLs may name (after resolving
 * {@code ..} and symbolic links).</li>
 * <li>{@value #INTERNAL_NETWORKS}: addresses or CIDR blocks (comma-separated) of such hosts that may be fetched from
 * all the same, e.g. an internal mirror.</li>
 * </ul>
 * Checked when a source is saved and again at every fetch, for the URL and for every redirect hop. The refusals say
 * what failed, never what the server's file system or network holds: the same words for a missing file and a
 * forbidden one, for an internal host and one that does not resolve.
 */
public final class FetchPolicy {

    public static final String FILE_DIRECTORY = "file-directory";
    public static final String INTERNAL_NETWORKS = "internal-networks";

    /** The command-line option of each setting, as refusals name them for the server admin. */
    public static final String OPTION_PREFIX = "--spi-ui-page--saml-federation--";

    public static final FetchPolicy DEFAULT = new FetchPolicy(null, List.of());

    static final String FILE_REFUSED = "file: URLs are not allowed on this server (a server administrator may allow "
            + "one directory: " + OPTION_PREFIX + FILE_DIRECTORY + ")";
    static final String FILE_OUTSIDE = "file: URLs may name only a readable regular file within the directory this "
            + "server allows for federation metadata";
    static final String HOST_REFUSED = "this server fetches metadata only from public addresses; the host is not "
            + "one or does not resolve (a server administrator may allow internal networks: " + OPTION_PREFIX
            + INTERNAL_NETWORKS + ")";

    /** Resolves a host name to its addresses (DNS; replaced in tests). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** A refused URL; the message is safe to show a realm admin. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    private final Path fileDirectory;
    private final List<Network> internalNetworks;

    private FetchPolicy(Path fileDirectory, List<Network> internalNetworks) {
        this.fileDirectory = fileDirectory;
        this.internalNetworks = List.copyOf(internalNetworks);
    }

    /**
     * From the SPI options ({@code null} or blank: not set). A value that is not valid stops the server with a message
     * that names the option: a mistyped option must not silently open or close anything.
     */
    public static FetchPolicy of(String fileDirectory, String internalNetworks) {
        Path directory = null;
        if (fileDirectory != null && !fileDirectory.isBlank()) {
            try {
                directory = Path.of(fileDirectory.trim());
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(OPTION_PREFIX + FILE_DIRECTORY + ": not a path: " + fileDirectory);
            }
            if (!directory.isAbsolute()) {
                throw new IllegalArgumentException(OPTION_PREFIX + FILE_DIRECTORY + ": must be an absolute path, not "
                        + fileDirectory);
            }
            directory = directory.normalize();
        }
        List<Network> networks = new ArrayList<>();
        if (internalNetworks != null) {
            for (String entry : internalNetworks.split("[,\\s]+")) {
                if (!entry.isBlank()) {
                    networks.add(Network.parse(entry.trim()));
                }
            }
        }
        return new FetchPolicy(directory, networks);
    }

    public Path fileDirectory() {
        return fileDirectory;
    }

    /** At save: the URL's scheme, its file's place (without touching the file system), or its host's addresses. */
    public void checkUrl(URI url, Resolver resolver) throws Refused {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if ("file".equals(scheme)) {
            Path path = filePath(url);
            if (!path.normalize().startsWith(fileDirectory)) {
                throw new Refused(FILE_OUTSIDE);
            }
        } else {
            checkHost(url.getHost(), resolver);
        }
    }

    /**
     * At fetch: the file to open, after {@code ..} and symbolic links are resolved, if it is a regular file within
     * the allowed directory (also resolved).
     */
    public Path checkFile(URI url) throws Refused {
        Path path = filePath(url);
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(fileDirectory.toRealPath()) || !Files.isRegularFile(real)) {
                throw new Refused(FILE_OUTSIDE);
            }
            return real;
        } catch (IOException | SecurityException e) {
            throw new Refused(FILE_OUTSIDE);
        }
    }

    private Path filePath(URI url) throws Refused {
        if (fileDirectory == null) {
            throw new Refused(FILE_REFUSED);
        }
        try {
            return Path.of(url);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException | SecurityException e) {
            throw new Refused(FILE_OUTSIDE);
        }
    }

    /**
     * A host may be fetched from when every address it resolves to is public, or within an allowed internal network.
     * Returns the addresses checked.
     */
    public InetAddress[] checkHost(String host, Resolver resolver) throws Refused {
        if (host == null || host.isBlank()) {
            throw new Refused(HOST_REFUSED);
        }
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException | SecurityException e) {
            throw new Refused(HOST_REFUSED);
        }
        if (addresses == null || addresses.length == 0) {
            throw new Refused(HOST_REFUSED);
        }
        for (InetAddress address : addresses) {
            if (internal(address) && internalNetworks.stream().noneMatch(network -> network.contains(address))) {
                throw new Refused(HOST_REFUSED);
            }
        }
        return addresses;
    }

    /** Loopback, private, link-local, unique-local, CGNAT, unspecified, multicast, broadcast or reserved. */
    public static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            if ((bytes[0] & 0xfe) == 0xfc) {
                return true; // fc00::/7 unique local
            }
            boolean mapped = true; // ::ffff:a.b.c.d and ::a.b.c.d carry an IPv4 address
            for (int i = 0; i < 10; i++) {
                mapped &= bytes[i] == 0;
            }
            boolean compatible = mapped && bytes[10] == 0 && bytes[11] == 0;
            mapped &= (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
            if (mapped || compatible) {
                byte[] v4 = {bytes[12], bytes[13], bytes[14], bytes[15]};
                try {
                    return internal(InetAddress.getByAddress(v4));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
            // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) embed IPv4 addresses too: refused unless allowed
            return (bytes[0] == 0x00 && bytes[1] == 0x64 && (bytes[2] & 0xff) == 0xff && (bytes[3] & 0xff) == 0x9b)
                    || (bytes[0] == 0x20 && bytes[1] == 0x02);
        }
        if (address instanceof Inet4Address) {
            int a = bytes[0] & 0xff;
            int b = bytes[1] & 0xff;
            return a == 0                                   // 0.0.0.0/8
                    || (a == 100 && b >= 64 && b <= 127)        // 100.64.0.0/10 carrier-grade NAT
                    || (a == 192 && b == 0 && (bytes[2] & 0xff) == 0) // 192.0.0.0/24 protocol assignments
                    || (a == 198 && (b == 18 || b == 19))       // 198.18.0.0/15 benchmarking
                    || a >= 240;                                // 240.0.0.0/4 reserved, 255.255.255.255
        }
        return true;
    }

    /** An address block, {@code a.b.c.d/n}, {@code x::y/n} or one address. */
    record Network(byte[] base, int bits) {

        static Network parse(String text) {
            String address = text;
            int bits = -1;
            int slash = text.indexOf('/');
            if (slash >= 0) {
                address = text.substring(0, slash);
                try {
                    bits = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw invalid(text);
                }
            }
            if (!address.contains(":") && !address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw invalid(text); // literal addresses only: a name would be resolved here, at server start
            }
            byte[] bytes;
            try {
                bytes = InetAddress.getByName(address).getAddress();
            } catch (UnknownHostException e) {
                throw invalid(text);
            }
            int max = bytes.length * 8;
            if (bits < 0) {
                bits = max;
            }
            if (bits > max) {
                throw invalid(text);
            }
            return new Network(bytes, bits);
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != base.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((bytes[bit / 8] & mask) != (base[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        private static IllegalArgumentException invalid(String text) {
            return new IllegalArgumentException(OPTION_PREFIX + INTERNAL_NETWORKS + ": \"" + text + "\" is no IP "
                    + "address or CIDR block (e.g. 10.1.2.3 or 10.1.0.0/16)");
        }
    }
}
