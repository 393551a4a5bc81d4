package org.sciencegateway.keycloak.assurance.claim;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which assurance values a token carries at which level of authentication. Configured as entries
 * {@code LEVEL VALUE}, for example {@code 1 https://refeds.org/assurance/IAP/low} and
 * {@code 2 https://refeds.org/profile/mfa}; a session gets every value whose level it reached, in the configured
 * order. Plain Java: no Keycloak types.
 */
public final class AssuranceValues {

    private static final Pattern ENTRY = Pattern.compile("([0-9]{1,2})\\s+(\\S+)");

    /** One configured value and the level from which it is asserted. */
    public record Entry(int level, String value) {
    }

    private final List<Entry> entries;

    private AssuranceValues(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Parses the entries; {@link IllegalArgumentException} names the first malformed one. */
    public static AssuranceValues parse(Iterable<String> configured) {
        List<Entry> entries = new ArrayList<>();
        for (String raw : configured) {
            if (raw == null || raw.isBlank()) {
                continue;
            }
            var matcher = ENTRY.matcher(raw.trim());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("Assurance values: \"" + raw.trim() + "\" is not a level and a "
                        + "value separated by a space, e.g. 2 https://refeds.org/profile/mfa.");
            }
            entries.add(new Entry(Integer.parseInt(matcher.group(1)), matcher.group(2)));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("Assurance values: add at least one entry such as "
                    + "1 https://refeds.org/assurance/IAP/low.");
        }
        return new AssuranceValues(entries);
    }

    /** The values a session at {@code level} carries (none below every entry's level). */
    public List<String> at(int level) {
        Set<String> out = new LinkedHashSet<>();
        for (Entry entry : entries) {
            if (entry.level() <= level) {
                out.add(entry.value());
            }
        }
        return List.copyOf(out);
    }

    public List<Entry> entries() {
        return entries;
    }
}
