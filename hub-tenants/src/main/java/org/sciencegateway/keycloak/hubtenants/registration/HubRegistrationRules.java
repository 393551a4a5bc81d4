package org.sciencegateway.keycloak.hubtenants.registration;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The security decision of hub self-registration: what a registered hub may ask for. A hub is a confidential client
 * logging users in by the authorization code flow, with redirect URIs under one https origin of its own; anything
 * else is refused with the RFC 7591 error code and the field it concerns. Plain Java: no Keycloak types.
 */
public final class HubRegistrationRules {

    /** RFC 7591 section 3.2.2 error codes. */
    public static final String INVALID_REDIRECT_URI = "invalid_redirect_uri";
    public static final String INVALID_CLIENT_METADATA = "invalid_client_metadata";

    /** Keycloak's own clients and the audiences of the project's exchange policies are never a hub's id. */
    public static final Set<String> BUILT_IN_CLIENT_IDS = Set.of("account", "account-console", "admin-cli", "broker",
            "realm-management", "security-admin-console");

    static final int MAX_REDIRECT_URIS = 10;
    static final int MAX_NAME_LENGTH = 100;

    /** Why a request is refused: the RFC 7591 error, the client metadata field, and a sentence for the requester. */
    public record Problem(String error, String field, String description) {
    }

    /**
     * What a registration asks for, read from Keycloak's representation of the request.
     *
     * @param clientId        the requested client id ({@code null}: Keycloak generates one)
     * @param name            the hub's name ({@code client_name})
     * @param redirectUris    {@code redirect_uris}
     * @param publicClient    {@code token_endpoint_auth_method=none}
     * @param otherGrants     grant types besides the authorization code and refresh tokens it asked for
     *                        (implicit, password, client_credentials, device, CIBA, token exchange, …)
     */
    public record Request(String clientId, String name, List<String> redirectUris, boolean publicClient,
                          Collection<String> otherGrants) {
    }

    private HubRegistrationRules() {
    }

    /**
     * @param request              the registration
     * @param reservedClientIds    ids no hub may take (compared without case), besides {@link #BUILT_IN_CLIENT_IDS}
     * @param originsOfOtherClients each origin already used by another client's redirect URIs or root URL → that
     *                             client's id
     */
    public static Optional<Problem> judge(Request request, Set<String> reservedClientIds,
                                          Map<String, String> originsOfOtherClients) {
        if (request.clientId() != null && reserved(request.clientId(), reservedClientIds)) {
            return Optional.of(new Problem(INVALID_CLIENT_METADATA, "client_id",
                    "client_id '" + printable(request.clientId()) + "' is reserved in this realm; leave it out and "
                            + "the server assigns one."));
        }
        if (request.name() == null || request.name().isBlank() || request.name().length() > MAX_NAME_LENGTH) {
            return Optional.of(new Problem(INVALID_CLIENT_METADATA, "client_name",
                    "client_name is required: the hub's name as users should see it (at most " + MAX_NAME_LENGTH
                            + " characters)."));
        }
        if (request.publicClient()) {
            return Optional.of(new Problem(INVALID_CLIENT_METADATA, "token_endpoint_auth_method",
                    "A hub is a confidential client: use token_endpoint_auth_method client_secret_basic or "
                            + "client_secret_post, not none."));
        }
        if (!request.otherGrants().isEmpty()) {
            return Optional.of(new Problem(INVALID_CLIENT_METADATA, "grant_types",
                    "A hub logs users in with authorization_code (and refresh_token) only; not allowed: "
                            + String.join(", ", request.otherGrants().stream().map(HubRegistrationRules::printable)
                            .sorted().toList()) + "."));
        }
        return redirectUris(request.redirectUris(), originsOfOtherClients);
    }

