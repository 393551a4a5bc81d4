package org.sciencegateway.keycloak.idpfilter.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ScopeCheckTest {

    @Test
    @DisplayName("Given registered scopes, then only values within them count (case-insensitive, eppn scope part)")
    void exactScopes() {
        ScopeCheck scopes = ScopeCheck.parse("uni-a.example physik.uni-a.example");
        assertThat(scopes.admits("uni-a.example")).isTrue();
        assertThat(scopes.admits("UNI-A.example")).isTrue();
        assertThat(scopes.admits("alice@physik.uni-a.example")).isTrue();
        assertThat(scopes.admits("uni-b.example")).isFalse();
        assertThat(scopes.admits("evil.uni-a.example")).isFalse();
        assertThat(scopes.admits("alice@uni-a.example@evil.example")).isFalse();
        assertThat(scopes.admits("")).isFalse();
        assertThat(scopes.admits(null)).isFalse();
    }

    @Test
    @DisplayName("Given a regexp scope, then it must match the whole value; a broken pattern admits nothing")
    void regexpScopes() {
        ScopeCheck scopes = ScopeCheck.parse("regexp:^([a-z0-9-]+\\.)?uni-c\\.example$ regexp:([");
        assertThat(scopes.admits("cs.uni-c.example")).isTrue();
        assertThat(scopes.admits("uni-c.example")).isTrue();
        assertThat(scopes.admits("uni-c.example.evil")).isFalse();
    }

    @Test
    @DisplayName("Given no registered scopes, then there is nothing to check")
    void noScopes() {
        assertThat(ScopeCheck.parse(null).active()).isFalse();
        assertThat(ScopeCheck.parse(" ").admits("anything.example")).isTrue();
    }
}
