package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.sciencegateway.keycloak.samlfederation.trust.TrustFailure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Opens a source's metadata as a stream ({@code https:}, {@code http:}, {@code file:}); nothing is buffered, the
 * signature verification reads it as it arrives. Redirects are followed only to the same or a stronger scheme.
 */
final class MetadataFetcher {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

    private MetadataFetcher() {
    }

    static InputStream open(URI url) throws TrustFailure {
        if ("file".equalsIgnoreCase(url.getScheme())) {
            try {
                return Files.newInputStream(Path.of(url));
            } catch (NoSuchFileException e) {
                throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "no such file: " + url.getPath(), e);
            } catch (IOException | RuntimeException e) {
                throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "cannot read " + url + ": " + e.getMessage(), e);
            }
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(READ_TIMEOUT)
                .header("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8")
                .GET().build();
        HttpResponse<InputStream> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "cannot fetch " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED, "interrupted while fetching " + url, e);
        }
        if (response.statusCode() != 200) {
            closeQuietly(response.body());
            throw new TrustFailure(TrustFailure.Reason.FETCH_FAILED,
                    "HTTP " + response.statusCode() + " from " + url);
        }
        return response.body();
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing was accepted from it
        }
    }
}
