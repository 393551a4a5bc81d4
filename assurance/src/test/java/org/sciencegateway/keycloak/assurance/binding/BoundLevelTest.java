package org.sciencegateway.keycloak.assurance.binding;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BoundLevelTest {

    @Test
    @DisplayName("Given a note, then it round-trips; malformed notes read as none")
    void notes() {
        assertThat(BoundLevel.fromNote(new BoundLevel("u1", 2).toNote())).isEqualTo(new BoundLevel("u1", 2));
        assertThat(BoundLevel.fromNote("u1")).isNull();
        assertThat(BoundLevel.fromNote("u1 x")).isNull();
        assertThat(BoundLevel.fromNote(null)).isNull();
    }

    @Test
    @DisplayName("Given a later login of the same user, then the highest level stays; of another user, replaced")
    void merge() {
        assertThat(BoundLevel.merge(new BoundLevel("u1", 2), "u1", 1)).isEqualTo(new BoundLevel("u1", 2));
        assertThat(BoundLevel.merge(new BoundLevel("u1", 1), "u1", 2)).isEqualTo(new BoundLevel("u1", 2));
        assertThat(BoundLevel.merge(new BoundLevel("u2", 2), "u1", 1)).isEqualTo(new BoundLevel("u1", 1));
        assertThat(BoundLevel.merge(null, "u1", 1)).isEqualTo(new BoundLevel("u1", 1));
    }
}
