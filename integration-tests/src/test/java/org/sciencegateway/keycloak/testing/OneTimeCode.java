package org.sciencegateway.keycloak.testing;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.keycloak.models.utils.TimeBasedOTP;

/**
 * The one-time codes a lab user's authenticator app shows, from the secrets the lab documents (Keycloak's own TOTP,
 * SHA-1, 6 digits, 30 s). Keycloak refuses a code used before, so each call returns a code of a time step not yet
 * used for that secret: the current one, else the next (Keycloak accepts one step ahead), else it waits.
 */
public final class OneTimeCode {

    /** realm vre, user oscar (lab only). Authenticator apps: base32 N5ZWGYLSFVWGCYRNN52HALLTMVRXEZLU. */
    public static final String OSCAR = "oscar-lab-otp-secret";
    /** realm institution-saml, user frank (lab only). Authenticator apps: base32 MZZGC3TLFVWGCYRNN52HALLTMVRXEZLU. */
    public static final String FRANK = "frank-lab-otp-secret";

    private static final int STEP_SECONDS = TimeBasedOTP.DEFAULT_INTERVAL_SECONDS;
    private static final Map<String, Long> LAST_STEP = new HashMap<>();

    private OneTimeCode() {
    }

    public static synchronized String next(String secret) {
        while (true) {
            long now = System.currentTimeMillis() / 1000 / STEP_SECONDS;
            long step = Math.max(now, LAST_STEP.getOrDefault(secret, Long.MIN_VALUE) + 1);
            if (step <= now + 1) {
                LAST_STEP.put(secret, step);
                return new TimeBasedOTP().generateHOTP(secret.getBytes(StandardCharsets.UTF_8), (int) step);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
