package org.sciencegateway.keycloak.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** A client's institution rules (its {@code sg-institution-filter} mapper), read and saved as its admin would. */
public final class ClientInstitutionRules {

    private final KeycloakAdmin admin;
    private final String realm;
    private final String clientId;

    public ClientInstitutionRules(KeycloakAdmin admin, String realm, String clientId) {
        this.admin = admin;
        this.realm = realm;
        this.clientId = clientId;
    }

    private String models() {
        return "/admin/realms/" + realm + "/clients/" + admin.clientUuid(realm, clientId) + "/protocol-mappers/models";
    }

    /** The client's institution filter mapper. */
    public JsonNode mapper() {
        for (JsonNode mapper : admin.get(models()).ok()) {
            if ("sg-institution-filter".equals(mapper.path("protocolMapper").asText())) {
                return mapper;
            }
        }
        throw new AssertionError(clientId + " has no institution filter mapper");
    }

    public String get() {
        return mapper().path("config").path("rules").asText();
    }

    /** Saves {@code rules}; the admin API's refusal fails the test with its answer. */
    public void set(String rules) {
        JsonNode mapper = mapper();
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("id", mapper.get("id").asText());
        update.put("name", mapper.get("name").asText());
        update.put("protocol", "openid-connect");
        update.put("protocolMapper", "sg-institution-filter");
        update.put("config", Map.of("rules", rules));
        admin.put(models() + "/" + mapper.get("id").asText(), update).ok();
    }
}
