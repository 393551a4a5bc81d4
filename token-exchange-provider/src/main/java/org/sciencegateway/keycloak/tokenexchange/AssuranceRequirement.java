package org.sciencegateway.keycloak.tokenexchange;

import java.util.Map;
import java.util.Optional;

/**
 * How strong and how recent the user's authentication must be before an exchange for the audience is granted.
 *
 * @param minimumLevel      Keycloak level of authentication (LoA) the session must have reached, written either as
 *                          the number ({@code 2}) or as an ACR value the realm's ACR-to-LoA mapping defines
 *                          ({@code https://refeds.org/profile/mfa}); {@code null} for no minimum
 * @param maxAuthAgeSeconds the authentication that reached the level may be at most this old; 0 for no limit
 */
public record AssuranceRequirement(String minimumLevel, int maxAuthAgeSeconds) {

    public static final AssuranceRequirement NONE = new AssuranceRequirement(null, 0);

    public AssuranceRequirement {
        if (maxAuthAgeSeconds < 0) {
            throw new IllegalArgumentException("maxAuthAgeSeconds must not be negative");
        }
    }

    public boolean isNone() {
        return minimumLevel == null && maxAuthAgeSeconds == 0;
    }

    /**
     * The minimum as a number: itself when numeric, else its level in {@code acrToLevel} (the realm's
     * {@code acr.loa.map}); empty when the value is an ACR the map does not define (the policy no longer fits the
     * realm, and the exchange must be refused). {@code Optional.of(-1)} when there is no minimum.
     */
    public Optional<Integer> resolveLevel(Map<String, Integer> acrToLevel) {
        if (minimumLevel == null) {
            return Optional.of(-1);
        }
        if (isNumeric(minimumLevel)) {
            return Optional.of(Integer.parseInt(minimumLevel));
        }
        return Optional.ofNullable(acrToLevel.get(minimumLevel));
    }

    static boolean isNumeric(String value) {
        return value != null && value.matches("[0-9]{1,2}");
    }
}
