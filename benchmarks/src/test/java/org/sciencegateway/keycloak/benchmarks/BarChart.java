package org.sciencegateway.keycloak.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.text.DecimalFormat;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.IntervalBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.category.DefaultIntervalCategoryDataset;

/**
 * A grouped bar chart written as PNG with JFreeChart: one group per category (e.g. a size), one bar per series
 * (e.g. stock Keycloak, this project), the median over the rounds as the bar and their min–max as a thin dark bar
 * over it. Optional logarithmic axis (token sizes span 1 KB to 300 KB) and a dashed reference line (a target).
 */
public final class BarChart {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 500;
    private static final Color[] PALETTE = {new Color(0x6A6E73), new Color(0x0066CC), new Color(0x3E8635),
            new Color(0xF0AB00), new Color(0xA30000)};

    private final String title;
    private final String axisLabel;
    private final boolean logarithmic;
    private final List<String> series = new ArrayList<>();
    private final Map<String, Map<String, Spread>> values = new LinkedHashMap<>();
    private Double reference;
    private String referenceLabel;

    public BarChart(String title, String axisLabel, boolean logarithmic) {
        this.title = title;
        this.axisLabel = axisLabel;
        this.logarithmic = logarithmic;
    }

    public BarChart bar(String category, String seriesName, Spread value) {
        if (!series.contains(seriesName)) {
            series.add(seriesName);
        }
        values.computeIfAbsent(category, c -> new LinkedHashMap<>()).put(seriesName, value);
        return this;
    }

    public BarChart reference(double value, String label) {
        this.reference = value;
        this.referenceLabel = label;
        return this;
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            ChartUtils.saveChartAsPNG(file.toFile(), chart(), WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JFreeChart chart() {
        List<String> categories = new ArrayList<>(values.keySet());
        DefaultCategoryDataset medians = new DefaultCategoryDataset();
        Number[][] starts = new Number[series.size()][categories.size()];
        Number[][] ends = new Number[series.size()][categories.size()];
        for (int c = 0; c < categories.size(); c++) {
            Map<String, Spread> group = values.get(categories.get(c));
            for (int s = 0; s < series.size(); s++) {
                Spread spread = group.get(series.get(s));
                medians.addValue(spread == null ? null : spread.median(), series.get(s), categories.get(c));
                starts[s][c] = spread == null ? null : spread.min();
                ends[s][c] = spread == null ? null : spread.max();
            }
        }
        DefaultIntervalCategoryDataset ranges = new DefaultIntervalCategoryDataset(
                series.toArray(new String[0]), categories.toArray(new String[0]), starts, ends);

        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.08);
        IntervalBarRenderer whiskers = new IntervalBarRenderer();
        whiskers.setBarPainter(new StandardBarPainter());
        whiskers.setShadowVisible(false);
        whiskers.setItemMargin(0.08);
        // Same slots as the bars, drawn narrow: the min–max of the rounds over each median bar.
        whiskers.setMaximumBarWidth(0.006);
        whiskers.setDefaultSeriesVisibleInLegend(false);
        for (int s = 0; s < series.size(); s++) {
            bars.setSeriesPaint(s, PALETTE[s % PALETTE.length]);
            whiskers.setSeriesPaint(s, new Color(0x151515));
        }

        CategoryPlot plot = new CategoryPlot(medians, new CategoryAxis(), valueAxis(), bars);
        plot.setDataset(1, ranges);
        plot.setRenderer(1, whiskers);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xD2D2D2));
        if (reference != null) {
            ValueMarker marker = new ValueMarker(reference, new Color(0xA30000), new BasicStroke(1.5f,
                    BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
            marker.setLabel(referenceLabel);
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
            plot.addRangeMarker(marker);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 17), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        LegendTitle legend = new LegendTitle(bars);
        legend.setPosition(RectangleEdge.BOTTOM);
        chart.addLegend(legend);
        return chart;
    }

    private ValueAxis valueAxis() {
        double top = 0;
        double bottom = Double.MAX_VALUE;
        for (Map<String, Spread> group : values.values()) {
            for (Spread s : group.values()) {
                top = Math.max(top, s.max());
                bottom = Math.min(bottom, s.min());
            }
        }
        if (logarithmic && bottom > 0) {
            LogAxis axis = new LogAxis(axisLabel);
            axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
            axis.setRange(bottom / 2, Math.max(top, reference == null ? top : reference) * 2);
            return axis;
        }
        NumberAxis axis = new NumberAxis(axisLabel);
        axis.setAutoRangeIncludesZero(true);
        axis.setUpperBound(Math.max(top, reference == null ? 0 : reference) * 1.1 + Double.MIN_VALUE);
        return axis;
    }
}
