package delta4j.benchmarks.report;

import delta4j.benchmarks.GemmShape;
import delta4j.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;

/** The report's PNG charts, drawn with JFreeChart (headless). */
final class Charts {

    static final int WIDTH = 900, HEIGHT = 520;

    /** One colour per implementation, the same in every chart: delta4j's engines warm, the peers cool. */
    static Color colour(String impl) {
        return switch (impl) {
            case "cpu" -> new Color(0xD6, 0x27, 0x28);
            case "opencl" -> new Color(0xFF, 0x7F, 0x0E);
            case "reference" -> new Color(0x8C, 0x56, 0x4B);
            case "openblas" -> new Color(0x1F, 0x77, 0xB4);
            case "pytorch" -> new Color(0x2C, 0xA0, 0x2C);
            case "vectorblas" -> new Color(0x94, 0x67, 0xBD);
            case "dl4j" -> new Color(0x17, 0xBE, 0xCF);
            default -> Color.DARK_GRAY;
        };
    }

    private Charts() {
    }

    /** GFLOP/s against square size, one line per implementation, for rows at {@code threads} (and device rows). */
    static JFreeChart squareGemm(List<Row> rows, int threads, List<String> implOrder) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String impl : implOrder) {
            XYSeries s = new XYSeries(Report.implLabel(impl, 0));
            for (Row r : rows) {
                if (r.benchmark().equals("sgemm") && r.impl().equals(impl) && (r.threads() == threads || r.threads() == 0)
                        && GemmShape.parse(r.key()).isSquare() && r.valid()) {
                    s.add(GemmShape.parse(r.key()).m(), r.gflops());
                }
            }
            if (!s.isEmpty()) {
                data.addSeries(s);
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart("sgemm, square n×n·n×n, " + Report.threadsLabel(threads)
                        + " (OpenCL: device default)", "n", "GFLOP/s", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis x = new LogAxis("n");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1, new DecimalFormat("0")));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        x.setSmallestValue(128);
        plot.setDomainAxis(x);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, colour(implOf(data.getSeriesKey(i).toString(), implOrder)));
            renderer.setSeriesStroke(i, new java.awt.BasicStroke(2.2f));
        }
        plot.setRenderer(renderer);
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    /** GFLOP/s of the layer products, grouped by product, one bar per implementation at {@code threads}. */
    static JFreeChart layerGemm(List<Row> rows, int threads, List<String> implOrder, List<String> keyOrder) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String key : keyOrder) {
            if (GemmShape.parse(key).isSquare()) {
                continue;
            }
            for (String impl : implOrder) {
                for (Row r : rows) {
                    if (r.benchmark().equals("sgemm") && r.impl().equals(impl) && r.key().equals(key)
                            && (r.threads() == threads || r.threads() == 0) && r.valid()) {
                        data.addValue(r.gflops(), Report.implLabel(impl, 0), GemmShape.parse(key).label());
                    }
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart("sgemm, backprop products of 784-512-512-10 at batch 256, "
                + Report.threadsLabel(threads), null, "GFLOP/s", data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        CategoryAxis x = plot.getDomainAxis();
        x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        bars(plot);
        for (int i = 0; i < data.getRowCount(); i++) {
            plot.getRenderer().setSeriesPaint(i, colour(implOf(data.getRowKey(i).toString(), implOrder)));
        }
        style(chart);
        return chart;
    }

    /** Seconds per epoch, one group per implementation, one bar per thread count. */
    static JFreeChart epochs(List<Row> rows, List<String> implOrder) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String impl : implOrder) {
            rows.stream().filter(r -> r.benchmark().equals("epoch") && r.impl().equals(impl) && r.valid())
                    .sorted(java.util.Comparator.comparingInt(Row::threads))
                    .forEach(r -> data.addValue(r.seconds(), Report.threadsLabel(r.threads()), Report.implLabel(impl, 0)));
        }
        JFreeChart chart = ChartFactory.createBarChart("Fashion-MNIST epoch, 784-256-128-10, batch 128, Adam (lower is better)",
                null, "seconds per epoch", data, PlotOrientation.VERTICAL, true, false, false);
        bars(chart.getCategoryPlot());
        style(chart);
        return chart;
    }

    /** The implementation whose label is {@code label}. */
    private static String implOf(String label, List<String> implOrder) {
        return implOrder.stream().filter(i -> Report.implLabel(i, 0).equals(label)).findFirst().orElse("");
    }

    private static void bars(CategoryPlot plot) {
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        r.setMaximumBarWidth(0.12);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(15f));
    }

    /** Saves a chart as PNG atomically ({@link AtomicFiles}), creating its folder. */
    static void save(JFreeChart chart, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    }
}
