package delta4j.cli.report;

import delta4j.cli.io.AtomicFiles;
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

import java.awt.Color;
import java.awt.Font;
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

    /** Writes the chart as a PNG, atomically. */
    public static void save(Path png, List<EpochReport> epochs, String title) throws IOException {
        JFreeChart chart = chart(epochs, title);
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 540));
    }
}
