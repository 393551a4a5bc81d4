package org.sciencegateway.keycloak.tokenexchange;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A claim of the exchanged token listing the user's groups in one subtree, as full paths, for a receiver that
 * authorises on group membership (motley_cue's {@code vo_claim}/{@code authorised_vos}). Set by the policy itself:
 * the exchange issues as the requester, so the audience client's own group mappers never run.
 *
 * @param claim the claim's name; {@code null} for no such claim
 * @param root  the subtree emitted: the group at this path and its subgroups; {@code /} for all of the user's groups
 */
public record GroupsClaim(String claim, String root) {

    public static final GroupsClaim NONE = new GroupsClaim(null, "/");

    public GroupsClaim {
        Objects.requireNonNull(root, "root");
    }

    public boolean isNone() {
        return claim == null;
    }

    /** The claim's value: the user's group paths at or below {@link #root}, sorted. */
    public List<String> values(Collection<String> userGroupPaths) {
        return subtree(root, userGroupPaths);
    }

    /** The paths at or below {@code root} ({@code /}: all), sorted and without duplicates. */
    static List<String> subtree(String root, Collection<String> groupPaths) {
        Set<String> out = new TreeSet<>();
        for (String path : groupPaths) {
            if ("/".equals(root) || path.equals(root) || path.startsWith(root + "/")) {
                out.add(path);
            }
        }
        return List.copyOf(out);
    }
}
