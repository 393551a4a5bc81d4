package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.jboss.logging.Logger;
import org.sciencegateway.keycloak.samlfederation.sync.FetchPolicy;
import org.sciencegateway.keycloak.samlfederation.trust.TrustFailure;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Opens a source's metadata as a stream ({@code https:}, {@code http:}, {@code file:}); nothing is buffered, the
 * signature verification reads it as it arrives. What may be fetched is the server's decision ({@link FetchPolicy},
 * set from the SPI options at start): checked for the URL and again for every redirect hop, which is followed only
 * to the same or a stronger scheme and at most {@value #MAX_REDIRECTS} times — never blindly by the HTTP client.
 * What fails is recorded for the realm admin without the server's file system or internal network in it; details go
 * to the server log.
 */
final class MetadataFetcher {

    static final int MAX_REDIRECTS = 5;
    private static final Logger LOG = Logger.getLogger(MetadataFetcher.class);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

    /** The server's policy, from {@link FederationSourcePage#init}; refuses file: and internal hosts until then. */
    private static volatile FetchPolicy policy = FetchPolicy.DEFAULT;

    private MetadataFetcher() {
    }

    static void configure(FetchPolicy configured) {
        policy = configured;
    }

    static FetchPolicy policy() {
        return policy;
    }

    /** At save: whether the server allows this URL (no file is opened, no connection made). */
    static void check(URI url) throws FetchPolicy.Refused {
        policy.checkUrl(url, InetAddress::getAllByName);
    }

    static InputStream open(URI url) throws TrustFailure {
        FetchPolicy current = policy;
        if ("file".equalsIgnoreCase(url.getScheme())) {
            Path file;
            try {
                file = current.checkFile(url);
            } catch (FetchPolicy.Refused e) {
                throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, e.getMessage());
            }
            try {
                return Files.newInputStream(file);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("Federation metadata file %s: %s", file, e);
                throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "cannot read the metadata file", e);
            }
        }
        URI current0 = url;
        for (int hop = 0; ; hop++) {
            URI target = current0;
            try {
                current.checkHost(target.getHost(), InetAddress::getAllByName);
            } catch (FetchPolicy.Refused e) {
                throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, (hop == 0 ? "" : "redirect " + hop + ": ")
                        + e.getMessage());
            }
            HttpResponse<InputStream> response = send(target);
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                MetadataFetcher.closeQuietly(response.body());
                if (hop >= MAX_REDIRECTS) {
                    throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "more than " + MAX_REDIRECTS
                            + " redirects from " + url);
                }
                current0 = next(url, target, response.headers().firstValue("Location"));
                continue;
            }
            if (status != 200) {
                closeQuietly(response.body());
                throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "HTTP " + status + " from " + target);
            }
            return response.body();
        }
    }

    /** The redirect's target, if it keeps the scheme or strengthens it (http → https). */
    private static URI next(URI url, URI from, Optional<String> location) throws TrustFailure {
        URI to;
        try {
            to = from.resolve(location.orElseThrow(() -> new IllegalArgumentException("no Location")).trim());
        } catch (IllegalArgumentException e) {
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "a redirect from " + url
                    + " without a valid Location");
        }
        String fromScheme = from.getScheme().toLowerCase(Locale.ROOT);
        String toScheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
        boolean allowed = toScheme.equals("https") || (toScheme.equals("http") && fromScheme.equals("http"));
        if (!allowed || to.getHost() == null) {
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "a redirect from " + url
                    + " to another scheme (only the same or https is followed)");
        }
        return to;
    }

    private static HttpResponse<InputStream> send(URI target) throws TrustFailure {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(target).timeout(READ_TIMEOUT)
                    .header("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8")
                    .GET().build();
        } catch (IllegalArgumentException e) {
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "not a URL the server can fetch: " + target);
        }
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            LOG.warnf("Federation metadata %s: %s", target, e);
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "cannot fetch " + target + ": "
                    + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "interrupted while fetching " + target, e);
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing was accepted from it
        }
    }
}
