package org.sciencegateway.keycloak.theme.picker;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sciencegateway.keycloak.idpfilter.select.Admission;

/**
 * {@code GET /realms/{realm}/institutions?client_id=…&q=…&page=…&hint=…}: one page of the institutions the client
 * admits that match {@code q}, as JSON, for the picker's search as you type. It applies the same
 * {@link Admission} as the login page (client rules, hints only narrowing) and the same directory, so JavaScript
 * can never list more than the server-side form. It reveals nothing the login page would not show.
 */
public final class InstitutionsResource {

    private static final Logger LOG = Logger.getLogger(InstitutionsResource.class);

    private final KeycloakSession session;

    InstitutionsResource(KeycloakSession session) {
        this.session = session;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response search(@QueryParam("client_id") String clientId, @QueryParam("q") String query,
                           @QueryParam("page") String page, @QueryParam("hint") String hint) {
        RealmModel realm = session.getContext().getRealm();
        if (clientId == null || clientId.isBlank()) {
            return error(Response.Status.BAD_REQUEST, "invalid_request", "client_id is required");
        }
        ClientModel client = realm.getClientByClientId(clientId);
        if (client == null || !client.isEnabled()) {
            return error(Response.Status.BAD_REQUEST, "invalid_client", "unknown or disabled client_id");
        }
        String q = query == null ? "" : query.strip();
        if (q.length() > InstitutionSearch.MAX_QUERY_LENGTH) {
            return error(Response.Status.BAD_REQUEST, "invalid_request",
                    "q is longer than " + InstitutionSearch.MAX_QUERY_LENGTH + " characters");
        }
        int pageNumber;
        try {
            pageNumber = page == null || page.isBlank() ? 1 : Integer.parseInt(page.strip());
        } catch (NumberFormatException e) {
            return error(Response.Status.BAD_REQUEST, "invalid_request", "page must be a positive integer");
        }
        if (pageNumber < 1) {
            return error(Response.Status.BAD_REQUEST, "invalid_request", "page must be a positive integer");
        }
        Admission admission;
        try {
            admission = Admission.forClient(client, Admission.hints(hint),
                    InstitutionDirectory.knownMetadata(session, realm));
        } catch (Admission.UnusableRules e) {
            LOG.errorf("Institution rules of client %s are unusable: %s", clientId, e.getMessage());
            return error(Response.Status.FORBIDDEN, "invalid_configuration",
                    "the client's institution rules cannot be used; no institution is offered");
        }
        ChoiceMemory memory = ChoiceCookies.read(session);
        InstitutionSearch.Result result = InstitutionDirectory.of(session, realm)
                .search(q, admission.admitted(), memory.recent(), pageNumber, InstitutionSearch.PAGE_SIZE);

        // Logos resolve against the login theme the client's pages use.
        session.getContext().setClient(client);
        String resources = PickerTheme.resourcesPath(session, session.getContext().getUri().getBaseUri());
        java.util.Locale locale = session.getContext().resolveLocale(null);
        List<Map<String, Object>> items = new ArrayList<>();
        result.items().forEach(m -> items.add(ResultRow.of(m.institution(), m.recent(), resources, null, locale)
                .json()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query", q);
        body.put("page", result.page());
        body.put("pageCount", result.pageCount());
        body.put("pageSize", result.pageSize());
        body.put("total", result.total());
        body.put("items", items);
        return Response.ok(body).cacheControl(noStore()).build();
    }

    private static Response error(Response.Status status, String error, String description) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).cacheControl(noStore())
                .entity(Map.of("error", error, "error_description", description)).build();
    }

    private static CacheControl noStore() {
        CacheControl cacheControl = new CacheControl();
        cacheControl.setNoStore(true);
        return cacheControl;
    }
}
