package org.sciencegateway.keycloak.idpfilter.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Arrays;
import java.util.List;

/**
 * A multi-valued identity provider config value (scopes, entity categories, assurance certifications). The
 * saml-federation sync writes a JSON array of strings, so a value keeps its spaces and can never become two values or
 * another kind of value; an admin may still type a space-separated list, which no federation data reaches. A JSON
 * array that does not parse is {@link #UNREADABLE}: the caller refuses what it would have admitted.
 */
public final class ConfigList {

    /** Marks a value that was meant as a JSON array but is not one. */
    public static final List<String> UNREADABLE = List.of("\u0000unreadable");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigList() {
    }

    /** The values of {@code text}: a JSON array of strings, else space-separated words; none when blank. */
    public static List<String> parse(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        String trimmed = text.trim();
        if (trimmed.startsWith("[")) {
            try {
                String[] values = JSON.readValue(trimmed, String[].class);
                return Arrays.stream(values).filter(value -> value != null && !value.isEmpty()).toList();
            } catch (JsonProcessingException e) {
                return UNREADABLE;
            }
        }
        return List.of(trimmed.split("\\s+"));
    }
}
