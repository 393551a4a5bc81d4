package org.sciencegateway.keycloak.theme.picker;

import jakarta.ws.rs.core.Cookie;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads and writes {@link ChoiceMemory} as two cookies on the realm's path: {@code HttpOnly}, {@code SameSite=Lax},
 * {@code Secure} whenever the request came over https.
 */
final class ChoiceCookies {

    static final int REMEMBERED_MAX_AGE = 365 * 24 * 3600;
    static final int RECENT_MAX_AGE = 180 * 24 * 3600;

    private ChoiceCookies() {
    }

    static ChoiceMemory read(KeycloakSession session) {
        Map<String, Cookie> cookies = session.getContext().getRequestHeaders().getCookies();
        Cookie recent = cookies.get(ChoiceMemory.RECENT_COOKIE);
        Cookie remembered = cookies.get(ChoiceMemory.REMEMBERED_COOKIE);
        return ChoiceMemory.parse(recent == null ? null : recent.getValue(),
                remembered == null ? null : remembered.getValue());
    }

    static void write(KeycloakSession session, RealmModel realm, ChoiceMemory memory) {
        String path = "/realms/" + encode(realm.getName()) + "/";
        boolean secure = "https".equalsIgnoreCase(session.getContext().getUri().getRequestUri().getScheme());
        String attributes = "; Path=" + path + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
        var response = session.getContext().getHttpResponse();
        response.addHeader("Set-Cookie", ChoiceMemory.RECENT_COOKIE + "=" + memory.recentValue()
                + "; Max-Age=" + RECENT_MAX_AGE + attributes);
        if (memory.remembered() != null) {
            response.addHeader("Set-Cookie", ChoiceMemory.REMEMBERED_COOKIE + "=" + encode(memory.remembered())
                    + "; Max-Age=" + REMEMBERED_MAX_AGE + attributes);
        } else {
            response.addHeader("Set-Cookie", ChoiceMemory.REMEMBERED_COOKIE + "=; Max-Age=0" + attributes);
        }
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
