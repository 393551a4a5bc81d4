package org.sciencegateway.keycloak.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.jsoup.nodes.Element;

/**
 * Issue 28's finding 1 as an attacker plays it: a brokered login with the attacker's own second factor, stopped at the
 * redirect to {@code after-post-broker-login}, whose query names the login tab; then the same tab replayed through
 * another identity provider as the victim (first factor only) — on the same node or another one of a cluster.
 */
public final class TabReplay {

    private TabReplay() {
    }

    /**
     * The attacker's own login in the tab: the institution's login form (password = username), then the one-time code
     * the login asks for (the institution's, or vre's after the brokered login), stopped at the redirect to
     * after-post-broker-login. Returns the tab's parameters ({@code tab_id}, {@code session_code}, {@code client_data}).
     */
    public static Map<String, String> stopBeforeAfterPostBrokerLogin(KeycloakServer server, HubLogin login, String user,
                                                                     String codeSecret) {
        return stopBeforeAfterPostBrokerLogin(server, login, login.start(), user, codeSecret);
    }

    /** The same from {@code page}, the institution's login page a login already reached (e.g. a SAML client's). */
    public static Map<String, String> stopBeforeAfterPostBrokerLogin(KeycloakServer server, HubLogin login,
                                                                     BrowserSession.Page page, String user,
                                                                     String codeSecret) {
        BrowserSession browser = login.browser();
        String afterPostBrokerLogin = server.realmUrl("vre") + "/broker/after-post-broker-login";
        Element form = page.loginForm().orElseThrow(() -> new AssertionError("the institution's login: " + login.page()));
        page = browser.follow(browser.submit(page, form, Map.of("username", user, "password", user)),
                afterPostBrokerLogin);
        Element otp = page.document().selectFirst("form:has(input[name=otp])");
        assertThat(otp).as("%s is asked for a code: %s", user, page).isNotNull();
        BrowserSession.Page stopped = browser.follow(browser.submit(page, otp,
                Map.of("otp", OneTimeCode.next(codeSecret))), afterPostBrokerLogin);
        assertThat(stopped.isRedirect() && stopped.location().startsWith(afterPostBrokerLogin))
                .as("stopped before after-post-broker-login: %s", stopped).isTrue();
        return BrowserSession.queryParameters(stopped.location());
    }

    /** The tab replayed at {@code server} (any node) through {@code idp} as {@code user} (password = username). */
    public static void replayAs(KeycloakServer server, HubLogin login, HubClient client, Map<String, String> tab,
                                String idp, String user) {
        login.visit(server.realmUrl("vre") + "/broker/" + idp + "/login?" + BrowserSession.formEncode(Map.of(
                "client_id", client.clientId(), "tab_id", tab.get("tab_id"), "session_code", tab.get("session_code"),
                "client_data", tab.get("client_data"))));
        assertThat(login.page().url()).as("%s", login.page()).startsWith(server.realmUrl(idp));
        login.signIn(user, user);
    }
}
