package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SpreadTest {

    @Test
    @DisplayName("Given an odd number of rounds, then the median is the middle value and min/max the extremes")
    void oddCount() {
        Spread spread = Spread.of(List.of(3.0, 1.0, 2.0, 10.0, 4.0));
        assertThat(spread).isEqualTo(new Spread(1.0, 3.0, 10.0, 5));
    }

    @Test
    @DisplayName("Given an even number of rounds, then the median is the mean of the two middle values")
    void evenCount() {
        assertThat(Spread.of(List.of(4, 1, 3, 2)).median()).isEqualTo(2.5);
    }

    @Test
    @DisplayName("Given no values, then there is no spread")
    void empty() {
        assertThatThrownBy(() -> Spread.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Given 100 sorted latencies, then p50 and p99 are the 50th and 99th values (nearest rank)")
    void quantiles() {
        List<Long> sorted = java.util.stream.LongStream.rangeClosed(1, 100).boxed().toList();
        assertThat(Spread.quantile(sorted, 0.50)).isEqualTo(50);
        assertThat(Spread.quantile(sorted, 0.99)).isEqualTo(99);
        assertThat(Spread.quantile(sorted, 1.0)).isEqualTo(100);
        assertThat(Spread.quantile(List.of(7L), 0.99)).isEqualTo(7);
    }

    @Test
    @DisplayName("Given several rounds, then the text shows median (min–max); given one, only the value")
    void format() {
        assertThat(Spread.of(List.of(1.0, 2.0, 4.0)).format("%.2f")).isEqualTo("2.00 (1.00–4.00)");
        assertThat(Spread.of(List.of(1.5)).format("%.1f×")).isEqualTo("1.5×");
    }
}
