package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.MessageFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.protocol.ProtocolMapperConfigException;
import org.keycloak.provider.ProviderConfigProperty;

class GroupClaimMapperTest {

    /** What Keycloak's admin endpoint does with the exception before answering. */
    private static String shownToAdmin(ProtocolMapperConfigException e) {
        return MessageFormat.format(e.getMessage(), e.getParameters());
    }

    @Test
    @DisplayName("Given a message echoing a regex with quotes and braces, then the admin sees it verbatim")
    void messageFormatSafe() {
        String message = "Include pattern \"a{2\" it's wrong (Unclosed counted closure near index 3): fix it.";

        assertThat(shownToAdmin(AdminMessage.configError(message))).isEqualTo(message);
    }

    @Test
    @DisplayName("Given a plain message, then it is passed unchanged")
    void plainMessage() {
        String message = "Subtree root \"/nope\" is not a group path in realm \"vre\": use the full path of an existing group.";

        assertThat(AdminMessage.configError(message).getMessage()).isEqualTo(message);
        assertThat(shownToAdmin(AdminMessage.configError(message))).isEqualTo(message);
    }

    @Test
    @DisplayName("Given the console form, then every property has a label and a help text, and all five token targets are offered")
    void consoleForm() {
        GroupClaimMapper mapper = new GroupClaimMapper();

        assertThat(mapper.getConfigProperties()).allSatisfy(p -> {
            assertThat(p.getLabel()).isNotBlank();
            assertThat(p.getHelpText()).isNotBlank();
        });
        assertThat(mapper.getConfigProperties()).extracting(ProviderConfigProperty::getName).contains(
                "claim.name", "id.token.claim", "access.token.claim", "lightweight.claim", "userinfo.token.claim",
                "introspection.token.claim", GroupMapperConfig.FORMAT, GroupMapperConfig.SUBTREE_ROOTS,
                GroupMapperConfig.INCLUDE_PATTERNS, GroupMapperConfig.EXCLUDE_PATTERNS, GroupMapperConfig.INCLUDE_PARENTS,
                GroupMapperConfig.REALM_ROLES, GroupMapperConfig.CLIENT_ROLES_CLIENT, GroupMapperConfig.WLCG_OPTIONAL_GROUPS,
                GroupMapperConfig.AARC_NAMESPACE, GroupMapperConfig.AARC_AUTHORITY, GroupMapperConfig.CLAIM_NAME_LITERAL);
        assertThat(mapper.getId()).isEqualTo(GroupClaimMapper.PROVIDER_ID);
    }
}
