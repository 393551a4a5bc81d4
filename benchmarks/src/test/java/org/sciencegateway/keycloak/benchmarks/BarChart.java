package org.sciencegateway.keycloak.it.benchmark;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

/**
 * A grouped bar chart drawn with Java2D and written as PNG: one group per category (e.g. a size), one bar per series
 * (e.g. stock Keycloak, this project), the median as the bar and min–max over the rounds as a whisker. Optional
 * logarithmic axis (token sizes span 1 KB to 270 KB) and a dashed reference line (a target).
 */
public final class BarChart {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 500;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 70;
    private static final int BOTTOM = 70;
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
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("No PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void draw(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(title, LEFT, 28);

        double top = 0;
        double bottom = Double.MAX_VALUE;
        for (Map<String, Spread> group : values.values()) {
            for (Spread s : group.values()) {
                top = Math.max(top, s.max());
                bottom = Math.min(bottom, s.min());
            }
        }
        if (reference != null) {
            top = Math.max(top, reference);
        }
        Axis axis = logarithmic ? Axis.logarithmic(Math.max(bottom, 1e-9), top) : Axis.linear(top);
        int plotHeight = HEIGHT - TOP - BOTTOM;
        int plotWidth = WIDTH - LEFT - RIGHT;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics metrics = g.getFontMetrics();
        for (double tick : axis.ticks()) {
            int y = TOP + plotHeight - (int) Math.round(axis.position(tick) * plotHeight);
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(LEFT, y, LEFT + plotWidth, y);
            g.setColor(Color.DARK_GRAY);
            String label = number(tick);
            g.drawString(label, LEFT - 8 - metrics.stringWidth(label), y + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, TOP, LEFT, TOP + plotHeight);
        g.drawLine(LEFT, TOP + plotHeight, LEFT + plotWidth, TOP + plotHeight);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(axisLabel, -(TOP + plotHeight / 2 + metrics.stringWidth(axisLabel) / 2), 18);
        rotated.dispose();

        int groups = values.size();
        int groupWidth = plotWidth / Math.max(1, groups);
        int barWidth = Math.max(6, Math.min(70, (groupWidth - 30) / Math.max(1, series.size())));
        int index = 0;
        for (Map.Entry<String, Map<String, Spread>> group : values.entrySet()) {
            int groupLeft = LEFT + index * groupWidth + (groupWidth - barWidth * series.size()) / 2;
            for (int s = 0; s < series.size(); s++) {
                Spread value = group.getValue().get(series.get(s));
                if (value == null) {
                    continue;
                }
                int x = groupLeft + s * barWidth;
                int y = TOP + plotHeight - (int) Math.round(axis.position(value.median()) * plotHeight);
                g.setColor(PALETTE[s % PALETTE.length]);
                g.fillRect(x + 2, y, barWidth - 4, TOP + plotHeight - y);
                if (value.rounds() > 1) {
                    int yMin = TOP + plotHeight - (int) Math.round(axis.position(value.min()) * plotHeight);
                    int yMax = TOP + plotHeight - (int) Math.round(axis.position(value.max()) * plotHeight);
                    int mid = x + barWidth / 2;
                    g.setColor(Color.BLACK);
                    g.setStroke(new BasicStroke(1.5f));
                    g.drawLine(mid, yMin, mid, yMax);
                    g.drawLine(mid - 5, yMin, mid + 5, yMin);
                    g.drawLine(mid - 5, yMax, mid + 5, yMax);
                    g.setStroke(new BasicStroke(1f));
                }
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                String label = number(value.median());
                int labelWidth = g.getFontMetrics().stringWidth(label);
                // Above the whisker, so that the two never overlap.
                int labelBase = value.rounds() > 1
                        ? TOP + plotHeight - (int) Math.round(axis.position(value.max()) * plotHeight) : y;
                g.drawString(label, x + (barWidth - labelWidth) / 2, Math.max(TOP - 2, Math.min(y, labelBase) - 4));
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            String label = group.getKey();
            int labelWidth = g.getFontMetrics().stringWidth(label);
            g.drawString(label, LEFT + index * groupWidth + (groupWidth - labelWidth) / 2, TOP + plotHeight + 20);
            index++;
        }

        if (reference != null) {
            int y = TOP + plotHeight - (int) Math.round(axis.position(reference) * plotHeight);
            g.setColor(new Color(0xA30000));
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {8, 6}, 0));
            g.drawLine(LEFT, y, LEFT + plotWidth, y);
            g.setStroke(new BasicStroke(1f));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(referenceLabel, LEFT + plotWidth - g.getFontMetrics().stringWidth(referenceLabel), y - 5);
        }

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int x = LEFT;
        int y = HEIGHT - 22;
        for (int s = 0; s < series.size(); s++) {
            g.setColor(PALETTE[s % PALETTE.length]);
            g.fillRect(x, y - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s), x + 17, y);
            x += 17 + g.getFontMetrics().stringWidth(series.get(s)) + 24;
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("bar: median over rounds; whisker: min–max", LEFT, 48);
    }

    private static String number(double value) {
        double magnitude = Math.abs(value);
        if (magnitude >= 100 || magnitude == Math.rint(magnitude)) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (magnitude >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Maps values to 0..1 of the plot height and proposes tick values. */
    private record Axis(double low, double high, boolean log, List<Double> ticks) {
        static Axis linear(double max) {
            double step = niceStep(max <= 0 ? 1 : max / 5);
            double top = Math.ceil((max <= 0 ? 1 : max) * 1.08 / step) * step;
            List<Double> ticks = new ArrayList<>();
            for (double t = 0; t <= top + step / 2; t += step) {
                ticks.add(t);
            }
            return new Axis(0, top, false, ticks);
        }

        static Axis logarithmic(double min, double max) {
            double low = Math.pow(10, Math.floor(Math.log10(min)));
            double high = Math.pow(10, Math.ceil(Math.log10(max * 1.5)));
            List<Double> ticks = new ArrayList<>();
            for (double t = low; t <= high * 1.0001; t *= 10) {
                ticks.add(t);
            }
            return new Axis(low, high, true, ticks);
        }

        double position(double value) {
            if (log) {
                double v = Math.max(value, low);
                return (Math.log10(v) - Math.log10(low)) / (Math.log10(high) - Math.log10(low));
            }
            return (value - low) / (high - low);
        }

        private static double niceStep(double raw) {
            double power = Math.pow(10, Math.floor(Math.log10(raw)));
            double fraction = raw / power;
            double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
            return nice * power;
        }
    }
}
