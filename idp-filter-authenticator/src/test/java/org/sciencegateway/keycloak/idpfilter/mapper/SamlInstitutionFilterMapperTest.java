package org.sciencegateway.keycloak.idpfilter.mapper;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.models.ClientModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderStorageProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.ProtocolMapperConfigException;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

class SamlInstitutionFilterMapperTest {

    private static final String RULES = "{\"allow\": [{\"idp\": \"institution-saml\"}]}";

    private final SamlInstitutionFilterMapper saml = new SamlInstitutionFilterMapper();
    private final InstitutionFilterMapper oidc = new InstitutionFilterMapper();

    private static ProtocolMapperModel filter(String id, String providerId, String rules) {
        ProtocolMapperModel model = new ProtocolMapperModel();
        model.setId(id);
        model.setName("institution filter");
        model.setProtocolMapper(providerId);
        model.setConfig(Map.of(AbstractInstitutionFilterMapper.RULES, rules));
        return model;
    }

    private static ClientModel clientWith(ProtocolMapperModel... mappers) {
        ClientModel client = mock(ClientModel.class);
        when(client.getClientId()).thenReturn("saml-portal");
        when(client.getProtocolMappersStream()).thenAnswer(invocation -> Stream.of(mappers));
        return client;
    }

    private static KeycloakSession sessionWithIdentityProviders(String... aliases) {
        KeycloakSession session = mock(KeycloakSession.class);
        IdentityProviderStorageProvider identityProviders = mock(IdentityProviderStorageProvider.class);
        when(session.identityProviders()).thenReturn(identityProviders);
        for (String alias : aliases) {
            IdentityProviderModel idp = new IdentityProviderModel();
            idp.setAlias(alias);
            when(identityProviders.getByAlias(alias)).thenReturn(idp);
        }
        return session;
    }

    @Test
    @DisplayName("Given the SAML form, then it is offered to SAML clients under its own id with the OIDC form's rules field")
    void samlTwinOfTheOidcForm() {
        assertThat(saml.getProtocol()).isEqualTo("saml");
        assertThat(oidc.getProtocol()).isEqualTo("openid-connect");
        assertThat(saml.getId()).isEqualTo("sg-institution-filter-saml").isNotEqualTo(oidc.getId());
        assertThat(saml.getConfigProperties()).isSameAs(oidc.getConfigProperties());
        assertThat(saml.getDisplayType()).isEqualTo(oidc.getDisplayType());
    }

    @Test
    @DisplayName("Given a SAML client with the SAML filter, then its rules are the client's rules")
    void samlClientRulesAreRead() {
        ClientModel client = clientWith(filter("m1", SamlInstitutionFilterMapper.PROVIDER_ID, RULES));

        ClientRules rules = ClientRules.of(client);

        assertThat(rules.unrestricted()).isFalse();
        assertThat(rules.problem()).isNull();
        assertThat(rules.filter().decide(LoginOrigin.brokered("institution-saml")).allowed()).isTrue();
        assertThat(rules.filter().decide(LoginOrigin.brokered("institution-saml-unlisted")).allowed()).isFalse();
    }

    @Test
    @DisplayName("Given a client holding both forms of the filter, then every login is refused (fails closed)")
    void bothFormsOnOneClientFailClosed() {
        ClientModel client = clientWith(filter("m1", SamlInstitutionFilterMapper.PROVIDER_ID, RULES),
                filter("m2", InstitutionFilterMapper.PROVIDER_ID, RULES));

        ClientRules rules = ClientRules.of(client);

        assertThat(rules.filter()).isNull();
        assertThat(rules.problem()).contains("2 institution filters");
    }

    @Test
    @DisplayName("Given a SAML client that already has an OIDC-form filter, then saving a SAML-form filter is rejected")
    void secondFilterOfTheOtherFormRejected() {
        ProtocolMapperModel existing = filter("m1", InstitutionFilterMapper.PROVIDER_ID, RULES);
        ProtocolMapperModel added = filter("m2", SamlInstitutionFilterMapper.PROVIDER_ID, RULES);
        ClientModel client = clientWith(existing);

        assertThatThrownBy(() -> saml.validateConfig(sessionWithIdentityProviders("institution-saml"),
                mock(RealmModel.class), client, added))
                .isInstanceOf(ProtocolMapperConfigException.class)
                .hasMessageContaining("already has an institution filter");
    }

    @Test
    @DisplayName("Given SAML-form rules naming an unknown alias, then saving is rejected like the OIDC form")
    void samlFormValidatesAliases() {
        RealmModel realm = mock(RealmModel.class);
        when(realm.getName()).thenReturn("vre");
        ProtocolMapperModel added = filter("m1", SamlInstitutionFilterMapper.PROVIDER_ID,
                "{\"allow\": [{\"idp\": \"institution-c\"}]}");

        assertThatThrownBy(() -> saml.validateConfig(sessionWithIdentityProviders("institution-saml"), realm,
                clientWith(), added))
                .isInstanceOf(ProtocolMapperConfigException.class)
                .hasMessageContaining("institution-c")
                .hasMessageContaining("no identity provider");
    }

    @Test
    @DisplayName("Given valid SAML-form rules on a SAML client, then saving is accepted")
    void samlFormAcceptsValidRules() throws ProtocolMapperConfigException {
        ProtocolMapperModel added = filter("m1", SamlInstitutionFilterMapper.PROVIDER_ID, RULES);

        saml.validateConfig(sessionWithIdentityProviders("institution-saml"), mock(RealmModel.class), clientWith(),
                added);
    }

    @Test
    @DisplayName("Given other mapper types, then they are not taken for an institution filter")
    void otherMappersIgnored() {
        assertThat(AbstractInstitutionFilterMapper.isInstitutionFilter(
                filter("m1", "saml-user-property-mapper", RULES))).isFalse();
        assertThat(AbstractInstitutionFilterMapper.isInstitutionFilter(
                filter("m1", SamlInstitutionFilterMapper.PROVIDER_ID, RULES))).isTrue();
        assertThat(AbstractInstitutionFilterMapper.isInstitutionFilter(
                filter("m1", InstitutionFilterMapper.PROVIDER_ID, RULES))).isTrue();
    }
}
