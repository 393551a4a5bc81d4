package org.sciencegateway.keycloak.samlfederation.login;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SharedAcsOwnershipTest {

    static final String ISSUER = "https://idp.example/idp";

    static Map<String, String> config(String source) {
        Map<String, String> config = new HashMap<>();
        config.put("sg.federation.source", source);
        config.put(FederatedSamlIdentityProvider.ALIAS_PREFIX, "fed");
        config.put("sg.federation.entityId", ISSUER);
        return config;
    }

    static boolean owned(String providerId, boolean enabled, Map<String, String> config, String sourceId) {
        return SharedAcsResource.ownedBy(providerId, enabled, config, sourceId, "fed", ISSUER);
    }

    @Test
    void onlyTheSourcesOwnEnabledMemberOfThatEntityId() {
        String member = FederatedSamlIdentityProviderFactory.PROVIDER_ID;
        assertThat(owned(member, true, config("source-1"), "source-1")).isTrue();
        // an orphan of a removed source whose prefix a new source took
        assertThat(owned(member, true, config("source-0"), "source-1")).isFalse();
        assertThat(owned(member, true, config(null), "source-1")).isFalse();
        assertThat(owned(member, false, config("source-1"), "source-1")).isFalse();
        assertThat(owned("saml", true, config("source-1"), "source-1")).isFalse();
        Map<String, String> other = config("source-1");
        other.put("sg.federation.entityId", "https://other.example/idp");
        assertThat(owned(member, true, other, "source-1")).isFalse();
        Map<String, String> otherPrefix = config("source-1");
        otherPrefix.put(FederatedSamlIdentityProvider.ALIAS_PREFIX, "fed2");
        assertThat(owned(member, true, otherPrefix, "source-1")).isFalse();
    }
}
