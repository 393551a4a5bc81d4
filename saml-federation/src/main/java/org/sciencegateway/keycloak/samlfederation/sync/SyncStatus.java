package org.sciencegateway.keycloak.samlfederation.sync;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a source's last sync did, as the console, the admin REST endpoint and the log show it. A failed sync keeps the
 * counts of the last successful one: they describe what the realm still holds.
 *
 * @param state        {@code never}, {@code ok}, {@code failed}, {@code held_back}
 * @param lastAttempt  when the last sync ended (ISO-8601)
 * @param lastSuccess  when the last successful sync ended
 * @param errorCode    the refusal's code ({@code bad_signature}, {@code expired}…), {@code null} after a success
 * @param error        what went wrong, for people
 * @param feed         the last accepted document
 * @param changes      what the last successful sync changed
 * @param identityProviders identity providers of this source in the realm (enabled) after the last sync
 * @param conflicts    entities the last successful sync refused because they dispute an alias (an identity provider
 *                     never changes its entityID), each naming the alias and the entityIDs; absent when none
 * @param firstFetched for documents that state neither validUntil nor a publication time: when this source first
 *                     fetched each (its signed digest → instant), the last {@value #FIRST_FETCHED_KEPT}; their
 *                     maximum age counts from there, so serving the same content again renews nothing
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SyncStatus(String state, String lastAttempt, String lastSuccess, String errorCode, String error,
                         Feed feed, Changes changes, Integer identityProviders, java.util.List<String> conflicts,
                         java.util.Map<String, String> firstFetched) {

    public static final int FIRST_FETCHED_KEPT = 64;
    public static final SyncStatus NEVER = new SyncStatus("never", null, null, null, null, null, null, null, null,
            null);

    /** The accepted document. */
    public record Feed(String name, String validUntil, long bytes, int entities, int identityProviders, int selected) {
    }

    /** The changes of one sync. */
    public record Changes(int created, int updated, int unchanged, int left, int invalid, long durationMillis) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public SyncStatus failed(String at, String code, String message) {
        return new SyncStatus("failed", at, lastSuccess, code, message, feed, changes, identityProviders, conflicts,
                firstFetched);
    }

    public SyncStatus heldBack(String at, String message) {
        return new SyncStatus("held_back", at, lastSuccess, "held_back", message, feed, changes, identityProviders,
                conflicts, firstFetched);
    }

    public static SyncStatus ok(String at, Feed feed, Changes changes, int identityProviders) {
        return ok(at, feed, changes, identityProviders, java.util.List.of(), null);
    }

    public static SyncStatus ok(String at, Feed feed, Changes changes, int identityProviders,
                                java.util.List<String> conflicts, java.util.Map<String, String> firstFetched) {
        return new SyncStatus("ok", at, at, null, null, feed, changes, identityProviders,
                conflicts == null || conflicts.isEmpty() ? null : java.util.List.copyOf(conflicts),
                firstFetched == null || firstFetched.isEmpty() ? null : firstFetched);
    }

    /** When this source first fetched the document with this signed digest, if it is among those kept. */
    public java.time.Instant firstFetched(String signedDigest) {
        String at = firstFetched == null ? null : firstFetched.get(signedDigest);
        try {
            return at == null ? null : java.time.Instant.parse(at);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The first fetches with this document's recorded (kept if known), the oldest dropped past the limit. */
    public java.util.Map<String, String> withFirstFetch(String signedDigest, java.time.Instant at) {
        java.util.LinkedHashMap<String, String> kept = new java.util.LinkedHashMap<>();
        if (firstFetched != null) {
            firstFetched.entrySet().stream().sorted(java.util.Map.Entry.comparingByValue())
                    .forEach(e -> kept.put(e.getKey(), e.getValue()));
        }
        kept.putIfAbsent(signedDigest, at.toString());
        while (kept.size() > FIRST_FETCHED_KEPT) {
            kept.remove(kept.keySet().iterator().next());
        }
        return kept;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the sync status", e);
        }
    }

    /** The stored status; {@link #NEVER} when none (or an unreadable one) is stored. */
    public static SyncStatus fromJson(String json) {
        if (json == null || json.isBlank()) {
            return NEVER;
        }
        try {
            return JSON.readValue(json, SyncStatus.class);
        } catch (JsonProcessingException e) {
            return NEVER;
        }
    }
}
