package org.sciencegateway.keycloak.samlfederation.trust;

import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
            case "comments", "instructions" -> {
                // empty comments or processing instructions before the signature: Santuario would keep each event
                head = root;
                repeated = kind.equals("comments") ? "<!---->" : "<?p?>";
                tail = signature + "</md:EntitiesDescriptor>";
            }
            case "doctype" -> {
                // an internal subset, which a parser reads whole before it reports the declaration
                head = "<!DOCTYPE x [<!---->";
                repeated = " ".repeat(4096);
                tail = "]>" + root + "</md:EntitiesDescriptor>";
            }
            case "distinct-names" -> {
                // after the signature: unique element names, each of which the parser keeps
                head = root + signature + "<md:EntityDescriptor entityID=\"https://idp.example/\">";
                repeated = "<e%d/>";
                tail = "</md:EntityDescriptor></md:EntitiesDescriptor>";
            }
            case "keyword-identity-providers" -> {
                // identity providers nobody signed, each with 20 × 8,000 keywords: kept until the digest fails
                head = root + signature;
                repeated = idp("https://idp%d.attack.example/idp", ("<mdui:Keywords>" + "a ".repeat(8000)
                        + "</mdui:Keywords>").repeat(20));
                tail = "</md:EntitiesDescriptor>";
            }
            case "long-entity-ids" -> {
                // identity providers with 900 KB entityIDs (under the markup bound)
                head = root + signature;
                repeated = idp("https://idp%d.attack.example/" + "x".repeat(900_000), "");
                tail = "</md:EntitiesDescriptor>";
            }
            case "many-identity-providers" -> {
                // small identity providers nobody signed, kept (as the sync keeps them) until the digest fails
                head = root + signature;
                repeated = idp("https://idp%d.attack.example/idp/shibboleth/" + "x".repeat(80), "");
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
        List<EntityRecord> kept = new ArrayList<>();
        String reason = "accepted";
        try (InputStream in = new Generated(head, repeated, tail, bytes)) {
            new SignedAggregateReader(pin, bytes + 2 * 1024 * 1024).read(in, Instant.now(), record -> {
                idps.incrementAndGet();
                kept.add(record); // as the sync keeps them until the document is accepted
            });
        } catch (TrustFailure failure) {
            reason = failure.reason().code();
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(reason + " " + idps.get() + " " + peak + " " + kept.size());
    }

    /** An identity provider entry ({@code %d} in the entityID numbers it) with extra mdui content. */
    private static String idp(String entityId, String ui) {
        return "<md:EntityDescriptor entityID=\"" + entityId + "\"><md:IDPSSODescriptor protocolSupportEnumeration="
                + "\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:Extensions><mdui:UIInfo>" + ui.replace("%", "%%")
                + "</mdui:UIInfo></md:Extensions><md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:"
                + "bindings:HTTP-POST\" Location=\"https://idp.attack.example/sso/" + "y".repeat(80)
                + "\"/></md:IDPSSODescriptor></md:EntityDescriptor>\n";
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
