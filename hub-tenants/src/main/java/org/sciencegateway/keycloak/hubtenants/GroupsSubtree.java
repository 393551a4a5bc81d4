package org.sciencegateway.keycloak.hubtenants;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ProtocolMapperModel;

/**
 * The groups subtree a hub's tokens may carry: the roots of its groups mapper, which may only narrow its template's.
 * Judged at the owner's save ({@code selfservice.HubSelfServiceResource}) and at every token of the hub
 * ({@code lifecycle.HubConformance}).
 */
public final class GroupsSubtree {

    private GroupsSubtree() {
    }

    /** The subtree roots of a groups mapper, as stored ({@code ##}- or comma-separated); empty means the whole realm. */
    public static List<String> roots(ProtocolMapperModel mapper) {
        String value = mapper.getConfig() == null ? null : mapper.getConfig().get(Hub.GROUP_SUBTREE_ROOTS);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split("##|,")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The roots of the template's groups mappers: the area every hub of that template stays within. */
    public static List<String> templateRoots(ClientModel template) {
        return template.getProtocolMappersStream()
                .filter(m -> Hub.GROUP_MAPPER.equals(m.getProtocolMapper()))
                .flatMap(m -> roots(m).stream()).toList();
    }

    /**
     * A root of {@code roots} outside every root of {@code allowed} (or "(the whole realm)" when {@code roots} is
     * empty while {@code allowed} is not), else empty. A root is within another when equal to it or below it:
     * {@code /escape/atlas} is within {@code /escape}, {@code /escape-other} is not.
     */
    public static Optional<String> outside(List<String> roots, List<String> allowed) {
        if (roots.isEmpty()) {
            return allowed.isEmpty() ? Optional.empty() : Optional.of("(the whole realm)");
        }
        for (String root : roots) {
            boolean within = allowed.isEmpty() || allowed.stream()
                    .anyMatch(a -> root.equals(a) || root.startsWith(a.endsWith("/") ? a : a + "/"));
            if (!within) {
                return Optional.of(root);
            }
        }
        return Optional.empty();
    }
}
