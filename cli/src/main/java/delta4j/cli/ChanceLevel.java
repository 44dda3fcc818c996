package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.cli.report.Words;
import delta4j.data.Samples;
import delta4j.engine.Loss;
import delta4j.model.Optimizer;

import java.util.Arrays;
import java.util.Locale;

/**
 * The loss of a model that learnt nothing, to tell a run that failed (a far too large learning rate) from one
 * that learnt: the loss of the best prediction that ignores the features, per sample and summed over the target
 * columns as the training loss is.
 * <ul>
 * <li>cross-entropy: ln K (every one of K classes equally likely);</li>
 * <li>mse: ½ Σ_k Var(t_k), the loss of predicting each column's mean (on one-hot targets ½ Σ p_k (1 − p_k), each
 *     class's frequency); ½ per non-constant column when the targets are standardised;</li>
 * <li>l1: Σ_k mean |t_k − median(t_k)|, the loss of predicting each column's median;</li>
 * <li>huber: Σ_k min_c mean h_δ(t_k − c), the best constant per column (found by bisection: the loss is convex in c);</li>
 * <li>binary cross-entropy: Σ_k H(p_k) = Σ_k −p_k ln p_k − (1 − p_k) ln(1 − p_k), predicting each label's frequency
 *     p_k.</li>
 * </ul>
 * A run whose final loss is more than {@link #FAR_ABOVE} times that gets a warning.
 */
final class ChanceLevel {

    /** How many times the chance level a final loss must be to be called far above it. */
    static final double FAR_ABOVE = 2;

    private ChanceLevel() {
    }

    /**
     * The chance-level loss of a data set: one-hot targets for classification, 0/1 columns for multi-label; for
     * regression with mse, in standardised units when {@code targetsStandardised}. NaN where there is none.
     *
     * @param parameter the loss's parameter (Huber's δ)
     */
    static double of(Loss loss, float parameter, Samples d, CsvReader.Task task, boolean targetsStandardised) {
        int k = d.targets();
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> task == CsvReader.Task.CLASSIFICATION ? Math.log(k) : Double.NaN;
            case MSE -> meanPredictorLoss(d, targetsStandardised);
            // The trainer standardises targets for mse alone: these losses are in the targets' own units.
            case L1 -> targetsStandardised ? Double.NaN : perColumn(d, ChanceLevel::medianDeviation);
            case HUBER -> targetsStandardised ? Double.NaN : perColumn(d, c -> bestHuber(c, parameter));
            case BINARY_CROSS_ENTROPY -> perColumn(d, ChanceLevel::binaryEntropy);
        };
    }

    private interface ColumnLoss {
        double of(double[] column);
    }

    /** Σ over the target columns of a column's constant-prediction loss. */
    private static double perColumn(Samples d, ColumnLoss f) {
        int k = d.targets(), n = d.size();
        float[] t = d.targetMatrix();
        double sum = 0;
        double[] c = new double[n];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < n; i++) {
                c[i] = t[i * k + j];
            }
            sum += f.of(c);
        }
        return sum;
    }

    /** ½ Σ_k Var(t_k) over the samples (each non-constant column counts ½ when standardised). */
    private static double meanPredictorLoss(Samples d, boolean standardised) {
        return perColumn(d, c -> {
            double mean = 0;
            for (double v : c) {
                mean += v;
            }
            mean /= c.length;
            double var = 0;
            for (double v : c) {
                var += (v - mean) * (v - mean);
            }
            var /= c.length;
            return standardised ? (var > 0 ? 0.5 : 0) : var / 2;
        });
    }

    /** mean |t − median(t)|: the least mean absolute error of a constant. */
    static double medianDeviation(double[] column) {
        double[] s = column.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        double sum = 0;
        for (double v : s) {
            sum += Math.abs(v - median);
        }
        return sum / n;
    }

    /**
     * min_c mean h_δ(t − c): the derivative Σ clamp(c − t, −δ, δ) does not decrease in c, so its zero is bisected
     * between the column's minimum and maximum.
     */
    static double bestHuber(double[] column, double delta) {
        double lo = Arrays.stream(column).min().orElse(0), hi = Arrays.stream(column).max().orElse(0);
        for (int it = 0; it < 100 && lo < hi; it++) {
            double mid = (lo + hi) / 2, slope = 0;
            for (double v : column) {
                slope += Math.max(-delta, Math.min(delta, mid - v));
            }
            if (slope < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double c = (lo + hi) / 2, sum = 0;
        for (double v : column) {
            double r = Math.abs(v - c);
            sum += r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
        }
        return sum / column.length;
    }

    /** H(p) in nats of the column's frequency p of ones (0 for a column that is all 0 or all 1). */
    static double binaryEntropy(double[] column) {
        double p = 0;
        for (double v : column) {
            p += v;
        }
        p /= column.length;
        return (p > 0 ? -p * Math.log(p) : 0) + (p < 1 ? -(1 - p) * Math.log(1 - p) : 0);
    }

    /** The warning for a final training loss far above the chance level, or null. */
    static String warning(double finalLoss, Loss loss, float parameter, Samples d, CsvReader.Task task, boolean targetsStandardised, Optimizer opt) {
        double chance = of(loss, parameter, d, task, targetsStandardised);
        if (Double.isNaN(chance) || !(finalLoss > FAR_ABOVE * chance) || chance <= 0) {
            return null;
        }
        String what = switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> String.format(Locale.ROOT, "%.4g = ln %d, the loss of calling every class equally likely", chance, d.targets());
            case MSE -> task == CsvReader.Task.REGRESSION
                    ? String.format(Locale.ROOT, "%.4g, the loss of predicting each target's mean%s", chance,
                            targetsStandardised ? " on standardised targets" : "")
                    : String.format(Locale.ROOT, "%.4g, the loss of predicting each class's frequency", chance);
            case L1 -> String.format(Locale.ROOT, "%.4g, the loss of predicting each target's median", chance);
            case HUBER -> String.format(Locale.ROOT, "%.4g, the loss of the best constant prediction", chance);
            case BINARY_CROSS_ENTROPY -> String.format(Locale.ROOT, "%.4g, the loss of predicting each label's frequency", chance);
        };
        return String.format(Locale.ROOT, "the final training loss %.4g is far above chance level (%s): the model learnt nothing useful;"
                + " the learning rate %s is probably too large (try one 10 to 1000 times smaller)", finalLoss, what, Words.decimal(opt.learningRate()));
    }
}