    private static Optional<Problem> redirectUris(List<String> redirectUris, Map<String, String> originsOfOtherClients) {
        if (redirectUris == null || redirectUris.isEmpty()) {
            return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                    "redirect_uris is required: the hub's callback, e.g. https://hub.example.org/hub/oauth_callback."));
        }
        if (redirectUris.size() > MAX_REDIRECT_URIS) {
            return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                    "At most " + MAX_REDIRECT_URIS + " redirect_uris."));
        }
        String hubOrigin = null;
        for (String value : redirectUris) {
            String shown = printable(value);
            if (value == null || value.contains("*")) {
                return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                        "Redirect URI '" + shown + "': wildcards are not allowed; register each exact callback."));
            }
            URI uri;
            try {
                uri = new URI(value);
            } catch (URISyntaxException e) {
                return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                        "Redirect URI '" + shown + "' is not a valid URI."));
            }
            if (!"https".equals(uri.getScheme()) || uri.getRawAuthority() == null || uri.getHost() == null
                    || uri.getRawAuthority().contains("%")) { // no zone ids or escapes in a host: one spelling
                return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                        "Redirect URI '" + shown + "' must be an absolute https URL."));
            }
            if (uri.getRawUserInfo() != null || uri.getRawFragment() != null || uri.getRawQuery() != null) {
                return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                        "Redirect URI '" + shown + "' must have no user info, query or fragment."));
            }
            String origin = origin(uri);
            if (hubOrigin == null) {
                hubOrigin = origin;
            } else if (!hubOrigin.equals(origin)) {
                return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                        "All redirect URIs of a hub share one origin; '" + shown + "' is not under " + hubOrigin + "."));
            }
        }
        String owner = originsOfOtherClients.get(hubOrigin);
        if (owner == null) {
            // localhost, 127.0.0.0/8 and ::1 are one machine: its origins are one host's, whatever they are called
            String same = loopbackKey(hubOrigin);
            owner = originsOfOtherClients.entrySet().stream()
                    .filter(taken -> same != null && same.equals(loopbackKey(taken.getKey())))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }
        if (owner != null) {
            return Optional.of(new Problem(INVALID_REDIRECT_URI, "redirect_uris",
                    "The origin " + hubOrigin + " belongs to another client of this realm; a hub registers its own."));
        }
        return Optional.empty();
    }

    /**
     * Every other URL of the hub — where Keycloak sends users (root, base, post-logout) or itself calls (admin URL,
     * back-channel logout, JWKS, sector identifier, CIBA notification) — lies under the hub's own origin, so a hub
     * can neither send users elsewhere nor make the server call an address of the hub admin's choosing.
     *
     * @param redirectUris the hub's (already judged) redirect URIs: their origin is the hub's
     * @param urls         field name → value; a value may hold several URLs separated by {@code ##}; blank is fine;
     *                     {@code +} (Keycloak: "the redirect URIs' origins") and a path ({@code /hub/}, relative to
     *                     the root URL) are fine
     */
    public static Optional<Problem> urlsUnderHubOrigin(List<String> redirectUris, Map<String, String> urls) {
        String hubOrigin = redirectUris == null || redirectUris.isEmpty() ? null : originOf(redirectUris.get(0));
        for (Map.Entry<String, String> field : urls.entrySet()) {
            if (field.getValue() == null || field.getValue().isBlank()) {
                continue;
            }
            for (String value : field.getValue().split("##")) {
                String url = value.trim();
                if (url.isEmpty() || "+".equals(url) || (url.startsWith("/") && !url.startsWith("//"))) {
                    continue; // relative to the hub's root URL, itself judged here
                }
                String trimmed = url.endsWith("/*") ? url.substring(0, url.length() - 1) : url;
                String origin = trimmed.contains("*") ? null : originOf(trimmed);
                if (origin == null || !origin.startsWith("https://") || !origin.equals(hubOrigin)) {
                    return Optional.of(new Problem(INVALID_CLIENT_METADATA, field.getKey(),
                            field.getKey() + " '" + printable(url) + "' must be an https URL under the hub's own origin "
                                    + (hubOrigin == null ? "(that of its redirect URIs)" : hubOrigin) + "."));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * For an origin on this machine — {@code localhost} and its subdomains, 127.0.0.0/8, {@code ::1}, and the
     * any-address {@code 0.0.0.0} / {@code ::}, which a browser also connects to this machine —
     * {@code scheme://loopback[:port]}; otherwise {@code null}.
     */
    static String loopbackKey(String origin) {
        if (origin == null) {
            return null;
        }
        try {
            URI uri = new URI(origin);
            String host = uri.getHost() == null ? "" : canonicalHost(uri.getHost());
            boolean loopback = host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.")
                    || host.equals("[::1]") || host.equals("0.0.0.0") || host.equals("[::]");
            return loopback ? uri.getScheme() + "://loopback" + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * {@code scheme://host[:port]}, lower case, the default port left out: the unit a hub owns. The host is written
     * as a browser resolves it, so that one origin has one spelling: trailing dots dropped ({@code localhost.}), IPv4
     * in any of the forms a browser accepts ({@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}) as four decimal
     * numbers, IPv6 compressed, an IPv4-mapped IPv6 address ({@code [::ffff:127.0.0.1]}) as its IPv4 address.
     */
    public static String origin(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = canonicalHost(uri.getHost());
        int port = uri.getPort();
        boolean defaultPort = port == -1 || ("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80);
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }

    /** The host as a browser resolves it (see {@link #origin(URI)}). */
    static String canonicalHost(String rawHost) {
        String host = rawHost.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            String literal = host.substring(1, host.length() - 1);
            if (!literal.matches("[0-9a-f:.]+")) {
                return host; // not an address literal: never resolved (no name lookup here)
            }
            try {
                InetAddress address = InetAddress.getByName(literal); // a literal: parsed, not looked up
                return address instanceof Inet4Address ? address.getHostAddress()
                        : "[" + compressed((Inet6Address) address) + "]";
            } catch (UnknownHostException e) {
                return host;
            }
        }
        while (host.length() > 1 && host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        String ipv4 = browserIpv4(host);
        return ipv4 == null ? host : ipv4;
    }

    /**
     * The IPv4 address a browser reads in {@code host} (the WHATWG URL standard's IPv4 parser: one to four parts,
     * each decimal, {@code 0x} hex or {@code 0}-prefixed octal, the last filling the remaining bytes), dotted
     * decimal; {@code null} when the host is a name.
     */
    static String browserIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length == 0 || parts.length > 4) {
            return null;
        }
        long[] numbers = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Long number = ipv4Number(parts[i]);
            if (number == null) {
                return null;
            }
            numbers[i] = number;
        }
        long address = 0;
        for (int i = 0; i < numbers.length - 1; i++) {
            if (numbers[i] > 255) {
                return null;
            }
            address = address * 256 + numbers[i];
        }
        long last = numbers[numbers.length - 1];
        int remaining = 5 - numbers.length;
        if (last >= (1L << (8 * remaining))) {
            return null;
        }
        address = (address << (8 * remaining)) + last;
        return ((address >> 24) & 255) + "." + ((address >> 16) & 255) + "." + ((address >> 8) & 255) + "."
                + (address & 255);
    }

    private static Long ipv4Number(String part) {
        if (part.isEmpty() || part.length() > 40) {
            return null;
        }
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x")) {
            radix = 16;
            digits = part.substring(2);
            if (digits.isEmpty()) {
                return 0L;
            }
        } else if (part.length() > 1 && part.startsWith("0")) {
            radix = 8;
            digits = part.substring(1);
        }
        for (char c : digits.toCharArray()) {
            if (Character.digit(c, radix) < 0) {
                return null;
            }
        }
        // capped above any valid part, so that an overlong number is refused below rather than overflowing
        return new java.math.BigInteger(digits, radix).min(java.math.BigInteger.valueOf(1L << 40)).longValue();
    }

    /** RFC 5952's shortest form: the longest run (two or more) of zero groups becomes "::". */
    private static String compressed(Inet6Address address) {
        String[] groups = address.getHostAddress().replaceAll("%.*$", "").split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; ) {
            if (Integer.parseInt(groups[i], 16) != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < groups.length && Integer.parseInt(groups[j], 16) == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < groups.length; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            out.append(Integer.toHexString(Integer.parseInt(groups[i], 16)));
            if (i < groups.length - 1 && i + 1 != bestStart) {
                out.append(':');
            }
        }
        return out.toString();
    }

    /** The origin of a URL string, or {@code null} when it has none (relative, unparsable, wildcard). */
    public static String originOf(String url) {
        if (url == null || url.contains("*")) {
            return null;
        }
        try {
            URI uri = new URI(url);
            return uri.getScheme() == null || uri.getHost() == null ? null : origin(uri);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean reserved(String clientId, Set<String> reservedClientIds) {
        String id = clientId.toLowerCase(Locale.ROOT);
        return BUILT_IN_CLIENT_IDS.contains(id) || id.endsWith("-realm")
                || reservedClientIds.stream().anyMatch(r -> r.toLowerCase(Locale.ROOT).equals(id));
    }

    /** Untrusted text for a message: control characters shown as '?', at most 200 characters. */
    static String printable(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(200).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return value.codePointCount(0, value.length()) > 200 ? out + "…" : out.toString();
    }
}
