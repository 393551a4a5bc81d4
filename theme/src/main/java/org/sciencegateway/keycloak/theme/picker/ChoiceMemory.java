package org.sciencegateway.keycloak.theme.picker;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the browser remembers of the user's institution choices: the institutions chosen recently (most recent first)
 * and, if the user asked for it, the one to use without asking. Stored in two cookies of the realm's path, written
 * only by the server ({@code HttpOnly}), each holding identity-provider aliases and nothing else.
 * <p>
 * A cookie can never widen what a client allows: every alias read here is only used after the client's
 * {@code Admission} admits it, and the filter decides again on the identity provider actually used.
 */
public record ChoiceMemory(List<String> recent, String remembered) {

    public static final String RECENT_COOKIE = "SG_INSTITUTIONS_RECENT";
    public static final String REMEMBERED_COOKIE = "SG_INSTITUTION_REMEMBERED";
    public static final int MAX_RECENT = 5;
    /** Keycloak's own alias rule is looser; anything else in a cookie is ignored, not trusted. */
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9._~-]{1,255}");
    private static final String SEPARATOR = "|";

    public static final ChoiceMemory EMPTY = new ChoiceMemory(List.of(), null);

    public ChoiceMemory {
        recent = recent == null ? List.of() : List.copyOf(recent);
    }

    /** Reads the two cookie values (either may be {@code null}); malformed parts are dropped. */
    public static ChoiceMemory parse(String recentCookie, String rememberedCookie) {
        List<String> recent = new ArrayList<>();
        if (recentCookie != null) {
            for (String part : recentCookie.split(Pattern.quote(SEPARATOR))) {
                String alias = decode(part);
                if (alias != null && !recent.contains(alias) && recent.size() < MAX_RECENT) {
                    recent.add(alias);
                }
            }
        }
        return new ChoiceMemory(recent, decode(rememberedCookie));
    }

    /** After the user chose {@code alias}: it becomes the most recent, and the remembered one if asked. */
    public ChoiceMemory chosen(String alias, boolean remember) {
        Set<String> updated = new LinkedHashSet<>();
        updated.add(alias);
        updated.addAll(recent);
        return new ChoiceMemory(updated.stream().limit(MAX_RECENT).toList(), remember ? alias : remembered);
    }

    public ChoiceMemory forget() {
        return new ChoiceMemory(recent, null);
    }

    /** The recent cookie's value. */
    public String recentValue() {
        return String.join(SEPARATOR, recent.stream().map(a -> URLEncoder.encode(a, StandardCharsets.UTF_8)).toList());
    }

    private static String decode(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            String alias = URLDecoder.decode(value.strip(), StandardCharsets.UTF_8);
            return ALIAS.matcher(alias).matches() ? alias : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
