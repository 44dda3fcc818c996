package delta4j.cli.report;

import java.util.Locale;

/**
 * One line of the terminal progress display, fitted to the terminal's width. The numbers come first and
 * always stay: epoch, loss, validation loss, samples/s and the time left; the bar and the percentage take
 * what room is left, and go when there is none. At 80 columns everything fits.
 *
 * <pre>
 * epoch  3/10 │██████▌        │  45% loss 0.3124 val 0.3345 52341 samples/s ETA 0:04
 * </pre>
 */
public final class EpochBar {

    /** Narrowest bar worth drawing (between its two edges). */
    static final int MIN_BAR = 8;
    private static final char[] PARTIAL = {' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'};

    private EpochBar() {
    }

    /**
     * Renders a line of at most {@code width} characters.
     *
     * @param width          the terminal's width in columns
     * @param epoch          "epoch  3/10"
     * @param done           samples of this epoch done
     * @param total          samples per epoch
     * @param loss           the latest training loss, or NaN before the first epoch ends
     * @param valLoss        the latest validation loss, or NaN without a validation set
     * @param elapsedSeconds time since the epoch started
     * @param finished       whether the epoch is over (then the time taken is shown instead of the time left)
     */
    public static String render(int width, String epoch, long done, long total, double loss, double valLoss, double elapsedSeconds,
                                boolean finished) {
        String speed = elapsedSeconds > 0 && done > 0 ? rate(done / elapsedSeconds) + " samples/s" : "- samples/s";
        String time;
        if (finished) {
            time = String.format(Locale.ROOT, "%.2f s", elapsedSeconds);
        } else if (done > 0 && elapsedSeconds > 0) {
            time = "ETA " + clock((total - done) * (elapsedSeconds / done));
        } else {
            time = "ETA -";
        }
        StringBuilder numbers = new StringBuilder();
        numbers.append("loss ").append(Double.isNaN(loss) ? "-" : String.format(Locale.ROOT, "%.4g", loss));
        if (!Double.isNaN(valLoss)) {
            numbers.append(" val ").append(String.format(Locale.ROOT, "%.4g", valLoss));
        }
        numbers.append(' ').append(speed).append(' ').append(time);

        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        String percent = String.format(Locale.ROOT, "%3.0f%%", 100 * fraction);
        // epoch + " " + "│bar│" + " " + percent + " " + numbers
        int fixed = epoch.length() + 1 + numbers.length();
        int room = width - fixed - 1 - percent.length() - 1 - 2;
        if (room >= MIN_BAR) {
            return epoch + " │" + bar(fraction, room) + "│ " + percent + " " + numbers;
        }
        if (width - fixed - 1 - percent.length() >= 0) {
            return epoch + " " + percent + " " + numbers;
        }
        String line = epoch + " " + numbers;
        return line.length() <= width ? line : line.substring(0, Math.max(0, width));
    }

    static String bar(double fraction, int width) {
        double cells = fraction * width;
        int full = (int) cells;
        StringBuilder sb = new StringBuilder(width);
        sb.append("█".repeat(full));
        if (full < width) {
            sb.append(PARTIAL[(int) ((cells - full) * PARTIAL.length)]);
            sb.append(" ".repeat(width - full - 1));
        }
        return sb.toString();
    }

    /** Samples per second as a real number at any speed: "52341", "812", "9.4", "0.25". */
    static String rate(double perSecond) {
        if (perSecond >= 100) {
            return String.format(Locale.ROOT, "%.0f", perSecond);
        }
        return String.format(Locale.ROOT, "%.3g", perSecond);
    }

    /** "0:04", "12:30", "1:02:03". */
    static String clock(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
