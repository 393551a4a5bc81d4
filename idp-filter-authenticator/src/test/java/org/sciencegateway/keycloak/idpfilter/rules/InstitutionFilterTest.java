package org.sciencegateway.keycloak.idpfilter.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter.Selection.Kind;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

public class InstitutionFilterTest {

    /** The lab's jupyterhub rules. */
    public static final String HUB_RULES = """
            {
              "allow": [
                {"idp": "institution-a"},
                {"idp": ["institution-b", "institution-saml"]},
                {"name": "proxy-allowed", "idp": "federation-proxy",
                 "institution": "https://idp.uni-allowed.example.org"}
              ]
            }""";

    public static InstitutionFilter filter(String json) throws InvalidRulesException {
        return new InstitutionFilter(InstitutionRules.parse(json));
    }

    @Nested
    class Decide {

        @Test
        @DisplayName("Given the hub rules, then logins through an allowed institution IdP pass, naming the entry")
        void allowedIdpPasses() throws Exception {
            InstitutionFilter hub = filter(HUB_RULES);
            assertThat(hub.decide(LoginOrigin.brokered("institution-a"))).isEqualTo(new Decision(true, "allow[0]"));
            assertThat(hub.decide(LoginOrigin.brokered("institution-b"))).isEqualTo(new Decision(true, "allow[1]"));
            assertThat(hub.decide(LoginOrigin.brokered("institution-saml"))).isEqualTo(new Decision(true, "allow[1]"));
        }

        @Test
        @DisplayName("Given an IdP the rules do not name, then the login is refused by no-allow-match")
        void unnamedIdpRefused() throws Exception {
            assertThat(filter(HUB_RULES).decide(LoginOrigin.brokered("institution-blocked")))
                    .isEqualTo(new Decision(false, Decision.NO_ALLOW_MATCH));
        }

