package org.sciencegateway.keycloak.samlfederation.login;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.broker.saml.SAMLIdentityProviderConfig;
import org.keycloak.component.ComponentModel;
import org.keycloak.dom.saml.v2.assertion.NameIDType;
import org.keycloak.dom.saml.v2.protocol.ResponseType;
import org.keycloak.events.Details;
import org.keycloak.events.Errors;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.saml.common.constants.GeneralConstants;
import org.keycloak.saml.processing.core.saml.v2.common.SAMLDocumentHolder;
import org.keycloak.services.ErrorPage;
import org.keycloak.services.messages.Messages;
import org.keycloak.services.resources.IdentityBrokerService;
import org.sciencegateway.keycloak.samlfederation.metadata.Printable;
import org.sciencegateway.keycloak.samlfederation.keycloak.FederatedIdentityProviders;
import org.sciencegateway.keycloak.samlfederation.keycloak.FederationSources;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderAlias;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderTemplate;
import org.sciencegateway.keycloak.samlfederation.sync.InvalidSourceException;
import org.sciencegateway.keycloak.samlfederation.sync.SourceSettings;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A federation source's public endpoints, {@code /realms/{realm}/saml-federation/{prefix}/…}:
 * <ul>
 * <li>{@code POST …/acs}: the <b>shared assertion consumer service</b>. Which identity provider a response belongs
 * to is decided here: the one this source imported for the response's issuer — its alias is derived from the
 * entityID exactly as the sync derives it (either scheme, see {@code IdentityProviderAlias}), and it must have been
 * imported by this very source ({@code sg.federation.source} is this source's id, so identity providers of a removed
 * source with the same prefix never answer here), be of the federation type, enabled, and bound to that very
 * entityID. Nothing is trusted at this point: the response then goes to Keycloak's SAML broker endpoint of that
 * identity provider ({@link SharedAcsEndpoint}), which verifies it with that identity provider's keys only, and the
 * login continues in that identity provider's flows (the institution filter decides on the identity provider
 * actually used). Anything else gets Keycloak's error page with status 400 and an {@code
 * IDENTITY_PROVIDER_RESPONSE_ERROR} event naming the reason.</li>
 * <li>{@code GET …/metadata}: the service provider metadata to register with the federation: the realm's SP
 * entityID and keys, and this one assertion consumer service.</li>
 * </ul>
 */
public final class SharedAcsResource {

    private static final Logger LOG = Logger.getLogger(SharedAcsResource.class);

    private final KeycloakSession session;
    private final RealmModel realm;

    SharedAcsResource(KeycloakSession session) {
        this.session = session;
        this.realm = session.getContext().getRealm();
    }

    @POST
    @Path("{prefix}/acs")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response assertionConsumerService(@PathParam("prefix") String prefix,
                                             @FormParam(GeneralConstants.SAML_RESPONSE_KEY) String samlResponse,
                                             @FormParam(GeneralConstants.SAML_REQUEST_KEY) String samlRequest,
                                             @FormParam(GeneralConstants.SAML_ARTIFACT_KEY) String samlArtifact,
                                             @FormParam(GeneralConstants.RELAY_STATE) String relayState) {
        ComponentModel source = requireSource(prefix);
        if (samlResponse == null || samlRequest != null || samlArtifact != null) {
            return refuse(Errors.INVALID_REQUEST, null, Messages.INVALID_REQUEST,
                    "only a SAMLResponse by the HTTP-POST binding is accepted here");
        }
        String issuer = issuer(samlResponse);
        if (issuer == null) {
            return refuse(Errors.INVALID_SAML_DOCUMENT, null, Messages.IDENTITY_PROVIDER_INVALID_RESPONSE,
                    "not a SAML Response with an issuer");
        }
        IdentityProviderModel model = null;
        for (String candidate : IdentityProviderAlias.candidates(prefix, issuer)) {
            IdentityProviderModel found = session.identityProviders().getByAlias(candidate);
            if (found != null && ownedBy(found.getProviderId(), found.isEnabled(), found.getConfig(), source.getId(),
                    prefix, issuer)) {
                model = found;
                break;
            }
        }
        if (model == null) {
            return refuse(Errors.UNKNOWN_IDENTITY_PROVIDER, IdentityProviderAlias.of(prefix, issuer),
                    Messages.IDENTITY_PROVIDER_NOT_FOUND,
                    "issuer " + printable(issuer) + " is no enabled identity provider of this source");
        }
        if (!FederationSources.metadataCurrent(realm, source.getId(), java.time.Instant.now())) {
            return refuse("metadata_expired", model.getAlias(), FederatedSamlIdentityProvider.METADATA_EXPIRED,
                    "the metadata of source " + prefix + " expired at "
                            + FederationSources.metadataValidUntil(realm, source.getId())
                            + "; no login through its identity providers until a sync accepts a current document",
                    model.getDisplayName() == null ? model.getAlias() : model.getDisplayName());
        }
        IdentityBrokerService broker = new IdentityBrokerService(session);
        broker.init();
        FederatedSamlIdentityProvider provider = Objects.requireNonNull(IdentityBrokerService
                .getIdentityProvider(session, AccountKey.receiving(model), FederatedSamlIdentityProvider.class));
        URI acs = SharedAcs.assertionConsumerService(session.getContext().getUri().getBaseUri(), realm.getName(),
                prefix);
        return new SharedAcsEndpoint(session, provider, new AccountKey(broker, session, model), acs)
                .receive(samlResponse, relayState);
    }

