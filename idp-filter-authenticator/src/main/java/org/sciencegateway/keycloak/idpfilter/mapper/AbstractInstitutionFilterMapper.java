package org.sciencegateway.keycloak.idpfilter.mapper;

import org.keycloak.Config;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ProtocolMapperContainerModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.ProtocolMapperConfigException;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sciencegateway.keycloak.idpfilter.Versions;
import org.sciencegateway.keycloak.idpfilter.enforce.IdentityProviderMetadata;
import org.sciencegateway.keycloak.idpfilter.rules.BaselineCheck;
import org.sciencegateway.keycloak.idpfilter.rules.ProviderMetadata;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionRules;
import org.sciencegateway.keycloak.idpfilter.rules.InvalidRulesException;

/**
 * Where a client's institution rules live: a "mapper" added to the client in the admin console (Client scopes →
 * dedicated scope → Add mapper → By configuration → Institution filter). It adds nothing to tokens or assertions; it
 * gives hub admins a per-client form, stores the rules on the client model (cluster-replicated with the client) and
 * validates them at save time. The authenticators read it for whichever client is logging in.
 * <p>
 * The console offers a client only the mapper types of its own protocol, so the filter exists once per protocol
 * ({@link InstitutionFilterMapper} for OpenID Connect, {@link SamlInstitutionFilterMapper} for SAML clients, which
 * SAML IdP-initiated logins target); both have the same form, rules and validation, and one client holds at most one.
 */
abstract sealed class AbstractInstitutionFilterMapper implements ProtocolMapper, ServerInfoAwareProviderFactory
        permits InstitutionFilterMapper, SamlInstitutionFilterMapper {

    public static final String RULES = "rules";
    private static final Set<String> PROVIDER_IDS =
            Set.of(InstitutionFilterMapper.PROVIDER_ID, SamlInstitutionFilterMapper.PROVIDER_ID);
    /** Not in Keycloak's admin messages, so the message itself is shown. */

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property()
            .name(RULES)
            .label("Institution rules (JSON)")
            .helpText("Which identity providers and institutions may log in to this client. Example: "
                    + "{\"allow\": [{\"idp\": \"institution-a\"}, {\"idp\": \"federation-proxy\", "
                    + "\"institution\": \"https://idp.uni-allowed.example.org\"}], \"deny\": [], "
                    + "\"localAccounts\": false}. Entry keys: idp, idpPattern, institution, institutionPattern, "
                    + "registrationAuthority, emailDomain, organization, name. Deny wins; one allow entry must match.")
            .type(ProviderConfigProperty.TEXT_TYPE)
            .add()
            .build();

    /** Whether {@code mapper} holds a client's institution rules, in either protocol's form. */
    static boolean isInstitutionFilter(ProtocolMapperModel mapper) {
        return PROVIDER_IDS.contains(mapper.getProtocolMapper());
    }

    @Override
    public String getDisplayCategory() {
        return "Login restriction";
    }

    @Override
    public String getDisplayType() {
        return "Institution filter";
    }

    @Override
    public String getHelpText() {
        return "Restricts which identity providers and institutions may log in to this client. Adds nothing to "
                + "tokens. Enforced by the 'Institution filter' authenticators in the realm's flows.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, ProtocolMapperContainerModel container,
                               ProtocolMapperModel model) throws ProtocolMapperConfigException {
        boolean baselineScope = container instanceof ClientScopeModel scope && RealmBaseline.isBaselineScope(scope);
        if (!(container instanceof ClientModel) && !baselineScope) {
            throw AdminMessage.configError("The institution filter belongs on a client, not on a shared "
                    + "client scope: each hub sets its own rules. (The one exception is the realm's baseline, "
                    + "client scope " + RealmBaseline.SCOPE + ".)");
        }
        boolean another = container.getProtocolMappersStream()
                .anyMatch(m -> isInstitutionFilter(m) && !m.getId().equals(model.getId()));
        if (another) {
            throw AdminMessage.configError(baselineScope
                    ? "The realm's baseline already has an institution filter; edit that one."
                    : "This client already has an institution filter; edit that one.");
        }
        String document = model.getConfig() == null ? null : model.getConfig().get(RULES);
        InstitutionRules rules;
        try {
            rules = InstitutionRules.parse(document);
        } catch (InvalidRulesException e) {
            throw AdminMessage.configError("Invalid institution rules: " + e.getMessage());
        }
        for (String alias : rules.namedIdentityProviders()) {
            if (session.identityProviders().getByAlias(alias) == null) {
                throw AdminMessage.configError("Invalid institution rules: no identity provider with alias \""
                        + alias + "\" exists in realm \"" + realm.getName() + "\". Check the spelling or create it first.");
            }
        }
        if (container instanceof ClientModel client && RealmBaseline.binds(client)) {
            withinBaseline(session, realm, rules);
        }
    }

    /** A hub's rules may only narrow the realm's baseline: judged on every identity provider of the realm. */
    private static void withinBaseline(KeycloakSession session, RealmModel realm, InstitutionRules rules)
            throws ProtocolMapperConfigException {
        ClientRules baseline = RealmBaseline.of(realm);
        if (baseline.unrestricted()) {
            return;
        }
        if (baseline.problem() != null) {
            throw AdminMessage.configError("Cannot check these rules: " + baseline.problem());
        }
        Map<String, ProviderMetadata> providers = new LinkedHashMap<>();
        session.identityProviders().getAllStream()
                .forEach(idp -> providers.put(idp.getAlias(), IdentityProviderMetadata.of(idp)));
        Optional<BaselineCheck.Widening> widening = BaselineCheck.widening(rules, baseline.filter(), providers);
        if (widening.isPresent()) {
            throw AdminMessage.configError(widening.get().message());
        }
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("version", Versions.implementation(getClass()));
    }

    @Override
    public ProtocolMapper create(KeycloakSession session) {
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
