package org.sciencegateway.keycloak.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata;
import org.sciencegateway.keycloak.samlfederation.testing.FederationMetadata.Idp;
import org.sciencegateway.keycloak.samlfederation.testing.FederationSigner;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The lab federation: a metadata aggregate signed with the lab-only federation key (its certificate is pinned by the
 * lab realm's source {@value #SOURCE}), holding institution-saml's real metadata as its Keycloak publishes it, registered
 * as a federation would (registration authority {@value #AUTHORITY}, R&amp;S, SIRTFI, scope), plus synthetic
 * institutions and service providers up to {@code LAB_FEDERATION_ENTITIES} entities (default {@value #DEFAULT_ENTITIES};
 * 12000 is eduGAIN-sized). Published to the file the source reads; then the source is synced and dave's account is
 * linked to the imported institution-saml, so he can log in through it.
 * <p>
 * Also registered: institution-transient ({@value #INSTITUTION_TRANSIENT}), whose metadata offers only transient
 * NameIDs — as most real identity providers' — and which releases SAML {@code subject-id}: its users' accounts are
 * keyed by that attribute. It wants signed requests (as Keycloak's descriptor says) and, like a federation member,
 * verifies them with the key of the realm's SP metadata, which {@link #publish} registers on its client.
 */
public final class LabFederation {

    public static final String SOURCE = "lab-federation";
    public static final String AUTHORITY = "https://federation.lab.sciencegateway.invalid";
    public static final String INSTITUTION = "institution-saml.example.org";
    public static final String INSTITUTION_TRANSIENT = "institution-transient.example.org";
    public static final String TRANSIENT_REALM = "institution-transient";
    public static final String TRANSIENT_NAME = "Nordic Polar Institute (lab federation)";
    public static final int DEFAULT_ENTITIES = 40;
    private static final String[] WORDS = {"Astro", "Nuclear", "Particle", "Radio", "Quantum", "Climate", "Marine",
            "Polar", "Solar", "Gravity", "Neutrino", "Cosmic", "Plasma", "Photon", "Isotope", "Laser"};
    private static final String[] KINDS = {"University", "Institute", "Observatory", "Laboratory", "College"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private LabFederation() {
    }

    /** Entities in the lab federation: {@code LAB_FEDERATION_ENTITIES}, else the default. */
    public static int entities() {
        String value = System.getenv().getOrDefault("LAB_FEDERATION_ENTITIES", String.valueOf(DEFAULT_ENTITIES));
        try {
            int entities = Integer.parseInt(value.trim());
            if (entities < 1 || entities > 100_000) {
                throw new IllegalArgumentException();
            }
            return entities;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("LAB_FEDERATION_ENTITIES must be a number from 1 to 100000, got '"
                    + value + "'");
        }
    }

    /** The aggregate: institution-saml plus {@code entities - 1} synthetic entities, half identity providers. */
    public static String aggregate(String institutionSamlDescriptor, String institutionSamlEntityId, int entities) {
        return aggregate(institutionSamlDescriptor, institutionSamlEntityId, entities, "");
    }

    /**
     * The aggregate as {@link #aggregate(String, String, int)}, where a non-empty {@code revision} renames one
     * synthetic identity provider in a hundred ({@link #renamedInRevision}) by appending it to the name, as a
     * federation's daily feed changes a few entities.
     */
    public static String aggregate(String institutionSamlDescriptor, String institutionSamlEntityId, int entities,
                                   String revision) {
        return aggregate(institutionSamlDescriptor, institutionSamlEntityId, null, null, entities, revision);
    }

    /** The aggregate with institution-transient registered too (when its descriptor is given). */
    public static String aggregate(String institutionSamlDescriptor, String institutionSamlEntityId,
                                   String transientDescriptor, String transientEntityId, int entities,
                                   String revision) {
        FederationMetadata metadata = new FederationMetadata().name(AUTHORITY)
                .validUntil(Instant.now().plus(Duration.ofDays(14)))
                .addRegistered(institutionSamlDescriptor, Idp.of(institutionSamlEntityId)
                        .name("en", "Sorbonne Astro Lab (lab federation)")
                        .name("fr", "Laboratoire d'astrophysique de la Sorbonne (fédération du lab)")
                        .scope(INSTITUTION).registrationAuthority(AUTHORITY)
                        .category(FederationMetadata.RS).certification(FederationMetadata.SIRTFI)
                        .keywords("astronomy Paris"));
        if (transientDescriptor != null) {
            metadata.addRegistered(transientOnly(transientDescriptor), Idp.of(transientEntityId)
                    .name("en", TRANSIENT_NAME).name("nb", "Nordisk polarinstitutt (lab-føderasjonen)")
                    .scope(INSTITUTION_TRANSIENT).registrationAuthority(AUTHORITY)
                    .category(FederationMetadata.RS).certification(FederationMetadata.SIRTFI)
                    .keywords("polar Tromsø"));
        }
        for (int i = 1; i < entities; i++) {
            if (!identityProvider(i)) {
                metadata.addServiceProvider("https://sp" + i + ".lab-federation.example/shibboleth");
                continue;
            }
            String name = institutionName(i) + (revision.isEmpty() || !renamedInRevision(i) ? "" : " " + revision);
            Idp idp = Idp.of(institutionEntityId(i)).name("en", name)
                    .name("de", name.replace("University", "Universität")).scope(institutionScope(i))
                    .registrationAuthority(i % 3 == 0 ? "https://incommon.org" : AUTHORITY)
                    .keywords(WORDS[(i + 3) % WORDS.length].toLowerCase());
            if (i % 3 != 2) {
                idp.category(FederationMetadata.RS);
            }
            if (i % 4 == 1) {
                idp.certification(FederationMetadata.SIRTFI);
            }
            if (hiddenFromDiscovery(i)) {
                idp.category(FederationMetadata.HIDE);
            }
            metadata.add(idp);
        }
        return FederationSigner.LAB.sign(metadata.xml());
    }

    /** A Keycloak realm's IdP descriptor offering only transient NameIDs, as most federation members do. */
    public static String transientOnly(String descriptor) {
        return descriptor.replaceAll("(?s)<(md:)?NameIDFormat>\\s*urn:oasis:names:tc:SAML:(1\\.1|2\\.0):nameid-format:"
                + "(?!transient)[^<]*</(md:)?NameIDFormat>\\s*", "");
    }

    /** Synthetic entity {@code i} is an identity provider when odd (the even ones are service providers). */
    public static boolean identityProvider(int i) {
        return i % 2 == 1;
    }

    /** The English display name of synthetic identity provider {@code i}. */
    public static String institutionName(int i) {
        return WORDS[i % WORDS.length] + " " + KINDS[(i / WORDS.length) % KINDS.length] + " " + i;
    }

    public static String institutionEntityId(int i) {
        return "https://idp" + i + ".inst" + i + ".lab-federation.example/idp/shibboleth";
    }

    /** The {@code shibmd:Scope} of synthetic identity provider {@code i}, the picker's domain for it. */
    public static String institutionScope(int i) {
        return "inst" + i + ".lab-federation.example";
    }

    /** Tagged {@code hide-from-discovery}: imported, never listed by the picker. */
    public static boolean hiddenFromDiscovery(int i) {
        return i % 50 == 49;
    }

    /** The identity providers a revision renames: one in a hundred. */
    public static boolean renamedInRevision(int i) {
        return i % 200 == 1;
    }

    /** Builds, signs and publishes the aggregate, syncs the lab source and links dave; returns the sync status. */
    public static JsonNode publish(KeycloakServer server, int entities) throws IOException {
        String descriptor = Http.send(Http.request(server.realmUrl("institution-saml") + "/protocol/saml/descriptor"))
                .body();
        String transientDescriptor = Http.send(Http.request(server.realmUrl(TRANSIENT_REALM)
                + "/protocol/saml/descriptor")).body();
        Files.writeString(server.labFederationFile(), aggregate(descriptor, server.realmUrl("institution-saml"),
                transientDescriptor, server.realmUrl(TRANSIENT_REALM), entities, ""), StandardCharsets.UTF_8);
        String token = adminToken(server);
        String admin = server.baseUrl() + "/admin/realms/vre";
        JsonNode sources = json(Http.send(authorized(Http.request(admin + "/saml-federation/sources"), token)));
        String id = null;
        String before = "";
        for (JsonNode source : sources) {
            if (SOURCE.equals(source.path("name").asText())) {
                id = source.path("id").asText();
                before = source.path("status").path("lastAttempt").asText("");
            }
        }
        if (id == null) {
            throw new IllegalStateException("realm vre has no federation source " + SOURCE);
        }
        Http.send(authorized(Http.request(admin + "/saml-federation/sources/" + id + "/sync"), token)
                .POST(HttpRequest.BodyPublishers.noBody()));
        JsonNode status = awaitSync(admin + "/saml-federation/sources/" + id, token, before);
        linkDave(server, admin, token);
        trustServiceProviderKey(server, token);
        return status;
    }

    /**
     * institution-transient verifies the realm's signed requests with the signing key of the source's SP metadata
     * (what a federation member reads from the SP's registration).
     */
    private static void trustServiceProviderKey(KeycloakServer server, String token) {
        String spMetadata = Http.send(Http.request(server.realmUrl("vre") + "/saml-federation/labfed/metadata")).body();
        java.util.regex.Matcher certificate = java.util.regex.Pattern.compile(
                "(?s)<(?:md:)?KeyDescriptor use=\"signing\">.*?<(?:ds:)?X509Certificate>([^<]+)<").matcher(spMetadata);
        if (!certificate.find()) {
            throw new IllegalStateException("the lab source's SP metadata has no signing certificate: " + spMetadata);
        }
        String admin = server.baseUrl() + "/admin/realms/" + TRANSIENT_REALM;
        JsonNode clients = json(Http.send(authorized(Http.request(admin + "/clients?clientId="
                + URLEncoder.encode(server.realmUrl("vre"), StandardCharsets.UTF_8)), token)));
        com.fasterxml.jackson.databind.node.ObjectNode client = (com.fasterxml.jackson.databind.node.ObjectNode) clients.get(0);
        com.fasterxml.jackson.databind.node.ObjectNode attributes = (com.fasterxml.jackson.databind.node.ObjectNode) client.get("attributes");
        attributes.put("saml.client.signature", "true");
        attributes.put("saml.signing.certificate", certificate.group(1).replaceAll("\\s+", ""));
        HttpResponse<String> updated = Http.send(authorized(Http.request(admin + "/clients/" + client.path("id").asText()),
                token).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(client.toString())));
        if (updated.statusCode() != 204) {
            throw new IllegalStateException("institution-transient's client was not updated: " + updated.statusCode()
                    + " " + updated.body());
        }
    }

    private static JsonNode awaitSync(String url, String token, String before) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
        while (Instant.now().isBefore(deadline)) {
            JsonNode status = json(Http.send(authorized(Http.request(url), token))).path("status");
            String attempt = status.path("lastAttempt").asText("");
            if (!attempt.isEmpty() && !attempt.equals(before)) {
                return status;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("the lab federation's sync did not end within 15 minutes");
    }

    /** dave's vre account gets a link to the imported institution-saml (an admin migrating links would do the same). */
    private static void linkDave(KeycloakServer server, String admin, String token) {
        String entityId = server.realmUrl("institution-saml");
        String alias = null;
        JsonNode idps = json(Http.send(authorized(Http.request(admin + "/identity-provider/instances?search="
                + "labfed-&max=1000000"), token)));
        for (JsonNode idp : idps) {
            if (entityId.equals(idp.path("config").path("idpEntityId").asText())) {
                alias = idp.path("alias").asText();
            }
        }
        if (alias == null) {
            throw new IllegalStateException("the lab federation did not import institution-saml");
        }
        JsonNode users = json(Http.send(authorized(Http.request(admin + "/users?exact=true&username=dave"), token)));
        String dave = users.get(0).path("id").asText();
        String link;
        try {
            link = JSON.writeValueAsString(Map.of("identityProvider", alias, "userId", "dave", "userName", "dave"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Http.send(authorized(Http.request(admin + "/users/" + dave + "/federated-identity/" + alias), token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(link)));
    }

    private static String adminToken(KeycloakServer server) {
        String form = "grant_type=password&client_id=admin-cli&username="
                + URLEncoder.encode(KeycloakServer.ADMIN_USERNAME, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(KeycloakServer.ADMIN_PASSWORD, StandardCharsets.UTF_8);
        HttpResponse<String> response = Http.send(Http.formPost(server.realmUrl("master")
                + "/protocol/openid-connect/token", form));
        return json(response).path("access_token").asText();
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String token) {
        return request.header("Authorization", "Bearer " + token).header("Accept", "application/json");
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    static List<String> describe(JsonNode status) {
        return List.of("state " + status.path("state").asText(),
                status.path("feed").path("entities").asText("?") + " entities, "
                        + status.path("identityProviders").asText("?") + " identity providers imported",
                status.path("error").asText(""));
    }
}