    /** The HTTP-Redirect and Artifact bindings are not taken: a clear refusal, not a 404 or 405. */
    @GET
    @Path("{prefix}/acs")
    public Response assertionConsumerServiceByRedirect(@PathParam("prefix") String prefix) {
        requireSource(prefix);
        return refuse(Errors.INVALID_REQUEST, null, Messages.INVALID_REQUEST,
                "only a SAMLResponse by the HTTP-POST binding is accepted here, not by GET");
    }

    @GET
    @Path("{prefix}/metadata")
    public Response metadata(@PathParam("prefix") String prefix) {
        ComponentModel source = requireSource(prefix);
        IdentityProviderTemplate template;
        try {
            template = IdentityProviderTemplate.parse(source.get(SourceSettings.TEMPLATE));
        } catch (InvalidSourceException e) {
            // validated at save: only a realm imported with a broken source gets here
            LOG.warnf("Federation source %s of realm %s: no SP metadata: %s", prefix, realm.getName(),
                    e.getMessage());
            return ErrorPage.error(session, null, Response.Status.SERVICE_UNAVAILABLE, Messages.INTERNAL_SERVER_ERROR);
        }
        // The service provider as every identity provider of this source presents itself: the template's settings.
        SAMLIdentityProviderConfig config = new SAMLIdentityProviderConfig();
        Map<String, String> settings = new HashMap<>(template.config());
        settings.put(FederatedSamlIdentityProvider.ALIAS_PREFIX, prefix);
        // Keycloak publishes the signing keys only for an SP that signs its requests; requests are signed for every
        // member that wants them, so the keys are always published (AuthnRequestsSigned keeps the template's value)
        settings.put(FederatedSamlIdentityProvider.SIGNS_ALL_REQUESTS,
                String.valueOf("true".equals(settings.get("wantAuthnRequestsSigned"))));
        settings.put("wantAuthnRequestsSigned", "true");
        config.setConfig(settings);
        config.setAlias(prefix);
        config.setProviderId(FederatedSamlIdentityProviderFactory.PROVIDER_ID);
        FederatedSamlIdentityProvider provider = Objects.requireNonNull(
                IdentityBrokerService.getIdentityProvider(session, config, FederatedSamlIdentityProvider.class));
        return provider.export(session.getContext().getUri(), realm, null);
    }

    private ComponentModel requireSource(String prefix) {
        if (prefix == null || !SharedAcs.PREFIX.matcher(prefix).matches()) {
            throw new NotFoundException("no federation source " + prefix);
        }
        return FederationSources.withAliasPrefix(realm, prefix)
                .orElseThrow(() -> new NotFoundException("no federation source " + prefix));
    }

    /**
     * Whether an identity provider may take a response at the assertion consumer service of source {@code sourceId}
     * (alias prefix {@code prefix}) from {@code issuer}: of the federation member type, enabled, imported by that very
     * source — not by an earlier one with the same prefix, whose identity providers outlived it — with that prefix,
     * and bound to that entityID.
     */
    static boolean ownedBy(String providerId, boolean enabled, Map<String, String> config, String sourceId,
                           String prefix, String issuer) {
        return enabled && config != null
                && FederatedSamlIdentityProviderFactory.PROVIDER_ID.equals(providerId)
                && sourceId != null && sourceId.equals(config.get(FederatedIdentityProviders.SOURCE))
                && prefix.equals(config.get(FederatedSamlIdentityProvider.ALIAS_PREFIX))
                && issuer != null && issuer.equals(config.get(FederatedIdentityProviders.ENTITY_ID));
    }

    /**
     * An unverified issuer as a log may show it: bounded, one line, no control, line-separator or format (bidi)
     * characters.
     */
    static String printable(String issuer) {
        return Printable.quoted(issuer, 256);
    }

    /** The response's issuer, unverified: only to find the identity provider that will verify it. */
    private static String issuer(String samlResponse) {
        SAMLDocumentHolder holder;
        try {
            holder = org.keycloak.saml.SAMLRequestParser.parseResponsePostBinding(samlResponse);
        } catch (RuntimeException e) {
            return null;
        }
        if (holder == null || !(holder.getSamlObject() instanceof ResponseType response)) {
            return null;
        }
        NameIDType issuer = response.getIssuer();
        if (issuer == null || issuer.getValue() == null || issuer.getValue().isBlank()) {
            // an assertion's issuer is required, a response's optional; an encrypted assertion hides its issuer
            issuer = response.getAssertions().stream()
                    .filter(choice -> choice.getAssertion() != null && choice.getAssertion().getIssuer() != null)
                    .map(choice -> choice.getAssertion().getIssuer()).findFirst().orElse(null);
        }
        return issuer == null || issuer.getValue() == null || issuer.getValue().isBlank() ? null : issuer.getValue();
    }

    private Response refuse(String reason, String alias, String message, String log, Object... parameters) {
        EventBuilder event = new EventBuilder(realm, session, session.getContext().getConnection())
                .event(EventType.IDENTITY_PROVIDER_RESPONSE).detail(Details.REASON, reason);
        if (alias != null) {
            event.detail(Details.IDENTITY_PROVIDER, alias);
        }
        event.error(Errors.INVALID_SAML_RESPONSE);
        LOG.warnf("Shared assertion consumer service of realm %s refused a response: %s", realm.getName(), log);
        return ErrorPage.error(session, null, Response.Status.BAD_REQUEST, message, parameters);
    }
}
