package org.sciencegateway.keycloak.theme.picker;

import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.services.Urls;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.rules.ProviderMetadata;
import org.sciencegateway.keycloak.idpfilter.select.Admission;
import org.sciencegateway.keycloak.idpfilter.select.BrokerRedirect;
import org.sciencegateway.keycloak.idpfilter.select.InstitutionChooser;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The institution picker page: the {@link InstitutionChooser} of this theme, shown by the institution filter's
 * selection step instead of Keycloak's one button per identity provider when the login theme provides
 * {@value PickerTheme#TEMPLATE}. It offers only what the filter's {@link Admission} admits. Only one page of
 * institutions is rendered; further pages and searches come from the search form (posted back here, works without
 * JavaScript) or from {@link InstitutionsResource} (search as you type).
 */
final class InstitutionPicker implements InstitutionChooser {

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
    private static final Logger LOG = Logger.getLogger(InstitutionPicker.class);

    private final KeycloakSession session;

    InstitutionPicker(KeycloakSession session) {
        this.session = session;
    }

    @Override
    public Function<String, ProviderMetadata> knownMetadata(KeycloakSession session) {
        return InstitutionDirectory.knownMetadata(session, session.getContext().getRealm());
    }

    @Override
    public boolean available() {
        return PickerTheme.hasPicker(session);
    }

    /** First display: follow the remembered institution if the client admits it, else show the picker. */
    @Override
    public void show(AuthenticationFlowContext context, Admission admission) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        ChoiceMemory memory = ChoiceCookies.read(session);
        InstitutionSearch directory = InstitutionDirectory.of(session, context.getRealm());
        String remembered = memory.remembered();
        if (remembered != null && admission.admitted().test(remembered) && directory.byAlias(remembered).isPresent()
                && !asksToChoose(authSession) && authSession.getAuthNote(REMEMBERED_FOLLOWED_NOTE) == null) {
            authSession.setAuthNote(REMEMBERED_FOLLOWED_NOTE, remembered);
            BrokerRedirect.to(context, remembered);
            return;
        }
        context.challenge(page(context, admission, directory, memory, "", 1, null));
    }

    /** The page's form: a search, a page, a choice, "forget", or "use a local account". */
    @Override
    public void action(AuthenticationFlowContext context, Admission admission) {
        MultivaluedMap<String, String> params = parameters(context);
        InstitutionSearch directory = InstitutionDirectory.of(session, context.getRealm());
        ChoiceMemory memory = ChoiceCookies.read(session);

        if (params.containsKey(PARAM_LOCAL)) {
            if (admission.localLogin()) {
                context.attempted();
            } else {
                context.challenge(page(context, admission, directory, memory, "", 1, ERROR_NO_LOCAL_LOGIN));
            }
            return;
        }
        if (params.containsKey(PARAM_FORGET)) {
            memory = memory.forget();
            ChoiceCookies.write(session, context.getRealm(), memory);
        }
        String alias = params.getFirst(PARAM_INSTITUTION);
        if (alias != null && !params.containsKey(PARAM_FORGET)) {
            if (!admission.admitted().test(alias) || directory.byAlias(alias).isEmpty()) {
                LOG.debugf("Picker choice %s is not offered to client %s", alias,
                        context.getAuthenticationSession().getClient().getClientId());
                context.challenge(page(context, admission, directory, memory, "", 1, ERROR_NOT_OFFERED));
                return;
            }
            ChoiceCookies.write(session, context.getRealm(), memory.chosen(alias, params.containsKey(PARAM_REMEMBER)));
            BrokerRedirect.to(context, alias);
            return;
        }
        String query = params.getFirst(PARAM_QUERY) == null ? "" : params.getFirst(PARAM_QUERY).strip();
        if (query.length() > InstitutionSearch.MAX_QUERY_LENGTH) {
            context.challenge(page(context, admission, directory, memory, "", 1, ERROR_QUERY_TOO_LONG));
            return;
        }
        context.challenge(page(context, admission, directory, memory, query, pageNumber(params.getFirst(PARAM_PAGE)),
                null));
    }

    private Response page(AuthenticationFlowContext context, Admission admission, InstitutionSearch directory,
                          ChoiceMemory memory, String query, int page, String error) {
        RealmModel realm = context.getRealm();
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        InstitutionSearch.Result result = directory.search(query, admission.admitted(), memory.recent(), page,
                InstitutionSearch.PAGE_SIZE);

        URI base = context.getUriInfo().getBaseUri();
        ResultRow.LogoPaths resources = new ResultRow.LogoPaths(PickerTheme.resourcesPath(session, base),
                InstitutionsResource.logoPath(base, realm));
        String clientId = authSession.getClient().getClientId();
        String brokerTemplate = Urls.identityProviderAuthnRequest(base, ALIAS_PLACEHOLDER, realm.getName(),
                context.generateAccessCode(), clientId, authSession.getTabId(),
                AuthenticationProcessor.getClientData(session, authSession),
                authSession.getClientNote(OIDCLoginProtocol.LOGIN_HINT_PARAM)).toString();

        java.util.Locale locale = session.getContext().resolveLocale(context.getUser());
        List<ResultRow> rows = new ArrayList<>();
        for (InstitutionSearch.Match match : result.items()) {
            String loginUrl = brokerTemplate.replace(ALIAS_PLACEHOLDER, ChoiceCookies.encode(match.institution().alias()));
            rows.add(ResultRow.of(match.institution(), match.recent(), resources, loginUrl, locale));
        }
        UriBuilder search = UriBuilder.fromUri(base).path("realms").path(realm.getName())
                .path(InstitutionsResourceFactory.PROVIDER_ID).queryParam("client_id", clientId);
        if (!admission.hints().isEmpty()) {
            search.queryParam("hint", String.join(",", admission.hints()));
        }
        if (realm.isInternationalizationEnabled()) {
            search.queryParam("ui_locales", locale.toLanguageTag()); // results in the language of this page
        }
        String remembered = memory.remembered();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("query", query);
        model.put("page", result.page());
        model.put("pageCount", result.pageCount());
        model.put("total", result.total());
        model.put("hasNext", result.hasNext());
        model.put("hasPrevious", result.hasPrevious());
        model.put("items", rows);
        model.put("localLogin", admission.localLogin());
        model.put("searchUrl", search.build().toString());
        model.put("brokerUrlTemplate", brokerTemplate);
        model.put("aliasPlaceholder", ALIAS_PLACEHOLDER);
        if (remembered != null && admission.admitted().test(remembered)) {
            directory.byAlias(remembered).ifPresent(i -> model.put("remembered",
                    ResultRow.of(i, true, resources, null, locale)));
        }
        // The picker offers the username/password form itself when the client allows it; Keycloak's "try another
        // way" would offer it regardless of the client's rules.
        context.setAuthenticationSelections(List.of());
        LoginFormsProvider form = context.form().setAttribute(ATTRIBUTE, model);
        if (error != null) {
            form.setError(error);
        }
        return form.createForm(PickerTheme.TEMPLATE);
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
}
