package org.sciencegateway.keycloak.samlfederation.login;

import jakarta.ws.rs.core.Response;
import org.keycloak.broker.provider.UserAuthenticationIdentityProvider;
import org.keycloak.broker.saml.SAMLEndpoint;
import org.keycloak.common.VerificationException;
import org.keycloak.dom.saml.v2.protocol.ResponseType;
import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.saml.common.constants.GeneralConstants;
import org.keycloak.saml.processing.core.saml.v2.common.SAMLDocumentHolder;
import org.keycloak.services.ErrorPage;
import org.keycloak.services.messages.Messages;

import java.net.URI;

/**
 * Keycloak's SAML broker endpoint of one imported identity provider, receiving a login response at its source's
 * shared assertion consumer service. Only the destination differs from Keycloak's per-alias endpoint: the response
 * must name the shared assertion consumer service — always, signed or not — and be a login {@code Response}. Then
 * Keycloak's own checks run unchanged: the signature with this identity provider's keys, issuer, {@code
 * InResponseTo} against the request this browser's login sent, conditions, audience, subject confirmation.
 */
final class SharedAcsEndpoint extends SAMLEndpoint {

    private final URI assertionConsumerService;

    SharedAcsEndpoint(KeycloakSession session, FederatedSamlIdentityProvider provider,
                      UserAuthenticationIdentityProvider.AuthenticationCallback callback,
                      URI assertionConsumerService) {
        super(session, provider, provider.getConfig(), callback, provider.destinations());
        this.assertionConsumerService = assertionConsumerService;
    }

    /** A login response by the HTTP-POST binding, the only one the shared assertion consumer service takes. */
    Response receive(String samlResponse, String relayState) {
        return new SharedAcsBinding().execute(null, samlResponse, null, relayState, null);
    }

    private final class SharedAcsBinding extends PostBinding {

        @Override
        public Response handleSamlResponse(String samlResponse, String relayState, String clientId) {
            SAMLDocumentHolder holder = extractResponseDocument(samlResponse);
            if (holder == null || !(holder.getSamlObject() instanceof ResponseType response)) {
                return refuse(Errors.INVALID_SAML_DOCUMENT, Messages.IDENTITY_PROVIDER_INVALID_RESPONSE);
            }
            if (response.getDestination() == null) {
                return refuse(Errors.MISSING_REQUIRED_DESTINATION, Messages.INVALID_REQUEST);
            }
            if (!destinationValidator.validate(assertionConsumerService, response.getDestination())) {
                return refuse(Errors.INVALID_DESTINATION, Messages.INVALID_REQUEST);
            }
            if (config.isValidateSignature()) {
                try {
                    verifySignature(GeneralConstants.SAML_RESPONSE_KEY, holder);
                } catch (VerificationException e) {
                    event.event(EventType.IDENTITY_PROVIDER_RESPONSE);
                    event.error(Errors.INVALID_SIGNATURE);
                    return ErrorPage.error(session, null, Response.Status.BAD_REQUEST,
                            Messages.IDENTITY_PROVIDER_INVALID_SIGNATURE);
                }
            }
            return handleLoginResponse(samlResponse, holder, response, relayState, null);
        }

        private Response refuse(String reason, String message) {
            event.event(EventType.IDENTITY_PROVIDER_RESPONSE);
            event.detail(Details.REASON, reason);
            event.detail(Details.IDENTITY_PROVIDER, config.getAlias());
            event.error(Errors.INVALID_SAML_RESPONSE);
            return ErrorPage.error(session, null, Response.Status.BAD_REQUEST, message);
        }
    }

}
