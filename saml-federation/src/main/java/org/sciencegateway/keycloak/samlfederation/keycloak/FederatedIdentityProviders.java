package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.jboss.logging.Logger;
import org.keycloak.broker.saml.SAMLIdentityProviderConfig;
import org.keycloak.models.AuthenticationFlowModel;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderStorageProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.util.JsonSerialization;
import org.sciencegateway.keycloak.samlfederation.login.FederatedSamlIdentityProvider;
import org.sciencegateway.keycloak.samlfederation.login.FederatedSamlIdentityProviderFactory;
import org.sciencegateway.keycloak.samlfederation.metadata.EntityRecord;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderTemplate;
import org.sciencegateway.keycloak.samlfederation.sync.LoginProfile;
import org.sciencegateway.keycloak.samlfederation.sync.SyncPlan;

import java.lang.reflect.Method;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes a source's identity providers: one SAML identity provider per entity, its settings from the source's template
 * and its endpoints, keys, names and institution data from the entity's metadata, always hidden on Keycloak's stock
 * login page (thousands of buttons) and listed by the institution picker unless the entity is hidden from discovery.
 * <p>
 * The identity provider config keys below are the contract with the picker ({@code institution.*}) and the
 * institution filter, which read what the metadata says about the identity provider a user actually came through.
 */
public final class FederatedIdentityProviders {

    public static final String SOURCE = "sg.federation.source";
    public static final String ENTITY_ID = "sg.federation.entityId";
    static final String DIGEST = "sg.federation.digest";
    static final String STATE_DIGEST = "sg.federation.stateDigest";
    static final String LEFT_AT = "sg.federation.leftAt";

    static final String DOMAINS = "institution.domains";
    static final String OTHER_NAMES = "institution.otherNames";
    static final String LOGO = "institution.logo";
    /**
     * An inline logo from the metadata ({@code image/png;base64,…}, checked by
     * {@link org.sciencegateway.keycloak.samlfederation.metadata.InlineLogo}); then {@value #LOGO} is
     * {@code inline:<version>} and the picker serves the image itself.
     */
    static final String LOGO_DATA = "institution.logoData";
    static final String INLINE_LOGO_PREFIX = "inline:";
    static final String LISTED = "institution.listed";
    static final String REGISTRATION_AUTHORITY = "institution.registrationAuthority";
    static final String ENTITY_CATEGORIES = "institution.entityCategories";
    static final String ASSURANCE_CERTIFICATIONS = "institution.assuranceCertifications";
    static final String SCOPES = "institution.scopes";
    /** Display names by language ({@code {"en": …, "de": …}}): the picker shows the user's language. */
    static final String NAMES = "institution.names";
    /**
     * The SAML attributes that key a user's account, in order (JSON array); absent when the NameID does
     * ({@link org.sciencegateway.keycloak.samlfederation.sync.LoginProfile}). Read at login by the shared ACS.
     */
    public static final String ACCOUNT_KEY_ATTRIBUTES = "sg.federation.accountKeyAttributes";

    static final String INSTITUTION_MAPPER = "sg-institution-identity";
    static final String INSTITUTION_MAPPER_NAME = "institution (from federation metadata)";

    /**
     * What this writer makes of an entity, beyond the entity and the template: part of every identity provider's
     * digest, so that a new version of the writer rewrites every identity provider at the next sync. 2: the
     * federation member type with the shared assertion consumer service; 3: scopes, entity categories and
     * certifications as JSON arrays; 4: the state digest that catches edits by hand; 5: NameID format, account key
     * and signed requests per entity, names by language.
     */
    static final String LAYOUT = "5";

    private static final Logger LOG = Logger.getLogger(FederatedIdentityProviders.class);
    private static final Method SET_HIDE_ON_LOGIN = hideOnLoginSetter();

    private final KeycloakSession session;
    private final RealmModel realm;
    private final String sourceId;
    private final String aliasPrefix;
    private final IdentityProviderTemplate template;

    FederatedIdentityProviders(KeycloakSession session, RealmModel realm, String sourceId, String aliasPrefix,
                               IdentityProviderTemplate template) {
        this.session = session;
        this.realm = realm;
        this.sourceId = sourceId;
        this.aliasPrefix = aliasPrefix;
        this.template = template;
    }

    /** This source's identity providers: alias → (digest written, enabled, entityID bound to). */
    static Map<String, SyncPlan.Existing> existing(KeycloakSession session, String sourceId) {
        return of(session, sourceId).collect(Collectors.toMap(IdentityProviderModel::getAlias,
                idp -> new SyncPlan.Existing(writtenDigest(idp), idp.isEnabled(), idp.getConfig().get(ENTITY_ID))));
    }

