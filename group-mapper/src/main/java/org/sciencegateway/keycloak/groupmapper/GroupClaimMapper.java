package org.sciencegateway.keycloak.groupmapper;

import com.google.auto.service.AutoService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.keycloak.authorization.fgap.AdminPermissionsSchema;
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
    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = GroupClaimMapperConfigProperties.all();

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
            throw AdminMessage.configError(e.getMessage());
        }
        String clientId = policy.roles().clientId();
        if (clientId != null && realm.getClientByClientId(clientId) == null) {
            throw AdminMessage.configError("Client \"" + clientId + "\" chosen for client roles does not exist in realm \""
                    + realm.getName() + "\": choose an existing client ID, or clear the field.");
        }
        for (String root : GroupMapperConfig.subtreeRoots(config)) {
            if (groupMissing(session, realm, root)) {
                throw AdminMessage.configError("Subtree root \"" + root + "\" is not a group path in realm \"" + realm.getName()
                        + "\": use the full path of an existing group, e.g. /escape.");
            }
        }
        for (String optional : GroupMapperConfig.values(config.get(GroupMapperConfig.WLCG_OPTIONAL_GROUPS))) {
            if (groupMissing(session, realm, optional)) {
                throw AdminMessage.configError("WLCG optional group \"" + optional + "\" is not a group path in realm \""
                        + realm.getName() + "\": use the full path of an existing group, e.g. /escape/data-managers.");
            }
        }
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
     * Whether no group has {@code path}. Looked up as the server, not as the admin saving the mapper: with
     * fine-grained admin permissions a hub's owner may manage the hub's mappers without any right to view groups,
     * and Keycloak filters group queries by the caller's rights; the question here is whether the path exists.
     */
    private static boolean groupMissing(KeycloakSession session, RealmModel realm, String path) {
        return AdminPermissionsSchema.runWithoutAuthorization(session,
                () -> KeycloakModelUtils.findGroupByPath(session, realm, path) == null);
    }
}
