package org.sciencegateway.keycloak.tokenexchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClaimOptionsParserTest {

    /** The lab's ssh-gateway policy with its cluster claims. */
    static Map<String, String> sshGatewayPolicy() {
        Map<String, String> config = new HashMap<>();
        config.put(AudiencePolicyParser.ALLOWED_REQUESTERS, "jupyterhub");
        config.put(AudiencePolicyParser.REQUIRED_GROUPS, "/escape/cluster-users");
        config.put(AudiencePolicyParser.GRANTABLE_SCOPES, "openid##profile##email");
        config.put(AudiencePolicyParser.MAX_LIFETIME_SECONDS, "900");
        config.put(AudiencePolicyParser.GROUPS_CLAIM, "groups");
        config.put(AudiencePolicyParser.GROUPS_CLAIM_ROOT, "/escape/cluster-users");
        config.put(AudiencePolicyParser.ACCOUNT_ATTRIBUTE, "posix_username");
        config.put(AudiencePolicyParser.ACCOUNT_REQUIRED, "true");
        return config;
    }

    private static List<String> problems(Map<String, String> config) {
        return AudiencePolicyParser.parse("p", "ssh-gateway", config).problems();
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> config = sshGatewayPolicy();
        if (value == null) {
            config.remove(key);
        } else {
            config.put(key, value);
        }
        return config;
    }

    @Test
    @DisplayName("Given the ssh-gateway cluster claims, then the policy carries the groups claim and a required account claim named posix_username")
    void parsesClusterClaims() {
        AudiencePolicy policy = AudiencePolicyParser.parse("p", "ssh-gateway", sshGatewayPolicy()).policy().orElseThrow();

        assertThat(policy.groupsClaim()).isEqualTo(new GroupsClaim("groups", "/escape/cluster-users"));
        assertThat(policy.accountClaim()).isEqualTo(new AccountClaim("posix_username", "posix_username", true));
    }

    @Test
    @DisplayName("Given none of the claim options, then the policy adds neither claim")
    void noClaimOptions() {
        AudiencePolicy policy = AudiencePolicyParser.parse("p", "rucio", AudiencePolicyParserTest.labPolicy())
                .policy().orElseThrow();

        assertThat(policy.groupsClaim().isNone()).isTrue();
        assertThat(policy.accountClaim().isNone()).isTrue();
    }

    @Test
    @DisplayName("Given the console's stored defaults alone (account claim name, account not required), then the policy adds no claim")
    void consoleDefaultsAlone() {
        Map<String, String> config = new HashMap<>(AudiencePolicyParserTest.labPolicy());
        config.put(AudiencePolicyParser.ACCOUNT_CLAIM, "posix_username");
        config.put(AudiencePolicyParser.ACCOUNT_REQUIRED, "false");

        AudiencePolicyParser.Result result = AudiencePolicyParser.parse("p", "rucio", config);

        assertThat(result.problems()).isEmpty();
        assertThat(result.policy().orElseThrow().accountClaim().isNone()).isTrue();
    }

    @Test
    @DisplayName("Given an account claim name of its own, then the account goes in that claim")
    void ownAccountClaimName() {
        assertThat(AudiencePolicyParser.parse("p", "ssh-gateway", with(AudiencePolicyParser.ACCOUNT_CLAIM, "uid"))
                .policy().orElseThrow().accountClaim().claim()).isEqualTo("uid");
    }

    @Test
    @DisplayName("Given Account required without an account attribute, then the problem says to set the attribute")
    void requiredWithoutAttribute() {
        assertThat(problems(with(AudiencePolicyParser.ACCOUNT_ATTRIBUTE, null))).containsExactly(
                "Account required: set Account attribute too (for example posix_username), or switch this off.");
    }

    @Test
    @DisplayName("Given an account claim name of its own without an account attribute, then the problem says to set the attribute")
    void claimWithoutAttribute() {
        Map<String, String> config = with(AudiencePolicyParser.ACCOUNT_ATTRIBUTE, null);
        config.put(AudiencePolicyParser.ACCOUNT_REQUIRED, "false");
        config.put(AudiencePolicyParser.ACCOUNT_CLAIM, "uid");

        assertThat(problems(config)).containsExactly("Account claim name: set Account attribute too, or clear this.");
    }

    @Test
    @DisplayName("Given Account required that is neither true nor false, then it is rejected, not read as false")
    void requiredNotBoolean() {
        assertThat(problems(with(AudiencePolicyParser.ACCOUNT_REQUIRED, "yes")))
                .containsExactly("Account required: yes is not true or false.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"posix username", "uid;x", "ä"})
    @DisplayName("Given an account attribute that is no attribute name, then the problem gives an example")
    void badAttributeName(String attribute) {
        assertThat(problems(with(AudiencePolicyParser.ACCOUNT_ATTRIBUTE, attribute))).containsExactly(
                "Account attribute: " + attribute + " is not a user attribute name; use letters, digits, dots, "
                        + "underscores and hyphens, for example posix_username.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sub", "preferred_username", "aud", "wlcg.groups", "acr", "eduperson_assurance"})
    @DisplayName("Given a claim name Keycloak or the policy already sets, then both claim options refuse it")
    void reservedClaimNames(String claim) {
        assertThat(problems(with(AudiencePolicyParser.ACCOUNT_CLAIM, claim))).containsExactly("Account claim name: "
                + claim + " is a claim Keycloak or this policy already sets; choose another name, for example "
                + "posix_username.");
        assertThat(problems(with(AudiencePolicyParser.GROUPS_CLAIM, claim))).containsExactly("Groups claim name: "
                + claim + " is a claim Keycloak or this policy already sets; choose another name, for example groups.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1groups", "grou ps", "gr\"oups", "https://example.org/groups"})
    @DisplayName("Given a claim name that is not a plain name, then it is rejected with the allowed characters")
    void malformedClaimNames(String claim) {
        assertThat(problems(with(AudiencePolicyParser.GROUPS_CLAIM, claim))).containsExactly("Groups claim name: "
                + claim + " is not a claim name; start with a letter and use letters, digits, _ . : or -, for "
                + "example groups.");
    }

    @Test
    @DisplayName("Given the same name for the account and the groups claim, then the policy is rejected")
    void sameClaimTwice() {
        assertThat(problems(with(AudiencePolicyParser.ACCOUNT_CLAIM, "groups"))).containsExactly(
                "Account claim name: groups is the groups claim too; give the two claims different names.");
    }

    @Test
    @DisplayName("Given a groups claim without a subtree, then the problem asks for one")
    void groupsClaimWithoutSubtree() {
        assertThat(problems(with(AudiencePolicyParser.GROUPS_CLAIM_ROOT, null))).containsExactly(
                "Groups claim subtree: name the group whose subtree the claim lists, for example "
                        + "/escape/cluster-users, or / for all groups of the user.");
    }

    @Test
    @DisplayName("Given a subtree that is not a group path, then the problem says how to write one")
    void subtreeNotAPath() {
        assertThat(problems(with(AudiencePolicyParser.GROUPS_CLAIM_ROOT, "escape/cluster-users"))).containsExactly(
                "Groups claim subtree: escape/cluster-users is not a group path; write it as /parent/child, or / for "
                        + "all groups.");
    }

    @Test
    @DisplayName("Given a subtree without a groups claim name, then the problem asks for the name")
    void subtreeWithoutClaim() {
        assertThat(problems(with(AudiencePolicyParser.GROUPS_CLAIM, null))).containsExactly(
                "Groups claim subtree: set Groups claim name too (for example groups), or clear this.");
    }

    @Test
    @DisplayName("Given every claim option wrong, then each problem avoids the quote and brace syntax of MessageFormat")
    void messagesAreMessageFormatSafe() {
        Map<String, String> config = sshGatewayPolicy();
        config.put(AudiencePolicyParser.GROUPS_CLAIM, "sub");
        config.put(AudiencePolicyParser.GROUPS_CLAIM_ROOT, "x");
        config.put(AudiencePolicyParser.ACCOUNT_CLAIM, "1");
        config.put(AudiencePolicyParser.ACCOUNT_REQUIRED, "x");

        assertThat(problems(config)).hasSize(4).allSatisfy(p -> assertThat(p).doesNotContain("'", "{", "}"));
    }
}
