package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.List;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** The group mapper's form in the admin console: every property with its label and help text. */
final class GroupClaimMapperConfigProperties {

    private GroupClaimMapperConfigProperties() {
    }

    static List<ProviderConfigProperty> all() {
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
