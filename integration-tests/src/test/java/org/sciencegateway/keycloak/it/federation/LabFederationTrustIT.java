package org.sciencegateway.keycloak.it.federation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;
import org.sciencegateway.keycloak.testing.FederationSourceAdmin;
import org.sciencegateway.keycloak.testing.KeycloakAdmin;
import org.sciencegateway.keycloak.testing.KeycloakServer;
import org.sciencegateway.keycloak.testing.LabFederation;
import org.sciencegateway.keycloak.testing.SharedKeycloak;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The federation-trust review's critical finding, replayed on the lab's own published aggregate: the file
 * {@code ./lab.sh} writes for realm vre's source {@value LabFederation#SOURCE}, with the lab certificate pinned and no
 * lab key used. An attacker who can write that file (a download job, a mirror) adds a copy of institution-saml with
 * their own certificate and SSO URL inside the aggregate's signature.
 */
@DisplayName("SAML federation: the lab's own aggregate with a member forged inside its signature")
@ExtendWith(SharedKeycloak.class)
class LabFederationTrustIT {

    @SharedKeycloak.Shared
    private static KeycloakServer server;
    @SharedKeycloak.Shared
    private static KeycloakAdmin admin;

    @Test
    @DisplayName("Federation trust, finding 1 on lab-federation.xml: the forged institution-saml in ds:Object or ds:KeyInfo is refused (bad_signature) and the imported institution-saml keeps the lab's certificate")
    void forgedMemberInTheLabAggregate() throws Exception {
        FederationSourceAdmin sources = new FederationSourceAdmin(admin, "vre");
        String sourceId = sources.id(LabFederation.SOURCE);
        try {
            JsonNode first = LabFederation.publish(server, 9);
            assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("ok");
            String published = Files.readString(server.labFederationFile(), StandardCharsets.UTF_8);
            String entityId = server.realmUrl("institution-saml");
            JsonNode genuine = importedInstitutionSaml(sources, sourceId, entityId);
            String attackerCertificate = FederationSigner.OTHER.certificatePem()
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s+", "");
            String forged = Idp.of(entityId).name("en", "Sorbonne Astro Lab (lab federation)")
                    .scope(LabFederation.INSTITUTION).registrationAuthority(LabFederation.AUTHORITY)
                    .sso("https://attacker.example/sso").certificate(attackerCertificate).xml();

            for (String attack : List.of(
                    published.replace("</ds:Signature>", "<ds:Object>" + forged + "</ds:Object></ds:Signature>"),
                    published.replaceFirst("</ds:KeyInfo>", Matcher.quoteReplacement(forged) + "</ds:KeyInfo>"))) {
                Files.writeString(server.labFederationFile(), attack, StandardCharsets.UTF_8);
                JsonNode status = sources.sync(sourceId);
                assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("failed");
                assertThat(status.path("errorCode").asText()).as(status.toString()).isEqualTo("bad_signature");
                JsonNode now = importedInstitutionSaml(sources, sourceId, entityId);
                assertThat(now.path("config").path("signingCertificate").asText())
                        .isEqualTo(genuine.path("config").path("signingCertificate").asText())
                        .doesNotContain(attackerCertificate);
                assertThat(now.path("config").path("singleSignOnServiceUrl").asText())
                        .isEqualTo(genuine.path("config").path("singleSignOnServiceUrl").asText());
            }
        } finally {
            // the shared server's vre realm goes back to no lab federation members, and no later sync finds the file
            Files.deleteIfExists(server.labFederationFile());
            sources.identityProviders(sourceId).forEach(idp ->
                    admin.delete("/admin/realms/vre/identity-provider/instances/" + idp.get("alias").asText()));
        }
    }

    private static JsonNode importedInstitutionSaml(FederationSourceAdmin sources, String sourceId, String entityId) {
        return sources.identityProviders(sourceId).stream()
                .filter(idp -> entityId.equals(idp.path("config").path("idpEntityId").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("institution-saml not imported"));
    }
}
