package org.sciencegateway.keycloak.samlfederation.trust;

import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads one generated document of a given size in a JVM of its own (started by {@link BoundedMemoryTest} with a small
 * heap and {@code -XX:+ExitOnOutOfMemoryError}) and prints {@code <reason> <identity providers> <peak heap bytes>}.
 * The documents are generated while they stream: nothing but the reader holds them.
 * <p>
 * Kinds: {@code unsigned} (entities from the first child on), {@code signature-last} (a signature as the last child),
 * {@code signature-first} (a signature first, as federations sign, over other content: read to the end, then refused),
 * {@code object-in-signature} (the signature carries the bulk in a {@code ds:Object}).
 */
public final class HeapProbe {

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        long bytes = Long.parseLong(args[1]);
        PinnedCertificate pin = PinnedCertificate.parse(FederationSigner.LAB.certificatePem());
        String signed = FederationSigner.LAB.sign(new FederationMetadata().xml());
        String signature = signed.substring(signed.indexOf("<ds:Signature"),
                signed.indexOf("</ds:Signature>") + "</ds:Signature>".length());
        String root = signed.substring(signed.indexOf("<md:EntitiesDescriptor"),
                signed.indexOf('>', signed.indexOf("<md:EntitiesDescriptor")) + 1);
        String entity = "<md:EntityDescriptor entityID=\"https://sp.example/%d\"><md:SPSSODescriptor "
                + "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:AssertionConsumerService "
                + "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"https://sp.example/acs\" "
                + "index=\"0\"/></md:SPSSODescriptor></md:EntityDescriptor>\n";
        String head;
        String tail;
        String repeated = entity;
        switch (kind) {
            case "unsigned" -> {
                head = root;
                tail = "</md:EntitiesDescriptor>";
            }
            case "signature-last" -> {
                head = root;
                tail = signature + "</md:EntitiesDescriptor>";
            }
            case "signature-first" -> {
                head = root + signature;
                tail = "</md:EntitiesDescriptor>";
            }
            case "object-in-signature" -> {
                head = root + signature.replace("</ds:Signature>", "<ds:Object>");
                tail = "</ds:Object></ds:Signature></md:EntitiesDescriptor>";
                repeated = "<x>" + "y".repeat(200) + "</x>\n";
            }
            default -> throw new IllegalArgumentException(kind);
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        AtomicInteger idps = new AtomicInteger();
        String reason = "accepted";
        try (InputStream in = new Generated(head, repeated, tail, bytes)) {
            new SignedAggregateReader(pin, bytes + 1024).read(in, Instant.now(), record -> idps.incrementAndGet());
        } catch (TrustFailure failure) {
            reason = failure.reason().code();
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(reason + " " + idps.get() + " " + peak);
    }

    /** head, then {@code repeated} (with %d numbered) until about {@code size} bytes, then tail. */
    static final class Generated extends InputStream {
        private final byte[] tail;
        private final String repeated;
        private final long size;
        private byte[] current;
        private int position;
        private long produced;
        private long counter;
        private boolean ended;

        Generated(String head, String repeated, String tail, long size) {
            this.current = head.getBytes(StandardCharsets.UTF_8);
            this.repeated = repeated;
            this.tail = tail.getBytes(StandardCharsets.UTF_8);
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position == current.length && !refill()) {
                return -1;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            produced += n;
            return n;
        }

        private boolean refill() {
            if (ended) {
                return false;
            }
            position = 0;
            if (produced + tail.length + 512 >= size) {
                current = tail;
                ended = true;
            } else {
                current = String.format(repeated, counter++).getBytes(StandardCharsets.UTF_8);
            }
            return true;
        }
    }
}
