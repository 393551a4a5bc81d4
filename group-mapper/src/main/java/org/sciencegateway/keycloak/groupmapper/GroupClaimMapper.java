package org.sciencegateway.keycloak.groupmapper;

import com.google.auto.service.AutoService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperContainerModel;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.ProtocolMapperConfigException;
import org.keycloak.protocol.oidc.mappers.AbstractOIDCProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAccessTokenMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.protocol.oidc.mappers.OIDCIDTokenMapper;
import org.keycloak.protocol.oidc.mappers.TokenIntrospectionTokenMapper;
import org.keycloak.protocol.oidc.mappers.UserInfoTokenMapper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.representations.IDToken;

/**
 * OIDC protocol mapper writing a user's selected groups (and, if asked, roles) into one claim, in the formats
 * JupyterHub and research infrastructures read. Thin adapter: it reads the user's memberships once per request,
 * computes the paths it needs from memoised parents, and leaves every decision to {@link GroupClaimPolicy}.
 */
@AutoService(ProtocolMapper.class)
public final class GroupClaimMapper extends AbstractOIDCProtocolMapper implements OIDCAccessTokenMapper,
        OIDCIDTokenMapper, UserInfoTokenMapper, TokenIntrospectionTokenMapper, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "science-gateway-group-mapper";

    private static final Logger LOG = Logger.getLogger(GroupClaimMapper.class);
    private static final GroupClaimPolicyCache POLICIES = new GroupClaimPolicyCache();
    private static final String MEMBERSHIPS_ATTRIBUTE = PROVIDER_ID + ".memberships";
    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = configProperties();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayCategory() {
        return TOKEN_MAPPER_CATEGORY;
    }

    @Override
    public String getDisplayType() {
        return "Group claim (subtree, WLCG, AARC)";
    }

    @Override
    public String getHelpText() {
        return "Maps the user's groups below chosen subtree roots, filtered by patterns, optionally with roles, into one"
                + " claim as names, paths, WLCG wlcg.groups or AARC-G069 entitlements.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG_PROPERTIES;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        String version = GroupClaimMapper.class.getPackage().getImplementationVersion();
        return Map.of("version", version == null ? "development" : version);
    }

    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, ProtocolMapperContainerModel container,
                               ProtocolMapperModel model) throws ProtocolMapperConfigException {
        Map<String, String> config = model.getConfig() == null ? Map.of() : model.getConfig();
        GroupClaimPolicy policy;
        try {
            policy = GroupMapperConfig.parse(config, KeycloakModelUtils.escapeSlashesInGroupPath(session));
        } catch (InvalidGroupMapperConfigException e) {
            throw configError(e.getMessage());
        }
        String clientId = policy.roles().clientId();
        if (clientId != null && realm.getClientByClientId(clientId) == null) {
            throw configError("Client \"" + clientId + "\" chosen for client roles does not exist in realm \""
                    + realm.getName() + "\": choose an existing client ID, or clear the field.");
        }
        for (String root : GroupMapperConfig.subtreeRoots(config)) {
            if (KeycloakModelUtils.findGroupByPath(session, realm, root) == null) {
                throw configError("Subtree root \"" + root + "\" is not a group path in realm \"" + realm.getName()
                        + "\": use the full path of an existing group, e.g. /escape.");
            }
        }
        for (String optional : GroupMapperConfig.values(config.get(GroupMapperConfig.WLCG_OPTIONAL_GROUPS))) {
            if (KeycloakModelUtils.findGroupByPath(session, realm, optional) == null) {
                throw configError("WLCG optional group \"" + optional + "\" is not a group path in realm \""
                        + realm.getName() + "\": use the full path of an existing group, e.g. /escape/data-managers.");
            }
        }
    }

    /**
     * Keycloak runs the message through MessageFormat before showing it (error_description), which would eat
     * quotes and braces, e.g. in an echoed regular expression; such a message is quoted for MessageFormat.
     */
    static ProtocolMapperConfigException configError(String message) {
        String pattern = message.indexOf('\'') < 0 && message.indexOf('{') < 0 && message.indexOf('}') < 0
                ? message
                : "'" + message.replace("'", "''") + "'";
        return new ProtocolMapperConfigException(pattern, pattern);
    }

    @Override
    protected void setClaim(IDToken token, ProtocolMapperModel model, UserSessionModel userSession,
                            KeycloakSession session, ClientSessionContext clientSessionCtx) {
        GroupClaimPolicy policy;
        try {
            policy = POLICIES.policy(model.getConfig(), KeycloakModelUtils.escapeSlashesInGroupPath(session));
        } catch (InvalidGroupMapperConfigException e) {
            // Fails closed: a configuration that slipped past validation (e.g. an import) emits no claim at all.
            LOG.warnf("Group mapper '%s' emits nothing: %s", model.getName(), e.getMessage());
            return;
        }

        GroupPaths paths = memberships(userSession, clientSessionCtx);
        // The ID token and the access token of one request get the same values: computed once.
        List<String> values = paths.claimValues(policy, () -> claimValues(policy, paths, clientSessionCtx));

        ProtocolMapperModel effective = new ProtocolMapperModel(model);
        effective.setConfig(new HashMap<>(model.getConfig()));
        effective.getConfig().put(OIDCAttributeMapperHelper.TOKEN_CLAIM_NAME, policy.claimName());
        effective.getConfig().put("multivalued", "true");
        effective.getConfig().remove(OIDCAttributeMapperHelper.JSON_TYPE);
        // A copy per token: another mapper writing the same claim may add to the list Keycloak puts in the token.
        OIDCAttributeMapperHelper.mapClaim(token, effective, new ArrayList<>(values));
    }

    private static List<String> claimValues(GroupClaimPolicy policy, GroupPaths paths,
                                            ClientSessionContext clientSessionCtx) {
        List<GroupPath> memberships = paths.candidates(policy.selection());
        Set<RoleModel> availableRoles = policy.needsGroupRoles() || policy.needsUserRoles()
                ? clientSessionCtx.getRolesStream().collect(Collectors.toSet())
                : Set.of();
        List<RoleRef> userRoles = policy.needsUserRoles()
                ? availableRoles.stream().map(GroupClaimMapper::toRoleRef).toList()
                : List.of();
        String scope = policy.format() == GroupClaimFormat.WLCG ? clientSessionCtx.getScopeString(true) : null;
        return List.copyOf(policy.claimValues(memberships,
                group -> groupRoles(paths.groupAt(group), availableRoles), userRoles, scope));
    }

    /**
     * The user's memberships, read once per token request: the ID token, the access token and every group mapper of
     * the request share them, and the paths resolved for them, through the request's client session context.
     */
    private static GroupPaths memberships(UserSessionModel userSession, ClientSessionContext clientSessionCtx) {
        GroupPaths known = clientSessionCtx.getAttribute(MEMBERSHIPS_ATTRIBUTE, GroupPaths.class);
        if (known != null && known.userId().equals(userSession.getUser().getId())) {
            return known;
        }
        GroupPaths paths = new GroupPaths(userSession.getUser().getId(), userSession.getUser().getGroupsStream().toList());
        clientSessionCtx.setAttribute(MEMBERSHIPS_ATTRIBUTE, paths);
        return paths;
    }

    /** A selected group's own role mappings, limited to the roles the client may see for this user. */
    private static Collection<RoleRef> groupRoles(GroupModel group, Set<RoleModel> availableRoles) {
        if (group == null) {
            return List.of();
        }
        return group.getRoleMappingsStream().filter(availableRoles::contains).map(GroupClaimMapper::toRoleRef).toList();
    }

    private static RoleRef toRoleRef(RoleModel role) {
        if (role.isClientRole() && role.getContainer() instanceof ClientModel client) {
            return RoleRef.clientRole(client.getClientId(), role.getName());
        }
        return RoleRef.realmRole(role.getName());
    }

    /**
     * Paths of the user's groups. Each ancestor is resolved once per token ({@code getParent()} is served from
     * Keycloak's realm cache) and found again by the parent ID every membership carries; a membership outside every
     * subtree root of a mapper is dropped on its parent's path alone, without building its own.
     */
    static final class GroupPaths {
        private final String userId;
        private final List<GroupModel> groups;
        private final Map<String, GroupPath> pathById = new HashMap<>();
        private final Map<GroupPath, GroupModel> groupByPath = new HashMap<>();
        private final Set<String> resolving = new HashSet<>();
        private final Map<GroupSelection, List<GroupPath>> candidates = new HashMap<>();
        private final Map<GroupClaimPolicy, List<String>> values = new HashMap<>();

        GroupPaths(String userId, List<GroupModel> groups) {
            this.userId = userId;
            this.groups = groups;
        }

        String userId() {
            return userId;
        }

        /**
         * A policy's claim values for this request, computed on first use. The request's granted scope and the
         * client's roles, their only other inputs, are the same for each of its tokens.
         */
        List<String> claimValues(GroupClaimPolicy policy, Supplier<List<String>> compute) {
            return values.computeIfAbsent(policy, p -> compute.get());
        }

        /** The paths of the memberships that {@code selection} may select (every membership without subtree roots). */
        List<GroupPath> candidates(GroupSelection selection) {
            return candidates.computeIfAbsent(selection, this::resolve);
        }

        private List<GroupPath> resolve(GroupSelection selection) {
            List<GroupPath> result = new ArrayList<>();
            for (GroupModel group : groups) {
                String parentId = group.getParentId();
                GroupPath parent = null;
                if (parentId != null) {
                    parent = pathById.get(parentId);
                    if (parent == null) {
                        parent = pathOf(group.getParent());
                    }
                }
                if (selection.mayHold(parent, group.getName())) {
                    GroupPath path = parent == null ? GroupPath.of(group.getName()) : parent.child(group.getName());
                    groupByPath.putIfAbsent(path, group);
                    result.add(path);
                }
            }
            return result;
        }

        GroupPath pathOf(GroupModel group) {
            GroupPath known = pathById.get(group.getId());
            if (known != null) {
                return known;
            }
            if (!resolving.add(group.getId())) {
                throw new IllegalStateException("Group " + group.getId() + " is its own ancestor");
            }
            GroupModel parent = group.getParentId() == null ? null : group.getParent();
            GroupPath path = parent == null ? GroupPath.of(group.getName()) : pathOf(parent).child(group.getName());
            resolving.remove(group.getId());
            pathById.put(group.getId(), path);
            groupByPath.put(path, group);
            return path;
        }

        GroupModel groupAt(GroupPath path) {
            return groupByPath.get(path);
        }
    }

    private static List<ProviderConfigProperty> configProperties() {
        List<ProviderConfigProperty> properties = ProviderConfigurationBuilder.create()
                .property().name(GroupMapperConfig.FORMAT).label("Group format").type(ProviderConfigProperty.LIST_TYPE)
                .options(GroupClaimFormat.configValues()).defaultValue(GroupClaimFormat.FULL_PATH.configValue())
                .helpText("name: the group's name (users). full-path: /escape/users (what JupyterHub allowed_groups lists)."
                        + " path-without-leading-slash: escape/users (INDIGO IAM). relative-path: the path below the"
                        + " subtree root (users). wlcg: WLCG wlcg.groups, ordered /vo/sub paths with requested groups"
                        + " first. aarc-entitlement: AARC-G069 <namespace>:group:<g>:role=<r>#<authority>.")
                .add()
                .property().name(GroupMapperConfig.SUBTREE_ROOTS).label("Subtree roots")
                .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
                .helpText("Full paths of groups (e.g. /escape). Only these groups and the groups below them are"
                        + " mapped. Empty: every group of the user.")
                .add()
                .property().name(GroupMapperConfig.INCLUDE_PATTERNS).label("Include patterns")
                .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
                .helpText("Java regular expressions matched against the whole full path (e.g. /escape/(users|admins))."
                        + " When set, a group must match one of them.")
                .add()
                .property().name(GroupMapperConfig.EXCLUDE_PATTERNS).label("Exclude patterns")
                .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
                .helpText("Java regular expressions matched against the whole full path; a matching group is never mapped.")
                .add()
                .property().name(GroupMapperConfig.INCLUDE_PARENTS).label("Include parent groups")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false")
                .helpText("Also map the ancestors of each group the user is a member of (still limited by the subtree"
                        + " roots and patterns). Off: a child group does not imply its parent, as WLCG requires.")
                .add()
                .property().name(GroupMapperConfig.REALM_ROLES).label("Add realm roles")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false")
                .helpText("Add the names of the user's realm roles (those the client may see) to the claim. With AARC"
                        + " entitlements, a group's realm roles become role=<role> values of that group.")
                .add()
                .property().name(GroupMapperConfig.CLIENT_ROLES_CLIENT).label("Add client roles of client")
                .type(ProviderConfigProperty.CLIENT_LIST_TYPE)
                .helpText("Add the names of the user's roles of this client to the claim. With AARC entitlements, a"
                        + " group's roles of this client become role=<role> values of that group.")
                .add()
                .property().name(GroupMapperConfig.WLCG_OPTIONAL_GROUPS).label("WLCG optional groups")
                .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
                .helpText("Format wlcg only. Full paths of groups emitted only when the client requests them with the"
                        + " scope wlcg.groups:/vo/group (that scope must be a client scope of the client).")
                .add()
                .property().name(GroupMapperConfig.AARC_NAMESPACE).label("AARC namespace")
                .type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Format aarc-entitlement only. The URN namespace of the entitlements, e.g. urn:mace:example.org.")
                .add()
                .property().name(GroupMapperConfig.AARC_AUTHORITY).label("AARC authority")
                .type(ProviderConfigProperty.STRING_TYPE)
                .helpText("Format aarc-entitlement only. The group authority after '#', e.g. aai.example.org.")
                .add()
                .build();
        List<ProviderConfigProperty> all = new ArrayList<>();
        OIDCAttributeMapperHelper.addTokenClaimNameConfig(all);
        all.add(ProviderConfigurationBuilder.create()
                .property().name(GroupMapperConfig.CLAIM_NAME_LITERAL).label("Claim name dots are literal")
                .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false")
                .helpText("On: every dot in the claim name is part of the name (wlcg.groups is one claim). Off: dots"
                        + " nest claims as usual in Keycloak; write wlcg\\.groups for a literal dot.")
                .add().build().get(0));
        all.addAll(properties);
        OIDCAttributeMapperHelper.addIncludeInTokensConfig(all, GroupClaimMapper.class);
        return List.copyOf(all);
    }
}
