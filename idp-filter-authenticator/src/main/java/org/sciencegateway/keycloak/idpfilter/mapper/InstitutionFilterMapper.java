package org.sciencegateway.keycloak.idpfilter.mapper;

import com.google.auto.service.AutoService;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;

/**
 * The institution filter of an OpenID Connect client (a hub). See {@link AbstractInstitutionFilterMapper}.
 */
@AutoService(ProtocolMapper.class)
public final class InstitutionFilterMapper extends AbstractInstitutionFilterMapper {

    public static final String PROVIDER_ID = "sg-institution-filter";

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getProtocol() {
        return OIDCLoginProtocol.LOGIN_PROTOCOL;
    }
}
