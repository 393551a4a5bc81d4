package org.sciencegateway.keycloak.samlfederation.keycloak;

import org.keycloak.component.ComponentModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.sciencegateway.keycloak.samlfederation.sync.IdentityProviderTemplate;
import org.sciencegateway.keycloak.samlfederation.sync.SourceSettings;
import org.sciencegateway.keycloak.samlfederation.sync.SyncStatus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The console form of a federation source: every field with a label and a help text that says what to enter. */
final class FederationSourceForm {

    /** Written by the server after every sync (a copy of the status the admin endpoint shows); never read back. */
    static final String SYNC_STATUS = "syncStatus";

    /** The columns of the console's list of sources. */
    static final List<String> LIST_COLUMNS = List.of(SourceSettings.METADATA_URL, SourceSettings.ALIAS_PREFIX,
            SYNC_STATUS);

    static final List<ProviderConfigProperty> PROPERTIES = readOnlyStatus(ProviderConfigurationBuilder.create()
            .property().name(SourceSettings.ENABLED).label("Sync enabled").type(ProviderConfigProperty.BOOLEAN_TYPE)
            .defaultValue("true")
            .helpText("Off: no scheduled syncs; the imported identity providers stay as they are.").add()
            .property().name(SourceSettings.METADATA_URL).label("Metadata URL").type(ProviderConfigProperty.STRING_TYPE)
            .required(true)
            .helpText("The federation's signed metadata aggregate: https://…, http://… (the pinned signature "
                    + "protects the content), or file:/… (e.g. a copy fetched by a cron job) within the one directory "
                    + "the server administrator allows. Loopback, private and link-local hosts, and redirects to "
                    + "them, are refused unless the server administrator allows them.").add()
            .property().name(SourceSettings.SIGNING_CERTIFICATE).label("Federation signing certificate")
            .type(ProviderConfigProperty.TEXT_TYPE).required(true)
            .helpText("The certificate the federation signs its aggregate with (PEM), obtained out of band from the "
                    + "federation's web site and checked by fingerprint. Every sync verifies the aggregate's "
                    + "signature against it; a document that does not verify changes nothing.").add()
            .property().name(SourceSettings.ALIAS_PREFIX).label("Alias prefix").type(ProviderConfigProperty.STRING_TYPE)
            .required(true)
            .helpText("1 to 12 lowercase letters and digits (e.g. edugain): the start of every imported identity "
                    + "provider's alias. Fixed after creation, since users' links are keyed by alias.").add()
            .property().name(SourceSettings.REFRESH_MINUTES).label("Refresh interval (minutes)")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(SourceSettings.DEFAULT_REFRESH_MINUTES))
            .helpText("How often the aggregate is fetched again, " + SourceSettings.MIN_REFRESH_MINUTES + " to "
                    + SourceSettings.MAX_REFRESH_MINUTES + " minutes (default 720 = 12 h). Failed syncs are retried "
                    + "after a fifth of it.").add()
            .property().name(SourceSettings.REGISTRATION_AUTHORITY_INCLUDE).label("Registration authorities (only)")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Import only entities registered by these federations (mdrpi:RegistrationInfo), e.g. "
                    + "https://www.aai.dfn.de. Empty: every federation.").add()
            .property().name(SourceSettings.REGISTRATION_AUTHORITY_EXCLUDE).label("Registration authorities (never)")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Never import entities registered by these federations.").add()
            .property().name(SourceSettings.REQUIRED_ENTITY_CATEGORIES).label("Required entity categories")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Import only identity providers carrying every one of these entity categories, e.g. REFEDS "
                    + "R&S http://refeds.org/category/research-and-scholarship.").add()
            .property().name(SourceSettings.REQUIRED_ASSURANCE_CERTIFICATIONS).label("Required assurance certifications")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Import only identity providers with these assurance certifications, e.g. SIRTFI "
                    + "https://refeds.org/sirtfi.").add()
            .property().name(SourceSettings.ENTITY_ID_INCLUDE).label("Entity IDs (only)")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Import only these entityIDs. Empty: all that pass the other filters.").add()
            .property().name(SourceSettings.ENTITY_ID_EXCLUDE).label("Entity IDs (never)")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Never import these entityIDs.").add()
            .property().name(SourceSettings.MAX_REMOVAL_PERCENT).label("Largest share removed at once (%)")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(SourceSettings.DEFAULT_MAX_REMOVAL_PERCENT))
            .helpText("A feed that would remove more of this source's identity providers at once is held back as a "
                    + "whole and reported (0 to 100; one may always leave).").add()
            .property().name(SourceSettings.REMOVAL).label("Entities that leave the feed")
            .type(ProviderConfigProperty.LIST_TYPE).options("DISABLE", "DELETE").defaultValue("DISABLE")
            .helpText("DISABLE keeps the identity provider and its users' links (enabled again when the entity "
                    + "returns); DELETE removes both.").add()
            .property().name(SourceSettings.MAX_DOCUMENT_MEGABYTES).label("Largest document (MB)")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(SourceSettings.DEFAULT_DOCUMENT_MEGABYTES))
            .helpText("A larger document is refused while it streams (1 to "
                    + SourceSettings.MAX_DOCUMENT_MEGABYTES_LIMIT + ").").add()
            .property().name(SourceSettings.MAX_VALIDITY_DAYS).label("Longest validity accepted (days)")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(SourceSettings.DEFAULT_MAX_VALIDITY_DAYS))
            .helpText("An aggregate whose validUntil lies further ahead is refused: a copy captured today could be "
                    + "replayed by a mirror or proxy until then, with members the federation has since removed or "
                    + "re-keyed (1 to " + SourceSettings.MAX_VALIDITY_DAYS_LIMIT + "; eduGAIN and most federations "
                    + "publish 4 to 28 days).").add()
            .property().name(SourceSettings.MAX_AGE_WITHOUT_VALID_UNTIL_DAYS)
            .label("Maximum age without validUntil (days)").type(ProviderConfigProperty.STRING_TYPE)
            .helpText("Empty (the default): an aggregate that states no validUntil is refused. A number of days "
                    + "(at most the longest validity): such an aggregate is accepted for that long after its signed "
                    + "publication time (mdrpi:PublicationInfo creationInstant), or — when it states none either, as "
                    + "Italy's SPID registry — after each successful fetch, and refused once older. Needs an https: "
                    + "or file: URL.").add()
            .property().name(SourceSettings.TEMPLATE).label("Identity provider template")
            .type(ProviderConfigProperty.TEXT_TYPE).defaultValue(IdentityProviderTemplate.DEFAULT_JSON)
            .helpText("JSON: SAML settings (config), first-broker-login and post-broker-login flows (the institution "
                    + "filter's), trustEmail, institutionAttribute, the mappers every imported identity provider "
                    + "gets, and accountKeyAttributes (which SAML attributes key an account where the NameID is "
                    + "transient; default subject-id, pairwise-id, eduPersonPrincipalName, eduPersonTargetedID). "
                    + "Endpoints, keys, names, the NameID format and signed requests come from each entity's "
                    + "metadata.").add()
            .property().name(SYNC_STATUS).label("Last sync").type(ProviderConfigProperty.TEXT_TYPE)
            .helpText("Written by the server after every sync: state, time, counts, or why the feed was refused "
                    + "(the realm then stays as it was). Also at GET /admin/realms/{realm}/saml-federation/sources.")
            .add()
            .build());

    private FederationSourceForm() {
    }

    /** The builder has no read-only switch; the property has one (the console renders it disabled). */
    private static List<ProviderConfigProperty> readOnlyStatus(List<ProviderConfigProperty> properties) {
        properties.stream().filter(property -> SYNC_STATUS.equals(property.getName()))
                .forEach(property -> property.setReadOnly(true));
        return List.copyOf(properties);
    }

    /**
     * Whether two versions of a source would sync alike (a save that changed nothing needs no new sync; the server's
     * own status copy is no setting).
     */
    static boolean sameSettings(ComponentModel a, ComponentModel b) {
        return Objects.equals(settings(a), settings(b));
    }

    private static Map<String, List<String>> settings(ComponentModel model) {
        Map<String, List<String>> config = new HashMap<>(model.getConfig());
        config.remove(SYNC_STATUS);
        return config;
    }

    /** The one-line status copy shown in the console. */
    static String summary(SyncStatus status) {
        StringBuilder line = new StringBuilder(status.state()).append(" at ").append(status.lastAttempt());
        if (status.errorCode() != null) {
            line.append(" — ").append(status.errorCode()).append(": ").append(status.error());
        }
        if (status.identityProviders() != null) {
            line.append(" — ").append(status.identityProviders()).append(" identity providers");
        }
        if ("ok".equals(status.state()) && status.changes() != null) {
            SyncStatus.Changes changes = status.changes();
            line.append(" (created ").append(changes.created()).append(", updated ").append(changes.updated())
                    .append(", unchanged ").append(changes.unchanged()).append(", left ").append(changes.left())
                    .append(", invalid ").append(changes.invalid()).append(')');
        } else if (status.lastSuccess() != null) {
            line.append("; last success ").append(status.lastSuccess());
        }
        if (status.conflicts() != null && !status.conflicts().isEmpty()) {
            line.append(" — refused (alias conflict): ").append(String.join("; ", status.conflicts()));
        }
        return line.toString();
    }
}
