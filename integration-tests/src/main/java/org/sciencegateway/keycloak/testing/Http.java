package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The one way the harness talks HTTP: Java's client with the harness's timeouts, answers as text, and failures of the
 * transport (not HTTP error statuses, which callers assert on) as unchecked exceptions naming the URL. Clients with
 * state of their own (a browser's cookies) pass their {@link HttpClient}, built with {@link #client()}.
 */
public final class Http {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private static final HttpClient SHARED = client().build();

    private Http() {
    }

    /** A client builder with the harness's connect timeout. */
    public static HttpClient.Builder client() {
        return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
    }

    /** A request builder with the harness's request timeout. */
    public static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT);
    }

    /** A form post ({@code application/x-www-form-urlencoded}) of an already encoded body, asking for JSON. */
    public static HttpRequest.Builder formPost(String url, String encodedForm) {
        return request(url).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(encodedForm));
    }

    public static HttpResponse<String> send(HttpRequest.Builder request) {
        return send(SHARED, request.build());
    }

    public static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("Request to " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during the request to " + request.uri(), e);
        }
    }
}
