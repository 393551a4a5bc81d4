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
                           @QueryParam("page") String page, @QueryParam("hint") String hint,
                           @QueryParam("ui_locales") String uiLocales) {
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
        java.net.URI base = session.getContext().getUri().getBaseUri();
        ResultRow.LogoPaths resources = new ResultRow.LogoPaths(PickerTheme.resourcesPath(session, base),
                logoPath(base, realm));
        java.util.Locale requested = requestedLocale(realm, uiLocales);
        java.util.Locale locale = requested != null ? requested : session.getContext().resolveLocale(null);
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

    /**
     * The first of the space-separated language tags of {@code ui_locales} (OIDC's parameter; the picker page sends
     * the locale it was rendered in) that the realm supports, or null: names then follow Keycloak's own choice
     * (cookie, Accept-Language). A realm without internationalization has only its default locale.
     */
    static java.util.Locale requestedLocale(RealmModel realm, String uiLocales) {
        if (uiLocales == null || uiLocales.isBlank() || uiLocales.length() > 200 || !realm.isInternationalizationEnabled()) {
            return null;
        }
        java.util.Set<String> supported = realm.getSupportedLocalesStream().collect(java.util.stream.Collectors.toSet());
        for (String tag : uiLocales.strip().split("\\s+")) {
            if (supported.contains(tag)) {
                return java.util.Locale.forLanguageTag(tag);
            }
        }
        return null;
    }

    /** The path of the realm's inline logos, {@code /realms/<realm>/institutions/logo/}. */
    static String logoPath(java.net.URI base, RealmModel realm) {
        return jakarta.ws.rs.core.UriBuilder.fromUri(base).path("realms").path(realm.getName())
                .path(InstitutionsResourceFactory.PROVIDER_ID).path("logo").build().getRawPath() + "/";
    }

    /**
     * {@code GET /realms/{realm}/institutions/logo/{alias}}: the inline logo federation metadata gave an institution
     * the picker lists, as the checked raster image the sync kept (PNG, JPEG or GIF, never SVG). Served with its own
     * type, {@code nosniff} and a sandboxing policy, so no browser treats it as anything but an image; 404 for an
     * identity provider the picker does not list or that has none. Public, like the metadata it comes from.
     */
    @GET
    @jakarta.ws.rs.Path("logo/{alias}")
    public Response logo(@jakarta.ws.rs.PathParam("alias") String alias) {
        org.keycloak.models.IdentityProviderModel idp = alias == null || alias.length() > 255 ? null
                : session.identityProviders().getByAlias(alias);
        String data = idp == null || !InstitutionDirectory.offeredOnLoginPages(idp) || idp.getConfig() == null ? null
                : idp.getConfig().get(LOGO_DATA);
        InlineImage image = InlineImage.parse(data);
        if (image == null) {
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.TEXT_PLAIN_TYPE).cacheControl(noStore())
                    .entity("no logo").build();
        }
        CacheControl cache = new CacheControl();
        cache.setMaxAge(86400);
        return Response.ok(image.bytes(), image.type()).cacheControl(cache)
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "default-src 'none'; sandbox")
                .header("Cross-Origin-Resource-Policy", "same-site").build();
    }

    /** Written by the saml-federation sync: {@code image/png;base64,…}. */
    static final String LOGO_DATA = "institution.logoData";

    /** An inline logo as stored; only the raster types the sync keeps. */
    record InlineImage(String type, byte[] bytes) {
        private static final java.util.Set<String> TYPES = java.util.Set.of("image/png", "image/jpeg", "image/jpg",
                "image/gif");

        static InlineImage parse(String data) {
            if (data == null) {
                return null;
            }
            int marker = data.indexOf(";base64,");
            String type = marker < 0 ? null : data.substring(0, marker);
            if (type == null || !TYPES.contains(type)) {
                return null;
            }
            try {
                byte[] bytes = java.util.Base64.getDecoder().decode(data.substring(marker + 8));
                return bytes.length == 0 ? null : new InlineImage("image/jpg".equals(type) ? "image/jpeg" : type, bytes);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
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
