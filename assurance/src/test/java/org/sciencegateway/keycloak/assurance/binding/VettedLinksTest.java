package org.sciencegateway.keycloak.assurance.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VettedLinksTest {

    @Test
    @DisplayName("Given a record naming the provider and the provider's user id, then exactly that account's link is vetted")
    void exactAccount() {
        List<String> recorded = List.of(VettedLinks.value("institution-saml", "frank"));
        assertThat(VettedLinks.vetted(recorded, "institution-saml", "frank")).isTrue();
        assertThat(VettedLinks.vetted(recorded, "institution-saml", "mallory")).as("re-linked to another account").isFalse();
        assertThat(VettedLinks.vetted(recorded, "institution-a", "frank")).as("another provider").isFalse();
        assertThat(VettedLinks.vetted(recorded, "institution-saml", "frank ")).isFalse();
    }

    @Test
    @DisplayName("Given no record, an empty one, or missing parts, then nothing is vetted")
    void nothingRecorded() {
        assertThat(VettedLinks.vetted(null, "institution-saml", "frank")).isFalse();
        assertThat(VettedLinks.vetted(List.of(), "institution-saml", "frank")).isFalse();
        assertThat(VettedLinks.vetted(List.of("institution-saml "), "institution-saml", "")).isFalse();
        assertThat(VettedLinks.vetted(List.of(" frank"), "", "frank")).isFalse();
        assertThat(VettedLinks.vetted(List.of("institution-saml frank"), null, "frank")).isFalse();
    }

    @Test
    @DisplayName("Given an alias or user id missing, then no record value can be made")
    void valueNeedsBothParts() {
        assertThatThrownBy(() -> VettedLinks.value("", "frank")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VettedLinks.value("institution-saml", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Given a user profile that lets users edit the attribute (declared for users, or undeclared with "
            + "unmanaged attributes enabled), then the record is writable by users; declared for admins only, or "
            + "undeclared under any other policy, it is not")
    void writableByUsers() {
        assertThat(VettedLinks.userWritable(true, true, false)).isTrue();
        assertThat(VettedLinks.userWritable(false, false, true)).isTrue();
        assertThat(VettedLinks.userWritable(true, false, true)).isFalse();
        assertThat(VettedLinks.userWritable(false, false, false)).isFalse();
    }
}
