package org.sciencegateway.keycloak.samlfederation.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The realm-wide settings every identity provider of a source shares, written once in the source's configuration:
 * SAML settings (principal, NameID format, sync mode…), login flows, attribute mappers, and the attribute carrying the
 * user's institution. What the metadata decides per entity (endpoints, keys, names, institution data) cannot be set
 * here, and signature validation is always on.
 *
 * @param config                   SAML identity provider settings (Keycloak's {@code SAMLIdentityProviderConfig} keys)
 * @param firstBrokerLoginFlowAlias first-broker-login flow
 * @param postBrokerLoginFlowAlias post-broker-login flow (the institution filter's)
 * @param trustEmail               trust the institution's email addresses
 * @param institutionAttribute     SAML attribute (name or friendly name) with the user's home institution
 * @param mappers                  identity provider mappers created for every imported identity provider
 * @param accountKeyAttributes     SAML attribute names (URIs) that key a user's account, in order, where
 *                                 the NameID cannot (transient) or the template keys by attribute ({@link LoginProfile});
 *                                 absent: subject-id, pairwise-id, eduPersonPrincipalName, eduPersonTargetedID
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record IdentityProviderTemplate(Map<String, String> config, String firstBrokerLoginFlowAlias,
                                       String postBrokerLoginFlowAlias, Boolean trustEmail,
                                       String institutionAttribute, List<Mapper> mappers,
                                       List<String> accountKeyAttributes) {

    /** One mapper of every imported identity provider. */
    public record Mapper(String name, String identityProviderMapper, Map<String, String> config) {
    }

    /** Keys the metadata decides, per entity; a template that sets one is refused. */
    /**
     * What comes from each entity's signed metadata, or would replace it: a metadata descriptor URL makes Keycloak
     * fetch signing keys from that URL at login — around the pinned signature and the server's fetch policy.
     */
    public static final Set<String> METADATA_KEYS = Set.of("idpEntityId", "singleSignOnServiceUrl",
            "signingCertificate", "validateSignature", "postBindingAuthnRequest", "hideOnLogin",
            "useMetadataDescriptorUrl", "metadataDescriptorUrl");

    public static final String DEFAULT_JSON = """
            {
              "config": {
                "principalType": "ATTRIBUTE",
                "principalAttribute": "urn:oasis:names:tc:SAML:attribute:subject-id",
                "nameIDPolicyFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                "postBindingResponse": "true",
                "wantAssertionsSigned": "true",
                "wantAuthnRequestsSigned": "false",
                "syncMode": "IMPORT"
              },
              "firstBrokerLoginFlowAlias": "first broker login",
              "postBrokerLoginFlowAlias": "institution filter post broker login",
              "trustEmail": false,
              "institutionAttribute": "schacHomeOrganization",
              "mappers": [
                {"name": "email", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                 "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:0.9.2342.19200300.100.1.3", "user.attribute": "email"}},
                {"name": "firstName", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                 "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:2.5.4.42", "user.attribute": "firstName"}},
                {"name": "lastName", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                 "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:2.5.4.4", "user.attribute": "lastName"}},
                {"name": "entitlements", "identityProviderMapper": "saml-user-attribute-idp-mapper",
                 "config": {"syncMode": "INHERIT", "attribute.name": "urn:oid:1.3.6.1.4.1.5923.1.1.1.7", "user.attribute": "eduPersonEntitlement"}}
              ]
            }""";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public IdentityProviderTemplate {
        config = config == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(config));
        mappers = mappers == null ? List.of() : List.copyOf(mappers);
        accountKeyAttributes = accountKeyAttributes == null || accountKeyAttributes.isEmpty()
                ? LoginProfile.DEFAULT_ACCOUNT_KEY_ATTRIBUTES : List.copyOf(accountKeyAttributes);
    }

    public static IdentityProviderTemplate parse(String json) throws InvalidSourceException {
        String text = json == null || json.isBlank() ? DEFAULT_JSON : json;
        IdentityProviderTemplate template;
        try {
            template = JSON.readValue(text, IdentityProviderTemplate.class);
        } catch (JsonProcessingException e) {
            throw new InvalidSourceException("Identity provider template: not the expected JSON ("
                    + e.getOriginalMessage() + ")");
        }
        for (String key : template.config.keySet()) {
            if (METADATA_KEYS.contains(key) || key.startsWith("institution.") || key.startsWith("sg.federation.")) {
                throw new InvalidSourceException("Identity provider template: \"" + key
                        + "\" comes from each entity's metadata and cannot be set in the template");
            }
        }
        // The shared assertion consumer service takes responses by the HTTP-POST binding only.
        if (template.config.containsKey("postBindingResponse")
                && !"true".equals(template.config.get("postBindingResponse"))) {
            throw new InvalidSourceException("Identity provider template: \"postBindingResponse\" must be \"true\": "
                    + "the source's assertion consumer service takes responses by HTTP-POST only");
        }
        if ("true".equals(template.config.get("artifactBindingResponse"))) {
            throw new InvalidSourceException("Identity provider template: \"artifactBindingResponse\" cannot be "
                    + "\"true\": the source's assertion consumer service takes responses by HTTP-POST only");
        }
        for (String attribute : template.accountKeyAttributes) {
            if (attribute == null || attribute.isBlank() || attribute.length() > 256
                    || attribute.codePoints().anyMatch(Character::isWhitespace)) {
                throw new InvalidSourceException("Identity provider template: \"accountKeyAttributes\" lists SAML "
                        + "attribute names (e.g. " + LoginProfile.SUBJECT_ID + "), each without spaces");
            }
        }
        for (Mapper mapper : template.mappers) {
            if (mapper == null || blank(mapper.name()) || blank(mapper.identityProviderMapper())) {
                throw new InvalidSourceException("Identity provider template: every mapper needs a name and an "
                        + "identityProviderMapper");
            }
        }
        return template;
    }

    /** Fingerprint of the template: part of every identity provider's digest, so a template change rewrites all. */
    public String digest() {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(JSON.writeValueAsString(this).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the template", e);
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
