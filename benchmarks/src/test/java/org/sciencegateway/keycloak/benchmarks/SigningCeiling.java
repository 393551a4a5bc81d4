package org.sciencegateway.keycloak.benchmarks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ceiling of any token endpoint on these cores: RS256 signatures per second (SHA256withRSA, 2048-bit key, the
 * realm's default) from a plain JDK loop with as many threads as the exchange load. Every issued token costs at least
 * one such signature, so exchanges per second divided by this is the share of the machine that the rest of the
 * request handling leaves.
 */
final class SigningCeiling {

    private final KeyPair key;
    private final byte[] payload;

    SigningCeiling() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            key = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        // About the size of an exchanged token's header and claims.
        payload = "x".repeat(900).getBytes(StandardCharsets.US_ASCII);
    }

    /** Signatures per second with {@code threads} threads for {@code duration}. */
    double signaturesPerSecond(int threads, Duration duration) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            List<Future<Long>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    Signature signature = Signature.getInstance("SHA256withRSA");
                    long count = 0;
                    while (System.nanoTime() < end) {
                        signature.initSign(key.getPrivate());
                        signature.update(payload);
                        if (signature.sign().length != 256) {
                            throw new IllegalStateException("Not a 2048-bit RSA signature");
                        }
                        count++;
                    }
                    return count;
                }));
            }
            long total = 0;
            for (Future<Long> worker : workers) {
                total += worker.get();
            }
            return total / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }
}
