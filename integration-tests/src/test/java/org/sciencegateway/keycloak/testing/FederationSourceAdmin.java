package org.sciencegateway.keycloak.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A realm's federation sources through the admin REST API, as an admin or a deployment script drives them: the
 * component API to create and edit, {@code /saml-federation} to sync and read the status.
 */
public final class FederationSourceAdmin {

    public static final String PROVIDER_TYPE = "org.keycloak.services.ui.extend.UiPageProvider";
    /**
     * The identity provider template for the lab's SAML institutions (Keycloak realms as IdPs): the principal is the
     * NameID (they send no subject-id or ePPN), the institution filter's flows, mail and names.
     */
    public static final String INSTITUTION_SAML_TEMPLATE = """
            {"config": {"principalType": "SUBJECT",
                        "nameIDPolicyFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                        "postBindingResponse": "true", "wantAssertionsSigned": "true", "syncMode": "IMPORT"},
             "firstBrokerLoginFlowAlias": "first broker login",
             "postBrokerLoginFlowAlias": "institution filter post broker login",
             "trustEmail": true, "institutionAttribute": "schacHomeOrganization",
             "mappers": [{"name": "email", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                          "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:0.9.2342.19200300.100.1.3", "user.attribute": "email"}},
                         {"name": "given name", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                          "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:2.5.4.42", "user.attribute": "firstName"}},
                         {"name": "surname", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                          "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:2.5.4.4", "user.attribute": "lastName"}}]}""";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KeycloakAdmin admin;
    private final String realm;

    public FederationSourceAdmin(KeycloakAdmin admin, String realm) {
        this.admin = admin;
        this.realm = realm;
    }

    /** The component JSON of a source; {@code config} values are single strings or lists. */
    public ObjectNode representation(String name, Map<String, Object> config) {
        ObjectNode component = MAPPER.createObjectNode();
        component.put("name", name);
        component.put("providerId", "saml-federation");
        component.put("providerType", PROVIDER_TYPE);
        component.put("parentId", admin.get("/admin/realms/" + realm).ok().get("id").asText());
        ObjectNode values = component.putObject("config");
        config.forEach((key, value) -> {
            ArrayNode list = values.putArray(key);
            if (value instanceof List<?> many) {
                many.forEach(item -> list.add(String.valueOf(item)));
            } else {
                list.add(String.valueOf(value));
            }
        });
        return component;
    }

    /** Creates the source (the server starts its first sync) and returns its id. */
    public String create(String name, Map<String, Object> config) {
        KeycloakAdmin.Response response = admin.post("/admin/realms/" + realm + "/components",
                representation(name, config));
        if (response.status() != 201) {
            throw new AssertionError("creating source " + name + " answered " + response.status() + ": "
                    + response.body());
        }
        return id(name);
    }

    public KeycloakAdmin.Response tryCreate(String name, Map<String, Object> config) {
        return admin.post("/admin/realms/" + realm + "/components", representation(name, config));
    }

    public String id(String name) {
        JsonNode found = admin.get("/admin/realms/" + realm + "/components?type=" + PROVIDER_TYPE + "&name=" + name)
                .ok();
        if (found.size() != 1) {
            throw new AssertionError("no single source named " + name + ": " + found);
        }
        return found.get(0).get("id").asText();
    }

    public KeycloakAdmin.Response update(String id, String name, Map<String, Object> config) {
        ObjectNode component = representation(name, config);
        component.put("id", id);
        return admin.put("/admin/realms/" + realm + "/components/" + id, component);
    }

    public void delete(String id) {
        admin.delete("/admin/realms/" + realm + "/components/" + id);
    }

    public JsonNode status(String id) {
        return admin.get("/admin/realms/" + realm + "/saml-federation/sources/" + id).ok().get("status");
    }

    /** Starts a sync now and waits until the status records an attempt newer than the one before. */
    public JsonNode sync(String id) {
        return sync(id, Duration.ofMinutes(3));
    }

    /** {@link #sync(String)}, waiting up to {@code timeout} (an eduGAIN-sized first import takes minutes). */
    public JsonNode sync(String id, Duration timeout) {
        String before = status(id).path("lastAttempt").asText("");
        KeycloakAdmin.Response started = admin.post("/admin/realms/" + realm + "/saml-federation/sources/" + id
                + "/sync", "");
        if (started.status() != 202) {
            throw new AssertionError("sync answered " + started.status() + ": " + started.body());
        }
        return awaitAttemptAfter(id, before, timeout);
    }

    /** Waits for the first sync (started when the source was created or changed). */
    public JsonNode awaitAttemptAfter(String id, String previousAttempt) {
        return awaitAttemptAfter(id, previousAttempt, Duration.ofMinutes(3));
    }

    private JsonNode awaitAttemptAfter(String id, String previousAttempt, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            JsonNode status = status(id);
            String attempt = status.path("lastAttempt").asText("");
            if (!attempt.isEmpty() && !attempt.equals(previousAttempt)) {
                return status;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        throw new AssertionError("no sync of source " + id + " ended within " + timeout + ": " + status(id));
    }

    /** The realm's identity providers imported by the source, as the admin API shows them. */
    public List<JsonNode> identityProviders(String id) {
        List<JsonNode> result = new ArrayList<>();
        for (JsonNode idp : admin.get("/admin/realms/" + realm + "/identity-provider/instances?max=100000").ok()) {
            if (id.equals(idp.path("config").path("sg.federation.source").asText())) {
                result.add(idp);
            }
        }
        return result;
    }
}
