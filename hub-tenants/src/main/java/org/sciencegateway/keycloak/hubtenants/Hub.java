package org.sciencegateway.keycloak.hubtenants;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.keycloak.models.ClientModel;

/**
 * What makes a client a hub, and the client attributes that carry its lifecycle. They are stored on the client
 * model (replicated with it to every node) and only a realm admin can change them (see
 * {@code lifecycle.HubEdits}).
 */
public final class Hub {

    /** The hub's lifecycle state; its presence makes a client a hub (and binds it to the realm's institution baseline). */
    public static final String STATE = "sg.hub.state";
    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    /** Switched off by a realm admin after approval: only a realm admin switches it on again. */
    public static final String SUSPENDED = "suspended";
    /** The realm users who own the hub: user ids, separated by commas. */
    public static final String OWNERS = "sg.hub.owners";
    /** The client id of the template hub whose mappers and client scopes bound this hub. */
    public static final String TEMPLATE = "sg.hub.template";
    public static final String REQUESTED_AT = "sg.hub.requested-at";
    public static final String APPROVED_BY = "sg.hub.approved-by";
    public static final String APPROVED_AT = "sg.hub.approved-at";
    /** Every attribute of this prefix is the realm admins' alone. */
    public static final String ATTRIBUTE_PREFIX = "sg.";

    /** The project's mappers a hub inherits from the template (institution filter, groups, assurance). */
    public static final Set<String> INHERITED_MAPPERS = Set.of("sg-institution-filter", "science-gateway-group-mapper",
            "science-gateway-assurance-mapper");
    public static final String GROUP_MAPPER = "science-gateway-group-mapper";
    public static final String INSTITUTION_FILTER = "sg-institution-filter";
    public static final String GROUP_SUBTREE_ROOTS = "group.subtree.roots";
    public static final String OFFLINE_ACCESS = "offline_access";

    private Hub() {
    }

    public static boolean isHub(ClientModel client) {
        String state = client == null ? null : client.getAttribute(STATE);
        return state != null && !state.isBlank();
    }

    public static boolean isApproved(ClientModel client) {
        return APPROVED.equals(client.getAttribute(STATE));
    }

    public static List<String> owners(ClientModel client) {
        String value = client.getAttribute(OWNERS);
        return value == null ? List.of() : Arrays.stream(value.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }
}
