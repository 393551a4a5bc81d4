package org.sciencegateway.keycloak.testing;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.keycloak.models.utils.TimeBasedOTP;

/**
 * The one-time codes a lab user's authenticator app shows, from the secrets the lab documents (Keycloak's own TOTP,
 * SHA-1, 6 digits, 30 s). Keycloak refuses a code used before, so each call returns a code of a time step not yet
 * used for that secret, from the current one up to {@link #WINDOW} steps ahead, else it waits. Keycloak accepts a code
 * of up to its realm's look-around window of steps before or after now (one by default): every server the tests
 * start gets a window of {@link #WINDOW} in the lab's OTP realms ({@link #widenWindow}), so that tests using the same
 * user's code one after another do not wait 30 s for each.
 */
public final class OneTimeCode {

    /** realm vre, user oscar (lab only). Authenticator apps: base32 N5ZWGYLSFVWGCYRNN52HALLTMVRXEZLU. */
    public static final String OSCAR = "oscar-lab-otp-secret";
    /** realm institution-saml, user frank (lab only). Authenticator apps: base32 MZZGC3TLFVWGCYRNN52HALLTMVRXEZLU. */
    public static final String FRANK = "frank-lab-otp-secret";

    /** Steps ahead of now a test server accepts (realm OTP policy look-around window, tests only). */
    public static final int WINDOW = 10;
    private static final int STEP_SECONDS = TimeBasedOTP.DEFAULT_INTERVAL_SECONDS;
    private static final Map<String, Long> LAST_STEP = new HashMap<>();

    private OneTimeCode() {
    }

    public static synchronized String next(String secret) {
        while (true) {
            long now = System.currentTimeMillis() / 1000 / STEP_SECONDS;
            long step = Math.max(now, LAST_STEP.getOrDefault(secret, Long.MIN_VALUE) + 1);
            if (step <= now + WINDOW) {
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

    /** Sets {@link #WINDOW} as the OTP look-around window of the lab realms whose users have codes (tests only). */
    public static void widenWindow(KeycloakAdmin admin) {
        for (String realm : new String[] {"vre", "institution-saml"}) {
            // The whole OTP policy: Keycloak rebuilds it from the representation's otpPolicy* fields together.
            java.util.Map<String, Object> policy = new java.util.HashMap<>();
            admin.get("/admin/realms/" + realm).ok().fields().forEachRemaining(field -> {
                if (field.getKey().startsWith("otpPolicy")) {
                    policy.put(field.getKey(), field.getValue());
                }
            });
            policy.put("otpPolicyLookAheadWindow", WINDOW);
            int status = admin.put("/admin/realms/" + realm, policy).status();
            if (status != 204) {
                throw new IllegalStateException("could not set the OTP window of realm " + realm + ": " + status);
            }
        }
    }
}
