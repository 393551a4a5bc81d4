package org.sciencegateway.keycloak.hubtenants.selfservice;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import org.keycloak.headers.SecurityHeadersProvider;
import org.keycloak.models.KeycloakSession;

/**
 * {@code /realms/{realm}/hub-console/}: the hub console, a static page that logs its user in through the realm's
 * public client {@code hub-console} (authorization code + PKCE, keycloak-js) and edits the hubs they own through
 * {@link HubSelfServiceResource}. The page holds no decision: what it shows and saves is what the admin REST
 * endpoint allows the logged-in user. Served with a policy that runs only this server's scripts, in no frame.
 */
public final class HubConsolePage {

    /** The page's files: nothing else is served (no path is ever resolved from the request). */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "hub-console.js", "text/javascript; charset=utf-8",
            "hub-console.css", "text/css; charset=utf-8",
            "keycloak.min.js", "text/javascript; charset=utf-8");
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final KeycloakSession session;

    HubConsolePage(KeycloakSession session) {
        this.session = session;
    }

    /** Without the trailing slash the page's relative links would resolve one level up. */
    @GET
    public Response root() {
        URI self = session.getContext().getUri().getRequestUri();
        String path = self.getRawPath();
        if (!path.endsWith("/")) {
            return Response.seeOther(URI.create(path + "/")).build();
        }
        return file("index.html");
    }

    @GET
    @Path("{file}")
    public Response file(@PathParam("file") String name) {
        String type = FILES.get(name);
        if (type == null) {
            throw new NotFoundException("No file " + name + " in the hub console");
        }
        byte[] content;
        try (InputStream in = HubConsolePage.class.getResourceAsStream("/hub-console/" + name)) {
            if (in == null) {
                throw new NotFoundException("The hub console's " + name + " is missing from the JAR");
            }
            content = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Keycloak's own headers would replace this page's stricter policy: its headers are set here instead
        session.getProvider(SecurityHeadersProvider.class).options().skipHeaders();
        return Response.ok(content, type)
                .header("Content-Security-Policy", POLICY)
                .header("X-Frame-Options", "DENY")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
                .header("X-Robots-Tag", "none")
                .header("Cache-Control", "no-cache")
                .build();
    }
}
