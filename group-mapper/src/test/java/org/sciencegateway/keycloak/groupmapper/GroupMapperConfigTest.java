package org.sciencegateway.keycloak.groupmapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GroupMapperConfigTest {

    private static Map<String, String> config(String... keyValues) {
        Map<String, String> config = new HashMap<>();
        config.put(GroupMapperConfig.CLAIM_NAME, "groups");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private static GroupClaimPolicy parse(String... keyValues) throws InvalidGroupMapperConfigException {
        return GroupMapperConfig.parse(config(keyValues), false);
    }

    @Test
    @DisplayName("Given only a claim name, then the defaults are full paths of every group, no roles, no parents")
    void defaults() throws Exception {
        GroupClaimPolicy policy = parse();

        assertThat(policy.format()).isEqualTo(GroupClaimFormat.FULL_PATH);
        assertThat(policy.claimName()).isEqualTo("groups");
        assertThat(policy.selection().subtreeRoots()).isEmpty();
        assertThat(policy.roles().isEmpty()).isTrue();
    }

    @Test
    @DisplayName("Given multivalued fields stored with ##, then each value is read, blanks skipped")
    void multivaluedFields() throws Exception {
        GroupClaimPolicy policy = parse(GroupMapperConfig.SUBTREE_ROOTS, "/escape## /other-project ##");

        assertThat(policy.selection().subtreeRoots()).containsExactly(GroupPath.of("escape"), GroupPath.of("other-project"));
    }

    @Test
    @DisplayName("Given every format's config value, then it parses to that format")
    void everyFormat() throws Exception {
        for (GroupClaimFormat format : GroupClaimFormat.values()) {
            GroupClaimPolicy policy = parse(GroupMapperConfig.FORMAT, format.configValue(),
                    GroupMapperConfig.SUBTREE_ROOTS, "/escape", GroupMapperConfig.AARC_NAMESPACE, "urn:x",
                    GroupMapperConfig.AARC_AUTHORITY, "a.org");
            assertThat(policy.format()).isEqualTo(format);
        }
    }

    @Test
    @DisplayName("Given an unknown format, then it is refused with the list of formats")
    void unknownFormat() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "fullpath"))
                .isInstanceOf(InvalidGroupMapperConfigException.class)
                .hasMessage("Group format \"fullpath\" is unknown: choose one of name, full-path, "
                        + "path-without-leading-slash, relative-path, wlcg, aarc-entitlement.");
    }

    @Test
    @DisplayName("Given no claim name, then it is refused")
    void missingClaimName() {
        Map<String, String> config = config();
        config.remove(GroupMapperConfig.CLAIM_NAME);

        assertThatThrownBy(() -> GroupMapperConfig.parse(config, false))
                .hasMessage("The token claim name is empty: set one, e.g. groups.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sub", "aud", "iss", "exp", "scope", "azp", "aud.x"})
    @DisplayName("Given a standard claim as claim name, then it is refused (bypass: groups written into aud or sub)")
    void reservedClaims(String claim) {
        assertThatThrownBy(() -> GroupMapperConfig.parse(config(GroupMapperConfig.CLAIM_NAME, claim), false))
                .hasMessageContaining("is a standard claim that Keycloak sets itself");
    }

    @Test
    @DisplayName("Given a claim name with a stray trailing or leading dot, then it is refused")
    void emptyClaimPart() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.CLAIM_NAME, "groups.")).hasMessageContaining("has an empty part");
        assertThatThrownBy(() -> parse(GroupMapperConfig.CLAIM_NAME, ".groups")).hasMessageContaining("has an empty part");
    }

    @Test
    @DisplayName("Given literal claim names on, then every dot is escaped (wlcg.groups stays one claim)")
    void literalClaimName() throws Exception {
        assertThat(parse(GroupMapperConfig.CLAIM_NAME, "wlcg.groups", GroupMapperConfig.CLAIM_NAME_LITERAL, "true")
                .claimName()).isEqualTo("wlcg\\.groups");
        assertThat(parse(GroupMapperConfig.CLAIM_NAME, "wlcg\\.groups", GroupMapperConfig.CLAIM_NAME_LITERAL, "true")
                .claimName()).isEqualTo("wlcg\\.groups");
        assertThat(parse(GroupMapperConfig.CLAIM_NAME, "a.b").claimName()).isEqualTo("a.b");
    }

    @Test
    @DisplayName("Given a claim path, then its top level is read up to the first unescaped dot")
    void topLevelClaim() {
        assertThat(GroupMapperConfig.topLevelClaim("a.b")).isEqualTo("a");
        assertThat(GroupMapperConfig.topLevelClaim("a\\.b.c")).isEqualTo("a.b");
        assertThat(GroupMapperConfig.topLevelClaim("groups")).isEqualTo("groups");
    }

    @Test
    @DisplayName("Given a subtree root that is not a path, then it is refused naming the field")
    void badSubtree() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.SUBTREE_ROOTS, "escape"))
                .hasMessage("Subtree root \"escape\" is not a group path: it must start with \"/\", e.g. /vo/sub.");
    }

    @Test
    @DisplayName("Given an include pattern that does not compile, then it is refused with the regex error")
    void badIncludePattern() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.INCLUDE_PATTERNS, "/escape/(users"))
                .hasMessageStartingWith("Include pattern \"/escape/(users\" is not a valid regular expression (Unclosed group");
    }

    @Test
    @DisplayName("Given an exclude pattern that does not compile, then it is refused with the regex error")
    void badExcludePattern() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.EXCLUDE_PATTERNS, "*admins"))
                .hasMessageStartingWith("Exclude pattern \"*admins\" is not a valid regular expression (Dangling meta character");
    }

    @Test
    @DisplayName("Given relative paths without a subtree root, then it is refused")
    void relativeNeedsRoot() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "relative-path"))
                .hasMessageContaining("needs at least one subtree root");
    }

    @Test
    @DisplayName("Given WLCG format with roles, then it is refused (WLCG groups carry no roles)")
    void wlcgWithoutRoles() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.REALM_ROLES, "true"))
                .hasMessageStartingWith("WLCG groups carry no roles");
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.CLIENT_ROLES_CLIENT, "jupyterhub"))
                .hasMessageStartingWith("WLCG groups carry no roles");
    }

    @Test
    @DisplayName("Given optional groups with a non-WLCG format, then it is refused")
    void optionalGroupsNeedWlcg() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.WLCG_OPTIONAL_GROUPS, "/escape/data-managers"))
                .hasMessageStartingWith("Optional groups are requested with WLCG scopes only");
    }

    @Test
    @DisplayName("Given a malformed optional group, then it is refused naming the field")
    void badOptionalGroup() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "wlcg", GroupMapperConfig.WLCG_OPTIONAL_GROUPS, "data"))
                .hasMessageStartingWith("WLCG optional group \"data\" is not a group path");
    }

    @Test
    @DisplayName("Given AARC format without namespace, then it is refused")
    void aarcNeedsNamespace() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.AARC_AUTHORITY, "a.org"))
                .hasMessage("AARC entitlements need a namespace: set the AARC namespace, e.g. urn:mace:example.org.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace:example.org", "urn:mace:example.org:", "urn:mace example", "urn:x#y"})
    @DisplayName("Given AARC format with a namespace that is not a URN namespace, then it is refused")
    void aarcBadNamespace(String namespace) {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.AARC_NAMESPACE,
                namespace, GroupMapperConfig.AARC_AUTHORITY, "a.org")).hasMessageContaining("is not a URN namespace");
    }

    @Test
    @DisplayName("Given AARC format without authority, then it is refused")
    void aarcNeedsAuthority() {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.AARC_NAMESPACE, "urn:x"))
                .hasMessage("AARC entitlements need a group authority: set the AARC authority, e.g. aai.example.org.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a#b", "a b", "a:b"})
    @DisplayName("Given AARC format with an authority containing '#', ':' or a space, then it is refused")
    void aarcBadAuthority(String authority) {
        assertThatThrownBy(() -> parse(GroupMapperConfig.FORMAT, "aarc-entitlement", GroupMapperConfig.AARC_NAMESPACE,
                "urn:x", GroupMapperConfig.AARC_AUTHORITY, authority)).hasMessageContaining("is not a host name");
    }

    @Test
    @DisplayName("Given blank values, then they count as unset")
    void blanksAreUnset() throws Exception {
        GroupClaimPolicy policy = parse(GroupMapperConfig.FORMAT, " ", GroupMapperConfig.CLIENT_ROLES_CLIENT, " ",
                GroupMapperConfig.SUBTREE_ROOTS, "");

        assertThat(policy.format()).isEqualTo(GroupClaimFormat.FULL_PATH);
        assertThat(policy.roles().isEmpty()).isTrue();
        assertThat(GroupMapperConfig.values(null)).isEqualTo(List.of());
    }
}
