package org.sciencegateway.keycloak.assurance.binding;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.sciencegateway.keycloak.assurance.binding.LevelOwnership.Identity;

class LevelOwnershipTest {

    private static final Identity FRANK_SAML = new Identity("frank-id", "institution-saml.frank-upstream");
    private static final Identity OSCAR_A = new Identity("oscar-id", "institution-a.oscar-upstream");
    private static final Identity OSCAR_LOCAL = new Identity("oscar-id", null);

    @Test
    @DisplayName("Given frank's brokered level in the tab and oscar's brokered login completing, then refused")
    void anotherIdentitysLevel() {
        assertThat(LevelOwnership.judge(FRANK_SAML, OSCAR_A, true)).isEqualTo(LevelOwnership.LEVEL_OF_ANOTHER_IDENTITY);
    }

    @Test
    @DisplayName("Given the same user through another brokered account, then refused (the account reached it, not the user)")
    void sameUserOtherAccount() {
        Identity oscarOtherAccount = new Identity("oscar-id", "institution-saml.attacker");
        assertThat(LevelOwnership.judge(oscarOtherAccount, OSCAR_A, true))
                .isEqualTo(LevelOwnership.LEVEL_OF_ANOTHER_IDENTITY);
    }

    @Test
    @DisplayName("Given a brokered level and a local login of another user completing, then refused")
    void brokeredLevelLocalCompletion() {
        assertThat(LevelOwnership.judge(FRANK_SAML, OSCAR_LOCAL, true)).isEqualTo(LevelOwnership.LEVEL_OF_ANOTHER_IDENTITY);
    }

    @Test
    @DisplayName("Given the identity that reached the level completing, then kept")
    void ownLevel() {
        assertThat(LevelOwnership.judge(FRANK_SAML, new Identity("frank-id", "institution-saml.frank-upstream"), true))
                .isNull();
    }

    @Test
    @DisplayName("Given a level nobody bound and a brokered login completing, then refused; a local login keeps its own")
    void unboundLevel() {
        assertThat(LevelOwnership.judge(null, OSCAR_A, true)).isEqualTo(LevelOwnership.LEVEL_WITHOUT_OWNER);
        assertThat(LevelOwnership.judge(null, OSCAR_LOCAL, true)).isNull();
    }

    @Test
    @DisplayName("Given a tab without a level above the first factor, then nothing to refuse")
    void noLevel() {
        assertThat(LevelOwnership.judge(FRANK_SAML, OSCAR_A, false)).isNull();
    }

    @Test
    @DisplayName("Given identity notes, then they round-trip and malformed ones read as none")
    void notes() {
        assertThat(Identity.fromNote(FRANK_SAML.toNote())).isEqualTo(FRANK_SAML);
        assertThat(Identity.fromNote(OSCAR_LOCAL.toNote())).isEqualTo(OSCAR_LOCAL);
        assertThat(Identity.fromNote(" x")).isNull();
        assertThat(Identity.fromNote("x ")).isNull();
        assertThat(Identity.fromNote("")).isNull();
        assertThat(Identity.fromNote(null)).isNull();
    }
}
