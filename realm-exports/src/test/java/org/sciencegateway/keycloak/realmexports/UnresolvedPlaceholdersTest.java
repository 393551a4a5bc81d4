package org.sciencegateway.keycloak.realmexports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Unresolved import placeholders")
class UnresolvedPlaceholdersTest {

    @Test
    @DisplayName("Given unset ${NAME}s in a secret and a URL, then both are named with where they are used")
    void unsetPlaceholdersNamed() {
        UnresolvedPlaceholders found = new UnresolvedPlaceholders()
                .check("client rucio: secret", "${RUCIO_CLIENT_SECRET}")
                .check("client jupyterhub: redirect URI", "${JUPYTERHUB_URL}/hub/oauth_callback")
                .check("client jupyterhub: rootUrl", "${JUPYTERHUB_URL}");

        assertThat(found.variables()).containsOnlyKeys("RUCIO_CLIENT_SECRET", "JUPYTERHUB_URL");
        assertThat(found.variables().get("JUPYTERHUB_URL"))
                .containsExactly("client jupyterhub: redirect URI", "client jupyterhub: rootUrl");
        assertThat(found.message("vre")).startsWith("Realm 'vre' was not imported")
                .contains("RUCIO_CLIENT_SECRET (client rucio: secret)")
                .contains("JUPYTERHUB_URL (client jupyterhub: redirect URI, client jupyterhub: rootUrl)");
    }

    @Test
    @DisplayName("Given resolved values, vault references, Keycloak's own URL expressions and ordinary dollar signs, then nothing is found")
    void resolvedValuesPass() {
        UnresolvedPlaceholders found = new UnresolvedPlaceholders();
        for (String value : List.of("hub-secret-from-a-vault", "${vault.federation_proxy_secret}", "${authBaseUrl}", "${authAdminUrl}/console/",
                "${FEDERATION_PROXY_SCOPE:openid profile}",
                "https://hub.example.org/hub/*", "price: $5", "${", "${ lowercase with space }")) {
            found.check("somewhere", value);
        }
        found.check("somewhere", null);

        assertThat(found.any()).isFalse();
    }

    @Test
    @DisplayName("Given a vault reference the vault cannot read, then the key, the place and the file to mount are named")
    void missingVaultEntryNamed() {
        assertThat(UnresolvedPlaceholders.vaultKey("${vault.federation-proxy-client-secret}"))
                .isEqualTo("federation-proxy-client-secret");
        assertThat(UnresolvedPlaceholders.vaultKey("prefix ${vault.key}")).isNull();
        assertThat(UnresolvedPlaceholders.vaultKey("${FEDERATION_PROXY_CLIENT_SECRET}")).isNull();

        UnresolvedPlaceholders found = new UnresolvedPlaceholders()
                .missingVaultEntry("identity provider federation-proxy: clientSecret", "federation-proxy-client-secret");

        assertThat(found.any()).isTrue();
        assertThat(found.message("vre_prod")).startsWith("Realm 'vre_prod' was not imported: the server's vault")
                .contains("federation-proxy-client-secret (identity provider federation-proxy: clientSecret).")
                .contains("DIR/vre__prod_KEY")
                .doesNotContain("environment variables")
                .endsWith("Then import again.");
    }
}
