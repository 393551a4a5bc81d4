package org.sciencegateway.keycloak.idpfilter.mapper;

import com.google.auto.service.AutoService;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.saml.SamlProtocol;

/**
 * The institution filter of a SAML client, with the same rules as {@link InstitutionFilterMapper}. SAML clients are
 * what SAML IdP-initiated logins ({@code /broker/{alias}/endpoint/clients/{name}}) log in to; with this filter on the
 * target client, the identity provider's post-broker-login flow refuses an institution the client does not admit.
 */
@AutoService(ProtocolMapper.class)
public final class SamlInstitutionFilterMapper extends AbstractInstitutionFilterMapper {

    public static final String PROVIDER_ID = "sg-institution-filter-saml";

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getProtocol() {
        return SamlProtocol.LOGIN_PROTOCOL;
    }
}
