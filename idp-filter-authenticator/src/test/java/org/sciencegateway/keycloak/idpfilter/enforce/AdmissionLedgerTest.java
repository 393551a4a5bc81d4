package org.sciencegateway.keycloak.idpfilter.enforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

@DisplayName("Admission ledger: decisions bound to the brokered identity")
class AdmissionLedgerTest {

    private final Map<String, String> notes = new HashMap<>();
    private AuthenticationSessionModel authSession;

    @BeforeEach
    void authenticationSessionWithNotes() {
        authSession = mock(AuthenticationSessionModel.class);
        when(authSession.getAuthNote(anyString())).thenAnswer(call -> notes.get(call.<String>getArgument(0)));
        doAnswer(call -> notes.put(call.getArgument(0), call.getArgument(1)))
                .when(authSession).setAuthNote(anyString(), anyString());
    }

    @Test
    @DisplayName("Given an admitted identity, then the same alias and broker user id find its origin, with every field")
    void admittedIdentityFound() {
        LoginOrigin origin = LoginOrigin.brokered("federation-proxy").withInstitution("https://idp.uni-allowed.example.org")
                .withRegistrationAuthority("https://ra.example.org").withEmailDomain("uni-allowed.example.org")
                .withOrganization("escape");
        AdmissionLedger.admit(authSession, "federation-proxy.erin-id", origin);

        assertThat(AdmissionLedger.admitted(authSession, "federation-proxy", "federation-proxy.erin-id")).isEqualTo(origin);
    }

    @Test
    @DisplayName("Given erin admitted, then mallory through the same IdP (another broker user id) finds nothing")
    void anotherIdentityOfTheSameIdpNotFound() {
        AdmissionLedger.admit(authSession, "federation-proxy.erin-id", LoginOrigin.brokered("federation-proxy"));

        assertThat(AdmissionLedger.admitted(authSession, "federation-proxy", "federation-proxy.mallory-id")).isNull();
    }

    @Test
    @DisplayName("Given an identity admitted through one alias, then a completion naming another alias finds nothing")
    void aliasMustMatch() {
        AdmissionLedger.admit(authSession, "institution-a.alice-id", LoginOrigin.brokered("institution-a"));

        assertThat(AdmissionLedger.admitted(authSession, "institution-blocked", "institution-a.alice-id")).isNull();
        assertThat(AdmissionLedger.admitted(authSession, "institution-a", null)).isNull();
    }

    @Test
    @DisplayName("Given two identities in one tab (re-authentication and the identity being linked), then both are found")
    void twoIdentitiesKept() {
        AdmissionLedger.admit(authSession, "institution-b.bob-id", LoginOrigin.brokered("institution-b"));
        AdmissionLedger.admit(authSession, "institution-a.twin-id", LoginOrigin.brokered("institution-a"));

        assertThat(AdmissionLedger.admitted(authSession, "institution-b", "institution-b.bob-id")).isNotNull();
        assertThat(AdmissionLedger.admitted(authSession, "institution-a", "institution-a.twin-id")).isNotNull();
    }

    @Test
    @DisplayName("Given a refusal, then the tab remembers its rule; an unreadable ledger admits nothing")
    void refusalRememberedAndGarbageAdmitsNothing() {
        assertThat(AdmissionLedger.refusedBefore(authSession)).isNull();
        AdmissionLedger.markRefused(authSession, "no-allow-match");
        assertThat(AdmissionLedger.refusedBefore(authSession)).isEqualTo("no-allow-match");

        notes.put(AdmissionLedger.ADMITTED_NOTE, "{not json");
        assertThat(AdmissionLedger.admitted(authSession, "institution-a", "institution-a.alice-id")).isNull();
    }
}
