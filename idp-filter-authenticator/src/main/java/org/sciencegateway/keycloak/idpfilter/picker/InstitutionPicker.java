package org.sciencegateway.keycloak.idpfilter.picker;

import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.constants.AdapterConstants;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.services.Urls;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.theme.Theme;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sciencegateway.keycloak.idpfilter.enforce.Refusal;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.Institution;
import org.sciencegateway.keycloak.idpfilter.select.IdentityProviderSelectionAuthenticator;

/**
 * The institution picker page of {@link IdentityProviderSelectionAuthenticator}, shown instead of Keycloak's one
 * button per identity provider when the login theme provides the template {@value #TEMPLATE}. Only one page of
 * institutions is rendered; further pages and searches come from the search form (posted back here, works without
 * JavaScript) or from {@link InstitutionsResource} (search as you type).
 */
public final class InstitutionPicker {

    static final String TEMPLATE = "institution-picker.ftl";
    /** Form attribute holding the picker's model. */
    static final String ATTRIBUTE = "institutionPicker";
    /** Set once the remembered institution was followed, so that coming back (cancel, error) shows the picker. */
    static final String REMEMBERED_FOLLOWED_NOTE = "institution_picker.remembered_followed";

    static final String PARAM_INSTITUTION = "institution";
    static final String PARAM_QUERY = "q";
    static final String PARAM_PAGE = "page";
    static final String PARAM_REMEMBER = "remember";
    static final String PARAM_FORGET = "forget";
    static final String PARAM_LOCAL = "local";

    static final String ERROR_NOT_OFFERED = "institutionPickerNotOffered";
    static final String ERROR_QUERY_TOO_LONG = "institutionPickerQueryTooLong";
    static final String ERROR_NO_LOCAL_LOGIN = "institutionPickerNoLocalLogin";

    private static final String ALIAS_PLACEHOLDER = "__ALIAS__";
    private static final int REMEMBERED_MAX_AGE = 365 * 24 * 3600;
    private static final int RECENT_MAX_AGE = 180 * 24 * 3600;
    private static final Logger LOG = Logger.getLogger(InstitutionPicker.class);

    private InstitutionPicker() {
    }

    /** Whether the realm's (or client's) login theme has the picker; otherwise Keycloak's own page is used. */
    public static boolean providedByTheme(KeycloakSession session) {
        try {
            Theme theme = session.theme().getTheme(Theme.Type.LOGIN);
            return theme != null && theme.getTemplate(TEMPLATE) != null;
        } catch (IOException e) {
            LOG.warnf(e, "Could not read the login theme; using Keycloak's login page");
            return false;
        }
    }

