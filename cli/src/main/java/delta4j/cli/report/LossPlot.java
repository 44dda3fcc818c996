package delta4j.cli.report;

import delta4j.io.AtomicFiles;
import delta4j.model.EpochReport;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --plot} chart: training and (when there is one) validation loss per epoch, drawn with
 * JFreeChart off screen and written as a PNG. Needs no display ({@code java.awt.headless=true}).
 */
public final class LossPlot {

    private LossPlot() {
    }

    /** Builds the chart; the loss axis is logarithmic when the losses span more than a factor of 100. */
    static JFreeChart chart(List<EpochReport> epochs, String title) {
        XYSeries train = new XYSeries("training loss");
        XYSeries val = new XYSeries("validation loss");
        double min = Double.POSITIVE_INFINITY, max = 0;
        for (EpochReport e : epochs) {
            train.add(e.epoch(), e.trainLoss());
            min = Math.min(min, e.trainLoss());
            max = Math.max(max, e.trainLoss());
            if (e.hasValidation() && Double.isFinite(e.validationLoss())) {
                val.add(e.epoch(), e.validationLoss());
                min = Math.min(min, e.validationLoss());
                max = Math.max(max, e.validationLoss());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection(train);
        if (val.getItemCount() > 0) {
            data.addSeries(val);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", "loss", data, PlotOrientation.VERTICAL, true, false, false);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (min > 0 && max / min > 100) {
            LogAxis log = new LogAxis("loss (log scale)");
            log.setAutoRange(true);
            plot.setRangeAxis(log);
        }
        plot.getRenderer().setSeriesPaint(0, new Color(0x1f77b4));
        plot.getRenderer().setSeriesPaint(1, new Color(0xff7f0e));
        return chart;
    }

    /** Width and height of the PNG in pixels. */
    static final int WIDTH = 900, HEIGHT = 540;
    /**
     * An upper bound on the PNG's size, for the free-space check before training: a line chart of this size
     * compresses far below its raw 900 × 540 × 4 bytes.
     */
    public static final long MAX_BYTES = 512 * 1024;

    /** Writes the chart as a PNG, atomically. */
    public static void save(Path png, List<EpochReport> epochs, String title) throws IOException {
        AtomicFiles.write(png, png(epochs, title));
    }

    /**
     * The chart as a file's content. It is drawn and encoded in memory first, with ImageIO's disk cache off, so
     * no image I/O touches the disk (a full temporary folder made ImageIO fail on a thread of its own, with a
     * stack trace); only the finished bytes are written, and a failure is an ordinary IOException of this file.
     */
    public static AtomicFiles.Writer png(List<EpochReport> epochs, String title) {
        return out -> out.write(encode(chart(epochs, title)));
    }

    static byte[] encode(JFreeChart chart) throws IOException {
        ImageIO.setUseCache(false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        ChartUtils.writeChartAsPNG(bytes, chart, WIDTH, HEIGHT);
        return bytes.toByteArray();
    }
}
