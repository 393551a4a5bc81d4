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
 * carries ({@link #keyOf}: by attribute name, one value, within the registered scopes). A response that carries none
 * is refused with a page that says which attributes the institution must release, one whose key is not acceptable
 * with a page that says why; it never falls back to the NameID (a new account at every login).
 * <p>
 * Keys of different attributes share one namespace per identity provider, as in Shibboleth's SP: an institution that
 * moves from releasing eduPersonPrincipalName to subject-id (REFEDS' advice) usually keeps the same value, and so
 * its users' accounts.
 * <p>
 * Links stay per identity provider ({@code alias.key}), so one institution's value can never name another's user.
 */
final class AccountKey implements UserAuthenticationIdentityProvider.AuthenticationCallback {

    static final String NO_ACCOUNT_KEY = "sgFederationNoAccountKey";
    static final String BAD_ACCOUNT_KEY = "sgFederationBadAccountKey";
    /** The identity provider's registered scopes, written by the sync (JSON array). */
    private static final String SCOPES = "institution.scopes";

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

    /** What the assertion gives as the account key: a key, or why there is none (a message for the log). */
    record Key(String value, String refusal) {
        static Key of(String value) {
            return new Key(value, null);
        }

        static Key refused(String why) {
            return new Key(null, why);
        }
    }

    /** subject-id and pairwise-id: {@code uniqueID@scope} (SAML V2.0 Subject Identifier Attributes Profile). */
    private static final java.util.regex.Pattern SCOPED_ID = java.util.regex.Pattern.compile(
            "[0-9A-Za-z][-=0-9A-Za-z]{0,126}@[0-9A-Za-z][-.0-9A-Za-z]{0,126}");
    private static final java.util.Set<String> SUBJECT_IDENTIFIERS = java.util.Set.of(
            "urn:oasis:names:tc:SAML:attribute:subject-id", "urn:oasis:names:tc:SAML:attribute:pairwise-id");
    private static final String EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6";
    private static final String EPTID = "urn:oid:1.3.6.1.4.1.5923.1.1.1.10";
    /** eduPersonPrincipalName: {@code user@scope}, one {@code @}, no whitespace (the scope is what follows it). */
    private static final java.util.regex.Pattern PRINCIPAL_NAME = java.util.regex.Pattern.compile("[^@\\s]+@[^@\\s]+");

    /**
     * The account key: the value of the first of {@code attributes} (matched by the attribute's {@code Name} only, as
     * Shibboleth's SP does — a {@code FriendlyName} is a label anyone can write) that the assertion carries. Refused,
     * never skipped to the next attribute: more than one value (the key must be one), a subject-id or pairwise-id that
     * is not {@code uniqueID@scope}, a scoped value (those two and eduPersonPrincipalName) outside the scopes the
     * federation registered for the identity provider ({@code scopes}, the institution filter's check), an
     * eduPersonTargetedID that is text instead of a NameID, whose qualifiers contain its separator {@code !} or whose
     * {@code NameQualifier} is missing or not the identity provider; an eduPersonPrincipalName that is not
     * {@code user@scope}. eduPersonTargetedID keys as {@code NameQualifier!SPNameQualifier!value}.
     */
    static Key keyOf(AssertionType assertion, List<String> attributes, String entityId,
                     org.sciencegateway.keycloak.idpfilter.rules.ScopeCheck scopes) {
        for (String wanted : attributes) {
            java.util.Set<String> values = new java.util.LinkedHashSet<>();
            for (AttributeStatementType statement : assertion.getAttributeStatements()) {
                for (AttributeStatementType.ASTChoiceType choice : statement.getAttributes()) {
                    AttributeType attribute = choice.getAttribute();
                    if (attribute == null || !wanted.equals(attribute.getName())) {
                        continue;
                    }
                    for (Object value : attribute.getAttributeValue()) {
                        if (EPTID.equals(wanted) && value != null && !(value instanceof NameIDType)) {
                            return Key.refused(label(wanted) + " is text, not the NameID it is");
                        }
                        Key key = value(value, entityId);
                        if (key.refusal() != null) {
                            return Key.refused(label(wanted) + ": " + key.refusal());
                        }
                        if (key.value() != null) {
                            values.add(key.value());
                        }
                    }
                }
            }
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() > 1) {
                return Key.refused(label(wanted) + " carries " + values.size() + " values; an account key is one");
            }
            String key = values.iterator().next();
            if (SUBJECT_IDENTIFIERS.contains(wanted) && !SCOPED_ID.matcher(key).matches()) {
                return Key.refused(label(wanted) + " is not uniqueID@scope");
            }
            if (EPPN.equals(wanted) && !PRINCIPAL_NAME.matcher(key).matches()) {
                return Key.refused(label(wanted) + " is not user@scope (one @, no spaces)");
            }
            if ((SUBJECT_IDENTIFIERS.contains(wanted) || EPPN.equals(wanted)) && !scopes.admits(key)) {
                return Key.refused(label(wanted) + "'s scope is not one the federation registered for "
                        + "this identity provider");
            }
            return Key.of(key);
        }
        return Key.refused("none of " + attributes.stream().map(AccountKey::label).toList());
    }

    private static Key value(Object value, String entityId) {
        if (value instanceof NameIDType nameId) {
            String id = nameId.getValue() == null ? null : nameId.getValue().strip();
            if (id == null || id.isEmpty()) {
                return Key.of(null);
            }
            String qualifier = Objects.toString(nameId.getNameQualifier(), "");
            String spQualifier = Objects.toString(nameId.getSPNameQualifier(), "");
            if (qualifier.contains("!") || spQualifier.contains("!")) {
                return Key.refused("a qualifier contains '!', the separator of the key");
            }
            if (!qualifier.equals(entityId)) {
                return Key.refused(qualifier.isEmpty() ? "it has no NameQualifier"
                        : "its NameQualifier names another identity provider");
            }
            return id.length() > 1024 ? Key.refused("longer than 1024 characters")
                    : Key.of(qualifier + "!" + spQualifier + "!" + id);
        }
        if (value == null) {
            return Key.of(null);
        }
        String text = value.toString().strip();
        if (text.length() > 1024) {
            return Key.refused("longer than 1024 characters");
        }
        return Key.of(text.isEmpty() ? null : text);
    }

    @Override
    public Response authenticated(BrokeredIdentityContext identity) {
        List<String> attributes = attributes(model);
        if (attributes == null) {
            return broker.authenticated(identity);
        }
        Object assertion = identity.getContextData().get(SAMLEndpoint.SAML_ASSERTION);
        Key key = assertion instanceof AssertionType verified
                ? keyOf(verified, attributes, model.getConfig().get(FederatedIdentityProviders.ENTITY_ID),
                        org.sciencegateway.keycloak.idpfilter.rules.ScopeCheck.parse(
                                model.getConfig().get(SCOPES)))
                : Key.refused("no verified assertion");
        if (key.value() == null) {
            AuthenticationSessionModel authSession = identity.getAuthenticationSession();
            boolean none = key.refusal().startsWith("none of");
            new EventBuilder(session.getContext().getRealm(), session, session.getContext().getConnection())
                    .event(EventType.IDENTITY_PROVIDER_LOGIN).detail(Details.IDENTITY_PROVIDER, model.getAlias())
                    .detail(Details.REASON, none ? "no_account_key" : "bad_account_key")
                    .error(Errors.INVALID_SAML_RESPONSE);
            LOG.warnf("Federated login through %s refused: %s (the attributes that key accounts at this identity "
                    + "provider, whose NameID is transient: %s)", model.getAlias(), key.refusal(), attributes);
            return ErrorPage.error(session, authSession, Response.Status.BAD_REQUEST,
                    none ? NO_ACCOUNT_KEY : BAD_ACCOUNT_KEY,
                    model.getDisplayName() == null ? model.getAlias() : model.getDisplayName(),
                    none ? String.join(", ", attributes.stream().map(AccountKey::label).toList()) : key.refusal());
        }
        identity.setId(key.value());
        identity.setUsername(key.value());
        identity.setBrokerUserId(model.getAlias() + "." + key.value());
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
