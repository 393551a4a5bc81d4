package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.keycloak.component.ComponentModel;
import org.keycloak.models.RealmModel;
import org.keycloak.services.ui.extend.UiPageProvider;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderTemplate;
import org.sciencegateway.keycloak.samlfederation.sync.InvalidSourceException;
import org.sciencegateway.keycloak.samlfederation.sync.SourceSettings;
import org.sciencegateway.keycloak.samlfederation.sync.SyncStatus;

import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a realm keeps its federation sources and their status. A source is a realm component (the console's page,
 * realm import JSON, the admin REST components API); its status is a realm attribute, written by the node that ran the
 * sync and read by every node through Keycloak's realm cache invalidation.
 */
public final class FederationSources {

    static final String PROVIDER_TYPE = UiPageProvider.class.getName();
    static final String STATUS_ATTRIBUTE_PREFIX = "sg.federation.status.";

    private FederationSources() {
    }

    static Stream<ComponentModel> of(RealmModel realm) {
        return realm.getComponentsStream(realm.getId(), PROVIDER_TYPE)
                .filter(component -> FederationSourcePage.PROVIDER_ID.equals(component.getProviderId()));
    }

    /** The source of {@code realm} with this alias prefix (prefixes are unique in a realm, fixed after creation). */
    public static Optional<ComponentModel> withAliasPrefix(RealmModel realm, String aliasPrefix) {
        return of(realm).filter(component -> aliasPrefix.equals(component.get(SourceSettings.ALIAS_PREFIX)))
                .findFirst();
    }

    static ComponentModel find(RealmModel realm, String sourceId) {
        ComponentModel component = realm.getComponent(sourceId);
        return component != null && FederationSourcePage.PROVIDER_ID.equals(component.getProviderId())
                && PROVIDER_TYPE.equals(component.getProviderType()) ? component : null;
    }

    /** How logs and the endpoint name a source: its name, else (created in the console, which sets none) its prefix. */
    static String label(ComponentModel source) {
        String name = source.getName();
        return name != null && !name.isBlank() ? name : source.get(SourceSettings.ALIAS_PREFIX);
    }

    static SyncStatus status(RealmModel realm, String sourceId) {
        return SyncStatus.fromJson(realm.getAttribute(STATUS_ATTRIBUTE_PREFIX + sourceId));
    }

    /**
     * Until when the metadata of the source's identity providers counts: the accepted aggregate's {@code validUntil}
     * (or the end of its maximum age); {@code null} when no aggregate was accepted. Past it, logins through them fail
     * closed until a sync accepts a current document — the federation's signature vouched for them only that long.
     */
    public static java.time.Instant metadataValidUntil(RealmModel realm, String sourceId) {
        SyncStatus status = status(realm, sourceId);
        if (status.feed() == null || status.feed().validUntil() == null) {
            return null;
        }
        try {
            return java.time.Instant.parse(status.feed().validUntil());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** Whether logins through the source's identity providers may run now ({@link #metadataValidUntil}). */
    public static boolean metadataCurrent(RealmModel realm, String sourceId, java.time.Instant now) {
        java.time.Instant until = metadataValidUntil(realm, sourceId);
        return until != null && until.isAfter(now);
    }

    static void saveStatus(RealmModel realm, String sourceId, SyncStatus status) {
        realm.setAttribute(STATUS_ATTRIBUTE_PREFIX + sourceId, status.toJson());
    }

    static void removeStatus(RealmModel realm, String sourceId) {
        realm.removeAttribute(STATUS_ATTRIBUTE_PREFIX + sourceId);
    }

    /** The template's login flows must exist: an imported identity provider must never run without its filter. */
    static void requireFlows(RealmModel realm, IdentityProviderTemplate template) throws InvalidSourceException {
        requireFlow(realm, template.firstBrokerLoginFlowAlias(), "firstBrokerLoginFlowAlias");
        requireFlow(realm, template.postBrokerLoginFlowAlias(), "postBrokerLoginFlowAlias");
    }

    private static void requireFlow(RealmModel realm, String alias, String field) throws InvalidSourceException {
        if (alias != null && !alias.isBlank() && realm.getFlowByAlias(alias) == null) {
            throw new InvalidSourceException("Identity provider template: " + field + " \"" + alias
                    + "\" is no authentication flow of realm " + realm.getName());
        }
    }
}
