package org.sciencegateway.keycloak.realmexports;

import com.google.auto.service.AutoService;
import org.keycloak.Config;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.ModelException;
import org.keycloak.models.RealmModel;
import org.keycloak.vault.VaultProvider;
import org.keycloak.vault.VaultProviderFactory;
import org.keycloak.vault.VaultRawSecret;

/**
 * Refuses to create a realm (import at start, {@code kc.sh import}, or the admin REST API) whose client secrets,
 * client URLs or identity-provider settings still hold an unresolved {@code ${NAME}} placeholder, or whose
 * identity providers refer to {@code ${vault.KEY}} entries the server's vault cannot read
 * ({@link UnresolvedPlaceholders}): the creation fails, its transaction is rolled back, and the message names every
 * missing variable and where it is used. Registered as an event-listener factory only to be initialised at start
 * (Keycloak has no SPI for start-up hooks); the listener it would give a realm does nothing.
 */
@AutoService(EventListenerProviderFactory.class)
public final class ImportPlaceholderCheck implements EventListenerProviderFactory {

    public static final String PROVIDER_ID = "sg-import-placeholder-check";

    private static final EventListenerProvider NOTHING = new EventListenerProvider() {
        @Override
        public void onEvent(Event event) {
        }

        @Override
        public void onEvent(AdminEvent event, boolean includeRepresentation) {
        }

        @Override
        public void close() {
        }
    };

    static UnresolvedPlaceholders scan(KeycloakSession session, RealmModel realm) {
        UnresolvedPlaceholders found = new UnresolvedPlaceholders();
        realm.getClientsStream().forEach(client -> scan(found, client));
        // Identity providers are read through the session's realm, which a start-up import has not set yet.
        KeycloakContext context = session.getContext();
        RealmModel previous = context.getRealm();
        context.setRealm(realm);
        VaultProviderFactory vaults = (VaultProviderFactory) session.getKeycloakSessionFactory()
                .getProviderFactory(VaultProvider.class);
        VaultProvider vault = null;
        try {
            // Created for this realm: the file vault names its entries after the realm in the context.
            vault = vaults == null ? null : vaults.create(session);
            VaultProvider readable = vault;
            session.identityProviders().getAllStream().forEach(idp -> {
                String where = "identity provider " + idp.getAlias();
                idp.getConfig().forEach((key, value) -> {
                    found.check(where + ": " + key, value);
                    String vaultKey = UnresolvedPlaceholders.vaultKey(value);
                    if (vaultKey != null && !readable(readable, vaultKey)) {
                        found.missingVaultEntry(where + ": " + key, vaultKey);
                    }
                });
            });
        } finally {
            if (vault != null) {
                vault.close();
            }
            context.setRealm(previous);
        }
        return found;
    }

    private static boolean readable(VaultProvider vault, String key) {
        if (vault == null) {
            return false;
        }
        try (VaultRawSecret secret = vault.obtainSecret(key)) {
            return secret.get().isPresent();
        }
    }

    private static void scan(UnresolvedPlaceholders found, ClientModel client) {
        String where = "client " + client.getClientId();
        found.check(where + ": secret", client.getSecret())
                .check(where + ": rootUrl", client.getRootUrl())
                .check(where + ": baseUrl", client.getBaseUrl())
                .check(where + ": adminUrl", client.getManagementUrl());
        client.getRedirectUris().forEach(uri -> found.check(where + ": redirect URI", uri));
        client.getWebOrigins().forEach(origin -> found.check(where + ": web origin", origin));
        client.getAttributes().forEach((key, value) -> found.check(where + ": " + key, value));
    }

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return NOTHING;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof RealmModel.RealmPostCreateEvent created) {
                RealmModel realm = created.getCreatedRealm();
                UnresolvedPlaceholders found = scan(created.getKeycloakSession(), realm);
                if (found.any()) {
                    throw new ModelException(found.message(realm.getName()));
                }
            }
        });
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
