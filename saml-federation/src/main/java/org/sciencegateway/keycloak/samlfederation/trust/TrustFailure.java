package org.sciencegateway.keycloak.samlfederation.trust;

/**
 * Why an aggregate was not accepted. Any of these leaves the realm exactly as it was; the {@link Reason} is what the
 * source's status and the log show.
 */
public final class TrustFailure extends Exception {

    /** The reasons a document is refused, each with a stable code for status, log and tests. */
    public enum Reason {
        /** The metadata could not be fetched (HTTP error, unreachable host, missing file). */
        FETCH_FAILED("fetch_failed"),
        /** Larger than the source's limit. */
        DOCUMENT_TOO_LARGE("document_too_large"),
        /**
         * Not well-formed XML, truncated, not a SAML metadata aggregate, or an element where the metadata schema
         * allows none (an entity in the aggregate's extensions), or markup too long to parse within bounded memory.
         */
        MALFORMED("malformed"),
        /** A document type declaration (the vehicle of external entities and entity expansion). */
        DOCTYPE_REFUSED("doctype_refused"),
        /** No signature over the whole aggregate, or not as the aggregate's first child (where the schema puts it). */
        UNSIGNED("unsigned"),
        /**
         * A signature that does not verify with the pinned certificate, that covers less than the aggregate, or that
         * carries content no signature over metadata has ({@code ds:Object}, entities inside {@code KeyInfo}).
         */
        BAD_SIGNATURE("bad_signature"),
        /** A signature or digest algorithm this project does not accept (SHA-1, MD5, HMAC…). */
        WEAK_ALGORITHM("weak_algorithm"),
        /** {@code validUntil} missing or in the past. */
        EXPIRED("expired"),
        /** {@code validUntil} further ahead than the source accepts (a replayed old document stays valid that long). */
        VALIDITY_TOO_LONG("validity_too_long"),
        /** One identity provider's entityID listed twice. */
        DUPLICATE_ENTITY("duplicate_entity");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public TrustFailure(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public TrustFailure(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
