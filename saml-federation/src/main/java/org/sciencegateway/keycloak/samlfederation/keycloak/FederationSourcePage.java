package org.sciencegateway.keycloak.samlfederation.keycloak;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.component.ComponentModel;
import org.keycloak.component.ComponentValidationException;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.ui.extend.UiPageProviderFactory;
import org.jboss.logging.Logger;
import org.sciencegateway.keycloak.samlfederation.sync.FetchPolicy;
import org.sciencegateway.keycloak.samlfederation.sync.InvalidSourceException;
import org.sciencegateway.keycloak.samlfederation.sync.SourceSettings;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The admin console's "SAML federations" page (Keycloak's declarative UI, feature {@code declarative-ui}): each entry
 * is a federation source stored as a realm component, validated at save, synced right after it is created or changed.
 * The status field is written by the server after every sync; what an admin types there is ignored.
 */
@AutoService(UiPageProviderFactory.class)
public final class FederationSourcePage implements UiPageProviderFactory<ComponentModel>,
        ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "saml-federation";
    private static final Logger LOG = Logger.getLogger(FederationSourcePage.class);

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getHelpText() {
        return "SAML federations (eduGAIN, InCommon, DFN-AAI…): each source imports the identity providers of a "
                + "signed metadata aggregate and keeps them in sync.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return FederationSourceForm.PROPERTIES;
    }

    /** The console's list of sources shows URL, prefix and the last sync. */
    @Override
    public Map<String, Object> getTypeMetadata() {
        return Map.of("displayFields", FederationSourceForm.LIST_COLUMNS);
    }

    @Override
    public void validateConfiguration(KeycloakSession session, RealmModel realm, ComponentModel model)
            throws ComponentValidationException {
        try {
            SourceSettings settings = SourceSettings.parse(model.getConfig());
            FederationSources.requireFlows(realm, settings.template());
            MetadataFetcher.check(settings.metadataUrl());
        } catch (InvalidSourceException e) {
            throw AdminMessage.configError(e.getMessage());
        } catch (FetchPolicy.Refused e) {
            throw AdminMessage.configError("Metadata URL: " + e.getMessage());
        }
        if (model.getId() != null && realm.getComponent(model.getId()) == null
                && FederatedIdentityProviders.anyOwnedBy(session, model.getId())) {
            // a new source created with the id of a removed one would own its identity providers (and their users'
            // links) again, under whatever key it pins
            throw AdminMessage.configError("Federation source id \"" + model.getId() + "\": identity providers of a "
                    + "removed source with this id still exist; create the source without an id, or delete those "
                    + "identity providers first");
        }
        String prefix = model.get(SourceSettings.ALIAS_PREFIX);
        boolean clash = FederationSources.of(realm).anyMatch(other -> !Objects.equals(other.getId(), model.getId())
                && prefix.equals(other.get(SourceSettings.ALIAS_PREFIX)));
        if (clash) {
            throw AdminMessage.configError("Alias prefix: another federation source of this realm uses \"" + prefix
                    + "\"; each source needs its own");
        }
    }

    @Override
    public void onCreate(KeycloakSession session, RealmModel realm, ComponentModel model) {
        syncAfterCommit(session, realm, model);
    }

    @Override
    public void onUpdate(KeycloakSession session, RealmModel realm, ComponentModel oldModel, ComponentModel newModel) {
        String oldPrefix = oldModel.get(SourceSettings.ALIAS_PREFIX);
        if (oldPrefix != null && !oldPrefix.equals(newModel.get(SourceSettings.ALIAS_PREFIX))) {
            // the prefix is part of every alias: changing it would re-import everything and orphan users' links
            throw AdminMessage.configError("Alias prefix: cannot change after creation (it is part of every imported "
                    + "identity provider's alias and of its users' links); create a new source instead");
        }
        if (!FederationSourceForm.sameSettings(oldModel, newModel)) {
            syncAfterCommit(session, realm, newModel);
        }
    }

    /**
     * The source's identity providers go with it, disabled or deleted as its {@code removal} setting says, in the
     * transaction that removes it: in the database, so on every node of a cluster (Keycloak invalidates its identity
     * provider and realm caches cluster-wide). The shared assertion consumer service and the login start refuse the
     * identity providers of a source that no longer exists anyway, also when a new source takes the prefix.
     */
    @Override
    public void preRemove(KeycloakSession session, RealmModel realm, ComponentModel model) {
        FederationSources.removeStatus(realm, model.getId());
        boolean delete = "DELETE".equalsIgnoreCase(String.valueOf(model.get(SourceSettings.REMOVAL)).trim());
        RealmModel contextRealm = session.getContext().getRealm();
        if (contextRealm == null || !realm.getId().equals(contextRealm.getId())) {
            session.getContext().setRealm(realm);
        }
        int changed = FederatedIdentityProviders.removeSource(session, model.getId(), delete);
        LOG.infof("Federation source %s of realm %s removed: %d identity providers %s", FederationSources.label(model),
                realm.getName(), changed, delete ? "deleted" : "disabled");
    }

    /** Starts a sync once the admin's change is committed (the sync reads the component in its own transaction). */
    private static void syncAfterCommit(KeycloakSession session, RealmModel realm, ComponentModel model) {
        String realmId = realm.getId();
        String sourceId = model.getId();
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        session.getTransactionManager().enlistAfterCompletion(new org.keycloak.models.AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                org.keycloak.models.utils.KeycloakModelUtils.runJobInTransaction(factory, s ->
                        SyncDispatcher.dispatch(s, realmId, sourceId, true));
            }

            @Override
            protected void rollbackImpl() {
            }
        });
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        return Map.of("version", ModuleVersion.of(getClass()));
    }

    /** The server's fetch policy ({@link FetchPolicy}): SPI options, never a realm's setting. */
    @Override
    public void init(Config.Scope config) {
        MetadataFetcher.configure(FetchPolicy.of(config.get(FetchPolicy.FILE_DIRECTORY),
                config.get(FetchPolicy.INTERNAL_NETWORKS)));
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return org.keycloak.provider.ProviderConfigurationBuilder.create()
                .property().name(FetchPolicy.FILE_DIRECTORY).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("The one directory whose files federation sources may read by file: URLs; unset: file: "
                        + "URLs are refused").add()
                .property().name(FetchPolicy.INTERNAL_NETWORKS).type(ProviderConfigProperty.STRING_TYPE)
                .helpText("IP addresses or CIDR blocks (comma-separated) of loopback, private or link-local hosts "
                        + "that federation sources may fetch from; unset: only public addresses").add()
                .build();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