    /**
     * The digest the sync wrote, when the identity provider is still as the sync wrote it; otherwise a value no entity
     * has, so the plan rewrites it from the signed metadata. An edit by hand (another signing certificate, another SSO
     * URL, a first-broker-login flow that links by email) must not survive a sync that reports it "unchanged".
     */
    private static String writtenDigest(IdentityProviderModel idp) {
        String written = String.valueOf(idp.getConfig().get(DIGEST));
        if (!stateDigest(idp).equals(idp.getConfig().get(STATE_DIGEST))) {
            LOG.warnf("Federation source %s: identity provider %s was changed outside the sync; the next write "
                    + "restores it from the signed metadata", idp.getConfig().get(SOURCE), idp.getAlias());
            return "edited:" + written;
        }
        return written;
    }

    /**
     * A fingerprint of everything that decides whom the identity provider logs in: its whole config (but the sync's
     * own bookkeeping), type, flows, email trust and link-only setting.
     */
    static String stateDigest(IdentityProviderModel idp) {
        java.util.TreeMap<String, String> state = new java.util.TreeMap<>(idp.getConfig());
        state.remove(DIGEST);
        state.remove(STATE_DIGEST);
        state.remove(LEFT_AT);
        state.put(" providerId", idp.getProviderId());
        state.put(" firstBrokerLoginFlowId", String.valueOf(idp.getFirstBrokerLoginFlowId()));
        state.put(" postBrokerLoginFlowId", String.valueOf(idp.getPostBrokerLoginFlowId()));
        state.put(" trustEmail", String.valueOf(idp.isTrustEmail()));
        state.put(" linkOnly", String.valueOf(idp.isLinkOnly()));
        StringBuilder canonical = new StringBuilder();
        state.forEach((key, value) -> canonical.append(key.length()).append(':').append(key)
                .append(value == null ? -1 : value.length()).append(':').append(value == null ? "" : value)
                .append('\n'));
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /** Whether any identity provider names {@code sourceId} as its source (a removed source's leave theirs behind). */
    static boolean anyOwnedBy(KeycloakSession session, String sourceId) {
        return of(session, sourceId).findAny().isPresent();
    }

    @SuppressWarnings("deprecation") // the Map form exists on every supported release; IdentityProviderQuery from 26.5
    private static java.util.stream.Stream<IdentityProviderModel> of(KeycloakSession session, String sourceId) {
        return session.identityProviders().getAllStream(Map.of(SOURCE, sourceId), null, null);
    }

    /**
     * A source is removed: its identity providers are disabled (links kept, {@link #LEFT_AT} set) or deleted as its
     * {@code removal} setting says, in the transaction that removes it — so on every node, through the database and
     * Keycloak's cluster-wide cache invalidation. Returns how many were disabled or deleted.
     */
    static int removeSource(KeycloakSession session, String sourceId, boolean delete) {
        IdentityProviderStorageProvider idps = session.identityProviders();
        List<IdentityProviderModel> owned = of(session, sourceId)
                .filter(idp -> FederatedSamlIdentityProviderFactory.PROVIDER_ID.equals(idp.getProviderId()))
                .toList();
        int changed = 0;
        for (IdentityProviderModel idp : owned) {
            if (delete) {
                idps.remove(idp.getAlias());
                changed++;
            } else if (idp.isEnabled()) {
                IdentityProviderModel model = idps.getByAlias(idp.getAlias());
                model.setEnabled(false);
                model.getConfig().put(LEFT_AT, Instant.now().toString());
                idps.update(model);
                changed++;
            }
        }
        return changed;
    }

    /**
     * Creates or rewrites one identity provider of this source; {@code false} when its metadata cannot make a valid
     * one, or when the alias is taken by an identity provider the source does not own.
     */
    boolean write(SyncPlan.Change change) {
        IdentityProviderStorageProvider idps = session.identityProviders();
        IdentityProviderModel existing = idps.getByAlias(change.alias());
        if (existing != null && !sourceId.equals(existing.getConfig().get(SOURCE))) {
            // an identity provider this source does not own has the alias: never overwrite it
            LOG.warnf("Federation source %s: entity %s not imported: alias %s belongs to another identity provider",
                    sourceId, change.entity().entityId(), change.alias());
            return false;
        }
        if (existing != null && !change.entity().entityId().equals(existing.getConfig().get(ENTITY_ID))) {
            // bound for life to the entityID it was created for: never re-pointed (the plan refuses this already)
            LOG.warnf("Federation source %s: entity %s not imported: alias %s is bound to another entityID",
                    sourceId, change.entity().entityId(), change.alias());
            return false;
        }
        SAMLIdentityProviderConfig model = existing == null ? new SAMLIdentityProviderConfig()
                : new SAMLIdentityProviderConfig(existing);
        fill(model, change);
        try {
            model.validate(realm);
        } catch (RuntimeException e) {
            LOG.warnf("Federation source %s: entity %s not imported: %s", sourceId, change.entity().entityId(),
                    e.getMessage());
            return false;
        }
        model.getConfig().put(STATE_DIGEST, stateDigest(model));
        if (existing == null) {
            idps.create(model);
        } else {
            idps.update(model);
            idps.getMappersByAliasStream(change.alias()).toList().forEach(idps::removeMapper);
        }
        mappers(change).forEach(idps::createMapper);
        return true;
    }

    /** An identity provider whose entity left the feed: disabled (links kept) or deleted. */
    void leave(String alias, boolean delete) {
        IdentityProviderStorageProvider idps = session.identityProviders();
        if (delete) {
            idps.remove(alias);
            return;
        }
        IdentityProviderModel model = idps.getByAlias(alias);
        if (model != null && model.isEnabled()) {
            model.setEnabled(false);
            model.getConfig().put(LEFT_AT, Instant.now().toString());
            idps.update(model);
        }
    }

    private void fill(SAMLIdentityProviderConfig model, SyncPlan.Change change) {
        EntityRecord entity = change.entity();
        Map<String, String> config = new HashMap<>(template.config());
        config.put(SOURCE, sourceId);
        config.put(ENTITY_ID, entity.entityId());
        config.put(DIGEST, change.digest());
        config.put("idpEntityId", entity.entityId());
        boolean post = entity.ssoPostUrl() != null;
        config.put("singleSignOnServiceUrl", post ? entity.ssoPostUrl() : entity.ssoRedirectUrl());
        config.put("postBindingAuthnRequest", String.valueOf(post));
        config.put("validateSignature", "true");
        config.put("postBindingResponse", "true");
        config.put("artifactBindingResponse", "false");
        config.put(FederatedSamlIdentityProvider.ALIAS_PREFIX, aliasPrefix);
        config.put("signingCertificate", String.join(",", entity.signingCertificates()));
        LoginProfile profile = LoginProfile.of(template, entity);
        config.put("nameIDPolicyFormat", profile.nameIdFormat());
        if (profile.keyedByNameId()) {
            config.put("principalType", "SUBJECT");
            config.remove("principalAttribute");
            config.remove(ACCOUNT_KEY_ATTRIBUTES);
        } else {
            // Keycloak's own setting names the first attribute (and accepts a transient NameID with it); the shared
            // ACS keys the account by the first of them all the response carries (login.AccountKey)
            config.put("principalType", "ATTRIBUTE");
            config.put("principalAttribute", profile.accountKeyAttributes().get(0));
            config.put(ACCOUNT_KEY_ATTRIBUTES, jsonArray(profile.accountKeyAttributes()));
        }
        config.put("wantAuthnRequestsSigned", String.valueOf(profile.signRequests()));
        if (profile.signRequests()) {
            config.putIfAbsent("signatureAlgorithm", "RSA_SHA256");
            config.putIfAbsent("xmlSigKeyInfoKeyNameTransformer", "KEY_ID");
        }
        putIfPresent(config, NAMES, jsonMap(entity.displayNames()));
        putIfPresent(config, DOMAINS, domains(entity));
        putIfPresent(config, OTHER_NAMES, otherNames(entity));
        putIfPresent(config, LOGO, entity.logo() != null ? entity.logo()
                : entity.inlineLogo() == null ? null : INLINE_LOGO_PREFIX + version(entity.inlineLogo()));
        putIfPresent(config, LOGO_DATA, entity.logo() != null ? null : entity.inlineLogo());
        config.put(LISTED, String.valueOf(!entity.hiddenFromDiscovery()));
        putIfPresent(config, REGISTRATION_AUTHORITY, entity.registrationAuthority());
        putIfPresent(config, ENTITY_CATEGORIES, jsonList(entity.entityCategories()));
        putIfPresent(config, ASSURANCE_CERTIFICATIONS, jsonList(entity.assuranceCertifications()));
        if (entity.scopes().isEmpty()) {
            config.remove(SCOPES);
        } else {
            // registered scopes of which none is usable stay an (empty) list: the check then admits nothing, where
            // no list at all would check nothing
            config.put(SCOPES, jsonArray(entity.usableScopes().stream().map(EntityRecord.Scope::toString).toList()));
        }
        model.setConfig(config);
        model.setAlias(change.alias());
        model.setProviderId(FederatedSamlIdentityProviderFactory.PROVIDER_ID);
        model.setEnabled(true);
        model.setDisplayName(entity.displayName());
        model.setTrustEmail(Boolean.TRUE.equals(template.trustEmail()));
        model.setStoreToken(false);
        model.setAddReadTokenRoleOnCreate(false);
        model.setFirstBrokerLoginFlowId(flowId(template.firstBrokerLoginFlowAlias()));
        model.setPostBrokerLoginFlowId(flowId(template.postBrokerLoginFlowAlias()));
        hideOnLogin(model);
    }

    private List<IdentityProviderMapperModel> mappers(SyncPlan.Change change) {
        List<IdentityProviderMapperModel> mappers = new java.util.ArrayList<>();
        IdentityProviderMapperModel institution = new IdentityProviderMapperModel();
        institution.setName(INSTITUTION_MAPPER_NAME);
        institution.setIdentityProviderAlias(change.alias());
        institution.setIdentityProviderMapper(INSTITUTION_MAPPER);
        Map<String, String> institutionConfig = new HashMap<>();
        institutionConfig.put("syncMode", "FORCE");
        putIfPresent(institutionConfig, "institution.claim", template.institutionAttribute());
        putIfPresent(institutionConfig, "registration.authority", change.entity().registrationAuthority());
        institutionConfig.put("email.domain", "true");
        institution.setConfig(institutionConfig);
        mappers.add(institution);
        for (IdentityProviderTemplate.Mapper mapper : template.mappers()) {
            IdentityProviderMapperModel model = new IdentityProviderMapperModel();
            model.setName(mapper.name());
            model.setIdentityProviderAlias(change.alias());
            model.setIdentityProviderMapper(mapper.identityProviderMapper());
            model.setConfig(new HashMap<>(mapper.config() == null ? Map.of() : mapper.config()));
            mappers.add(model);
        }
        return mappers;
    }

    /** Institution domains for the picker's search: non-regexp scopes and the entity's domain hints. */
    private static String domains(EntityRecord entity) {
        Set<String> domains = new LinkedHashSet<>();
        entity.usableScopes().stream().filter(scope -> !scope.regexp()).map(EntityRecord.Scope::value)
                .forEach(domains::add);
        domains.addAll(entity.domainHints());
        return String.join(",", domains);
    }

    /** Names in other languages and keywords, for the picker's search. */
    private static String otherNames(EntityRecord entity) {
        Set<String> names = new LinkedHashSet<>(entity.displayNames().values());
        names.remove(entity.displayName());
        names.addAll(entity.keywords());
        return names.stream().map(name -> name.replace(',', ' ')).collect(Collectors.joining(","));
    }

    private String flowId(String alias) {
        if (alias == null || alias.isBlank()) {
            return null;
        }
        AuthenticationFlowModel flow = realm.getFlowByAlias(alias);
        if (flow == null) {
            throw new IllegalStateException("the template's flow \"" + alias + "\" does not exist in realm "
                    + realm.getName());
        }
        return flow.getId();
    }

    /**
     * A multi-valued field as a JSON array of strings, read by the institution filter without re-splitting (a value
     * with a space stays one value); {@code null} when empty.
     */
    static String jsonList(java.util.Collection<String> values) {
        return values.isEmpty() ? null : jsonArray(values);
    }

    private static String jsonArray(java.util.Collection<String> values) {
        try {
            return JsonSerialization.writeValueAsString(List.copyOf(values));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
    }

    /** A short fingerprint of an inline logo: its URL changes when the image does (browsers may cache it). */
    private static String version(String inlineLogo) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(inlineLogo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /** Names by language as a JSON object; {@code null} when none. */
    private static String jsonMap(Map<String, String> names) {
        if (names.isEmpty()) {
            return null;
        }
        try {
            return JsonSerialization.writeValueAsString(new java.util.TreeMap<>(names));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    private static void putIfPresent(Map<String, String> config, String key, String value) {
        if (value != null && !value.isBlank()) {
            config.put(key, value);
        } else {
            config.remove(key);
        }
    }

    /** {@code setHideOnLogin} takes {@code boolean} up to 26.4 and {@code Boolean} from 26.5: called reflectively. */
    private static void hideOnLogin(IdentityProviderModel model) {
        try {
            SET_HIDE_ON_LOGIN.invoke(model, Boolean.TRUE);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot hide the identity provider on the login page", e);
        }
    }

    private static Method hideOnLoginSetter() {
        for (Method method : IdentityProviderModel.class.getMethods()) {
            if (method.getName().equals("setHideOnLogin") && method.getParameterCount() == 1) {
                return method;
            }
        }
        throw new IllegalStateException("IdentityProviderModel.setHideOnLogin is missing");
    }
}
