package org.sciencegateway.keycloak.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionRules;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * Row 6: what a backtracking-prone deny pattern costs the institution filter's decision on long claims. The
 * filter's own decision (RE2/J, linear time) with the review's pattern {@code (.*a){12}} as a deny
 * {@code institutionPattern}, against the same rules without a pattern, for institution claims of 100, 1,000 and
 * 10,000 characters; and, for contrast, {@code java.util.regex} (the engine used before) matching the same pattern
 * on short claims, where its backtracking already takes milliseconds. In the load generator's JVM: the decision is
 * plain Java, the same code the server runs.
 */
final class RulePatternComparison {

    static final String PATTERN = "(.*a){12}";
    private static final int[] LENGTHS = {100, 1_000, 10_000};
    private static final int[] BACKTRACKING_LENGTHS = {16, 20, 23};

    record Row(int length, List<Double> plainMicros, List<Double> patternMicros) {
        List<Double> ratios() {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < plainMicros.size(); i++) {
                ratios.add(patternMicros.get(i) / plainMicros.get(i));
            }
            return ratios;
        }
    }

    record Result(List<Row> rows, List<Row> backtracking) {
    }

    private final BenchmarkSettings settings;

    RulePatternComparison(BenchmarkSettings settings) {
        this.settings = settings;
    }

    Result run() throws Exception {
        InstitutionFilter plain = new InstitutionFilter(InstitutionRules.parse(
                "{\"allow\": [{\"idp\": \"federation-proxy\"}]}"));
        InstitutionFilter withPattern = new InstitutionFilter(InstitutionRules.parse(
                "{\"allow\": [{\"idp\": \"federation-proxy\"}], \"deny\": [{\"institutionPattern\": \"" + PATTERN + "\"}]}"));
        int decisions = settings.full() ? 2_000 : 50;
        List<Row> rows = new ArrayList<>();
        for (int length : LENGTHS) {
            LoginOrigin origin = LoginOrigin.brokered("federation-proxy").withInstitution(claim(length));
            time(plain, origin, decisions);
            time(withPattern, origin, decisions);
            List<Double> plainMicros = new ArrayList<>();
            List<Double> patternMicros = new ArrayList<>();
            for (int round = 0; round < settings.rounds(); round++) {
                plainMicros.add(time(plain, origin, decisions));
                patternMicros.add(time(withPattern, origin, decisions));
            }
            rows.add(new Row(length, plainMicros, patternMicros));
        }
        Pattern backtracking = Pattern.compile(PATTERN);
        List<Row> contrast = new ArrayList<>();
        for (int length : BACKTRACKING_LENGTHS) {
            String value = claim(length);
            List<Double> micros = new ArrayList<>();
            for (int round = 0; round < Math.min(settings.rounds(), 3); round++) {
                long start = System.nanoTime();
                boolean matched = backtracking.matcher(value).matches();
                micros.add((System.nanoTime() - start) / 1_000.0);
                if (matched) {
                    throw new IllegalStateException("the claim must not match");
                }
            }
            contrast.add(new Row(length, micros, micros));
        }
        return new Result(rows, contrast);
    }

    /** {@code length} characters, all {@code a} but the last: every split is tried by a backtracking engine, none matches. */
    static String claim(int length) {
        return "a".repeat(length - 1) + "b";
    }

    /** Microseconds per decision, over {@code decisions} decisions; every one must admit. */
    private static double time(InstitutionFilter filter, LoginOrigin origin, int decisions) {
        long start = System.nanoTime();
        for (int i = 0; i < decisions; i++) {
            if (!filter.decide(origin).allowed()) {
                throw new IllegalStateException("the claim must be admitted");
            }
        }
        return (System.nanoTime() - start) / 1_000.0 / decisions;
    }

    void report(BenchmarkReport report, Result result) {
        BenchmarkReport.Section section = report.section("6. Institution rules: a backtracking-prone deny pattern on long claims",
                String.format(Locale.ROOT, "The filter's decision for a proxy login with an institution claim of "
                        + "the given length, in the load generator's JVM (plain Java, the code the server runs): rules "
                        + "`allow idp federation-proxy` without a pattern, and the same with the deny "
                        + "`institutionPattern` `%s` (matched by RE2/J). The claim is all `a` but its last character, "
                        + "so no way of splitting it matches: a backtracking engine tries them all. %d round(s) of "
                        + "decisions per length after a warm-up; microseconds per decision. For contrast, the last "
                        + "rows time one `java.util.regex` match of the same pattern on short claims of the same "
                        + "shape (the engine used before RE2/J).", PATTERN, settings.rounds()),
                "claim length", "engine", "no pattern, µs", "with the pattern, µs", "ratio");
        for (Row row : result.rows()) {
            section.row(String.format(Locale.ROOT, "%,d", row.length()), "RE2/J (the filter)",
                    Spread.of(row.plainMicros()).format("%.2f"), Spread.of(row.patternMicros()).format("%.2f"),
                    Spread.of(row.ratios()).format("%.1f"));
        }
        for (Row row : result.backtracking()) {
            section.row(String.format(Locale.ROOT, "%,d", row.length()), "java.util.regex (before)", "",
                    Spread.of(row.patternMicros()).format("%.0f"), "");
        }
        Row shorter = result.rows().get(result.rows().size() - 2);
        Row longest = result.rows().get(result.rows().size() - 1);
        double perCharShort = Spread.of(shorter.patternMicros()).median() / shorter.length();
        double perCharLong = Spread.of(longest.patternMicros()).median() / longest.length();
        double growth = perCharLong / perCharShort;
        report.target(String.format(Locale.ROOT, "Deny pattern %s, cost per character from %,d to %,d characters",
                        PATTERN, shorter.length(), longest.length()),
                "linear: ≤ 2× per character", String.format(Locale.ROOT, "%.2f×", growth), growth <= 2.0,
                "the match time grows faster than the claim");
    }
}
