package org.sciencegateway.keycloak.theme.picker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChoiceMemoryTest {

    @Test
    @DisplayName("Given no cookies, then nothing is recent or remembered")
    void empty() {
        ChoiceMemory memory = ChoiceMemory.parse(null, null);
        assertThat(memory.recent()).isEmpty();
        assertThat(memory.remembered()).isNull();
    }

    @Test
    @DisplayName("Given choices, then the latest comes first, without duplicates, at most five")
    void recentOrder() {
        ChoiceMemory memory = ChoiceMemory.EMPTY;
        for (String alias : new String[]{"a", "b", "c", "a", "d", "e", "f"}) {
            memory = memory.chosen(alias, false);
        }
        assertThat(memory.recent()).containsExactly("f", "e", "d", "a", "c");
        assertThat(memory.remembered()).isNull();
        assertThat(ChoiceMemory.parse(memory.recentValue(), null).recent()).containsExactly("f", "e", "d", "a", "c");
    }

    @Test
    @DisplayName("Given remember, then the choice is remembered until forgotten; choosing without remember keeps it")
    void rememberAndForget() {
        ChoiceMemory memory = ChoiceMemory.EMPTY.chosen("institution-a", true);
        assertThat(memory.remembered()).isEqualTo("institution-a");
        assertThat(memory.chosen("institution-b", false).remembered()).isEqualTo("institution-a");
        assertThat(memory.forget().remembered()).isNull();
        assertThat(memory.forget().recent()).containsExactly("institution-a");
    }

    @Test
    @DisplayName("Given tampered cookies, then malformed values are ignored rather than trusted")
    void tampered() {
        ChoiceMemory memory = ChoiceMemory.parse("ok|%3Cscript%3E|%zz|a%2Cb|also.ok", "<script>");
        assertThat(memory.recent()).containsExactly("ok", "also.ok");
        assertThat(memory.remembered()).isNull();
        assertThat(ChoiceMemory.parse("x".repeat(300), "institution-a").recent()).isEmpty();
        assertThat(ChoiceMemory.parse(null, "institution-a").remembered()).isEqualTo("institution-a");
    }
}
