package org.sciencegateway.keycloak.samlfederation.login;

import com.fasterxml.jackson.core.type.TypeReference;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.UserAuthenticationIdentityProvider;
import org.keycloak.broker.saml.SAMLEndpoint;
import org.keycloak.dom.saml.v2.assertion.AssertionType;
import org.keycloak.dom.saml.v2.assertion.AttributeStatementType;
import org.keycloak.dom.saml.v2.assertion.AttributeType;
import org.keycloak.dom.saml.v2.assertion.NameIDType;
import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.services.ErrorPage;
import org.keycloak.util.JsonSerialization;
import org.sciencegateway.keycloak.samlfederation.keycloak.FederatedIdentityProviders;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * The account key of a federated login where the NameID cannot key it (transient) — the security decision of which
 * value names the user's account at this identity provider. Keycloak's SAML endpoint has verified the response and
 * taken the (transient) NameID; before the broker looks up the link, the identity is re-keyed by the first attribute
 * of the identity provider's {@value FederatedIdentityProviders#ACCOUNT_KEY_ATTRIBUTES} the verified assertion
 * carries. A response that carries none is refused with a page that says which attributes the institution must
 * release; it never falls back to the NameID (a new account at every login).
 * <p>
 * Links stay per identity provider ({@code alias.key}), so one institution's value can never name another's user.
 */
final class AccountKey implements UserAuthenticationIdentityProvider.AuthenticationCallback {

    static final String NO_ACCOUNT_KEY = "sgFederationNoAccountKey";

    private static final Logger LOG = Logger.getLogger(AccountKey.class);

    private final UserAuthenticationIdentityProvider.AuthenticationCallback broker;
    private final KeycloakSession session;
    private final IdentityProviderModel model;

    AccountKey(UserAuthenticationIdentityProvider.AuthenticationCallback broker, KeycloakSession session,
               IdentityProviderModel model) {
        this.broker = broker;
        this.session = session;
        this.model = model;
    }

    /**
     * The identity provider as the shared ACS receives its responses with: where attributes key the account, Keycloak's
     * endpoint takes the NameID (always present, transient) instead of the first attribute alone — which would refuse
     * a response that carries only the second — and {@link #authenticated} keys the account by the first present.
     */
    static IdentityProviderModel receiving(IdentityProviderModel model) {
        if (attributes(model) == null) {
            return model;
        }
        IdentityProviderModel copy = new IdentityProviderModel(model);
        copy.setConfig(new java.util.HashMap<>(model.getConfig()));
        copy.getConfig().put("principalType", "SUBJECT");
        copy.getConfig().remove("principalAttribute");
        return copy;
    }

    /** The attributes that key accounts at this identity provider, in order; {@code null}: the NameID does. */
    static List<String> attributes(IdentityProviderModel model) {
        String json = model.getConfig().get(FederatedIdentityProviders.ACCOUNT_KEY_ATTRIBUTES);
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            List<String> attributes = JsonSerialization.readValue(json, new TypeReference<List<String>>() { });
            return attributes == null ? List.of() : attributes;
        } catch (IOException e) {
            return List.of(); // written by the sync as a JSON array: an unreadable one keys nobody (refused below)
        }
    }

    /**
     * The value of the first of {@code attributes} (by name, else friendly name) in the assertion; a
     * NameID-valued attribute (eduPersonTargetedID) as {@code NameQualifier!SPNameQualifier!value}.
     */
    static String keyOf(AssertionType assertion, List<String> attributes) {
        for (String wanted : attributes) {
            for (AttributeStatementType statement : assertion.getAttributeStatements()) {
                for (AttributeStatementType.ASTChoiceType choice : statement.getAttributes()) {
                    AttributeType attribute = choice.getAttribute();
                    if (attribute == null || !(wanted.equals(attribute.getName())
                            || wanted.equals(attribute.getFriendlyName()))) {
                        continue;
                    }
                    for (Object value : attribute.getAttributeValue()) {
                        String key = value(value);
                        if (key != null) {
                            return key;
                        }
                    }
                }
            }
        }
        return null;
    }

    private static String value(Object value) {
        if (value instanceof NameIDType nameId) {
            String id = nameId.getValue() == null ? null : nameId.getValue().strip();
            return id == null || id.isEmpty() ? null : Objects.toString(nameId.getNameQualifier(), "") + "!"
                    + Objects.toString(nameId.getSPNameQualifier(), "") + "!" + id;
        }
        if (value == null) {
            return null;
        }
        String text = value.toString().strip();
        return text.isEmpty() || text.length() > 1024 ? null : text;
    }

    @Override
    public Response authenticated(BrokeredIdentityContext identity) {
        List<String> attributes = attributes(model);
        if (attributes == null) {
            return broker.authenticated(identity);
        }
        Object assertion = identity.getContextData().get(SAMLEndpoint.SAML_ASSERTION);
        String key = assertion instanceof AssertionType verified ? keyOf(verified, attributes) : null;
        if (key == null) {
            AuthenticationSessionModel authSession = identity.getAuthenticationSession();
            new EventBuilder(session.getContext().getRealm(), session, session.getContext().getConnection())
                    .event(EventType.IDENTITY_PROVIDER_LOGIN).detail(Details.IDENTITY_PROVIDER, model.getAlias())
                    .detail(Details.REASON, "no_account_key").error(Errors.INVALID_SAML_RESPONSE);
            LOG.warnf("Federated login through %s refused: the response carries none of %s, which key accounts at "
                    + "this identity provider (its NameID is transient)", model.getAlias(), attributes);
            return ErrorPage.error(session, authSession, Response.Status.BAD_REQUEST, NO_ACCOUNT_KEY,
                    model.getDisplayName() == null ? model.getAlias() : model.getDisplayName(),
                    String.join(", ", attributes.stream().map(AccountKey::label).toList()));
        }
        identity.setId(key);
        identity.setUsername(key);
        identity.setBrokerUserId(model.getAlias() + "." + key);
        return broker.authenticated(identity);
    }

    /** An attribute as institutions' IT staff know it. */
    static String label(String attribute) {
        return switch (attribute) {
            case "urn:oasis:names:tc:SAML:attribute:subject-id" -> "subject-id";
            case "urn:oasis:names:tc:SAML:attribute:pairwise-id" -> "pairwise-id";
            case "urn:oid:1.3.6.1.4.1.5923.1.1.1.6" -> "eduPersonPrincipalName";
            case "urn:oid:1.3.6.1.4.1.5923.1.1.1.10" -> "eduPersonTargetedID";
            default -> attribute;
        };
    }

    @Override
    public AuthenticationSessionModel getAndVerifyAuthenticationSession(String encodedCode) {
        return broker.getAndVerifyAuthenticationSession(encodedCode);
    }

    @Override
    public Response cancelled(IdentityProviderModel idpConfig) {
        return broker.cancelled(idpConfig);
    }

    @Override
    public Response retryLogin(UserAuthenticationIdentityProvider<?> identityProvider,
                               AuthenticationSessionModel authSession) {
        return broker.retryLogin(identityProvider, authSession);
    }

    @Override
    public Response error(IdentityProviderModel idpConfig, String message) {
        return broker.error(idpConfig, message);
    }
}
