package org.sciencegateway.keycloak.samlfederation.sync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityProviderAliasTest {

    /** The birthday pair found against the old scheme's 40-bit hash (issue 27, finding 3). */
    static final String COLLIDING_A = "https://idp.coLlIdE.Rt.eXaMPLe/idp";
    static final String COLLIDING_B = "https://idP.CoLLidE.RT.EXaMPlE/Idp";

    @Test
    void theOldSchemeCollidedOnThePublishedPair() {
        assertThat(IdentityProviderAlias.legacy("fed", COLLIDING_A))
                .isEqualTo(IdentityProviderAlias.legacy("fed", COLLIDING_B));
    }

    @Test
    void theNewSchemeSeparatesThePairWith128BitsOfHash() {
        String a = IdentityProviderAlias.of("fed", COLLIDING_A);
        String b = IdentityProviderAlias.of("fed", COLLIDING_B);
        assertThat(a).isNotEqualTo(b);
        assertThat(a).matches("fed-idp-collide-rt-example-idp--[0-9a-f]{32}");
        assertThat(IdentityProviderAlias.of("fed", "urn:x")).matches("fed-x--[0-9a-f]{32}");
        assertThat(IdentityProviderAlias.of("fed", "://")).matches("fed--[0-9a-f]{32}");
    }

    @Test
    void theSchemesNeverShareAnAlias() {
        // only the new scheme has "--": no legacy alias of any entityID equals a new one
        for (String id : new String[]{COLLIDING_A, "https://x.example/--/a", "urn:mace:x", "", "---",
                "https://idp.example/" + "a".repeat(100)}) {
            assertThat(IdentityProviderAlias.legacy("fed", id)).doesNotContain("--");
            assertThat(IdentityProviderAlias.of("fed", id)).contains("--");
        }
    }

    @Test
    void theOldSchemeIsUnchanged() {
        // identity providers created by earlier releases keep these aliases; the derivation must not drift
        assertThat(IdentityProviderAlias.legacy("edugain", "https://idp.uni-a.example/idp/shibboleth"))
                .matches("edugain-idp-uni-a-example-idp-shibboleth-[0-9a-f]{10}");
        assertThat(IdentityProviderAlias.candidates("p", "urn:x"))
                .containsExactly(IdentityProviderAlias.of("p", "urn:x"), IdentityProviderAlias.legacy("p", "urn:x"));
    }
}
