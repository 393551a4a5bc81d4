package org.sciencegateway.keycloak.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The lab's hub tenants, set up through the admin REST API after the realms are imported (what a realm admin does
 * once, docs/hub-tenants.md): the registration policy for hubs, the mapper types Keycloak's own policy must let
 * through, the realm's institution baseline (client scope {@code institution-baseline}; a realm file holding one
 * client scope would replace Keycloak's default scopes), hubadmin as owner of {@code other-gateway} (its
 * {@code sg.hub.owners}, a user id, and the fine-grained admin permission an approval creates), and an initial access
 * token for requesting hubs. Every step
 * is skipped when already done, so a test may run it on a shared server.
 */
public final class LabHubTenants {

    public static final String HUB_ADMIN = "hubadmin";
    public static final String OWNED_HUB = "other-gateway";
    /** The lab baseline: the lab's five institutions (other-gateway admits all five), no local accounts. */
    public static final String BASELINE = """
            {
              "allow": [
                {"name": "lab institutions", "idp": ["institution-a", "institution-b", "institution-saml",
                  "federation-proxy", "institution-blocked"]}
              ],
              "localAccounts": false
            }""";
    private static final String POLICY_TYPE = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";
    private static final List<String> HUB_MAPPER_TYPES = List.of("sg-institution-filter",
            "science-gateway-group-mapper", "science-gateway-assurance-mapper");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeycloakServer server;
    private final String token;
    private final String admin;

    private LabHubTenants(KeycloakServer server) {
        this.server = server;
        this.token = adminToken(server);
        this.admin = server.baseUrl() + "/admin/realms/vre";
    }

    /** Sets up the lab's hub tenants in realm vre; returns a new initial access token (10 hubs, one day). */
    public static String prepare(KeycloakServer server) {
        LabHubTenants lab = new LabHubTenants(server);
        lab.registrationPolicies();
        lab.baseline();
        lab.ownerPermission();
        return lab.send("POST", "/clients-initial-access", Map.of("count", 10, "expiration", 86_400))
                .path("token").asText();
    }

    private void registrationPolicies() {
        String realmId = send("GET", "", null).path("id").asText();
        boolean present = false;
        for (JsonNode component : send("GET", "/components?type=" + POLICY_TYPE, null)) {
            if ("sg-hub-registration".equals(component.path("providerId").asText())) {
                present = true;
            }
            if ("authenticated".equals(component.path("subType").asText())
                    && "allowed-protocol-mappers".equals(component.path("providerId").asText())) {
                ObjectNode allowed = component.deepCopy();
                ArrayNode types = allowed.with("config").withArray("allowed-protocol-mapper-types");
                boolean changed = false;
                for (String type : HUB_MAPPER_TYPES) {
                    if (!types.toString().contains("\"" + type + "\"")) {
                        types.add(type);
                        changed = true;
                    }
                }
                if (changed) {
                    send("PUT", "/components/" + component.path("id").asText(), allowed);
                }
            }
        }
        if (!present) {
            send("POST", "/components", Map.of("name", "Science gateway hubs", "providerId", "sg-hub-registration",
                    "providerType", POLICY_TYPE, "subType", "authenticated", "parentId", realmId,
                    "config", Map.of("template.client", List.of("jupyterhub"),
                            "reserved.client.ids", List.of("rucio", "ssh-gateway"))));
        }
    }

    private void baseline() {
        for (JsonNode scope : send("GET", "/client-scopes", null)) {
            if ("institution-baseline".equals(scope.path("name").asText())) {
                return;
            }
        }
        send("POST", "/client-scopes", Map.of("name", "institution-baseline", "protocol", "openid-connect",
                "description", "The realm's institution baseline: every hub's institution rules may only narrow "
                        + "this scope's institution filter. Not assigned to clients."));
        for (JsonNode scope : send("GET", "/client-scopes", null)) {
            if ("institution-baseline".equals(scope.path("name").asText())) {
                send("POST", "/client-scopes/" + scope.path("id").asText() + "/protocol-mappers/models",
                        Map.of("name", "institution baseline", "protocol", "openid-connect", "protocolMapper",
                                "sg-institution-filter", "config", Map.of("rules", BASELINE)));
            }
        }
    }

    /** hubadmin's view and manage rights on other-gateway: the fine-grained admin permission an approval creates. */
    private void ownerPermission() {
        String permissions = send("GET", "", null).path("adminPermissionsClient").path("id").asText();
        String hub = send("GET", "/clients?clientId=" + OWNED_HUB, null).get(0).path("id").asText();
        String owner = send("GET", "/users?exact=true&username=" + HUB_ADMIN, null).get(0).path("id").asText();
        // the owners attribute holds user ids, which a realm file cannot name (imported twice, ids would collide)
        JsonNode client = send("GET", "/clients/" + hub, null);
        if (!owner.equals(client.path("attributes").path("sg.hub.owners").asText())) {
            ObjectNode updated = client.deepCopy();
            updated.with("attributes").put("sg.hub.owners", owner);
            send("PUT", "/clients/" + hub, updated);
        }
        String authz = "/clients/" + permissions + "/authz/resource-server";
        String policyName = "sg-hub-owners-" + hub;
        JsonNode existing = send("GET", authz + "/policy?name=" + policyName, null);
        if (existing.isArray() && !existing.isEmpty()) {
            return;
        }
        // as an approval makes it: the owners, and only through the admin clients (a token another hub received
        // when the owner logged in there carries none of their rights)
        String adminClients;
        JsonNode found = send("GET", authz + "/policy?name=sg-hub-admin-clients", null);
        if (found.isArray() && !found.isEmpty()) {
            adminClients = found.get(0).path("id").asText();
        } else {
            List<String> clients = new java.util.ArrayList<>();
            for (String clientId : List.of("security-admin-console", "admin-cli", "hub-console")) {
                JsonNode adminClient = send("GET", "/clients?clientId=" + clientId, null);
                if (!adminClient.isEmpty()) {
                    clients.add(adminClient.get(0).path("id").asText());
                }
            }
            adminClients = send("POST", authz + "/policy/client", Map.of("name", "sg-hub-admin-clients",
                    "description", "The clients through which hub owners act on their hubs", "clients", clients))
                    .path("id").asText();
        }
        String policy = send("POST", authz + "/policy/user", Map.of("name", policyName, "description",
                "Owners of hub " + OWNED_HUB, "users", List.of(owner))).path("id").asText();
        send("POST", authz + "/permission/scope", Map.of("name", "sg-hub-" + hub, "description",
                "Hub " + OWNED_HUB + ": its owners view and manage this client only", "resourceType", "Clients",
                "resources", List.of(hub), "scopes", List.of("view", "manage"), "policies",
                List.of(policy, adminClients), "decisionStrategy", "UNANIMOUS"));
    }

    private JsonNode send(String method, String path, Object body) {
        try {
            HttpRequest.Builder request = Http.request(admin + path)
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json");
            if (body != null) {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response = Http.send(request);
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " "
                        + response.body());
            }
            return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path, e);
        }
    }

    private static String adminToken(KeycloakServer server) {
        String form = "grant_type=password&client_id=admin-cli&username="
                + URLEncoder.encode(KeycloakServer.ADMIN_USERNAME, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(KeycloakServer.ADMIN_PASSWORD, StandardCharsets.UTF_8);
        try {
            return JSON.readTree(Http.send(Http.formPost(server.realmUrl("master") + "/protocol/openid-connect/token",
                    form)).body()).path("access_token").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
