package org.sciencegateway.keycloak.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.sciencegateway.keycloak.testing.BrowserSession;
import org.sciencegateway.keycloak.testing.HeadlessChromium;
import org.sciencegateway.keycloak.testing.HubClient;
import org.sciencegateway.keycloak.testing.HubLogin;
import org.sciencegateway.keycloak.testing.KeycloakServer;

/**
 * Keystroke to results in a real browser: per round, fresh picker pages of one client on which queries are typed one
 * key at a time. Each key is timed in the page from the keydown event's timestamp (when the browser received the key)
 * to the first animation frame after the results for the text typed so far are in the list, that is, when they are
 * painted. The next key is typed once the results are shown, as by someone reading while typing.
 */
final class PickerKeystrokes {

    /** Per round the median and 90th percentile over its keys; the slowest key of all rounds. */
    record Result(List<Double> medianMillis, List<Double> p90Millis, double maxMillis, int keys) {
    }

    /** A query and the institution it must find (shown on the first page of results once typed completely). */
    record Query(String text, String expectedAlias) {
    }

    private static final String PROBE = """
            const input = document.getElementById('sg-query');
            const list = document.getElementById('sg-results');
            window.sgBench = {keys: [], shown: []};
            input.addEventListener('keydown', e => window.sgBench.keys.push(e.timeStamp), true);
            new MutationObserver(() => {
              if (list.getAttribute('aria-busy') === 'true') { return; }
              const query = list.dataset.query;
              requestAnimationFrame(() => window.sgBench.shown.push({query, at: performance.now()}));
            }).observe(list, {attributes: true, attributeFilter: ['data-query', 'aria-busy'], childList: true});
            """;

    /** Resolves with the milliseconds from the n-th key to the painted results for the field's current text. */
    private static final String AWAIT_RESULTS = """
            const n = arguments[0];
            const done = arguments[arguments.length - 1];
            const check = () => {
              const bench = window.sgBench;
              const query = document.getElementById('sg-query').value.trim();
              if (bench.keys.length >= n) {
                const key = bench.keys[n - 1];
                const shown = bench.shown.find(s => s.query === query && s.at >= key);
                if (shown) { done(shown.at - key); return; }
              }
              setTimeout(check, 1);
            };
            check();
            """;

    private final KeycloakServer server;
    private final HubClient client;
    private final BenchmarkSettings settings;

    PickerKeystrokes(KeycloakServer server, HubClient client, BenchmarkSettings settings) {
        this.server = server;
        this.client = client;
        this.settings = settings;
    }

    /**
     * @param queries the queries of a round (0 to rounds - 1; warm-ups ask for -1, -2…), other institutions in each
     */
    Result measure(IntFunction<List<Query>> queries) {
        List<Double> medians = new ArrayList<>();
        List<Double> p90s = new ArrayList<>();
        double max = 0;
        int keys = 0;
        try (HeadlessChromium chromium = new HeadlessChromium(true)) {
            chromium.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
            for (int w = 0; w < settings.pageWarmUp(); w++) {
                typeAndTime(chromium, queries.apply(-1 - w).get(0));
            }
            for (int round = 0; round < settings.rounds(); round++) {
                List<Double> millis = new ArrayList<>();
                for (Query query : queries.apply(round)) {
                    millis.addAll(typeAndTime(chromium, query));
                }
                millis.sort(null);
                medians.add(Spread.median(millis));
                p90s.add(Spread.quantile(millis, 0.9));
                max = Math.max(max, millis.get(millis.size() - 1));
                keys += millis.size();
            }
        }
        return new Result(medians, p90s, max, keys);
    }

    private List<Double> typeAndTime(HeadlessChromium chromium, Query query) {
        chromium.driver().get(new HubLogin(server, new BrowserSession(), client).authorizationUrl());
        WebElement input = chromium.await(ExpectedConditions.presenceOfElementLocated(By.id("sg-query")));
        chromium.script(PROBE);
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < query.text().length(); i++) {
            input.sendKeys(String.valueOf(query.text().charAt(i)));
            Object elapsed = ((JavascriptExecutor) chromium.driver()).executeAsyncScript(AWAIT_RESULTS, i + 1);
            millis.add(((Number) elapsed).doubleValue());
        }
        List<String> shown = chromium.driver().findElements(By.cssSelector("#sg-results a.sg-institution")).stream()
                .map(e -> e.getAttribute("data-alias")).toList();
        assertThat(shown).as("results for \"%s\"", query.text()).contains(query.expectedAlias());
        return millis;
    }
}
