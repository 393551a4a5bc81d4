package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AarcEntitlementTest {

    @Test
    @DisplayName("Given EGI's example VO, then the entitlement is urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu")
    void egiExample() {
        assertThat(AarcEntitlement.of("urn:mace:egi.eu", GroupPath.of("vo.example.eu"), "member", "aai.egi.eu"))
                .isEqualTo("urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu");
    }

    @Test
    @DisplayName("Given a subgroup, then every level is its own ':'-separated part")
    void subgroups() {
        assertThat(AarcEntitlement.of("urn:geant:example.org", GroupPath.of("escape", "users"), "admin", "aai.example.org"))
                .isEqualTo("urn:geant:example.org:group:escape:users:role=admin#aai.example.org");
    }

    @Test
    @DisplayName("Given no role, then the entitlement names the group only")
    void noRole() {
        assertThat(AarcEntitlement.of("urn:x", GroupPath.of("g"), null, "a.org")).isEqualTo("urn:x:group:g#a.org");
    }

    @Test
    @DisplayName("Given names with ':', '#', spaces, '/' or non-ASCII, then they are URL-encoded and cannot forge a level")
    void encodesParts() {
        assertThat(AarcEntitlement.of("urn:x", GroupPath.of("a:b", "c#d", "e f", "g/h", "é"), "r:o#le", "a.org"))
                .isEqualTo("urn:x:group:a%3Ab:c%23d:e%20f:g%2Fh:%C3%A9:role=r%3Ao%23le#a.org");
    }
}