    /** First display: follow the remembered institution if the client admits it, else show the picker. */
    public static void show(AuthenticationFlowContext context, PickerScope scope) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        ChoiceMemory memory = memory(context.getSession());
        InstitutionSearch directory = InstitutionDirectory.of(context.getSession(), context.getRealm());
        String remembered = memory.remembered();
        if (remembered != null && scope.admitted().test(remembered) && directory.byAlias(remembered).isPresent()
                && !asksToChoose(authSession) && authSession.getAuthNote(REMEMBERED_FOLLOWED_NOTE) == null) {
            authSession.setAuthNote(REMEMBERED_FOLLOWED_NOTE, remembered);
            IdentityProviderSelectionAuthenticator.redirect(context, remembered);
            return;
        }
        context.challenge(page(context, scope, directory, memory, "", 1, null));
    }

    /** The page's form: a search, a page, a choice, "forget", or "use a local account". */
    public static void action(AuthenticationFlowContext context) {
        ClientRules rules = ClientRules.of(context.getAuthenticationSession().getClient());
        if (rules.problem() != null) {
            Refusal.refuse(context, null, Decision.INVALID_CONFIGURATION);
            return;
        }
        List<String> hints = IdentityProviderSelectionAuthenticator.hints(
                context.getAuthenticationSession().getClientNote(AdapterConstants.KC_IDP_HINT));
        PickerScope scope = PickerScope.of(rules.filter(), hints);
        MultivaluedMap<String, String> params = parameters(context);
        KeycloakSession session = context.getSession();
        InstitutionSearch directory = InstitutionDirectory.of(session, context.getRealm());
        ChoiceMemory memory = memory(session);

        if (params.containsKey(PARAM_LOCAL)) {
            if (scope.localLogin()) {
                context.attempted();
            } else {
                context.challenge(page(context, scope, directory, memory, "", 1, ERROR_NO_LOCAL_LOGIN));
            }
            return;
        }
        if (params.containsKey(PARAM_FORGET)) {
            memory = memory.forget();
            store(session, context.getRealm(), memory);
        }
        String alias = params.getFirst(PARAM_INSTITUTION);
        if (alias != null && !params.containsKey(PARAM_FORGET)) {
            if (!scope.admitted().test(alias) || directory.byAlias(alias).isEmpty()) {
                LOG.debugf("Picker choice %s is not offered to client %s", alias,
                        context.getAuthenticationSession().getClient().getClientId());
                context.challenge(page(context, scope, directory, memory, "", 1, ERROR_NOT_OFFERED));
                return;
            }
            store(session, context.getRealm(), memory.chosen(alias, params.containsKey(PARAM_REMEMBER)));
            IdentityProviderSelectionAuthenticator.redirect(context, alias);
            return;
        }
        String query = params.getFirst(PARAM_QUERY) == null ? "" : params.getFirst(PARAM_QUERY).strip();
        if (query.length() > InstitutionSearch.MAX_QUERY_LENGTH) {
            context.challenge(page(context, scope, directory, memory, "", 1, ERROR_QUERY_TOO_LONG));
            return;
        }
        context.challenge(page(context, scope, directory, memory, query, pageNumber(params.getFirst(PARAM_PAGE)), null));
    }

    private static Response page(AuthenticationFlowContext context, PickerScope scope, InstitutionSearch directory,
                                 ChoiceMemory memory, String query, int page, String error) {
        KeycloakSession session = context.getSession();
        RealmModel realm = context.getRealm();
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        InstitutionSearch.Result result = directory.search(query, scope.admitted(), memory.recent(), page,
                InstitutionSearch.PAGE_SIZE);

        URI base = context.getUriInfo().getBaseUri();
        String clientId = authSession.getClient().getClientId();
        String brokerTemplate = Urls.identityProviderAuthnRequest(base, ALIAS_PLACEHOLDER, realm.getName(),
                context.generateAccessCode(), clientId, authSession.getTabId(),
                AuthenticationProcessor.getClientData(session, authSession),
                authSession.getClientNote(OIDCLoginProtocol.LOGIN_HINT_PARAM)).toString();

        List<Map<String, Object>> items = new ArrayList<>();
        for (InstitutionSearch.Match match : result.items()) {
            Map<String, Object> item = new LinkedHashMap<>(describe(match.institution(), match.recent()));
            item.put("loginUrl", brokerTemplate.replace(ALIAS_PLACEHOLDER, encode(match.institution().alias())));
            items.add(item);
        }
        UriBuilder search = UriBuilder.fromUri(base).path("realms").path(realm.getName())
                .path(InstitutionsResourceFactory.PROVIDER_ID).queryParam("client_id", clientId);
        if (!scope.hints().isEmpty()) {
            search.queryParam("hint", String.join(",", scope.hints()));
        }
        String remembered = memory.remembered();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("query", query);
        model.put("page", result.page());
        model.put("pageCount", result.pageCount());
        model.put("total", result.total());
        model.put("hasNext", result.hasNext());
        model.put("hasPrevious", result.hasPrevious());
        model.put("items", items);
        model.put("localLogin", scope.localLogin());
        model.put("searchUrl", search.build().toString());
        model.put("brokerUrlTemplate", brokerTemplate);
        model.put("aliasPlaceholder", ALIAS_PLACEHOLDER);
        if (remembered != null && scope.admitted().test(remembered)) {
            directory.byAlias(remembered).ifPresent(i -> model.put("remembered", describe(i, true)));
        }
        // The picker offers the username/password form itself when the client allows it; Keycloak's "try another
        // way" would offer it regardless of the client's rules.
        context.setAuthenticationSelections(List.of());
        LoginFormsProvider form = context.form().setAttribute(ATTRIBUTE, model);
        if (error != null) {
            form.setError(error);
        }
        return form.createForm(TEMPLATE);
    }

    /** The fields of an institution that the page and the JSON search show. */
    static Map<String, Object> describe(Institution institution, boolean recent) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("alias", institution.alias());
        item.put("name", institution.name());
        item.put("domains", institution.domains());
        item.put("logo", institution.logo());
        item.put("recent", recent);
        return item;
    }

    /** {@code prompt=login} or {@code select_account}: the application asks the user to choose again. */
    private static boolean asksToChoose(AuthenticationSessionModel authSession) {
        String prompt = authSession.getClientNote(OIDCLoginProtocol.PROMPT_PARAM);
        return prompt != null && (prompt.contains(OIDCLoginProtocol.PROMPT_VALUE_LOGIN)
                || prompt.contains(OIDCLoginProtocol.PROMPT_VALUE_SELECT_ACCOUNT));
    }

    private static MultivaluedMap<String, String> parameters(AuthenticationFlowContext context) {
        // Result links may be followed with GET; the search form posts.
        MultivaluedMap<String, String> params = new MultivaluedHashMap<>(context.getUriInfo().getQueryParameters());
        if ("POST".equals(context.getHttpRequest().getHttpMethod())) {
            context.getHttpRequest().getDecodedFormParameters().forEach(params::addAll);
        }
        return params;
    }

    static int pageNumber(String value) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(value.strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    static ChoiceMemory memory(KeycloakSession session) {
        Map<String, Cookie> cookies = session.getContext().getRequestHeaders().getCookies();
        Cookie recent = cookies.get(ChoiceMemory.RECENT_COOKIE);
        Cookie remembered = cookies.get(ChoiceMemory.REMEMBERED_COOKIE);
        return ChoiceMemory.parse(recent == null ? null : recent.getValue(),
                remembered == null ? null : remembered.getValue());
    }

    static void store(KeycloakSession session, RealmModel realm, ChoiceMemory memory) {
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

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
