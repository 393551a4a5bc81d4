package org.sciencegateway.keycloak.assurance.federated;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.saml.SAMLEndpoint;
import org.keycloak.dom.saml.v2.assertion.AssertionType;
import org.keycloak.dom.saml.v2.assertion.AuthnContextClassRefType;
import org.keycloak.dom.saml.v2.assertion.AuthnContextType;
import org.keycloak.dom.saml.v2.assertion.AuthnStatementType;
import org.keycloak.dom.saml.v2.assertion.StatementAbstractType;
import org.keycloak.representations.JsonWebToken;

/**
 * What the institution said about how the user authenticated, read from the brokered login's context: the
 * {@code AuthnContextClassRef} of each SAML {@code AuthnStatement}, or the OIDC ID token's {@code acr}. Only
 * values Keycloak's broker already validated (signature, issuer, audience) are in that context.
 */
final class AssertedAuthentication {

    private static final String ACR_CLAIM = "acr";

    private AssertedAuthentication() {
    }

    static List<String> of(BrokeredIdentityContext brokered) {
        Map<String, Object> data = brokered.getContextData();
        List<String> values = new ArrayList<>();
        if (data.get(SAMLEndpoint.SAML_ASSERTION) instanceof AssertionType assertion) {
            for (StatementAbstractType statement : assertion.getStatements()) {
                if (statement instanceof AuthnStatementType authn) {
                    addClassRef(authn, values);
                }
            }
        } else if (data.get(SAMLEndpoint.SAML_AUTHN_STATEMENT) instanceof AuthnStatementType authn) {
            addClassRef(authn, values);
        }
        if (data.get(OIDCIdentityProvider.VALIDATED_ID_TOKEN) instanceof JsonWebToken idToken) {
            Object acr = idToken.getOtherClaims().get(ACR_CLAIM);
            if (acr instanceof String value && !value.isBlank()) {
                values.add(value);
            }
        }
        return values;
    }

    private static void addClassRef(AuthnStatementType authn, List<String> values) {
        AuthnContextType context = authn.getAuthnContext();
        if (context == null || context.getSequence() == null) {
            return;
        }
        AuthnContextClassRefType classRef = context.getSequence().getClassRef();
        URI value = classRef == null ? null : classRef.getValue();
        if (value != null) {
            values.add(value.toString());
        }
    }
}
