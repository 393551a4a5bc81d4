package org.sciencegateway.keycloak.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Minimum, median and maximum of one figure over the rounds of a comparison: on a small shared machine the spread
 * says as much as the median.
 */
public record Spread(double min, double median, double max, int rounds) {

    public static Spread of(Collection<? extends Number> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("No values");
        }
        List<Double> sorted = new ArrayList<>();
        values.forEach(v -> sorted.add(v.doubleValue()));
        sorted.sort(null);
        return new Spread(sorted.get(0), median(sorted), sorted.get(sorted.size() - 1), sorted.size());
    }

    /** Median of already sorted values (mean of the two middle ones for an even count). */
    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The value at quantile {@code q} (0..1) of sorted values, nearest rank. */
    public static double quantile(List<? extends Number> sorted, double q) {
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("No values");
        }
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))).doubleValue();
    }

    /** {@code median (min–max)} with the given number format, e.g. {@code %.2f}. */
    public String format(String number) {
        if (rounds == 1) {
            return String.format(Locale.ROOT, number, median);
        }
        return String.format(Locale.ROOT, number + " (" + number + "–" + number + ")", median, min, max);
    }
}
