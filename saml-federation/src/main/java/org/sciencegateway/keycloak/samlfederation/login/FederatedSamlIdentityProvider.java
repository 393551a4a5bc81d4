package org.sciencegateway.keycloak.samlfederation.login;

import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.keycloak.broker.provider.AuthenticationRequest;
import org.keycloak.broker.provider.IdentityBrokerException;
import org.keycloak.broker.provider.IdentityProviderMapper;
import org.keycloak.broker.saml.SAMLIdentityProvider;
import org.keycloak.broker.saml.SAMLIdentityProviderConfig;
import org.keycloak.broker.saml.SAMLIdentityProviderFactory;
import org.keycloak.dom.saml.v2.metadata.EndpointType;
import org.keycloak.events.EventBuilder;
import org.keycloak.dom.saml.v2.metadata.EntityDescriptorType;
import org.keycloak.dom.saml.v2.metadata.IndexedEndpointType;
import org.keycloak.dom.saml.v2.metadata.SPSSODescriptorType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.saml.common.constants.JBossSAMLURIConstants;
import org.keycloak.saml.validators.DestinationValidator;
import org.keycloak.services.ErrorPage;
import org.keycloak.services.messages.Messages;
import org.sciencegateway.keycloak.samlfederation.keycloak.FederatedIdentityProviders;
import org.sciencegateway.keycloak.samlfederation.keycloak.FederationSources;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * An identity provider imported from a federation's aggregate. Keycloak's SAML broker names each identity provider's
 * own endpoint as the assertion consumer service; federation identity providers (Shibboleth's default) answer only at
 * an assertion consumer service registered in the service provider's metadata, and a federation registers it once
 * for thousands of identity providers. So this type asks for the answer at its source's one shared assertion
 * consumer service ({@link SharedAcsResource}) and describes only that one in its SP metadata; everything else —
 * request, signature and assertion checks, mappers, login flows — is Keycloak's SAML broker.
 */
public final class FederatedSamlIdentityProvider extends SAMLIdentityProvider {

    /** The alias prefix of the source that imported this identity provider: names its assertion consumer service. */
    public static final String ALIAS_PREFIX = "sg.federation.aliasPrefix";
    /** Only in the SP metadata's config: whether every request is signed (else only those to members that want it). */
    static final String SIGNS_ALL_REQUESTS = "sg.federation.signsAllRequests";

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FederatedSamlIdentityProvider.class);

    private final DestinationValidator destinations;

    /** Whether the last {@link #export} described the shared assertion consumer service (see there). */
    private boolean describedShared;

    FederatedSamlIdentityProvider(KeycloakSession session, SAMLIdentityProviderConfig config,
                                  DestinationValidator destinations) {
        super(session, config, destinations);
        this.destinations = destinations;
    }

    DestinationValidator destinations() {
        return destinations;
    }

    /** The shared assertion consumer service this identity provider's requests name. */
    URI assertionConsumerService(URI baseUri, RealmModel realm) {
        String prefix = getConfig().getConfig().get(ALIAS_PREFIX);
        if (prefix == null || !SharedAcs.PREFIX.matcher(prefix).matches()) {
            // not written by a federation source: no assertion consumer service to name, so no login
            throw new IdentityBrokerException("Identity provider " + getConfig().getAlias()
                    + " has no federation source alias prefix (" + ALIAS_PREFIX + ")");
        }
        return SharedAcs.assertionConsumerService(baseUri, realm.getName(), prefix);
    }

    /** The page a user sees when the source's metadata has expired ({@link FederationSources#metadataValidUntil}). */
    static final String METADATA_EXPIRED = "sgFederationMetadataExpired";

    @Override
    public Response performLogin(AuthenticationRequest request) {
        if (!ownedByExistingSource(request.getRealm())) {
            LOG.warnf("Login through %s refused: it belongs to no existing federation source of prefix %s",
                    getConfig().getAlias(), getConfig().getConfig().get(ALIAS_PREFIX));
            return ErrorPage.error(request.getSession(), request.getAuthenticationSession(),
                    Response.Status.NOT_FOUND, Messages.IDENTITY_PROVIDER_NOT_FOUND);
        }
        URI acs = assertionConsumerService(request.getUriInfo().getBaseUri(), request.getRealm());
        if (!metadataCurrent(request.getRealm())) {
            LOG.warnf("Login through %s refused: the metadata of its federation source expired at %s and no sync has "
                    + "accepted a current document since", getConfig().getAlias(), FederationSources
                    .metadataValidUntil(request.getRealm(), getConfig().getConfig().get(FederatedIdentityProviders.SOURCE)));
            return ErrorPage.error(request.getSession(), request.getAuthenticationSession(),
                    Response.Status.SERVICE_UNAVAILABLE, METADATA_EXPIRED,
                    getConfig().getDisplayName() == null ? getConfig().getAlias() : getConfig().getDisplayName());
        }
        return super.performLogin(new AuthenticationRequest(request.getSession(), request.getRealm(),
                request.getAuthenticationSession(), request.getHttpRequest(), request.getUriInfo(),
                request.getState(), acs.toString()));
    }

    /**
     * The SP metadata, or 501 when Keycloak's export did not go through {@link #getEntityDescriptor} (releases before
     * 26.6 build the descriptor elsewhere): metadata naming per-alias endpoints that this type never asks for would be
     * registered with a federation and fail every login, so it is refused rather than served.
     */
    @Override
    public Response export(UriInfo uriInfo, RealmModel realm, String format) {
        describedShared = false;
        Response exported = super.export(uriInfo, realm, format);
        if (!describedShared) {
            exported.close();
            return Response.status(Response.Status.NOT_IMPLEMENTED).type("text/plain")
                    .entity("This Keycloak release builds SP metadata without the shared assertion consumer service;"
                            + " saml-federation needs Keycloak 26.6 or later for it\n").build();
        }
        return exported;
    }

    /** The SP descriptor with the shared assertion consumer service as its only one, and no per-alias logout. */
    @Override
    protected EntityDescriptorType getEntityDescriptor(UriInfo uriInfo, RealmModel realm, String format) {
        EntityDescriptorType descriptor = super.getEntityDescriptor(uriInfo, realm, format);
        URI acs = assertionConsumerService(uriInfo.getBaseUri(), realm);
        for (EntityDescriptorType.EDTChoiceType choice : descriptor.getChoiceType()) {
            for (EntityDescriptorType.EDTDescriptorChoiceType role : choice.getDescriptors()) {
                SPSSODescriptorType sp = role.getSpDescriptor();
                if (sp == null) {
                    continue;
                }
                String signsAll = getConfig().getConfig().get(SIGNS_ALL_REQUESTS);
                if (signsAll != null) {
                    sp.setAuthnRequestsSigned(Boolean.valueOf(signsAll));
                }
                new ArrayList<>(sp.getAssertionConsumerService()).forEach(sp::removeAssertionConsumerService);
                new ArrayList<EndpointType>(sp.getSingleLogoutService()).forEach(sp::removeSingleLogoutService);
                IndexedEndpointType post = new IndexedEndpointType(JBossSAMLURIConstants.SAML_HTTP_POST_BINDING.getUri(),
                        acs);
                post.setIndex(0);
                post.setIsDefault(true);
                sp.addAssertionConsumerService(post);
                describedShared = true;
            }
        }
        return descriptor;
    }

    /** Whether the metadata this identity provider was imported from still counts (its aggregate's validUntil). */
    boolean metadataCurrent(RealmModel realm) {
        String sourceId = getConfig().getConfig().get(FederatedIdentityProviders.SOURCE);
        return sourceId != null && FederationSources.metadataCurrent(realm, sourceId, java.time.Instant.now());
    }

    /** Whether the source named in this identity provider ({@code sg.federation.source}) exists with its prefix. */
    boolean ownedByExistingSource(RealmModel realm) {
        String prefix = getConfig().getConfig().get(ALIAS_PREFIX);
        String sourceId = getConfig().getConfig().get(FederatedIdentityProviders.SOURCE);
        return prefix != null && sourceId != null && realm != null && FederationSources.withAliasPrefix(realm, prefix)
                .map(source -> sourceId.equals(source.getId())).orElse(false);
    }

    /**
     * Keycloak's per-alias broker endpoint ({@code /broker/{alias}/endpoint}): not found. This type's requests name the
     * shared assertion consumer service, its SP metadata is the source's, and it publishes no logout service — so no
     * genuine message is ever sent here, and a response sent here on purpose would skip the shared ACS's checks (the
     * account key's, the source's, the metadata's validity).
     */
    @Override
    public Object callback(RealmModel realm, AuthenticationCallback callback, EventBuilder event) {
        throw new NotFoundException("identity provider " + getConfig().getAlias() + " of a federation source takes "
                + "responses only at its source's shared assertion consumer service");
    }

    /** Keycloak's SAML mappers declare themselves for the {@code saml} type only; they apply unchanged here. */
    @Override
    public boolean isMapperSupported(IdentityProviderMapper mapper) {
        return super.isMapperSupported(mapper)
                || Arrays.asList(mapper.getCompatibleProviders()).contains(SAMLIdentityProviderFactory.PROVIDER_ID);
    }
}
