package org.sciencegateway.keycloak.groupmapper;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * AARC-G069 group entitlements: {@code <namespace>:group:<group>[:<subgroup>…][:role=<role>]#<authority>}, with
 * every group name and the role URL-encoded so that a ':' or '#' inside a name cannot forge another level.
 */
public final class AarcEntitlement {

    public static final String MEMBER_ROLE = "member";

    private AarcEntitlement() {
    }

    public static String of(String namespace, GroupPath group, String role, String authority) {
        StringBuilder sb = new StringBuilder(namespace).append(":group");
        for (String name : group.names()) {
            sb.append(':').append(encode(name));
        }
        if (role != null) {
            sb.append(":role=").append(encode(role));
        }
        return sb.append('#').append(authority).toString();
    }

    /** RFC 3986 percent-encoding (a space is %20, not '+'). */
    static String encode(String part) {
        return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
