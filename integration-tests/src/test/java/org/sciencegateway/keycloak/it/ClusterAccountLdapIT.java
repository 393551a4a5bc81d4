package org.sciencegateway.keycloak.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.sciencegateway.keycloak.testing.Http;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LdapServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;
import org.sciencegateway.keycloak.testing.TokenEndpointClient;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Answer;
import org.sciencegateway.keycloak.testing.TokenEndpointClient.Form;
import org.sciencegateway.keycloak.testing.TokenExchangeFixtures;
import org.sciencegateway.keycloak.testing.TokenSet;

/**
 * Seed 003's account mapping on a real directory: Debian's slapd, started by the test on 127.0.0.1 with a directory of
 * POSIX accounts, federated read-only into a realm of the test by Keycloak's own LDAP user storage, whose user
 * attribute mapper copies LDAP {@code uid} (the Linux account) into user attribute {@code posix_username}. The web
 * login is the LDAP {@code cn}, so login and account differ, as at GSI. The realm's {@code ssh-gateway} policy emits
 * the cluster groups (subtree {@code /escape/cluster-users}) and the account, which it requires.
 */
@DisplayName("The ssh-gateway token names the LDAP account and the cluster groups (seed 003), with a real OpenLDAP")
@ExtendWith({ClusterAccountLdapIT.SlapdInstalled.class, SharedKeycloak.class})
class ClusterAccountLdapIT {

    private static final String REALM = "cluster-ldap";
    private static final String HUB = "cluster-hub";
    private static final String HUB_SECRET = "cluster-hub-secret";
    private static final String AUDIENCE = "ssh-gateway";
    private static final String AUDIENCE_SECRET = "ssh-gateway-ldap-secret";
    private static final String SUFFIX = "dc=cluster,dc=test";
    private static final String CLUSTER_USERS = "/escape/cluster-users";

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static LdapServer ldap;
    private static TokenEndpointClient tokens;

