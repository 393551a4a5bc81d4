package org.sciencegateway.keycloak.hubtenants.registration;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.keycloak.representations.oidc.OIDCClientRepresentation;

/**
 * RFC 7591 metadata a hub may not ask for, judged on the request as sent, before Keycloak acts on it: pairwise
 * subjects with a sector identifier URI (Keycloak fetches that URI while registering: a request could make the server
 * call an internal address), and unsigned ({@code none}) ID tokens, userinfo answers or request objects.
 */
final class RequestedMetadata {

    private RequestedMetadata() {
    }

    /** The first refused field, or {@code null}. */
    static HubRegistrationRules.Problem problem(OIDCClientRepresentation request) {
        if (request == null) {
            return null; // no RFC 7591 request to read: RequestedOwners refuses the registration (no contacts)
        }
        if (request.getSectorIdentifierUri() != null && !request.getSectorIdentifierUri().isBlank()) {
            return new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA,
                    "sector_identifier_uri", "sector_identifier_uri is not offered to hubs: a hub's users are "
                    + "identified the same way for every hub of the realm.");
        }
        if (request.getSubjectType() != null && !"public".equals(request.getSubjectType())) {
            return new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA, "subject_type",
                    "subject_type '" + HubRegistrationRules.printable(request.getSubjectType()) + "' is not offered "
                    + "to hubs; leave it out (public).");
        }
        Map<String, String> algorithms = new LinkedHashMap<>();
        algorithms.put("id_token_signed_response_alg", request.getIdTokenSignedResponseAlg());
        algorithms.put("userinfo_signed_response_alg", request.getUserinfoSignedResponseAlg());
        algorithms.put("request_object_signing_alg", request.getRequestObjectSigningAlg());
        algorithms.put("authorization_signed_response_alg", request.getAuthorizationSignedResponseAlg());
        algorithms.put("token_endpoint_auth_signing_alg", request.getTokenEndpointAuthSigningAlg());
        for (Map.Entry<String, String> algorithm : algorithms.entrySet()) {
            if (algorithm.getValue() != null && "none".equals(algorithm.getValue().trim().toLowerCase(Locale.ROOT))) {
                return new HubRegistrationRules.Problem(HubRegistrationRules.INVALID_CLIENT_METADATA,
                        algorithm.getKey(), algorithm.getKey() + " 'none' is not allowed: a hub's tokens and answers "
                        + "are signed.");
            }
        }
        return null;
    }
}
