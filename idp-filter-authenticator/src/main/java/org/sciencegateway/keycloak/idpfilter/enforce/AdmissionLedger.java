package org.sciencegateway.keycloak.idpfilter.enforce;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.util.JsonSerialization;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * The filter's decisions in one login (one authentication-session tab), bound to the brokered identities they were
 * made on. Keycloak may skip an execution whose status it cached in the tab; it cannot skip the completion check
 * ({@link AdmissionRequiredAction}), which admits a brokered login only if the identity Keycloak finally attached
 * (IdP alias + brokered user id) is in this ledger. A tab in which anything was refused stays refused.
 * <p>
 * Stored as authentication-session notes: replicated with the authentication session, so every node of a cluster
 * reads the same ledger.
 */
final class AdmissionLedger {

    static final String ADMITTED_NOTE = "institution_filter.admitted";
    static final String REFUSED_NOTE = "institution_filter.refused";

    private static final TypeReference<LinkedHashMap<String, Map<String, String>>> SHAPE = new TypeReference<>() {
    };

    private AdmissionLedger() {
    }

    /** The key the completion check finds again: Keycloak's broker user id ({@code alias.id}), as it attaches it. */
    static String identityKey(BrokeredIdentityContext brokered) {
        String brokerUserId = brokered.getBrokerUserId();
        return brokerUserId != null ? brokerUserId : brokered.getIdpConfig().getAlias() + "." + brokered.getId();
    }

    static void admit(AuthenticationSessionModel authSession, String identityKey, LoginOrigin origin) {
        Map<String, Map<String, String>> entries = read(authSession);
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("idp", origin.identityProvider());
        putIfPresent(entry, "institution", origin.institution());
        putIfPresent(entry, "registrationAuthority", origin.registrationAuthority());
        putIfPresent(entry, "emailDomain", origin.emailDomain());
        putIfPresent(entry, "organization", origin.organization());
        entries.put(identityKey, entry);
        try {
            authSession.setAuthNote(ADMITTED_NOTE, JsonSerialization.writeValueAsString(entries));
        } catch (IOException e) {
            throw new IllegalStateException("Could not record the institution filter's decision", e);
        }
    }

    /**
     * The origin admitted for this identity in this tab, or {@code null} when no decision was made on it here (the
     * decision was skipped, or made on another identity).
     */
    static LoginOrigin admitted(AuthenticationSessionModel authSession, String alias, String identityKey) {
        if (alias == null || identityKey == null) {
            return null;
        }
        Map<String, String> entry = read(authSession).get(identityKey);
        if (entry == null || !alias.equals(entry.get("idp"))) {
            return null;
        }
        return LoginOrigin.brokered(alias)
                .withInstitution(entry.get("institution"))
                .withRegistrationAuthority(entry.get("registrationAuthority"))
                .withEmailDomain(entry.get("emailDomain"))
                .withOrganization(entry.get("organization"));
    }

    static void markRefused(AuthenticationSessionModel authSession, String rule) {
        authSession.setAuthNote(REFUSED_NOTE, rule == null ? "refused" : rule);
    }

    /** The rule of an earlier refusal in this tab, or {@code null}. */
    static String refusedBefore(AuthenticationSessionModel authSession) {
        return authSession.getAuthNote(REFUSED_NOTE);
    }

    private static Map<String, Map<String, String>> read(AuthenticationSessionModel authSession) {
        String stored = authSession.getAuthNote(ADMITTED_NOTE);
        if (stored == null || stored.isEmpty()) {
            return new LinkedHashMap<>();
        }
        try {
            return JsonSerialization.readValue(stored, SHAPE);
        } catch (IOException e) {
            // Only this module writes the note; an unreadable one admits nothing.
            return new LinkedHashMap<>();
        }
    }

    private static void putIfPresent(Map<String, String> entry, String key, String value) {
        if (value != null && !value.isEmpty()) {
            entry.put(key, value);
        }
    }
}
