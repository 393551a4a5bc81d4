package org.sciencegateway.keycloak.theme.picker;

import org.jboss.logging.Logger;
import org.keycloak.executors.ExecutorsProvider;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.sciencegateway.keycloak.idpfilter.enforce.IdentityProviderMetadata;
import org.sciencegateway.keycloak.idpfilter.rules.ProviderMetadata;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The realm's institutions for the picker, built from its identity providers once per change, never per keystroke.
 * <p>
 * Cluster consistency: the cached directory is keyed by a realm attribute ({@value #VERSION_ATTRIBUTE}) that this
 * module rewrites whenever an identity provider is updated or removed (Keycloak publishes those events on the node
 * that made the change, and the realm attribute reaches every node through Keycloak's own realm cache invalidation),
 * plus the number of identity providers (creation publishes no event, but changes the count). A directory older than
 * {@link #MAX_AGE} is rebuilt anyway, for changes made outside Keycloak's model API (direct database edits). A
 * realm with {@value #BACKGROUND_REBUILD_FROM} identity providers or more (a federation) keeps answering from its
 * previous directory while the new one is built in the background; a smaller one is rebuilt before the answer.
 * <p>
 * Which identity providers become institutions: enabled, able to authenticate users, neither link-only nor hidden on
 * the login page — except those hidden there with {@value #LISTED} = {@code true} (what a federation import writes
 * for every entity not marked hide-from-discovery). Their picker data is read from the identity provider's config:
 * {@value #DOMAINS} and {@value #OTHER_NAMES} (comma-separated), {@value #LOGO}.
 */
final class InstitutionDirectory {

    static final String VERSION_ATTRIBUTE = "institutionDirectoryVersion";
    static final String DOMAINS = "institution.domains";
    static final String OTHER_NAMES = "institution.otherNames";
    static final String LOGO = "institution.logo";
    /** Display names by language, a JSON object written by the federation sync. */
    static final String NAMES = "institution.names";
    static final String LISTED = "institution.listed";
    static final Duration MAX_AGE = Duration.ofMinutes(10);

    private static final Logger LOG = Logger.getLogger(InstitutionDirectory.class);
    private static final Method LINK_ONLY = accessor("isLinkOnly");
    private static final Method HIDE_ON_LOGIN = accessor("isHideOnLogin");
    private static final Map<String, Snapshot> SNAPSHOTS = new ConcurrentHashMap<>();
    private static final String IN_REQUEST = InstitutionDirectory.class.getName() + ".snapshot.";
    /** From this many identity providers on, a stale directory answers while a new one is built in the background. */
    static final int BACKGROUND_REBUILD_FROM = 1_000;
    private static final String REBUILD_TASK = "sg-institution-directory";
    private static final Map<String, Boolean> REBUILDING = new ConcurrentHashMap<>();
    private static final Map<String, Long> LAST_FAILURE = new ConcurrentHashMap<>();
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);

    private InstitutionDirectory() {
    }

    static InstitutionSearch of(KeycloakSession session, RealmModel realm) {
        return snapshot(session, realm).search;
    }

    /**
     * What the federation metadata says of each identity provider, read in the same listing as the directory (one
     * pass over the realm's identity providers, not one lookup per identity provider and page); an alias the listing
     * did not hold is looked up. For offering only: the filter decides on the identity provider used afresh.
     */
    static Function<String, ProviderMetadata> knownMetadata(KeycloakSession session, RealmModel realm) {
        Map<String, ProviderMetadata> metadata = snapshot(session, realm).metadata;
        return alias -> {
            ProviderMetadata known = alias == null ? null : metadata.get(alias);
            return known != null ? known : IdentityProviderMetadata.provider(session, alias);
        };
    }

    /**
     * The realm's directory, checked against the realm's version once per request: the login page and the search
     * endpoint read it twice (admission metadata, then the search), and each check costs a count of the realm's
     * identity providers in the database.
     */
    private static Snapshot snapshot(KeycloakSession session, RealmModel realm) {
        String requestKey = IN_REQUEST + realm.getId();
        Snapshot inRequest = session.getAttribute(requestKey, Snapshot.class);
        if (inRequest != null) {
            return inRequest;
        }
        Snapshot current = current(session, realm);
        session.setAttribute(requestKey, current);
        return current;
    }

    private static Snapshot current(KeycloakSession session, RealmModel realm) {
        String key = key(session, realm);
        Snapshot snapshot = SNAPSHOTS.get(realm.getId());
        if (snapshot != null && snapshot.key.equals(key) && System.nanoTime() - snapshot.builtAt < MAX_AGE.toNanos()) {
            return snapshot;
        }
        if (snapshot != null && snapshot.identityProviders >= BACKGROUND_REBUILD_FROM) {
            rebuildInBackground(session, realm);
            return snapshot;
        }
        return build(session, realm, key);
    }

    /**
     * Rebuilds a large directory off the request (one rebuild per realm at a time, on Keycloak's executor): at
     * federation size a rebuild reads thousands of identity providers (seconds), and no visitor should wait for it
     * while the previous directory can answer. The previous one may offer an identity provider that has just changed
     * or left, for that long; offering is all it does — the filter decides on the identity provider used, and a removed
     * or disabled one cannot log anyone in.
     */
    private static void rebuildInBackground(KeycloakSession session, RealmModel realm) {
        String realmId = realm.getId();
        Long failedAt = LAST_FAILURE.get(realmId);
        if (failedAt != null && System.nanoTime() - failedAt < RETRY_AFTER_FAILURE.toNanos()) {
            return; // a rebuild failed a moment ago: the previous directory answers, the database is not hammered
        }
        if (REBUILDING.putIfAbsent(realmId, Boolean.TRUE) != null) {
            return;
        }
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        try {
            session.getProvider(ExecutorsProvider.class).getExecutor(REBUILD_TASK).execute(() -> {
                try {
                    KeycloakModelUtils.runJobInTransaction(factory, background -> {
                        RealmModel current = background.realms().getRealm(realmId);
                        if (current != null) {
                            background.getContext().setRealm(current);
                            build(background, current, key(background, current));
                        }
                    });
                    LAST_FAILURE.remove(realmId);
                } catch (RuntimeException e) {
                    LAST_FAILURE.put(realmId, System.nanoTime());
                    LOG.warnf(e, "Institution directory of realm %s: background rebuild failed; the previous directory "
                            + "answers, retried in %s", realmId, RETRY_AFTER_FAILURE);
                } finally {
                    REBUILDING.remove(realmId);
                }
            });
        } catch (RuntimeException e) {
            // no executor (the server shutting down): the previous directory still answers this request
            REBUILDING.remove(realmId);
            LOG.debugf(e, "Institution directory of realm %s: no background rebuild started", realmId);
        }
    }

    private static Snapshot build(KeycloakSession session, RealmModel realm, String key) {
        long now = System.nanoTime();
        List<Institution> institutions = new ArrayList<>();
        Map<String, ProviderMetadata> metadata = new HashMap<>();
        allForLogin(session).forEach(idp -> {
            metadata.put(idp.getAlias(), IdentityProviderMetadata.of(idp));
            if (offeredOnLoginPages(idp)) {
                institutions.add(institution(idp));
            }
        });
        InstitutionSearch search = new InstitutionSearch(institutions);
        Snapshot built = new Snapshot(key, search, Map.copyOf(metadata), metadata.size(), now);
        SNAPSHOTS.put(realm.getId(), built);
        LOG.debugf("Institution directory of realm %s built: %d institutions (key %s)", realm.getName(),
                search.size(), key);
        return built;
    }

    /**
     * The realm's identity providers for user login. The map form is deprecated in 26.7 in favour of
     * {@code IdentityProviderQuery}, which does not exist before 26.5; it gives the same list (26.7 implements it as
     * {@code IdentityProviderQuery.userAuthentication()}) and keeps the picker working on 26.4.
     */
    @SuppressWarnings("deprecation")
    private static java.util.stream.Stream<IdentityProviderModel> allForLogin(KeycloakSession session) {
        return session.identityProviders().getAllStream(Map.of(), null, null);
    }

    /**
     * {@code isLinkOnly()} and {@code isHideOnLogin()} return {@code boolean} up to Keycloak 26.4 and {@code Boolean}
     * from 26.5 on; called through reflection (which boxes either), one JAR serves both. A flag that cannot be read
     * counts as set: the identity provider is not listed (the picker offers less, never more).
     */
    private static boolean flag(Method accessor, IdentityProviderModel idp) {
        try {
            return Boolean.TRUE.equals(accessor.invoke(idp));
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private static Method accessor(String name) {
        try {
            return IdentityProviderModel.class.getMethod(name);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("IdentityProviderModel has no " + name + "()", e);
        }
    }

    private static String key(KeycloakSession session, RealmModel realm) {
        return realm.getAttribute(VERSION_ATTRIBUTE) + "/" + session.identityProviders().count();
    }

    static boolean offeredOnLoginPages(IdentityProviderModel idp) {
        if (!idp.isEnabled() || flag(LINK_ONLY, idp)) {
            return false;
        }
        // Hidden on Keycloak's stock login page but listed here: federation imports (thousands of buttons there,
        // a search here), unless the federation marks the entity hide-from-discovery.
        return !flag(HIDE_ON_LOGIN, idp) || "true".equals(idp.getConfig() == null ? null : idp.getConfig().get(LISTED));
    }

    static Institution institution(IdentityProviderModel idp) {
        Map<String, String> config = idp.getConfig() == null ? Map.of() : idp.getConfig();
        return new Institution(idp.getAlias(), idp.getDisplayName(), list(config.get(DOMAINS)),
                list(config.get(OTHER_NAMES)), config.get(LOGO), names(config.get(NAMES)));
    }

    /** The names by language; an unreadable value (never written by the sync) gives none, the display name shows. */
    private static Map<String, String> names(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            Map<String, String> names = org.keycloak.util.JsonSerialization.readValue(json,
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { });
            return names == null ? Map.of() : names.entrySet().stream()
                    .filter(e -> e.getKey() != null && e.getValue() != null && !e.getValue().isBlank())
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    private static List<String> list(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Marks the realm's directory stale whenever one of its identity providers changes, on any node. */
    static void invalidateOnChanges(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof RealmModel.IdentityProviderUpdatedEvent updated) {
                bump(updated.getKeycloakSession(), updated.getRealm());
            } else if (event instanceof RealmModel.IdentityProviderRemovedEvent removed) {
                bump(removed.getKeycloakSession(), removed.getRealm());
            }
        });
    }

    private static void bump(KeycloakSession session, RealmModel eventRealm) {
        try {
            RealmModel realm = session.realms().getRealm(eventRealm.getId());
            if (realm != null) {
                realm.setAttribute(VERSION_ATTRIBUTE, UUID.randomUUID().toString());
            }
        } catch (RuntimeException e) {
            // The realm may be going away with its identity providers; the age limit still rebuilds the directory.
            LOG.debugf(e, "Could not mark the institution directory of realm %s as changed", eventRealm.getId());
        }
    }

    private record Snapshot(String key, InstitutionSearch search, Map<String, ProviderMetadata> metadata,
                            int identityProviders, long builtAt) {
    }
}
