package org.sciencegateway.keycloak.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A federation's metadata server on loopback: serves whatever document the test sets at {@code /metadata.xml}, or an
 * HTTP error status when told to.
 */
public final class FederationFeed implements AutoCloseable {

    private final HttpServer server;
    private final AtomicReference<byte[]> document = new AtomicReference<>(new byte[0]);
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> location = new AtomicReference<>();

    public FederationFeed() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test metadata server", e);
        }
        server.createContext("/metadata.xml", exchange -> {
            byte[] body = document.get();
            int code = status.get();
            exchange.getResponseHeaders().set("Content-Type", "application/samlmetadata+xml");
            if (code != 200) {
                body = ("error " + code).getBytes(StandardCharsets.UTF_8);
            }
            String redirect = location.get();
            if (code / 100 == 3 && redirect != null) {
                exchange.getResponseHeaders().set("Location", redirect);
            }
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/metadata.xml";
    }

    public void serve(String xml) {
        document.set(xml.getBytes(StandardCharsets.UTF_8));
        location.set(null);
        status.set(200);
    }

    /** Answers with a redirect ({@code 302}) to {@code target}, as a moved feed or an attacker's server would. */
    public void redirect(String target) {
        location.set(target);
        status.set(302);
    }

    public void fail(int httpStatus) {
        status.set(httpStatus);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
