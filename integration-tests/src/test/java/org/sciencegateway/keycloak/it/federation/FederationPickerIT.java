package org.sciencegateway.keycloak.it.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.FederationFeed;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The picker over a federation-sized realm: from 1,000 identity providers on, a change is picked up by a rebuild of
 * the institution directory in the background while the previous directory answers.
 */
@DisplayName("SAML federation: the picker over a thousand imported institutions")
@ExtendWith(SharedKeycloak.class)
class FederationPickerIT {

    static final String REALM = "federation-picker-test";
    static final int INSTITUTIONS = 1_000;
    static final String TEMPLATE = """
            {"config": {"principalType": "SUBJECT", "nameIDPolicyFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"},
             "firstBrokerLoginFlowAlias": "first broker login"}""";
    private static final ObjectMapper JSON = new ObjectMapper();

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;
    private static FederationFeed feed;

    @BeforeAll
    static void realmAndFeed() {
        admin.delete("/admin/realms/" + REALM);
        admin.post("/admin/realms", Map.of("realm", REALM, "enabled", true)).ok();
        feed = new FederationFeed();
    }

    @AfterAll
    static void stop() {
        feed.close();
        admin.delete("/admin/realms/" + REALM);
    }

    static String aggregate(String name500) {
        FederationMetadata metadata = new FederationMetadata();
        for (int i = 0; i < INSTITUTIONS; i++) {
            metadata.add(Idp.of("https://idp" + i + ".scale.example/idp")
                    .name("en", i == 500 ? name500 : "Scale University " + i).scope("scale" + i + ".example"));
        }
        return FederationSigner.LAB.sign(metadata.xml());
    }

    /** The names the picker's search finds for {@code query} (client without rules: every institution). */
    static String search(String query) throws Exception {
        BrowserSession.Page page = new BrowserSession().get(server.realmUrl(REALM)
                + "/institutions?client_id=account-console&q=" + query);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(page.body());
        assertThat(body.path("total").asInt()).as("%s", body).isEqualTo(1);
        return body.path("items").get(0).path("name").asText();
    }

    @Test
    @DisplayName("Given 1,000 imported institutions, when the federation renames one, then the next search still answers from the previous directory and the new name follows from the background rebuild")
    void renamedInstitutionFollowsFromTheBackgroundRebuild() throws Exception {
        FederationSourceAdmin sources = new FederationSourceAdmin(admin, REALM);
        feed.serve(aggregate("Scale University 500"));
        String id = sources.create("scale", Map.of("metadataUrl", feed.url(),
                "signingCertificate", FederationSigner.LAB.certificatePem(), "aliasPrefix", "scale",
                "identityProviderTemplate", TEMPLATE));
        JsonNode status = sources.awaitAttemptAfter(id, "");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("ok");
        assertThat(status.path("identityProviders").asInt()).isEqualTo(INSTITUTIONS);
        // the first directory of the realm is built before the answer
        assertThat(search("scale500.example")).isEqualTo("Scale University 500");

        feed.serve(aggregate("Renamed College 500"));
        JsonNode renamed = sources.sync(id);
        assertThat(renamed.path("changes").path("updated").asInt()).as(renamed.toString()).isEqualTo(1);

        // this search starts the rebuild and is answered from the directory before the change
        assertThat(search("scale500.example")).isEqualTo("Scale University 500");
        String name = "";
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        while (!name.equals("Renamed College 500") && Instant.now().isBefore(end)) {
            Thread.sleep(200); // polling the rebuild, which runs on the server's executor
            name = search("scale500.example");
        }
        assertThat(name).as("the name after the background rebuild").isEqualTo("Renamed College 500");
    }
}
