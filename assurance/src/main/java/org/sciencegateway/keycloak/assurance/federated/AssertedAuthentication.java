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
    private static final String AUTH_TIME_CLAIM = "auth_time";

    private AssertedAuthentication() {
    }

    /**
     * @param values   the asserted authentication context values, in order
     * @param authTime the latest authentication time the institution stated, epoch seconds; 0 when none
     */
    record Asserted(List<String> values, long authTime) {
    }

    static Asserted of(BrokeredIdentityContext brokered) {
        Map<String, Object> data = brokered.getContextData();
        List<String> values = new ArrayList<>();
        long authTime = 0;
        List<AuthnStatementType> statements = new ArrayList<>();
        if (data.get(SAMLEndpoint.SAML_ASSERTION) instanceof AssertionType assertion) {
            for (StatementAbstractType statement : assertion.getStatements()) {
                if (statement instanceof AuthnStatementType authn) {
                    statements.add(authn);
                }
            }
        } else if (data.get(SAMLEndpoint.SAML_AUTHN_STATEMENT) instanceof AuthnStatementType authn) {
            statements.add(authn);
        }
        for (AuthnStatementType authn : statements) {
            addClassRef(authn, values);
            if (authn.getAuthnInstant() != null) {
                authTime = Math.max(authTime, authn.getAuthnInstant().toGregorianCalendar().getTimeInMillis() / 1000);
            }
        }
        if (data.get(OIDCIdentityProvider.VALIDATED_ID_TOKEN) instanceof JsonWebToken idToken) {
            Object acr = idToken.getOtherClaims().get(ACR_CLAIM);
            if (acr instanceof String value && !value.isBlank()) {
                values.add(value);
            }
            if (idToken.getOtherClaims().get(AUTH_TIME_CLAIM) instanceof Number time) {
                authTime = Math.max(authTime, time.longValue());
            }
        }
        return new Asserted(values, authTime);
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
