package org.sciencegateway.keycloak.tokenexchange;

import java.util.Set;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAccessTokenMapper;
import org.keycloak.representations.AccessToken;

/**
 * Claims that describe how the user authenticated, not what the token may reach, and so belong in every exchanged
 * token whatever the policy grants: the requester's own mappers of these types (on the requester client itself,
 * e.g. the assurance module's {@code eduperson_assurance} on {@code jupyterhub}) run on the exchanged token too. Only
 * these types: the requester's other mappers (groups, institution rules) stay out of the audience's token.
 */
final class AuthenticationClaims {

    /** Keycloak's acr mapper and the assurance module's eduperson_assurance mapper. */
    static final Set<String> MAPPER_TYPES = Set.of("oidc-acr-mapper", "science-gateway-assurance-mapper");

    private AuthenticationClaims() {
    }

    static void apply(KeycloakSession session, ClientModel requester, AccessToken token, ClientSessionContext ctx) {
        requester.getProtocolMappersStream()
                .filter(model -> MAPPER_TYPES.contains(model.getProtocolMapper()))
                .forEach(model -> run(session, model, token, ctx));
    }

    private static void run(KeycloakSession session, ProtocolMapperModel model, AccessToken token,
                            ClientSessionContext ctx) {
        if (session.getKeycloakSessionFactory().getProviderFactory(ProtocolMapper.class, model.getProtocolMapper())
                instanceof OIDCAccessTokenMapper mapper) {
            mapper.transformAccessToken(token, model, session, ctx.getClientSession().getUserSession(), ctx);
        }
    }
}
