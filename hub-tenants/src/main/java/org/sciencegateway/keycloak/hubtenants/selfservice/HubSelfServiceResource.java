package org.sciencegateway.keycloak.hubtenants.selfservice;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientScopeModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.ModelToRepresentation;
import org.keycloak.protocol.ProtocolMapper;
import org.keycloak.protocol.ProtocolMapperConfigException;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.services.ErrorResponseException;
import org.keycloak.services.resources.admin.AdminEventBuilder;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;
import org.sciencegateway.keycloak.hubtenants.GroupsSubtree;
import org.sciencegateway.keycloak.hubtenants.Hub;

/**
 * {@code /admin/realms/{realm}/hub-tenants}: the two settings of a hub its owners change themselves — its institution
 * rules and its groups subtree — for the hub console page ({@link HubConsolePage}).
 * <p>
 * Why an endpoint of our own: Keycloak's admin REST already lets an owner save the hub's mappers (the fine-grained
 * permission an approval creates gives {@code manage} on that one client), but Keycloak's admin console opens mapper
 * pages only for the realm role {@code view-clients}, which would show the owner every client and its secret; and an
 * owner cannot read the realm baseline or the template's groups subtree their settings must stay within.
 * <p>
 * <b>The security decision:</b> a caller reads or changes a hub only when Keycloak's own admin permissions let them
 * manage that client ({@code auth.clients().canManage}: the owners' permission, or a realm admin's role); the
 * institution rules pass the institution filter's own save-time validation (syntax, the realm baseline — a widening is
 * refused naming the entry); the groups subtree may only narrow the template's and must name existing groups. Nothing
 * else of the client is read or changed here. The token boundary ({@code lifecycle.HubConformance}, the baseline in
 * the institution filter) judges the hub again on every token, whatever path saved it.
 */
public final class HubSelfServiceResource {

    static final String BASELINE_SCOPE = "institution-baseline";
    static final String RULES = "rules";
    static final int MAX_ROOTS = 20;

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;
    private final AdminEventBuilder adminEvent;

    HubSelfServiceResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth,
                           AdminEventBuilder adminEvent) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
        this.adminEvent = adminEvent.resource(ResourceType.PROTOCOL_MAPPER);
    }

    /** The hubs the caller may manage (an owner: theirs; a realm admin: all), with the bounds of their settings. */
    @GET
    @Path("hubs")
    @Produces(MediaType.APPLICATION_JSON)
    public List<OwnedHub> hubs() {
        String baseline = baselineRules();
        // (Keycloak searches clients only by attributes its configuration names searchable: all are read here)
        return realm.getClientsStream().filter(Hub::isHub)
                .filter(client -> auth.clients().canManage(client))
                .sorted(Comparator.comparing(ClientModel::getClientId))
                .map(client -> describe(client, baseline)).toList();
    }

    @GET
    @Path("hubs/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public OwnedHub hub(@PathParam("id") String id) {
        return describe(managedHub(id), baselineRules());
    }

    /** Body {@code {"rules": "<the institution rules, JSON>"}}: replaces the hub's institution rules. */
    @PUT
    @Path("hubs/{id}/institution-rules")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public OwnedHub institutionRules(@PathParam("id") String id, Map<String, Object> body) {
        ClientModel hub = managedHub(id);
        Object rules = body == null ? null : body.get(RULES);
        if (!(rules instanceof String text) || text.isBlank()) {
            throw refused("invalid_institution_rules", "Send {\"rules\": \"…\"} with the hub's institution rules "
                    + "as a JSON text; a hub keeps an institution filter (narrow it instead of removing it).");
        }
        ProtocolMapperModel mapper = mapper(hub, Hub.INSTITUTION_FILTER).orElseGet(() -> {
            ProtocolMapperModel created = new ProtocolMapperModel();
            created.setName("institution filter");
            created.setProtocol(OIDCLoginProtocol.LOGIN_PROTOCOL);
            created.setProtocolMapper(Hub.INSTITUTION_FILTER);
            created.setConfig(new HashMap<>());
            return created;
        });
        Map<String, String> config = new HashMap<>(mapper.getConfig() == null ? Map.of() : mapper.getConfig());
        config.put(RULES, text);
        mapper.setConfig(config);
        save(hub, mapper, "invalid_institution_rules");
        return describe(hub, baselineRules());
    }

    /** Body {@code {"roots": ["/escape/atlas", …]}}: the group paths the hub's groups claim is limited to. */
    @PUT
    @Path("hubs/{id}/groups-subtree")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public OwnedHub groupsSubtree(@PathParam("id") String id, Map<String, Object> body) {
        ClientModel hub = managedHub(id);
        Object value = body == null ? null : body.get("roots");
        List<String> roots = new ArrayList<>();
        if (value instanceof List<?> list) {
            if (list.size() > MAX_ROOTS) {
                throw refused("invalid_groups_subtree", "At most " + MAX_ROOTS + " subtree roots.");
            }
            for (Object root : list) {
                if (!(root instanceof String path) || !path.startsWith("/") || path.contains("##")
                        || path.contains(",") || !path.equals(path.strip())
                        || path.chars().anyMatch(Character::isISOControl)) {
                    throw refused("invalid_groups_subtree", "Each subtree root is the full path of a group, "
                            + "e.g. /escape/atlas, exactly as written: no ## or commas, no spaces around it, no "
                            + "control characters.");
                }
                if (!roots.contains(path)) {
                    roots.add(path);
                }
            }
        } else {
            throw refused("invalid_groups_subtree", "Send {\"roots\": [\"/escape/atlas\", …]}: the full paths of "
                    + "the groups whose subtrees the hub's groups claim may carry.");
        }
        ClientModel template = template(hub);
        List<String> allowed = GroupsSubtree.templateRoots(template);
        Optional<String> outside = GroupsSubtree.outside(roots, allowed);
        if (outside.isPresent()) {
            throw refused("invalid_groups_subtree", "Groups subtree " + outside.get() + " is outside what hubs of "
                    + "template '" + template.getClientId() + "' may carry (" + String.join(", ", allowed)
                    + "): a hub may only narrow it.");
        }
        ProtocolMapperModel mapper = mapper(hub, Hub.GROUP_MAPPER).orElseGet(() -> fromTemplate(template));
        Map<String, String> config = new HashMap<>(mapper.getConfig());
        config.put(Hub.GROUP_SUBTREE_ROOTS, String.join("##", roots));
        mapper.setConfig(config);
        save(hub, mapper, "invalid_groups_subtree");
        return describe(hub, baselineRules());
    }

    /**
     * The hub {@code id} (client UUID) if the caller may manage it: 404 when it is not a hub or the caller may not
     * even see it (nothing is told about clients they cannot see), 403 when they may see but not manage it.
     */
    private ClientModel managedHub(String id) {
        ClientModel client = id == null ? null : realm.getClientById(id);
        if (client == null || !Hub.isHub(client) || !auth.clients().canView(client)) {
            throw new NotFoundException("No such hub that you can see in realm " + realm.getName());
        }
        auth.clients().requireManage(client);
        return client;
    }

    private ClientModel template(ClientModel hub) {
        String templateId = hub.getAttribute(Hub.TEMPLATE);
        ClientModel template = templateId == null ? null : realm.getClientByClientId(templateId);
        if (template == null) {
            throw new ErrorResponseException("hub_without_template", "Hub '" + hub.getClientId() + "' has no template "
                    + "hub ('" + templateId + "') its settings are judged against: ask a realm admin.",
                    Response.Status.CONFLICT);
        }
        return template;
    }

    private ProtocolMapperModel fromTemplate(ClientModel template) {
        ProtocolMapperModel copy = mapper(template, Hub.GROUP_MAPPER).orElseThrow(() -> new ErrorResponseException(
                "hub_without_groups", "Template hub '" + template.getClientId() + "' has no groups mapper: hubs of "
                + "this template carry no groups claim.", Response.Status.CONFLICT));
        copy.setId(null); // a new mapper of the hub, with the template's settings
        return copy;
    }

    /**
     * A copy of the client's first mapper of {@code type}: the models a client hands out may be its cache's own, and
     * a change refused after it was made on them would stay visible (unsaved) to every later request.
     */
    private static Optional<ProtocolMapperModel> mapper(ClientModel client, String type) {
        return client.getProtocolMappersStream().filter(m -> type.equals(m.getProtocolMapper())).findFirst()
                .map(HubSelfServiceResource::copy);
    }

    private static ProtocolMapperModel copy(ProtocolMapperModel source) {
        ProtocolMapperModel copy = new ProtocolMapperModel();
        copy.setId(source.getId());
        copy.setName(source.getName());
        copy.setProtocol(source.getProtocol());
        copy.setProtocolMapper(source.getProtocolMapper());
        copy.setConfig(new HashMap<>(source.getConfig() == null ? Map.of() : source.getConfig()));
        return copy;
    }

    /** Saves through the mapper type's own validation, as Keycloak's admin REST does, and records an admin event. */
    private void save(ClientModel hub, ProtocolMapperModel mapper, String error) {
        ProtocolMapper type = (ProtocolMapper) session.getKeycloakSessionFactory()
                .getProviderFactory(ProtocolMapper.class, mapper.getProtocolMapper());
        if (type == null) {
            throw new ErrorResponseException("mapper_type_missing", "Mapper type " + mapper.getProtocolMapper()
                    + " is not installed on this server.", Response.Status.CONFLICT);
        }
        try {
            type.validateConfig(session, realm, hub, mapper);
        } catch (ProtocolMapperConfigException e) {
            throw refused(error, MessageFormat.format(e.getMessage(), e.getParameters()));
        }
        OperationType operation;
        if (mapper.getId() == null) {
            mapper = hub.addProtocolMapper(mapper);
            operation = OperationType.CREATE;
        } else {
            hub.updateProtocolMapper(mapper);
            operation = OperationType.UPDATE;
        }
        adminEvent.operation(operation)
                .resourcePath("clients", hub.getId(), "protocol-mappers", "models", mapper.getId())
                .representation(ModelToRepresentation.toRepresentation(mapper)).success();
    }

    private String baselineRules() {
        return realm.getClientScopesStream().filter(scope -> BASELINE_SCOPE.equals(scope.getName())).findFirst()
                .flatMap(scope -> filterRules(scope.getProtocolMappersStream())).orElse(null);
    }

    private static Optional<String> filterRules(Stream<ProtocolMapperModel> mappers) {
        return mappers.filter(m -> Hub.INSTITUTION_FILTER.equals(m.getProtocolMapper()))
                .map(m -> m.getConfig() == null ? null : m.getConfig().get(RULES)).filter(r -> r != null).findFirst();
    }

    private OwnedHub describe(ClientModel hub, String baseline) {
        String templateId = hub.getAttribute(Hub.TEMPLATE);
        ClientModel template = templateId == null ? null : realm.getClientByClientId(templateId);
        List<String> groups = mapper(hub, Hub.GROUP_MAPPER).map(GroupsSubtree::roots).orElse(null);
        return new OwnedHub(hub.getId(), hub.getClientId(), hub.getName(), hub.getAttribute(Hub.STATE),
                hub.isEnabled(), filterRules(hub.getProtocolMappersStream()).orElse(null), groups,
                template == null ? List.of() : GroupsSubtree.templateRoots(template), baseline);
    }

    private static ErrorResponseException refused(String error, String description) {
        return new ErrorResponseException(error, description, Response.Status.BAD_REQUEST);
    }

    /**
     * What the hub console shows of a hub: {@code groupsSubtree} is null when the hub has no groups mapper (its
     * tokens carry no groups claim until an owner sets a subtree); {@code baseline} is the realm's baseline rules
     * (null when the realm has none).
     */
    public record OwnedHub(String id, String clientId, String name, String state, boolean enabled,
                           String institutionRules, List<String> groupsSubtree, List<String> templateGroupsSubtree,
                           String baseline) {
    }
}
