package org.sciencegateway.keycloak.idpfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A realm's baseline: what a hub's rules may only narrow, at save ({@link BaselineCheck}) and at login. */
class BaselineTest {

    /** Members of the realm's federation with R&S and SIRTFI, never institution-blocked, no local accounts. */
    private static final String BASELINE = """
            {"allow": [{"name": "federation", "registrationAuthority": "https://fed.example.org",
                        "entityCategory": "http://refeds.org/category/research-and-scholarship",
                        "assuranceCertification": "https://refeds.org/sirtfi"},
                       {"idp": ["institution-a", "institution-b"]}],
             "deny": [{"name": "never-blocked", "idp": "institution-blocked"}],
             "localAccounts": false}""";

    private static final ProviderMetadata MEMBER = new ProviderMetadata("https://fed.example.org",
            Set.of("http://refeds.org/category/research-and-scholarship"), Set.of("https://refeds.org/sirtfi"));
    private static final ProviderMetadata NO_SIRTFI = new ProviderMetadata("https://fed.example.org",
            Set.of("http://refeds.org/category/research-and-scholarship"), Set.of());

    private static InstitutionFilter baseline() throws InvalidRulesException {
        return InstitutionFilter.baseline(InstitutionRules.parse(BASELINE));
    }

    private static Map<String, ProviderMetadata> realmProviders() {
        Map<String, ProviderMetadata> providers = new LinkedHashMap<>();
        providers.put("institution-a", ProviderMetadata.UNKNOWN);
        providers.put("institution-b", ProviderMetadata.UNKNOWN);
        providers.put("institution-blocked", ProviderMetadata.UNKNOWN);
        providers.put("uni-member", MEMBER);
        providers.put("uni-no-sirtfi", NO_SIRTFI);
        return providers;
    }

    @Test
    @DisplayName("Given hub rules inside the baseline, then the check finds nothing to refuse")
    void narrowingPasses() throws Exception {
        assertThat(BaselineCheck.widening(InstitutionRules.parse("{\"allow\": [{\"idp\": \"institution-a\"}]}"),
                baseline(), realmProviders())).isEmpty();
        assertThat(BaselineCheck.widening(InstitutionRules.parse(
                "{\"allow\": [{\"idp\": [\"institution-a\", \"uni-member\"]}], \"deny\": [{\"idp\": \"institution-b\"}]}"),
                baseline(), realmProviders())).isEmpty();
    }

    @Test
    @DisplayName("Given hub rules admitting an IdP the baseline refuses, then the check names the hub's entry and the IdP")
    void wideningNamesTheEntry() throws Exception {
        var blocked = BaselineCheck.widening(InstitutionRules.parse(
                "{\"allow\": [{\"idp\": \"institution-a\"}, {\"name\": \"mine\", \"idp\": \"institution-blocked\"}]}"),
                baseline(), realmProviders());
        assertThat(blocked).get().extracting(BaselineCheck.Widening::entry, BaselineCheck.Widening::identityProvider)
                .containsExactly("mine", "institution-blocked");
        assertThat(blocked.get().message()).contains("entry \"mine\"", "\"institution-blocked\"", "institution-baseline");
        var noSirtfi = BaselineCheck.widening(InstitutionRules.parse("{\"allow\": [{\"idpPattern\": \"uni-.*\"}]}"),
                baseline(), realmProviders());
        assertThat(noSirtfi).get().extracting(BaselineCheck.Widening::entry, BaselineCheck.Widening::identityProvider)
                .containsExactly("allow[0]", "uni-no-sirtfi");
    }

    @Test
    @DisplayName("Given hub rules allowing local accounts the baseline refuses, then the check names localAccounts")
    void localAccountsWiden() throws Exception {
        var local = BaselineCheck.widening(InstitutionRules.parse(
                "{\"allow\": [{\"idp\": \"institution-a\"}], \"localAccounts\": true}"), baseline(), realmProviders());
        assertThat(local).get().extracting(BaselineCheck.Widening::entry).isEqualTo(Decision.LOCAL_ACCOUNTS);
        assertThat(local.get().message()).contains("localAccounts");
    }

    @Test
    @DisplayName("Given a hub filter within the baseline, then a login passes only when both admit it, and a baseline "
            + "refusal is labelled as the baseline's")
    void narrowedDecisions() throws Exception {
        InstitutionFilter hub = new InstitutionFilter(InstitutionRules.parse(
                "{\"allow\": [{\"emailDomain\": \"uni-a.example.org\"}], \"localAccounts\": true}")).within(baseline());
        assertThat(hub.decide(LoginOrigin.brokered("institution-a").withEmailDomain("uni-a.example.org")))
                .isEqualTo(new Decision(true, "allow[0]"));
        assertThat(hub.decide(LoginOrigin.brokered("institution-blocked").withEmailDomain("uni-a.example.org")))
                .isEqualTo(new Decision(false, "baseline never-blocked"));
        assertThat(hub.decide(LoginOrigin.brokered("elsewhere").withEmailDomain("uni-a.example.org")))
                .isEqualTo(new Decision(false, "baseline no-allow-match"));
        assertThat(hub.decide(LoginOrigin.local())).isEqualTo(new Decision(false, "baseline localAccounts"));
        assertThat(hub.localAccounts()).isFalse();
        assertThat(hub.decide(LoginOrigin.brokered("institution-a").withEmailDomain("other.example.org")).allowed())
                .isFalse();
    }

    @Test
    @DisplayName("Given a hub filter within the baseline, then the login page offers only what both may admit")
    void narrowedOffer() throws Exception {
        InstitutionFilter hub = new InstitutionFilter(InstitutionRules.parse(
                "{\"allow\": [{\"idp\": [\"institution-a\", \"institution-blocked\"]}]}")).within(baseline());
        assertThat(hub.mayAdmit("institution-a")).isTrue();
        assertThat(hub.mayAdmit("institution-blocked")).isFalse();
        assertThat(hub.offeredIdentityProviders()).contains(List.of("institution-a"));
        InstitutionFilter byDomain = new InstitutionFilter(InstitutionRules.parse(
                "{\"allow\": [{\"emailDomain\": \"uni-a.example.org\"}]}")).within(
                InstitutionFilter.baseline(InstitutionRules.parse("{\"allow\": [{\"idp\": \"institution-a\"}]}")));
        assertThat(byDomain.offeredIdentityProviders()).contains(List.of("institution-a"));
        assertThat(byDomain.mayAdmit("uni-member", MEMBER)).isFalse();
    }
}
