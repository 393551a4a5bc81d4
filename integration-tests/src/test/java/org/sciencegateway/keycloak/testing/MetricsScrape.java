package org.sciencegateway.keycloak.testing;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a server's {@code /metrics} (Prometheus text format 0.0.4, as Keycloak's management interface serves
 * it): samples by name and labels. Only what the tests compare: no types, help texts or timestamps.
 */
public final class MetricsScrape {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

    /** One sample: metric name, labels, value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final String text;

    private MetricsScrape(String text) {
        this.text = text;
        List<Sample> parsed = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line.trim());
            if (!sample.matches()) {
                throw new IllegalStateException("Not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\n", "\n")
                            .replace("\\\\", "\\"));
                }
            }
            parsed.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3))));
        }
        this.samples = List.copyOf(parsed);
    }

    /** Scrapes {@code <managementUrl>/metrics}. */
    public static MetricsScrape of(String managementUrl) {
        HttpResponse<String> response = Http.send(Http.request(managementUrl + "/metrics"));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /metrics: " + response.statusCode() + " " + response.body());
        }
        return new MetricsScrape(response.body());
    }

    /** The sum of the samples named {@code name} whose labels include every one of {@code labels}; 0 when none. */
    public double sum(String name, Map<String, String> labels) {
        return matching(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    public List<Sample> matching(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .toList();
    }

    /** The one sample named {@code name} with {@code labels}; fails when there is none or more than one. */
    public double value(String name, Map<String, String> labels) {
        List<Sample> found = matching(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + labels + " in the scrape");
        }
        return found.get(0).value();
    }

    public String text() {
        return text;
    }
}
