package org.sciencegateway.keycloak.theme.picker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InstitutionSearchTest {

    private static final Predicate<String> ALL = alias -> true;

    private static final InstitutionSearch SEARCH = new InstitutionSearch(List.of(
            new Institution("aalborg", "Aalborg Universitet", List.of("aau.dk"), List.of("AAU", "University of Aalborg"), null),
            new Institution("zurich", "Universität Zürich", List.of("uzh.ch"), List.of("UZH"), "https://www.uzh.ch/logo.svg"),
            new Institution("malmo", "Malmö universitet", List.of("mau.se"), List.of(), null),
            new Institution("kobenhavn", "Københavns Universitet", List.of("ku.dk"), List.of("University of Copenhagen"), null),
            new Institution("sorbonne", "Sorbonne Université", List.of("sorbonne-universite.fr"), List.of(), null),
            new Institution("bergen", "Bergen Institute of Technology", List.of("bit.example.no"), List.of(), null),
            new Institution("cern", "CERN", List.of("cern.ch"), List.of("European Organization for Nuclear Research"), null)));

    private static List<String> aliases(InstitutionSearch.Result result) {
        return result.items().stream().map(m -> m.institution().alias()).toList();
    }

    private static List<String> find(String query) {
        return aliases(SEARCH.search(query, ALL, List.of(), 1, 50));
    }

    @Test
    @DisplayName("Given a query without accents, then institutions with accents in their names are found")
    void accentInsensitive() {
        assertThat(find("zurich")).containsExactly("zurich");
        assertThat(find("universite")).contains("sorbonne");
        assertThat(find("malmo")).containsExactly("malmo");
        assertThat(find("kobenhavn")).containsExactly("kobenhavn");
    }

    @Test
    @DisplayName("Given a query in another case or with the accents, then the same institutions are found")
    void caseInsensitive() {
        assertThat(find("ZÜRICH")).containsExactly("zurich");
        assertThat(find("MaLmÖ")).containsExactly("malmo");
    }

    @Test
    @DisplayName("Given a domain or an other name, then the institution is found")
    void domainsAndOtherNames() {
        assertThat(find("uzh.ch")).containsExactly("zurich");
        assertThat(find("aau")).containsExactly("aalborg");
        assertThat(find("copenhagen")).containsExactly("kobenhavn");
        assertThat(find("nuclear research")).containsExactly("cern");
    }

    @Test
    @DisplayName("Given a full domain, then only the institution with that domain is found, not one whose domain words merely start the same way")
    void compoundTermsMatchAsTyped() {
        InstitutionSearch search = new InstitutionSearch(List.of(
                new Institution("a", "Aalborg", List.of("uni-a.example.org"), List.of(), null),
                new Institution("proxy", "Federation proxy", List.of("uni-allowed.example.org"), List.of(), null),
                new Institution("saclay", "Université Paris-Saclay", List.of("universite-paris-saclay.fr"), List.of(), null)));

        assertThat(aliases(search.search("uni-a.example.org", ALL, List.of(), 1, 10))).containsExactly("a");
        assertThat(aliases(search.search("uni-a.e", ALL, List.of(), 1, 10))).as("while typing").containsExactly("a");
        assertThat(aliases(search.search("uni-a", ALL, List.of(), 1, 10))).as("a prefix of both domains")
                .containsExactlyInAnyOrder("a", "proxy");
        assertThat(aliases(search.search("uni a", ALL, List.of(), 1, 10))).as("separate words stay loose")
                .contains("a", "proxy");
        assertThat(aliases(search.search("PARIS-SACLAY", ALL, List.of(), 1, 10))).containsExactly("saclay");
        assertThat(aliases(search.search("paris saclay", ALL, List.of(), 1, 10))).containsExactly("saclay");
        assertThat(aliases(search.search("(aalborg)", ALL, List.of(), 1, 10))).containsExactly("a");
    }

    @Test
    @DisplayName("Given several words, then every word must match")
    void allWordsMustMatch() {
        assertThat(find("universitet aalborg")).containsExactly("aalborg");
        assertThat(find("universitet nowhere")).isEmpty();
    }

    @Test
    @DisplayName("Given a word inside a name, then it matches, ranked after word-start matches")
    void substringRankedLast() {
        assertThat(find("borg")).containsExactly("aalborg");
        List<String> uni = find("uni");
        assertThat(uni).contains("aalborg", "zurich", "malmo", "kobenhavn", "sorbonne");
        assertThat(uni).doesNotContain("bergen", "cern");
    }

    @Test
    @DisplayName("Given the exact name, then that institution ranks first")
    void exactNameFirst() {
        InstitutionSearch search = new InstitutionSearch(List.of(
                new Institution("cern-alumni", "CERN Alumni", List.of(), List.of(), null),
                new Institution("cern", "CERN", List.of(), List.of(), null),
                new Institution("concern", "Concern Institute", List.of(), List.of(), null)));
        assertThat(aliases(search.search("cern", ALL, List.of(), 1, 10))).containsExactly("cern", "cern-alumni", "concern");
    }

    @Test
    @DisplayName("Given an empty query, then everything admitted is listed by name")
    void emptyQueryListsByName() {
        assertThat(find("")).containsExactly("aalborg", "bergen", "cern", "kobenhavn", "malmo", "sorbonne", "zurich");
        assertThat(find("  ,. ")).hasSize(7);
    }

    @Test
    @DisplayName("Given recently used institutions, then they come first, most recent first, and are marked")
    void recentFirst() {
        InstitutionSearch.Result result = SEARCH.search("", ALL, List.of("sorbonne", "bergen"), 1, 3);
        assertThat(aliases(result)).containsExactly("sorbonne", "bergen", "aalborg");
        assertThat(result.items()).extracting(InstitutionSearch.Match::recent).containsExactly(true, true, false);
        assertThat(aliases(SEARCH.search("uni", ALL, List.of("sorbonne"), 1, 10)).get(0)).isEqualTo("sorbonne");
    }

    @Test
    @DisplayName("Given a recent institution the client does not admit, then it is not listed")
    void recentNeverWidens() {
        Predicate<String> onlyCern = Set.of("cern")::contains;
        assertThat(aliases(SEARCH.search("", onlyCern, List.of("sorbonne", "cern"), 1, 10))).containsExactly("cern");
    }

    @Test
    @DisplayName("Given an admission rule, then only admitted institutions are returned and counted")
    void onlyAdmitted() {
        InstitutionSearch.Result result = SEARCH.search("uni", Set.of("aalborg", "bergen")::contains, List.of(), 1, 10);
        assertThat(aliases(result)).containsExactly("aalborg");
        assertThat(result.total()).isEqualTo(1);
    }

    @Test
    @DisplayName("Given many results, then they are paged and a page beyond the end gives the last page")
    void paging() {
        List<Institution> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            many.add(new Institution(String.format("inst-%02d", i), String.format("Institute %02d", i), List.of(), List.of(), null));
        }
        InstitutionSearch search = new InstitutionSearch(many);
        InstitutionSearch.Result first = search.search("institute", ALL, List.of(), 1, 10);
        assertThat(first.total()).isEqualTo(25);
        assertThat(first.pageCount()).isEqualTo(3);
        assertThat(first.hasNext()).isTrue();
        assertThat(first.hasPrevious()).isFalse();
        assertThat(aliases(first)).first().isEqualTo("inst-00");
        InstitutionSearch.Result last = search.search("institute", ALL, List.of(), 99, 10);
        assertThat(last.page()).isEqualTo(3);
        assertThat(aliases(last)).containsExactly("inst-20", "inst-21", "inst-22", "inst-23", "inst-24");
        assertThat(search.search("institute", ALL, List.of(), -4, 10).page()).isEqualTo(1);
        assertThat(search.search("nothing", ALL, List.of(), 1, 10).pageCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("Given two institutions with one alias, then the directory keeps the first")
    void duplicateAliases() {
        InstitutionSearch search = new InstitutionSearch(List.of(
                new Institution("a", "First", List.of(), List.of(), null),
                new Institution("a", "Second", List.of(), List.of(), null)));
        assertThat(search.size()).isEqualTo(1);
        assertThat(search.byAlias("a")).get().extracting(Institution::name).isEqualTo("First");
        assertThat(search.byAlias("missing")).isEmpty();
        assertThat(search.byAlias(null)).isEmpty();
    }

    @Test
    @DisplayName("Given a logo that could run script, then it is dropped; web URLs, paths and theme resources are kept")
    void logoSources() {
        assertThat(Institution.safeLogo("javascript:alert(1)")).isNull();
        assertThat(Institution.safeLogo("data:image/svg+xml;base64,AAAA")).isNull();
        assertThat(Institution.safeLogo("//evil.example/x.svg")).isNull();
        assertThat(Institution.safeLogo("theme:../../x")).isNull();
        assertThat(Institution.safeLogo("https://uni.example/logo.png")).isEqualTo("https://uni.example/logo.png");
        assertThat(Institution.safeLogo("/logos/uni.svg")).isEqualTo("/logos/uni.svg");
        assertThat(Institution.safeLogo("theme:img/logos/a.svg")).isEqualTo("theme:img/logos/a.svg");
    }

    @Test
    @DisplayName("Given an institution without a name, then its alias is its name; without an alias it is rejected")
    void names() {
        assertThat(new Institution("x", " ", null, null, null).name()).isEqualTo("x");
        assertThatThrownBy(() -> new Institution(" ", "X", List.of(), List.of(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("Given folding, then accents and special letters become what people type")
    void folding() {
        assertThat(InstitutionSearch.fold("Ærøskøbing Straße Łódź ﬁ")).isEqualTo("aeroskobing strasse lodz fi");
    }

    @Test
    @DisplayName("Given 5,000 institutions, then a query finds exactly the matching ones and returns one page of them")
    void searchesThousandsOfInstitutions() {
        List<Institution> many = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            many.add(new Institution("idp-" + i, "Universität Nummer " + i, List.of("uni" + i + ".example.org"), List.of(), null));
        }
        InstitutionSearch search = new InstitutionSearch(many);

        // Accent-folded words matched anywhere in the name: 499, 1499, 2499, 3499, 4499 and 4990..4999.
        var page = search.search("universitat nummer 499", ALL, List.of(), 1, 10);

        assertThat(page.total()).isEqualTo(15);
        assertThat(page.items()).hasSize(10);
        assertThat(search.search("uni4321.example.org", ALL, List.of(), 1, 10).items())
                .extracting(match -> match.institution().alias()).containsExactly("idp-4321");
    }
}
