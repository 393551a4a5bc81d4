package org.sciencegateway.keycloak.theme.picker;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Search and ranking for the institution picker over a directory built once per change of the realm's identity
 * providers. Matching is accent- and case-insensitive over names, other names and domains; every word typed must
 * match the start of a word of the institution (or, weaker, appear inside one). Institutions the user chose recently
 * come first, in the order they were used. A query costs one pass over precomputed keys, never a model lookup.
 * <p>
 * One class on purpose (about 200 lines): the precomputed keys of {@code Entry} and the scoring that reads them are
 * one algorithm; splitting them would expose the index's internals for no reader's benefit.
 */
public final class InstitutionSearch {

    public static final int PAGE_SIZE = 10;
    public static final int MAX_QUERY_LENGTH = 100;

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern WORD_SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern EDGE_SEPARATORS = Pattern.compile("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$");
    /** Letters that Unicode decomposition does not reduce to a base letter, as people type them without the accent. */
    private static final Map<Character, String> FOLDED_LETTERS = Map.ofEntries(
            Map.entry('ø', "o"), Map.entry('æ', "ae"), Map.entry('œ', "oe"), Map.entry('ß', "ss"),
            Map.entry('ł', "l"), Map.entry('đ', "d"), Map.entry('ð', "d"), Map.entry('þ', "th"),
            Map.entry('ı', "i"));

    private final List<Entry> entries;
    private final Map<String, Entry> byAlias = new HashMap<>();

    public InstitutionSearch(List<Institution> institutions) {
        List<Entry> built = new ArrayList<>(institutions.size());
        for (Institution institution : institutions) {
            Entry entry = new Entry(institution);
            if (byAlias.putIfAbsent(institution.alias(), entry) == null) {
                built.add(entry);
            }
        }
        built.sort(Comparator.comparing((Entry e) -> e.foldedName).thenComparing(e -> e.institution.alias()));
        this.entries = List.copyOf(built);
    }

    public int size() {
        return entries.size();
    }

    public Optional<Institution> byAlias(String alias) {
        return Optional.ofNullable(alias == null ? null : byAlias.get(alias)).map(e -> e.institution);
    }

