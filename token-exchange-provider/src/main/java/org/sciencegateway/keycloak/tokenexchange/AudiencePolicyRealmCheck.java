package org.sciencegateway.keycloak.tokenexchange;

import java.util.ArrayList;
import java.util.List;

/**
 * Save-time checks that a syntactically valid policy names things that exist in its realm. Not repeated per request:
 * a name that disappears later only makes the policy refuse more (fail closed), never allow more.
 */
public final class AudiencePolicyRealmCheck {

    /** Not a client scope in Keycloak, but the OIDC marker scope every receiver may check for. */
    public static final String OPENID = "openid";

    private AudiencePolicyRealmCheck() {
    }

    public static List<String> problems(AudiencePolicy policy, RealmDirectory realm) {
        List<String> problems = new ArrayList<>();
        for (String requester : sorted(policy.allowedRequesters())) {
            if (AudienceExchangeRules.APPROVED_HUBS.equals(requester)) {
                continue; // every hub a realm admin approved (hub-tenants), judged per request
            }
            if (!realm.clientExists(requester)) {
                problems.add("Requesting clients: no client with client ID " + requester + " exists in this realm.");
            } else if (realm.clientIsPublic(requester)) {
                problems.add("Requesting clients: " + requester
                        + " is a public client and cannot authenticate; make it confidential or remove it.");
            }
        }
        for (String group : sorted(policy.requiredGroups())) {
            if (!realm.groupExists(group)) {
                problems.add("Required groups: no group with path " + group + " exists in this realm.");
            }
        }
        for (String role : sorted(policy.requiredRoles())) {
            if (!realm.roleExists(role)) {
                problems.add("Required roles: no role " + role
                        + " exists; use a realm role name or clientId.role for a client role.");
            }
        }
        for (String scope : sorted(policy.grantableScopes())) {
            if (!OPENID.equals(scope) && !realm.clientScopeExists(scope)) {
                problems.add("Grantable scopes: no client scope named " + scope + " exists in this realm.");
            }
        }
        if (policy.wlcgClaims() && !"/".equals(policy.wlcgGroupsRoot())
                && !realm.groupExists(policy.wlcgGroupsRoot())) {
            problems.add("WLCG groups root: no group with path " + policy.wlcgGroupsRoot() + " exists in this realm.");
        }
        GroupsClaim groupsClaim = policy.groupsClaim();
        if (!groupsClaim.isNone() && !"/".equals(groupsClaim.root()) && !realm.groupExists(groupsClaim.root())) {
            problems.add("Groups claim subtree: no group with path " + groupsClaim.root() + " exists in this realm.");
        }
        String level = policy.assurance().minimumLevel();
        if (level != null) {
            if (!AssuranceRequirement.isNumeric(level) && !realm.acrLevels().containsKey(level)) {
                problems.add("Minimum authentication level: the realm's ACR to LoA mapping has no ACR value " + level
                        + "; add it under Realm settings, General, ACR to LoA Mapping, or enter a level number.");
            } else if (AssuranceRequirement.isNumeric(level)) {
                int n = Integer.parseInt(level);
                if (!realm.acrLevels().containsValue(n) && !realm.flowLevels().contains(n)) {
                    problems.add("Minimum authentication level: no login in this realm reaches level " + n
                            + "; neither the ACR to LoA mapping nor a Level of Authentication condition defines it.");
                }
            }
        }
        return problems;
    }

    private static List<String> sorted(java.util.Set<String> values) {
        return values.stream().sorted().toList();
    }
}
