package delta4j.cli.report;

import delta4j.model.EpochReport;
import delta4j.model.TrainingListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows training as it happens. On a terminal, one progress bar per epoch ({@link EpochBar}: epoch, loss,
 * validation loss, samples/s and time left always visible, the bar in the room left) that stays on screen
 * as that epoch's record; elsewhere (a pipe, a file, CI logs) one
 * plain line per epoch, so logs stay readable; or nothing ({@link Mode#QUIET}).
 */
public final class TrainingProgress implements TrainingListener {

    /** How progress is shown. */
    public enum Mode { BAR, LINES, QUIET }

    private final Mode mode;
    private final PrintWriter out;
    private final PrintStream terminal;
    private final int maxEpochs;
    private final long samplesPerEpoch;
    private ProgressBar bar;
    // Read by the bar's drawing thread.
    private volatile double lastLoss = Double.NaN;
    private volatile double lastValLoss = Double.NaN;
    private volatile boolean finished;

    /**
     * @param mode            how to show progress
     * @param out             where epoch lines go
     * @param terminal        where the bar is drawn (the terminal's stream), used in {@link Mode#BAR} only
     * @param maxEpochs       the epoch limit, for "epoch 3/10"
     * @param samplesPerEpoch training samples per epoch (the bar's length)
     */
    public TrainingProgress(Mode mode, PrintWriter out, PrintStream terminal, int maxEpochs, long samplesPerEpoch) {
        this.mode = mode;
        this.out = out;
        this.terminal = terminal;
        this.maxEpochs = maxEpochs;
        this.samplesPerEpoch = samplesPerEpoch;
    }

    /** BAR when standard input and output are a terminal, else LINES (QUIET when asked). */
    public static Mode detect(boolean quiet) {
        if (quiet) {
            return Mode.QUIET;
        }
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? Mode.BAR : Mode.LINES;
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, long samplesSoFar) {
        if (mode != Mode.BAR) {
            return;
        }
        if (bar == null) {
            out.flush();
            String label = String.format(Locale.ROOT, "epoch %" + digits(maxEpochs) + "d/%d", epoch, maxEpochs);
            finished = false;
            bar = new ProgressBarBuilder()
                    .setTaskName(label)
                    .setInitialMax(samplesPerEpoch)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal))
                    .setRenderer((state, width) -> EpochBar.render(width, label, state.getCurrent(), state.getMax(), lastLoss, lastValLoss,
                            state.getElapsedAfterStart().toNanos() / 1e9, finished))
                    .setUpdateIntervalMillis(200)
                    .build();
        }
        bar.stepTo(samplesSoFar);
    }

    @Override
    public void onEpoch(EpochReport r) {
        switch (mode) {
            case BAR -> {
                lastLoss = r.trainLoss();
                lastValLoss = r.hasValidation() ? r.validationLoss() : Double.NaN;
                if (bar != null) {
                    finished = true;
                    bar.stepTo(samplesPerEpoch);
                    bar.close(); // draws the line a last time, with this epoch's losses, and keeps it
                    bar = null;
                } else {
                    out.println(line(r, maxEpochs));
                }
            }
            case LINES -> {
                out.println(line(r, maxEpochs));
                out.flush();
            }
            case QUIET -> {
            }
        }
    }

    /** Closes a bar left open by an interrupted epoch (divergence, error). */
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    /** "epoch  3/10  train loss 0.3124  val loss 0.3345  lr 0.001  52341 samples/s  1.2 s". */
    public static String line(EpochReport r, int maxEpochs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "epoch %" + digits(maxEpochs) + "d/%d  train loss %.6g", r.epoch(), maxEpochs, r.trainLoss()));
        if (r.hasValidation()) {
            sb.append(String.format(Locale.ROOT, "  val loss %.6g", r.validationLoss()));
        }
        sb.append("  lr ").append(r.learningRate() == 0 ? "0" : String.format(Locale.ROOT, "%.3g", r.learningRate()));
        sb.append(String.format(Locale.ROOT, "  %.0f samples/s  %.2f s", r.samplesPerSecond(), r.seconds()));
        return sb.toString();
    }

    private static int digits(int n) {
        return Integer.toString(n).length();
    }
}
