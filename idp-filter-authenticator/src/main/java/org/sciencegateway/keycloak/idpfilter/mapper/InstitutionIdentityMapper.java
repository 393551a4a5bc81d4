package org.sciencegateway.keycloak.idpfilter.mapper;

import com.google.auto.service.AutoService;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.broker.oidc.mappers.AbstractClaimMapper;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityProviderMapper;
import org.keycloak.broker.saml.SAMLEndpoint;
import org.keycloak.dom.saml.v2.assertion.AssertionType;
import org.keycloak.dom.saml.v2.assertion.AttributeStatementType;
import org.keycloak.dom.saml.v2.assertion.AttributeType;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.List;
import java.util.Map;
import org.sciencegateway.keycloak.idpfilter.Versions;
import org.sciencegateway.keycloak.idpfilter.rules.AssertedOrigin;
import org.sciencegateway.keycloak.idpfilter.rules.ScopeCheck;

/**
 * Records, on every brokered login, which institution the identity provider says the user comes from: an OIDC
 * claim (CILogon's and the lab proxy's {@code idp}) or a SAML attribute ({@code schacHomeOrganization}), a fixed
 * registration authority, and the email domain when the identity provider vouches for the address. The values travel
 * in the brokered context (which survives first-broker-login) and are read by the filter ({@code enforce.BrokeredOrigin});
 * they come from the identity provider's signed response, never from request parameters.
 */
@AutoService(IdentityProviderMapper.class)
public final class InstitutionIdentityMapper implements IdentityProviderMapper, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "sg-institution-identity";
    public static final String INSTITUTION_CLAIM = "institution.claim";
    public static final String REGISTRATION_AUTHORITY = "registration.authority";
    public static final String EMAIL_DOMAIN = "email.domain";
    /** Identity provider config: its registered scopes (written by the saml-federation sync from shibmd:Scope). */
    public static final String SCOPES = "institution.scopes";

    /** Keys of the brokered context's data; prefixed so no identity provider's own data can collide. */
    public static final String CONTEXT_INSTITUTION = "sg.institution-filter.institution";
    public static final String CONTEXT_REGISTRATION_AUTHORITY = "sg.institution-filter.registration-authority";
    public static final String CONTEXT_EMAIL_DOMAIN = "sg.institution-filter.email-domain";

    private static final Logger LOG = Logger.getLogger(InstitutionIdentityMapper.class);

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property().name(INSTITUTION_CLAIM).label("Institution claim or attribute")
            .helpText("OIDC claim (e.g. idp) or SAML attribute name or friendly name (e.g. schacHomeOrganization) "
                    + "that carries the user's home institution. Leave empty when the identity provider is itself "
                    + "the institution: its entityID / issuer is then used.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(REGISTRATION_AUTHORITY).label("Registration authority")
            .helpText("The federation that registered this identity provider (e.g. https://incommon.org), for "
                    + "registrationAuthority rules.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(EMAIL_DOMAIN).label("Record verified email domain")
            .helpText("Record the domain of the user's email for emailDomain rules, only when the identity provider "
                    + "is trusted for email or asserts email_verified=true.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .build();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String[] getCompatibleProviders() {
        return new String[]{ANY_PROVIDER};
    }

    @Override
    public String getDisplayCategory() {
        return "Institution";
    }

    @Override
    public String getDisplayType() {
        return "Institution identity (for institution filters)";
    }

    @Override
    public String getHelpText() {
        return "Records the user's home institution, federation and verified email domain for the per-client "
                + "institution filter.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public boolean supportsSyncMode(IdentityProviderSyncMode syncMode) {
        return true;
    }

    @Override
    public void preprocessFederatedIdentity(KeycloakSession session, RealmModel realm, IdentityProviderMapperModel mapper,
                                            BrokeredIdentityContext context) {
        Map<String, String> config = mapper.getConfig();
        boolean saml = isSaml(context);
        AssertedOrigin.Email email = Boolean.parseBoolean(config.get(EMAIL_DOMAIN))
                ? new AssertedOrigin.Email(context.getEmail(), Boolean.TRUE.equals(context.getIdpConfig().isTrustEmail()),
                        saml ? null : () -> oidcClaim(context, "email_verified"))
                : null;
        AssertedOrigin origin = AssertedOrigin.read(config.get(INSTITUTION_CLAIM),
                name -> saml ? samlAttribute(context, name) : oidcClaim(context, name),
                config.get(REGISTRATION_AUTHORITY), email);
        Map<String, Object> data = context.getContextData();
        // Scoped values count only within the identity provider's registered shibmd:Scope (none registered: no check).
        ScopeCheck scopes = ScopeCheck.parse(context.getIdpConfig().getConfig().get(SCOPES));
        if (origin.institution() != null) {
            boolean inScope = scopes.admits(origin.institution());
            if (!inScope) {
                LOG.infof("Identity provider %s asserted institution %s outside its registered scopes: not recorded",
                        context.getIdpConfig().getAlias(), origin.institution());
            }
            // an empty value means "asserted, but not recorded": institution conditions then do not hold
            data.put(CONTEXT_INSTITUTION, inScope ? origin.institution() : "");
        }
        if (origin.registrationAuthority() != null) {
            data.put(CONTEXT_REGISTRATION_AUTHORITY, origin.registrationAuthority());
        }
        if (origin.emailDomain() != null && scopes.admits(origin.emailDomain())) {
            data.put(CONTEXT_EMAIL_DOMAIN, origin.emailDomain());
        }
    }

    private static boolean isSaml(BrokeredIdentityContext context) {
        return context.getContextData().get(SAMLEndpoint.SAML_ASSERTION) instanceof AssertionType;
    }

    private static Object oidcClaim(BrokeredIdentityContext context, String claim) {
        try {
            return AbstractClaimMapper.getClaimValue(context, claim);
        } catch (RuntimeException e) {
            LOG.debugf(e, "No readable claim %s from identity provider %s", claim, context.getIdpConfig().getAlias());
            return null;
        }
    }

    /** The values of the attribute with this name or friendly name ({@code null}: no such attribute). */
    private static Object samlAttribute(BrokeredIdentityContext context, String name) {
        AssertionType assertion = (AssertionType) context.getContextData().get(SAMLEndpoint.SAML_ASSERTION);
        for (AttributeStatementType statement : assertion.getAttributeStatements()) {
            for (AttributeStatementType.ASTChoiceType choice : statement.getAttributes()) {
                AttributeType attribute = choice.getAttribute();
                if (attribute != null && (name.equals(attribute.getName()) || name.equals(attribute.getFriendlyName()))) {
                    return attribute.getAttributeValue();
                }
            }
        }
        return null;
    }

    @Override
    public void importNewUser(KeycloakSession session, RealmModel realm, UserModel user, IdentityProviderMapperModel mapper,
                              BrokeredIdentityContext context) {
    }

    @Override
    public void updateBrokeredUserLegacy(KeycloakSession session, RealmModel realm, UserModel user,
                                         IdentityProviderMapperModel mapper, BrokeredIdentityContext context) {
    }

    @Override
    public void updateBrokeredUser(KeycloakSession session, RealmModel realm, UserModel user,
                                   IdentityProviderMapperModel mapper, BrokeredIdentityContext context) {
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("version", Versions.implementation(getClass()));
    }

    @Override
    public IdentityProviderMapper create(KeycloakSession session) {
        return this;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