    /**
     * One page of the institutions {@code admitted} lets through that match {@code query}.
     *
     * @param query    what the user typed; blank lists everything admitted (recent first, then by name)
     * @param admitted which aliases the current client and hints allow
     * @param recent   aliases the user chose before, most recent first
     * @param page     1-based page number; beyond the last page gives the last page
     * @param pageSize entries per page
     */
    public Result search(String query, Predicate<String> admitted, List<String> recent, int page, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be positive");
        }
        List<String> words = words(query == null ? "" : query);
        String phrase = String.join(" ", words);
        List<String> compounds = compounds(query == null ? "" : query);
        Map<String, Integer> recentRank = new LinkedHashMap<>();
        for (String alias : recent == null ? List.<String>of() : recent) {
            recentRank.putIfAbsent(alias, recentRank.size());
        }
        List<Scored> matches = new ArrayList<>();
        for (Entry entry : entries) {
            // the text first: most institutions fail it at once, and only those that match ask the admission
            int score = words.isEmpty() ? 0 : entry.score(words, phrase, compounds);
            if ((score > 0 || words.isEmpty()) && admitted.test(entry.institution.alias())) {
                matches.add(new Scored(entry, score, recentRank.getOrDefault(entry.institution.alias(), Integer.MAX_VALUE)));
            }
        }
        // Entries are already in name order; a stable sort keeps it among equals.
        matches.sort(Comparator.comparingInt(Scored::recentRank).thenComparing(Comparator.comparingInt(Scored::score).reversed()));
        int total = matches.size();
        int pageCount = Math.max(1, (total + pageSize - 1) / pageSize);
        int current = Math.min(Math.max(1, page), pageCount);
        int from = (current - 1) * pageSize;
        List<Match> items = matches.subList(Math.min(from, total), Math.min(from + pageSize, total)).stream()
                .map(s -> new Match(s.entry.institution, s.recentRank != Integer.MAX_VALUE))
                .toList();
        return new Result(items, total, current, pageSize);
    }

    /** Lower case, accents removed, letters such as ø and ß spelled as people type them. */
    public static String fold(String text) {
        String decomposed = MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFKD)).replaceAll("");
        StringBuilder folded = new StringBuilder(decomposed.length());
        for (char c : decomposed.toLowerCase(Locale.ROOT).toCharArray()) {
            String replacement = FOLDED_LETTERS.get(c);
            if (replacement != null) {
                folded.append(replacement);
            } else {
                folded.append(c);
            }
        }
        return folded.toString();
    }

    static List<String> words(String text) {
        return WORD_SEPARATORS.splitAsStream(fold(text)).filter(w -> !w.isEmpty()).toList();
    }

    /**
     * Typed terms joined by punctuation, such as a domain ({@code uni-a.example.org}) or a hyphenated name
     * ({@code paris-saclay}): each must appear as typed in a name, other name, domain or alias, so that a full domain
     * does not also find every domain whose words merely start the same way ({@code uni-allowed.example.org}).
     */
    static List<String> compounds(String text) {
        List<String> compounds = new ArrayList<>();
        for (String term : WHITESPACE.split(fold(text))) {
            String trimmed = EDGE_SEPARATORS.matcher(term).replaceAll("");
            if (WORD_SEPARATORS.matcher(trimmed).find()) {
                compounds.add(trimmed);
            }
        }
        return compounds;
    }

    /** One page of results. */
    public record Result(List<Match> items, int total, int page, int pageSize) {
        public int pageCount() {
            return Math.max(1, (total + pageSize - 1) / pageSize);
        }

        public boolean hasNext() {
            return page < pageCount();
        }

        public boolean hasPrevious() {
            return page > 1;
        }
    }

    /** A result entry; {@code recent} when the user chose it before. */
    public record Match(Institution institution, boolean recent) {
    }

    private record Scored(Entry entry, int score, int recentRank) {
    }

    private static final class Entry {
        private final Institution institution;
        private final String foldedName;
        private final List<String> nameWords;
        private final List<String> otherWords;
        private final String haystack;
        /** Names, other names, domains and alias as written (folded), one per line: where compounds are looked for. */
        private final String written;

        Entry(Institution institution) {
            this.institution = institution;
            this.foldedName = String.join(" ", words(institution.name()));
            this.nameWords = words(institution.name());
            List<String> others = new ArrayList<>();
            institution.otherNames().forEach(n -> others.addAll(words(n)));
            institution.domains().forEach(d -> others.addAll(words(d)));
            others.addAll(words(institution.alias()));
            this.otherWords = List.copyOf(others);
            this.haystack = foldedName + " " + String.join(" ", otherWords) + " "
                    + String.join(" ", institution.domains().stream().map(InstitutionSearch::fold).toList());
            List<String> fields = new ArrayList<>();
            fields.add(institution.name());
            fields.addAll(institution.otherNames());
            fields.addAll(institution.domains());
            fields.add(institution.alias());
            this.written = String.join("\n", fields.stream().map(InstitutionSearch::fold).toList());
        }

        /** 0 when some typed word matches nothing; higher is a better match. */
        int score(List<String> words, String phrase, List<String> compounds) {
            for (String compound : compounds) {
                if (!written.contains(compound)) {
                    return 0;
                }
            }
            int score = 0;
            for (String word : words) {
                int best = 0;
                if (anyStartsWith(nameWords, word)) {
                    best = 3;
                } else if (anyStartsWith(otherWords, word)) {
                    best = 2;
                } else if (haystack.contains(word)) {
                    best = 1;
                }
                if (best == 0) {
                    return 0;
                }
                score += best;
            }
            if (foldedName.equals(phrase)) {
                score += 20;
            } else if (foldedName.startsWith(phrase)) {
                score += 10;
            }
            return score;
        }

        /** A loop, not a stream: this runs for every institution at every keystroke. */
        private static boolean anyStartsWith(List<String> words, String prefix) {
            for (int i = 0, n = words.size(); i < n; i++) {
                if (words.get(i).startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }
    }
}
