package org.sciencegateway.keycloak.samlfederation.trust;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 2 of the federation-trust review: a document of the default size limit (256 MB) is refused, or read to its
 * end, in a JVM whose heap is far smaller than the document — 48 MB, where the old reader needed about 30 times the
 * document. Each case runs {@link HeapProbe} in a JVM of its own with {@code -XX:+ExitOnOutOfMemoryError}.
 */
class BoundedMemoryTest {

    private static final long LIMIT = 256L * 1024 * 1024;
    private static final String HEAP = "48m";

    @ParameterizedTest(name = "{0}, {2} MB in a {3} heap: {1}")
    @CsvSource({
            "comments, malformed, 64, 48m",
            "instructions, malformed, 64, 48m",
            "doctype, doctype_refused, 64, 48m",
            "distinct-names, malformed, 64, 48m",
            "keyword-identity-providers, bad_signature, 64, 48m",
            "long-entity-ids, bad_signature, 64, 48m",
            "many-identity-providers, document_too_large, 160, 400m"})
    @DisplayName("Given the outside review's memory attacks (empty comments or instructions before the signature, an internal subset, unique names, identity providers nobody signed), then each is refused within a bounded heap")
    void reviewedMemoryAttacks(String kind, String reason, long megabytes, String heap)
            throws IOException, InterruptedException {
        probe(kind, megabytes * 1024 * 1024, heap, reason);
    }

    @ParameterizedTest(name = "{0} document of 256 MB: {1}")
    @CsvSource({
            "unsigned, unsigned",
            "signature-last, unsigned",
            "object-in-signature, bad_signature",
            "signature-first, bad_signature"})
    @DisplayName("Given a document of the size limit, then a JVM with a 48 MB heap refuses it without running out of memory")
    void boundedHeap(String kind, String reason) throws IOException, InterruptedException {
        String[] fields = probe(kind, LIMIT, HEAP, reason);
        assertThat(fields[1]).as("identity providers handed over").isEqualTo("0");
    }

    private static String[] probe(String kind, long bytes, String heap, String reason)
            throws IOException, InterruptedException {
        Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                HeapProbe.class.getName(), kind, String.valueOf(bytes))
                .redirectErrorStream(true).start();
        boolean ended = probe.waitFor(5, TimeUnit.MINUTES);
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ended).as("probe ended").isTrue();
        assertThat(probe.exitValue()).as("probe output: %s", output).isZero();
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        String[] fields = last.split(" ");
        assertThat(fields[0]).as(output).isEqualTo(reason);
        System.out.printf("%s, %d MB document, %s heap: refused as %s, peak heap %.1f MB%n", kind, bytes >> 20,
                heap, fields[0], Long.parseLong(fields[2]) / 1e6);
        return fields;
    }
}
