package org.sciencegateway.keycloak.groupmapper;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One mapper's parsed configuration and the whole decision: which groups and roles reach the claim and how each
 * is written. Values are deduplicated and come in a stable order: groups by path (WLCG: requested groups first,
 * in the order requested), then role names sorted.
 */
public final class GroupClaimPolicy {

    private final String claimName;
    private final GroupClaimFormat format;
    private final GroupSelection selection;
    private final RoleSelection roles;
    private final Set<GroupPath> wlcgOptionalGroups;
    private final String aarcNamespace;
    private final String aarcAuthority;
    private final boolean escapeSlashes;

    GroupClaimPolicy(String claimName, GroupClaimFormat format, GroupSelection selection, RoleSelection roles,
                     Set<GroupPath> wlcgOptionalGroups, String aarcNamespace, String aarcAuthority,
                     boolean escapeSlashes) {
        this.claimName = claimName;
        this.format = format;
        this.selection = selection;
        this.roles = roles;
        this.wlcgOptionalGroups = Set.copyOf(wlcgOptionalGroups);
        this.aarcNamespace = aarcNamespace;
        this.aarcAuthority = aarcAuthority;
        this.escapeSlashes = escapeSlashes;
    }

    /** The claim name as Keycloak's claim-path syntax expects it (dots meant literally already escaped). */
    public String claimName() {
        return claimName;
    }

    public GroupClaimFormat format() {
        return format;
    }

    public GroupSelection selection() {
        return selection;
    }

    public RoleSelection roles() {
        return roles;
    }

    /** Only AARC entitlements qualify groups with roles; only then are a group's own role mappings needed. */
    public boolean needsGroupRoles() {
        return format == GroupClaimFormat.AARC_ENTITLEMENT && !roles.isEmpty();
    }

    /** Only name and path formats list the user's roles next to the groups. */
    public boolean needsUserRoles() {
        return format != GroupClaimFormat.AARC_ENTITLEMENT && format != GroupClaimFormat.WLCG && !roles.isEmpty();
    }

    /**
     * @param memberships the groups the user is a direct member of
     * @param groupRoles  for AARC: the roles a selected group grants its members (asked only for selected groups)
     * @param userRoles   for name and path formats: the user's effective roles available to the client
     * @param grantedScope the scope granted to the client, where WLCG group requests are read
     */
    public List<String> claimValues(Collection<GroupPath> memberships, Function<GroupPath, Collection<RoleRef>> groupRoles,
                                    Collection<RoleRef> userRoles, String grantedScope) {
        List<GroupPath> selected = selection.select(memberships);
        Set<String> values = new LinkedHashSet<>();
        switch (format) {
            case WLCG -> addWlcgGroups(selected, grantedScope, values);
            case AARC_ENTITLEMENT -> addEntitlements(selected, groupRoles, values);
            default -> {
                for (GroupPath group : selected) {
                    String value = formatGroup(group);
                    if (!value.isEmpty()) {
                        values.add(value);
                    }
                }
            }
        }
        if (needsUserRoles()) {
            values.addAll(roleNames(userRoles));
        }
        return new ArrayList<>(values);
    }

    private void addWlcgGroups(List<GroupPath> selected, String grantedScope, Set<String> values) {
        Set<GroupPath> selectedSet = new HashSet<>(selected);
        for (GroupPath requested : WlcgGroupRequest.requestedGroups(grantedScope, escapeSlashes)) {
            if (selectedSet.contains(requested)) {
                values.add(requested.toPathString(escapeSlashes));
            }
        }
        for (GroupPath group : selected) {
            if (!wlcgOptionalGroups.contains(group)) {
                values.add(group.toPathString(escapeSlashes));
            }
        }
    }

    private void addEntitlements(List<GroupPath> selected, Function<GroupPath, Collection<RoleRef>> groupRoles,
                                 Set<String> values) {
        for (GroupPath group : selected) {
            values.add(AarcEntitlement.of(aarcNamespace, group, AarcEntitlement.MEMBER_ROLE, aarcAuthority));
            if (needsGroupRoles()) {
                for (String role : roleNames(groupRoles.apply(group))) {
                    values.add(AarcEntitlement.of(aarcNamespace, group, role, aarcAuthority));
                }
            }
        }
    }

    private String formatGroup(GroupPath group) {
        return switch (format) {
            case NAME -> group.name();
            case FULL_PATH -> group.toPathString(escapeSlashes);
            case PATH_WITHOUT_LEADING_SLASH -> GroupPath.join(group.names(), escapeSlashes, false);
            case RELATIVE_PATH -> selection.rootOf(group)
                    .map(root -> GroupPath.join(group.namesBelow(root), escapeSlashes, false))
                    .orElse("");
            default -> throw new IllegalStateException("not a per-group format: " + format);
        };
    }

    private Set<String> roleNames(Collection<RoleRef> candidates) {
        Set<String> names = new TreeSet<>();
        for (RoleRef role : candidates) {
            if (roles.accepts(role)) {
                names.add(role.name());
            }
        }
        return names;
    }
}