    /** Skips the class, with the reason, before the shared server starts, when slapd is not installed. */
    static final class SlapdInstalled implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return LdapServer.installed()
                    ? ConditionEvaluationResult.enabled("slapd at " + LdapServer.SLAPD)
                    : ConditionEvaluationResult.disabled("Debian's slapd is not installed (apt-get install slapd "
                            + "ldap-utils; ./test.sh installs it)");
        }
    }

    @BeforeAll
    static void federateDirectory() {
        ldap = LdapServer.start(SUFFIX, "ldap-admin-secret", directory());
        tokens = new TokenEndpointClient(server, REALM);
        admin.delete("/admin/realms/" + REALM);
        admin.post("/admin/realms", realm()).ok();
        String storage = "/admin/realms/" + REALM + "/components";
        admin.post(storage, ldapFederation()).ok();
        String ldapId = componentId("org.keycloak.storage.UserStorageProvider", "cluster directory");
        admin.post(storage, accountMapper(ldapId)).ok();
        // Policies go through the validating mapper endpoint, as an admin's console would send them.
        admin.post(mappersPath(), TokenExchangeFixtures.policyMapper("ssh-gateway exchange policy", policy())).ok();

        // Group membership is Keycloak's (the hub's groups); the account is the directory's.
        admin.post("/admin/realms/" + REALM + "/user-storage/" + ldapId + "/sync?action=triggerFullSync", "").ok();
        String ada = admin.userId(REALM, "ada");
        for (String group : List.of(CLUSTER_USERS, CLUSTER_USERS + "/virgo-gpu", "/escape/users")) {
            admin.put("/admin/realms/" + REALM + "/users/" + ada + "/groups/" + groupId(group), "").ok();
        }
    }

    @AfterAll
    static void stopDirectory() {
        if (admin != null) {
            admin.delete("/admin/realms/" + REALM);
        }
        if (ldap != null) {
            ldap.close();
        }
    }

    @Test
    @DisplayName("Given ada, a cluster user from LDAP (web login ada, uid alovelace), then her ssh-gateway token and its introspection carry posix_username alovelace and only her groups under /escape/cluster-users")
    void clusterUserTokenNamesAccountAndGroups() {
        TokenSet hub = passwordLogin("ada", "ada-ldap-password");

        Answer answer = tokens.post(exchange(hub.accessToken()));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode claims = TokenSet.claims(answer.json().path("access_token").asText());
        assertThat(claims.path("aud").asText()).isEqualTo(AUDIENCE);
        assertThat(claims.path("preferred_username").asText()).isEqualTo("ada");
        assertThat(claims.path("posix_username").asText()).isEqualTo("alovelace");
        assertThat(texts(claims.path("groups"))).containsExactly(CLUSTER_USERS, CLUSTER_USERS + "/virgo-gpu");

        JsonNode introspection = introspect(answer.json().path("access_token").asText());
        assertThat(introspection.path("active").asBoolean()).as(introspection.toString()).isTrue();
        assertThat(introspection.path("posix_username").asText()).isEqualTo("alovelace");
        assertThat(texts(introspection.path("groups"))).containsExactly(CLUSTER_USERS, CLUSTER_USERS + "/virgo-gpu");
    }

    @Test
    @DisplayName("Given lena, a cluster user without an LDAP account, then no ssh-gateway token: 403 access_denied naming posix_username, and the event records why")
    void userWithoutAccountIsRefused() {
        TokenSet hub = passwordLogin("lena", "lena-local-password");

        Answer answer = tokens.post(exchange(hub.accessToken()));

        assertThat(answer.status()).as(answer.body()).isEqualTo(403);
        assertThat(answer.error()).isEqualTo("access_denied");
        assertThat(answer.json().path("error_description").asText()).isEqualTo("The user has no account for audience "
                + "ssh-gateway: user attribute posix_username is missing, and the policy requires it.");
        JsonNode event = admin.events(REALM, "TOKEN_EXCHANGE_ERROR").get(0);
        assertThat(event.path("details").path("reason").asText()).isEqualTo("user_lacks_account_attribute");
        assertThat(event.path("details").path("account_attribute").asText()).isEqualTo("posix_username");
        assertThat(event.path("details").path("username").asText()).isEqualTo("lena");
    }

    @Test
    @DisplayName("Given a policy requiring an account but naming no account attribute, then saving it is refused with what to fix")
    void requiredAccountNeedsAnAttribute() {
        Map<String, String> config = new LinkedHashMap<>(policy());
        config.remove("account.attribute");

        KeycloakAdmin.Response saved = admin.post(mappersPath(),
                TokenExchangeFixtures.policyMapper("second policy", config));

        assertThat(saved.status()).isEqualTo(400);
        assertThat(saved.body()).contains("Account required: set Account attribute too (for example posix_username), "
                + "or switch this off.");
    }

    private static String mappersPath() {
        return "/admin/realms/" + REALM + "/clients/" + admin.clientUuid(REALM, AUDIENCE) + "/protocol-mappers/models";
    }

    private static Map<String, String> policy() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("allowed.requesters", HUB);
        config.put("required.groups", CLUSTER_USERS);
        config.put("grantable.scopes", "openid##profile");
        config.put("max.lifetime.seconds", "900");
        config.put("groups.claim", "groups");
        config.put("groups.claim.root", CLUSTER_USERS);
        config.put("account.attribute", "posix_username");
        config.put("account.required", "true");
        return config;
    }

    private static TokenSet passwordLogin(String username, String password) {
        Answer login = tokens.post(new Form().add("grant_type", "password").add("client_id", HUB)
                .add("client_secret", HUB_SECRET).add("username", username).add("password", password)
                .add("scope", "openid profile"));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        return login.tokens();
    }

    private static Form exchange(String subjectToken) {
        return new Form().add("client_id", HUB).add("client_secret", HUB_SECRET)
                .add("grant_type", TokenEndpointClient.TOKEN_EXCHANGE_GRANT)
                .add("subject_token_type", TokenEndpointClient.ACCESS_TOKEN_TYPE)
                .add("subject_token", subjectToken).add("audience", AUDIENCE);
    }

    private static JsonNode introspect(String token) {
        HttpResponse<String> response = Http.send(Http.formPost(server.realmUrl(REALM)
                + "/protocol/openid-connect/token/introspect", new Form().add("client_id", AUDIENCE)
                .add("client_secret", AUDIENCE_SECRET).add("token", token).encode()));
        return new KeycloakAdmin.Response(response.statusCode(), response.body()).ok();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private static String componentId(String type, String name) {
        JsonNode found = admin.get("/admin/realms/" + REALM + "/components?type=" + type + "&name="
                + name.replace(" ", "%20")).ok();
        assertThat(found.size()).as(found.toString()).isEqualTo(1);
        return found.get(0).path("id").asText();
    }

    private static String groupId(String path) {
        return admin.get("/admin/realms/" + REALM + "/group-by-path" + path).ok().path("id").asText();
    }

    private static String directory() {
        return """
                dn: %1$s
                objectClass: dcObject
                objectClass: organization
                dc: cluster
                o: Cluster test directory

                dn: ou=people,%1$s
                objectClass: organizationalUnit
                ou: people

                dn: cn=ada,ou=people,%1$s
                objectClass: inetOrgPerson
                objectClass: posixAccount
                cn: ada
                sn: Lovelace
                givenName: Ada
                mail: ada@cluster.test
                uid: alovelace
                uidNumber: 20001
                gidNumber: 20001
                homeDirectory: /home/alovelace
                userPassword: ada-ldap-password
                """.formatted(SUFFIX);
    }

    private static Map<String, Object> realm() {
        Map<String, Object> realm = new LinkedHashMap<>();
        realm.put("realm", REALM);
        realm.put("enabled", true);
        realm.put("eventsEnabled", true);
        realm.put("groups", List.of(Map.of("name", "escape", "subGroups", List.of(
                Map.of("name", "users"),
                Map.of("name", "cluster-users", "subGroups", List.of(Map.of("name", "virgo-gpu")))))));
        realm.put("clients", List.of(
                Map.of("clientId", HUB, "enabled", true, "publicClient", false, "secret", HUB_SECRET,
                        "standardFlowEnabled", false, "directAccessGrantsEnabled", true),
                Map.of("clientId", AUDIENCE, "enabled", true, "publicClient", false, "secret", AUDIENCE_SECRET,
                        "standardFlowEnabled", false, "directAccessGrantsEnabled", false)));
        realm.put("users", List.of(Map.of("username", "lena", "enabled", true, "firstName", "Lena",
                "lastName", "Local", "email", "lena@cluster.test", "emailVerified", true,
                "groups", List.of(CLUSTER_USERS),
                "credentials", List.of(Map.of("type", "password", "value", "lena-local-password")))));
        return realm;
    }

    private static Map<String, Object> ldapFederation() {
        Map<String, List<String>> config = new LinkedHashMap<>();
        config.put("enabled", List.of("true"));
        config.put("priority", List.of("0"));
        config.put("vendor", List.of("other"));
        config.put("editMode", List.of("READ_ONLY"));
        config.put("importEnabled", List.of("true"));
        config.put("syncRegistrations", List.of("false"));
        config.put("connectionUrl", List.of(ldap.url()));
        config.put("authType", List.of("simple"));
        config.put("bindDn", List.of(ldap.adminDn()));
        config.put("bindCredential", List.of(ldap.adminPassword()));
        config.put("usersDn", List.of("ou=people," + SUFFIX));
        config.put("usernameLDAPAttribute", List.of("cn"));
        config.put("rdnLDAPAttribute", List.of("cn"));
        config.put("uuidLDAPAttribute", List.of("entryUUID"));
        config.put("userObjectClasses", List.of("inetOrgPerson, posixAccount"));
        config.put("searchScope", List.of("1"));
        config.put("pagination", List.of("false"));
        config.put("useTruststoreSpi", List.of("never"));
        config.put("trustEmail", List.of("false"));
        config.put("fullSyncPeriod", List.of("-1"));
        config.put("changedSyncPeriod", List.of("-1"));
        config.put("cachePolicy", List.of("DEFAULT"));
        return Map.of("name", "cluster directory", "providerId", "ldap",
                "providerType", "org.keycloak.storage.UserStorageProvider", "config", config);
    }

    /** LDAP uid, the Linux account, into user attribute posix_username; read-only, always read from the directory. */
    private static Map<String, Object> accountMapper(String ldapId) {
        Map<String, List<String>> config = new LinkedHashMap<>();
        config.put("ldap.attribute", List.of("uid"));
        config.put("user.model.attribute", List.of("posix_username"));
        config.put("read.only", List.of("true"));
        config.put("always.read.value.from.ldap", List.of("true"));
        config.put("is.mandatory.in.ldap", List.of("false"));
        config.put("is.binary.attribute", List.of("false"));
        config.put("attribute.force.default", List.of("false"));
        return Map.of("name", "posix account", "providerId", "user-attribute-ldap-mapper",
                "providerType", "org.keycloak.storage.ldap.mappers.LDAPStorageMapper", "parentId", ldapId,
                "config", config);
    }
}