        @Test
        @DisplayName("Given the proxy restricted to one institution, then only that institution passes through it")
        void proxyRestrictedByInstitution() throws Exception {
            InstitutionFilter hub = filter(HUB_RULES);
            LoginOrigin proxy = LoginOrigin.brokered("federation-proxy");
            assertThat(hub.decide(proxy.withInstitution("https://idp.uni-allowed.example.org")))
                    .isEqualTo(new Decision(true, "proxy-allowed"));
            assertThat(hub.decide(proxy.withInstitution("https://idp.uni-denied.example.org")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given the proxy asserted no institution, then an institution-restricted entry does not match")
        void missingInstitutionFailsClosed() throws Exception {
            assertThat(filter(HUB_RULES).decide(LoginOrigin.brokered("federation-proxy")).allowed()).isFalse();
            assertThat(filter(HUB_RULES).decide(LoginOrigin.brokered("federation-proxy").withInstitution("")).allowed())
                    .isFalse();
        }

        @Test
        @DisplayName("Given an institution allowed through the proxy, then the same value through another IdP does not pass")
        void institutionBoundToIdp() throws Exception {
            assertThat(filter(HUB_RULES).decide(LoginOrigin.brokered("institution-blocked")
                    .withInstitution("https://idp.uni-allowed.example.org")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given a deny entry that also matches an allow entry, then deny wins and is named")
        void denyWins() throws Exception {
            InstitutionFilter f = filter("""
                    {"allow": [{"idpPattern": ".*"}],
                     "deny": [{"name": "no-denied-uni", "institutionPattern": "https://idp\\\\.uni-denied\\\\..*"}]}""");
            assertThat(f.decide(LoginOrigin.brokered("x").withInstitution("https://idp.uni-denied.example.org")))
                    .isEqualTo(new Decision(false, "no-denied-uni"));
            assertThat(f.decide(LoginOrigin.brokered("x").withInstitution("https://idp.uni-allowed.example.org")))
                    .isEqualTo(new Decision(true, "allow[0]"));
            assertThat(f.decide(LoginOrigin.brokered("x"))).isEqualTo(new Decision(true, "allow[0]"));
        }

        @Test
        @DisplayName("Given a local login and localAccounts absent, then it is refused by the localAccounts rule")
        void localRefusedByDefault() throws Exception {
            assertThat(filter(HUB_RULES).decide(LoginOrigin.local()))
                    .isEqualTo(new Decision(false, Decision.LOCAL_ACCOUNTS));
        }

        @Test
        @DisplayName("Given localAccounts true, then a local login passes even though no entry names it")
        void localAllowed() throws Exception {
            assertThat(filter("{\"localAccounts\": true}").decide(LoginOrigin.local()))
                    .isEqualTo(new Decision(true, Decision.LOCAL_ACCOUNTS));
            assertThat(filter("{\"localAccounts\": true}").decide(LoginOrigin.brokered("institution-a")).allowed())
                    .isFalse();
        }

        @Test
        @DisplayName("Given registration-authority rules, then the federation decides and a missing authority does not match")
        void registrationAuthority() throws Exception {
            InstitutionFilter f = filter("""
                    {"allow": [{"registrationAuthority": ["http://www.swamid.se/", "https://incommon.org"]}]}""");
            assertThat(f.decide(LoginOrigin.brokered("saml-1").withRegistrationAuthority("https://incommon.org"))
                    .allowed()).isTrue();
            assertThat(f.decide(LoginOrigin.brokered("saml-1").withRegistrationAuthority("https://other.org"))
                    .allowed()).isFalse();
            assertThat(f.decide(LoginOrigin.brokered("saml-1")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given email-domain rules, then domains compare case-insensitively and exactly")
        void emailDomain() throws Exception {
            InstitutionFilter f = filter("{\"allow\": [{\"idp\": \"google\", \"emailDomain\": \"Uni.Example.ORG\"}]}");
            assertThat(f.decide(LoginOrigin.brokered("google").withEmailDomain("uni.example.org")).allowed()).isTrue();
            assertThat(f.decide(LoginOrigin.brokered("google").withEmailDomain("UNI.example.org")).allowed()).isTrue();
            assertThat(f.decide(LoginOrigin.brokered("google").withEmailDomain("evil-uni.example.org")).allowed())
                    .isFalse();
            assertThat(f.decide(LoginOrigin.brokered("google").withEmailDomain("example.org")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given organization rules, then the organization of the IdP used decides")
        void organization() throws Exception {
            InstitutionFilter f = filter("{\"allow\": [{\"organization\": \"uni-a\"}]}");
            assertThat(f.decide(LoginOrigin.brokered("x").withOrganization("uni-a")).allowed()).isTrue();
            assertThat(f.decide(LoginOrigin.brokered("x").withOrganization("uni-b")).allowed()).isFalse();
            assertThat(f.decide(LoginOrigin.brokered("x")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given an alias pattern, then it must match the whole alias")
        void patternWholeMatch() throws Exception {
            InstitutionFilter f = filter("{\"allow\": [{\"idpPattern\": \"institution-[ab]\"}]}");
            assertThat(f.decide(LoginOrigin.brokered("institution-a")).allowed()).isTrue();
            assertThat(f.decide(LoginOrigin.brokered("institution-ab")).allowed()).isFalse();
            assertThat(f.decide(LoginOrigin.brokered("x-institution-a")).allowed()).isFalse();
        }
    }

    @Nested
    class SelectBeforeLogin {

        @Test
        @DisplayName("Given a hint naming a disallowed IdP, then the selection is a refusal, never a redirect")
        void disallowedHintRefused() throws Exception {
            InstitutionFilter.Selection s = filter(HUB_RULES).select(List.of("institution-blocked"));
            assertThat(s.kind()).isEqualTo(Kind.REFUSE);
            assertThat(s.identityProvider()).isNull();
        }

        @Test
        @DisplayName("Given a hint naming an allowed IdP, then the selection redirects straight to it")
        void allowedHintRedirects() throws Exception {
            InstitutionFilter.Selection s = filter(HUB_RULES).select(List.of("institution-b"));
            assertThat(s.kind()).isEqualTo(Kind.REDIRECT);
            assertThat(s.identityProvider()).isEqualTo("institution-b");
        }

        @Test
        @DisplayName("Given several hints, then only the allowed ones remain (hints narrow, never widen)")
        void hintsNarrow() throws Exception {
            InstitutionFilter.Selection s = filter(HUB_RULES)
                    .select(List.of("institution-blocked", "institution-a", " federation-proxy ", "institution-a"));
            assertThat(s.kind()).isEqualTo(Kind.CHOOSE);
            assertThat(s.offered()).containsExactly("institution-a", "federation-proxy");
            assertThat(s.localLoginOffered()).isFalse();
        }

        @Test
        @DisplayName("Given a hint to an IdP denied outright, then it is refused even when a pattern allows it")
        void hintDeniedOutright() throws Exception {
            InstitutionFilter f = filter("""
                    {"allow": [{"idpPattern": ".*"}], "deny": [{"idp": "institution-blocked"}]}""");
            assertThat(f.select(List.of("institution-blocked")).kind()).isEqualTo(Kind.REFUSE);
            assertThat(f.select(List.of("institution-a")).kind()).isEqualTo(Kind.REDIRECT);
        }

        @Test
        @DisplayName("Given a deny on an institution only, then the IdP is still admissible before login")
        void institutionDenyDoesNotHideIdp() throws Exception {
            InstitutionFilter f = filter("""
                    {"allow": [{"idp": "federation-proxy"}],
                     "deny": [{"idp": "federation-proxy", "institution": "https://idp.uni-denied.example.org"}]}""");
            assertThat(f.mayAdmit("federation-proxy")).isTrue();
            assertThat(f.decide(LoginOrigin.brokered("federation-proxy")
                    .withInstitution("https://idp.uni-denied.example.org")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given exactly one allowed IdP and no local accounts, then the selection goes straight to it")
        void singleIdpRedirects() throws Exception {
            InstitutionFilter.Selection s = filter("{\"allow\": [{\"idp\": \"institution-a\"}]}").select(List.of());
            assertThat(s.kind()).isEqualTo(Kind.REDIRECT);
            assertThat(s.identityProvider()).isEqualTo("institution-a");
        }

        @Test
        @DisplayName("Given exactly one allowed IdP and local accounts, then the page offers both")
        void singleIdpWithLocal() throws Exception {
            InstitutionFilter.Selection s = filter("{\"localAccounts\": true, \"allow\": [{\"idp\": \"institution-a\"}]}")
                    .select(null);
            assertThat(s.kind()).isEqualTo(Kind.CHOOSE);
            assertThat(s.offered()).containsExactly("institution-a");
            assertThat(s.localLoginOffered()).isTrue();
        }

        @Test
        @DisplayName("Given the hub rules and no hint, then the page offers the four named IdPs and no password form")
        void hubOffers() throws Exception {
            InstitutionFilter.Selection s = filter(HUB_RULES).select(List.of());
            assertThat(s.kind()).isEqualTo(Kind.CHOOSE);
            assertThat(s.offered()).containsExactly("institution-a", "institution-b", "institution-saml",
                    "federation-proxy");
            assertThat(s.localLoginOffered()).isFalse();
        }

        @Test
        @DisplayName("Given an allow entry by institution only, then the offered list is open (not enumerated)")
        void openList() throws Exception {
            InstitutionFilter f = filter("{\"allow\": [{\"idp\": \"a\"}, {\"institution\": \"https://x\"}]}");
            assertThat(f.offeredIdentityProviders()).isEmpty();
            assertThat(f.select(List.of()).offered()).isNull();
            assertThat(f.mayAdmit("anything")).isTrue();
        }

        @Test
        @DisplayName("Given every named IdP denied outright and no local accounts, then the selection refuses")
        void everythingDenied() throws Exception {
            InstitutionFilter f = filter("{\"allow\": [{\"idp\": \"a\"}], \"deny\": [{\"idp\": \"a\"}]}");
            assertThat(f.select(List.of()).kind()).isEqualTo(Kind.REFUSE);
        }

        @Test
        @DisplayName("Given blank or null aliases, then they are never admissible")
        void blankAlias() throws Exception {
            InstitutionFilter f = filter("{\"allow\": [{\"idpPattern\": \".*\"}]}");
            assertThat(f.mayAdmit(null)).isFalse();
            assertThat(f.mayAdmit(" ")).isFalse();
            assertThat(f.select(List.of(" ", "")).kind()).isEqualTo(Kind.CHOOSE);
        }

        @Test
        @DisplayName("Given institution entries, then they are listed for the theme's picker")
        void allowedInstitutions() throws Exception {
            assertThat(filter(HUB_RULES).allowedInstitutions()).containsExactly("https://idp.uni-allowed.example.org");
        }
    }

    @Nested
    @DisplayName("Patterns and claim lengths (RE2/J, linear time)")
    class LinearPatterns {

        @Test
        @DisplayName("Given the deny pattern (.*a){12}, then a 10,000-character institution claim is decided (no backtracking)")
        void superLinearPatternDecidedOnLongClaim() throws Exception {
            InstitutionFilter filter = filter("""
                    {"allow": [{"idp": "federation-proxy"}], "deny": [{"institutionPattern": "(.*a){12}"}]}""");
            String claim = "https://idp.example.org/" + "b".repeat(10_000 - 24);
            assertThat(claim).hasSize(10_000);
            assertThat(filter.decide(LoginOrigin.brokered("federation-proxy").withInstitution(claim)).allowed()).isTrue();
            String denied = claim.substring(12) + "a".repeat(12); // whole match: twelve a, the last at the end
            assertThat(filter.decide(LoginOrigin.brokered("federation-proxy").withInstitution(denied)).rule())
                    .isEqualTo("deny[0]");
        }

        @Test
        @DisplayName("Given (x+x+)+y and (a+)+$, then they are accepted and decide like their Java meaning")
        void nestedQuantifiersAccepted() throws Exception {
            InstitutionFilter filter = filter("""
                    {"allow": [{"idpPattern": "(a+)+$"}], "deny": [{"institutionPattern": "(x+x+)+y"}]}""");
            assertThat(filter.decide(LoginOrigin.brokered("aaaa").withInstitution("x".repeat(5_000))).allowed()).isTrue();
            assertThat(filter.decide(LoginOrigin.brokered("aaaa").withInstitution("xxxy")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given a claim longer than the bound, then the login is refused before any pattern runs")
        void oversizedClaimRefused() throws Exception {
            InstitutionFilter filter = filter("""
                    {"allow": [{"idp": "federation-proxy"}]}""");
            String claim = "x".repeat(InstitutionFilter.MAX_VALUE_LENGTH + 1);
            assertThat(filter.decide(LoginOrigin.brokered("federation-proxy").withInstitution(claim)).rule())
                    .isEqualTo(Decision.OVERSIZED_VALUE);
        }
    }

    @Nested
    @DisplayName("Federation metadata: entity categories and assurance certifications")
    class FederationMetadata {

        static final String RS = "http://refeds.org/category/research-and-scholarship";
        static final String SIRTFI = "https://refeds.org/sirtfi";
        static final String RULES = """
                {"allow": [{"name": "R&S from DFN", "registrationAuthority": "https://www.aai.dfn.de",
                            "entityCategory": "%s"},
                           {"name": "SIRTFI anywhere", "assuranceCertification": "%s"}],
                 "deny": [{"name": "hidden", "entityCategory": "http://refeds.org/category/hide-from-discovery"}]}
                """.formatted(RS, SIRTFI);

        private LoginOrigin federated(String authority, java.util.Set<String> categories,
                                      java.util.Set<String> certifications) {
            return LoginOrigin.brokered("edugain-idp-uni-a-1234").withRegistrationAuthority(authority)
                    .withMetadata(categories, certifications);
        }

        @Test
        @DisplayName("Given an R&S IdP registered by the named federation, then it passes by that entry")
        void categoryAndAuthority() throws Exception {
            assertThat(filter(RULES).decide(federated("https://www.aai.dfn.de", java.util.Set.of(RS),
                    java.util.Set.of())).rule()).isEqualTo("R&S from DFN");
        }

        @Test
        @DisplayName("Given the category but another federation and no SIRTFI, then it is refused")
        void categoryWithoutAuthority() throws Exception {
            assertThat(filter(RULES).decide(federated("https://incommon.org", java.util.Set.of(RS),
                    java.util.Set.of())).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given SIRTFI, then it passes whatever its federation; given no metadata at all, then it is refused")
        void certification() throws Exception {
            assertThat(filter(RULES).decide(federated(null, java.util.Set.of(), java.util.Set.of(SIRTFI))).rule())
                    .isEqualTo("SIRTFI anywhere");
            assertThat(filter(RULES).decide(LoginOrigin.brokered("edugain-idp-uni-a-1234")).allowed()).isFalse();
        }

        @Test
        @DisplayName("Given a deny entry on a category, then it wins over a matching allow entry")
        void denyByCategory() throws Exception {
            assertThat(filter(RULES).decide(federated("https://www.aai.dfn.de",
                    java.util.Set.of(RS, "http://refeds.org/category/hide-from-discovery"),
                    java.util.Set.of(SIRTFI))).rule()).isEqualTo("hidden");
        }

        @Test
        @DisplayName("Before login, given the IdP's metadata, then only IdPs a rule can admit are offered; unknown metadata may still be")
        void beforeLogin() throws Exception {
            InstitutionFilter hub = filter(RULES);
            ProviderMetadata rsDfn = new ProviderMetadata("https://www.aai.dfn.de", java.util.Set.of(RS), java.util.Set.of());
            ProviderMetadata rsElsewhere = new ProviderMetadata("https://incommon.org", java.util.Set.of(RS), java.util.Set.of());
            ProviderMetadata hidden = new ProviderMetadata("https://www.aai.dfn.de",
                    java.util.Set.of(RS, "http://refeds.org/category/hide-from-discovery"), java.util.Set.of(SIRTFI));
            ProviderMetadata noRa = new ProviderMetadata(null, java.util.Set.of(RS), java.util.Set.of());

            assertThat(hub.mayAdmit("edugain-a", rsDfn)).isTrue();
            assertThat(hub.mayAdmit("edugain-b", rsElsewhere)).isFalse();
            assertThat(hub.mayAdmit("edugain-c", hidden)).isFalse();
            assertThat(hub.mayAdmit("hand-made", noRa)).as("the RA may still come from the mapper").isTrue();
            assertThat(hub.mayAdmit("edugain-e", new ProviderMetadata("", java.util.Set.of(RS), java.util.Set.of())))
                    .as("a federation member whose metadata states no RA: no rule requiring one can admit it").isFalse();
            assertThat(hub.mayAdmit("anything", ProviderMetadata.UNKNOWN)).isTrue();
            assertThat(hub.mayAdmit("edugain-d", new ProviderMetadata(null, java.util.Set.of(), java.util.Set.of())))
                    .as("no category and no certification: no rule can admit it").isFalse();
        }

        @Test
        @DisplayName("Before login, the remembered answer follows the metadata: the same alias with other metadata is judged again, past the memory's size too")
        void beforeLoginRemembersPerMetadata() throws Exception {
            InstitutionFilter hub = filter(RULES);
            ProviderMetadata rsDfn = new ProviderMetadata("https://www.aai.dfn.de", java.util.Set.of(RS), java.util.Set.of());
            ProviderMetadata leftRs = new ProviderMetadata("https://www.aai.dfn.de", java.util.Set.of(), java.util.Set.of());

            assertThat(hub.mayAdmit("edugain-a", rsDfn)).isTrue();
            assertThat(hub.mayAdmit("edugain-a", leftRs)).as("the federation dropped its R&S tag").isFalse();
            assertThat(hub.mayAdmit("edugain-a", rsDfn)).isTrue();
            for (int i = 0; i <= InstitutionFilter.OFFER_MEMORY; i++) {
                hub.mayAdmit("edugain-" + i, leftRs);
            }
            assertThat(hub.mayAdmit("edugain-a", leftRs)).isFalse();
            assertThat(hub.mayAdmit("edugain-a", rsDfn)).isTrue();
        }

        @Test
        @DisplayName("Given an entry with only entityCategory, then the rules parse; an empty list is refused")
        void parsing() throws Exception {
            assertThat(InstitutionRules.parse("{\"allow\": [{\"entityCategory\": \"" + RS + "\"}]}").allow())
                    .hasSize(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            InstitutionRules.parse("{\"allow\": [{\"entityCategory\": []}]}"))
                    .hasMessageContaining("entityCategory");
        }
    }
}
