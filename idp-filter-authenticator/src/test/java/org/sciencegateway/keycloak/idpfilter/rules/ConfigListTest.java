package org.sciencegateway.keycloak.idpfilter.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigListTest {

    private static final String RS = "http://refeds.org/category/research-and-scholarship";

    @Test
    @DisplayName("Given the sync's JSON array, then a value with a space stays one value and grants nothing it does not name")
    void jsonArrayKeepsValues() {
        assertThat(ConfigList.parse("[\"https://x.example/cat " + RS + "\"]"))
                .containsExactly("https://x.example/cat " + RS);
        assertThat(ConfigList.parse("[\"" + RS + "\",\"https://refeds.org/sirtfi\"]"))
                .containsExactly(RS, "https://refeds.org/sirtfi");
    }

    @Test
    @DisplayName("Given an admin's space-separated list, then its words are the values; blank is none")
    void adminWords() {
        assertThat(ConfigList.parse(" a  b ")).containsExactly("a", "b");
        assertThat(ConfigList.parse(" ")).isEmpty();
        assertThat(ConfigList.parse(null)).isEmpty();
    }

    @Test
    @DisplayName("Given a JSON array that does not parse, then it is unreadable and scopes admit nothing")
    void unreadable() {
        assertThat(ConfigList.parse("[\"a\", ")).isSameAs(ConfigList.UNREADABLE);
        assertThat(ScopeCheck.parse("[\"a\", ").admits("a")).isFalse();
        assertThat(ScopeCheck.parse("[]").active()).as("registered, none usable").isTrue();
        assertThat(ScopeCheck.parse("[]").admits("a.example")).isFalse();
    }

    @Test
    @DisplayName("Given the sync's scopes, then an exact scope never matches as a pattern and a pattern stays one pattern")
    void jsonScopes() {
        ScopeCheck scopes = ScopeCheck.parse("[\"uni-a.example\",\"regexp:^[a-z]+\\\\.uni-c\\\\.example$\"]");
        assertThat(scopes.admits("uni-a.example")).isTrue();
        assertThat(scopes.admits("cs.uni-c.example")).isTrue();
        assertThat(scopes.admits("evil.example")).isFalse();
    }
}
