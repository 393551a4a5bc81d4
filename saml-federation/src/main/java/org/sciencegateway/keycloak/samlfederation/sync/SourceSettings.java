package org.sciencegateway.keycloak.samlfederation.sync;

import org.sciencegateway.keycloak.samlfederation.trust.PinnedCertificate;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A federation source's configuration, parsed and checked: what the console validates at save and what every sync
 * reads. The keys are those of the realm component (the console form and realm import JSON).
 */
public record SourceSettings(boolean enabled, URI metadataUrl, PinnedCertificate signingCertificate,
                             Duration refreshInterval, long maxDocumentBytes, Duration maxValidity,
                             Duration maxAgeWithoutValidUntil, String aliasPrefix,
                             EntitySelection selection, double maxRemovalShare, Removal removal,
                             IdentityProviderTemplate template) {

    public static final String ENABLED = "enabled";
    public static final String METADATA_URL = "metadataUrl";
    public static final String SIGNING_CERTIFICATE = "signingCertificate";
    public static final String REFRESH_MINUTES = "refreshMinutes";
    public static final String MAX_DOCUMENT_MEGABYTES = "maxDocumentMegabytes";
    public static final String MAX_VALIDITY_DAYS = "maxValidityDays";
    public static final String MAX_AGE_WITHOUT_VALID_UNTIL_DAYS = "maxAgeWithoutValidUntilDays";
    public static final String ALIAS_PREFIX = "aliasPrefix";
    public static final String REGISTRATION_AUTHORITY_INCLUDE = "registrationAuthorityInclude";
    public static final String REGISTRATION_AUTHORITY_EXCLUDE = "registrationAuthorityExclude";
    public static final String REQUIRED_ENTITY_CATEGORIES = "requiredEntityCategories";
    public static final String REQUIRED_ASSURANCE_CERTIFICATIONS = "requiredAssuranceCertifications";
    public static final String ENTITY_ID_INCLUDE = "entityIdInclude";
    public static final String ENTITY_ID_EXCLUDE = "entityIdExclude";
    public static final String MAX_REMOVAL_PERCENT = "maxRemovalPercent";
    public static final String REMOVAL = "removal";
    public static final String TEMPLATE = "identityProviderTemplate";

    public static final long MIN_REFRESH_MINUTES = 5;
    public static final long MAX_REFRESH_MINUTES = 7 * 24 * 60;
    public static final long DEFAULT_REFRESH_MINUTES = 12 * 60;
    public static final long MAX_DOCUMENT_MEGABYTES_LIMIT = 1024;
    public static final long DEFAULT_DOCUMENT_MEGABYTES = 256;
    public static final long DEFAULT_MAX_VALIDITY_DAYS = 28;
    public static final long MAX_VALIDITY_DAYS_LIMIT = 366;
    public static final int DEFAULT_MAX_REMOVAL_PERCENT = 10;

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{0,11}");

    /** What happens to an identity provider whose entity left the feed. */
    public enum Removal {
        /** Disabled (users' links kept; enabled again when the entity returns). */
        DISABLE,
        /** Deleted, with its users' links. */
        DELETE
    }

    /** Parses the component's configuration; the exception's message names the field and what to fix. */
    public static SourceSettings parse(Map<String, List<String>> config) throws InvalidSourceException {
        boolean enabled = !"false".equalsIgnoreCase(first(config, ENABLED, "true"));
        URI url = url(first(config, METADATA_URL, ""));
        PinnedCertificate certificate;
        try {
            certificate = PinnedCertificate.parse(first(config, SIGNING_CERTIFICATE, ""));
        } catch (IllegalArgumentException e) {
            throw new InvalidSourceException("Federation signing certificate: " + e.getMessage());
        }
        long refresh = number(config, REFRESH_MINUTES, "Refresh interval (minutes)", DEFAULT_REFRESH_MINUTES,
                MIN_REFRESH_MINUTES, MAX_REFRESH_MINUTES);
        long megabytes = number(config, MAX_DOCUMENT_MEGABYTES, "Largest document (MB)", DEFAULT_DOCUMENT_MEGABYTES,
                1, MAX_DOCUMENT_MEGABYTES_LIMIT);
        long validityDays = number(config, MAX_VALIDITY_DAYS, "Longest validity accepted (days)",
                DEFAULT_MAX_VALIDITY_DAYS, 1, MAX_VALIDITY_DAYS_LIMIT);
        Duration maxAge = null;
        if (!first(config, MAX_AGE_WITHOUT_VALID_UNTIL_DAYS, "").isBlank()) {
            long days = number(config, MAX_AGE_WITHOUT_VALID_UNTIL_DAYS, "Maximum age without validUntil (days)", 0,
                    1, validityDays);
            maxAge = Duration.ofDays(days);
            if ("http".equalsIgnoreCase(url.getScheme())) {
                throw new InvalidSourceException("Maximum age without validUntil (days): an aggregate without "
                        + "validUntil may lack a signed publication time too, and then only the channel shows that "
                        + "it is current; use an https:// (or file:) metadata URL");
            }
        }
        String prefix = first(config, ALIAS_PREFIX, "");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new InvalidSourceException("Alias prefix: 1 to 12 lowercase letters and digits, starting with a "
                    + "letter (e.g. edugain); it becomes part of every imported identity provider's alias");
        }
        long removalPercent = number(config, MAX_REMOVAL_PERCENT, "Largest share removed at once (%)",
                DEFAULT_MAX_REMOVAL_PERCENT, 0, 100);
        Removal removal;
        try {
            removal = Removal.valueOf(first(config, REMOVAL, "DISABLE").trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidSourceException("Entities that leave the feed: DISABLE or DELETE");
        }
        EntitySelection selection = new EntitySelection(values(config, REGISTRATION_AUTHORITY_INCLUDE),
                values(config, REGISTRATION_AUTHORITY_EXCLUDE), values(config, REQUIRED_ENTITY_CATEGORIES),
                values(config, REQUIRED_ASSURANCE_CERTIFICATIONS), values(config, ENTITY_ID_INCLUDE),
                values(config, ENTITY_ID_EXCLUDE));
        IdentityProviderTemplate template = IdentityProviderTemplate.parse(first(config, TEMPLATE, ""));
        return new SourceSettings(enabled, url, certificate, Duration.ofMinutes(refresh), megabytes * 1024 * 1024,
                Duration.ofDays(validityDays), maxAge, prefix, selection, removalPercent / 100.0, removal, template);
    }

    private static URI url(String text) throws InvalidSourceException {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new InvalidSourceException("Metadata URL: not a URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "https", "http" -> {
                if (uri.getHost() == null) {
                    throw new InvalidSourceException("Metadata URL: " + scheme + ": needs a host");
                }
            }
            case "file" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw new InvalidSourceException("Metadata URL: file: needs an absolute path");
                }
            }
            default -> throw new InvalidSourceException("Metadata URL: https://…, http://… (the pinned signature "
                    + "protects the content) or file:/… — not \"" + text + "\"");
        }
        return uri;
    }

    private static long number(Map<String, List<String>> config, String key, String label, long fallback, long min,
                               long max) throws InvalidSourceException {
        String text = first(config, key, "").trim();
        if (text.isEmpty()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new InvalidSourceException(label + ": a whole number from " + min + " to " + max + ", not \"" + text
                    + "\"");
        }
        if (value < min || value > max) {
            throw new InvalidSourceException(label + ": from " + min + " to " + max + ", not " + value);
        }
        return value;
    }

    private static String first(Map<String, List<String>> config, String key, String fallback) {
        List<String> values = config.get(key);
        return values == null || values.isEmpty() || values.get(0) == null ? fallback : values.get(0);
    }

    /** A multivalued field; a single value may also list several, one per line or separated by {@code ##}. */
    private static Set<String> values(Map<String, List<String>> config, String key) {
        Set<String> result = new LinkedHashSet<>();
        for (String value : config.getOrDefault(key, List.of())) {
            if (value == null) {
                continue;
            }
            for (String part : value.split("##|\\R")) {
                if (!part.isBlank()) {
                    result.add(part.trim());
                }
            }
        }
        return result;
    }
}
