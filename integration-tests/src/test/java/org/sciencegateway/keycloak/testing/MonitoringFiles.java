package org.sciencegateway.keycloak.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The repository's monitoring files (docs/monitoring/): the alert rules and the Grafana dashboard, as shipped. */
public final class MonitoringFiles {

    private static final Pattern METRIC = Pattern.compile("\\bsg_[a-z_]+");

    private MonitoringFiles() {
    }

    public static Path directory() {
        return Path.of(System.getProperty("repository.root", "..")).resolve("docs/monitoring");
    }

    public static Path alerts() {
        return directory().resolve("alerts.yml");
    }

    public static Path dashboard() {
        return directory().resolve("grafana-dashboard.json");
    }

    /** Every PromQL expression of the dashboard's panels. */
    public static List<String> dashboardExpressions() {
        try {
            JsonNode dashboard = new ObjectMapper().readTree(dashboard().toFile());
            List<String> expressions = new ArrayList<>();
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    expressions.add(target.path("expr").asText());
                }
            }
            return expressions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code sg_…} metric names (with their {@code _total}, {@code _sum}… suffixes) the alerts and dashboard use. */
    public static Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        try {
            collect(Files.readString(alerts()), names);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dashboardExpressions().forEach(expression -> collect(expression, names));
        return names;
    }

    private static void collect(String text, Set<String> names) {
        Matcher metric = METRIC.matcher(text);
        while (metric.find()) {
            names.add(metric.group());
        }
    }
}
