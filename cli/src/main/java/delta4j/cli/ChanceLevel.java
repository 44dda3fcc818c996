package delta4j.cli;

import delta4j.cli.report.Words;
import delta4j.data.Samples;
import delta4j.engine.Loss;
import delta4j.model.Optimizer;

import java.util.Locale;

/**
 * The loss of a model that learnt nothing, to tell a run that failed (a far too large learning rate) from one
 * that learnt. A classifier: with cross-entropy, ln K (every one of K classes equally likely); with mse on
 * one-hot targets, ½ Σ p_k (1 − p_k) (predicting each class's frequency p_k). A regression: ½ Σ_k Var(t_k),
 * the loss of predicting each target's mean, in the units the training loss is reported in (½ per target
 * column when the targets are standardised). A run whose final loss is more than {@link #FAR_ABOVE} times
 * that gets a warning.
 */
final class ChanceLevel {

    /** How many times the chance level a final loss must be to be called far above it. */
    static final double FAR_ABOVE = 2;

    private ChanceLevel() {
    }

    /**
     * The chance-level loss of a data set: one-hot targets for classification; for regression with mse, in
     * standardised units when {@code targetsStandardised}. NaN where there is none.
     */
    static double of(Loss loss, Samples d, boolean classification, boolean targetsStandardised) {
        if (!classification) {
            return loss == Loss.MSE ? meanPredictorLoss(d, targetsStandardised) : Double.NaN;
        }
        int k = d.targets();
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> Math.log(k);
            case L1, HUBER, BINARY_CROSS_ENTROPY -> Double.NaN;
            case MSE -> {
                float[] t = d.targetMatrix();
                double[] count = new double[k];
                for (int i = 0; i < t.length; i++) {
                    count[i % k] += t[i];
                }
                double sum = 0;
                for (double c : count) {
                    double p = c / d.size();
                    sum += p * (1 - p);
                }
                yield sum / 2;
            }
        };
    }

    /** ½ Σ_k Var(t_k) over the samples (each non-constant column counts ½ when standardised). */
    private static double meanPredictorLoss(Samples d, boolean standardised) {
        int k = d.targets(), n = d.size();
        float[] t = d.targetMatrix();
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += t[i * k + j];
            }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double e = t[i * k + j] - mean;
                var += e * e;
            }
            var /= n;
            sum += standardised ? (var > 0 ? 1 : 0) : var;
        }
        return sum / 2;
    }

    /** The warning for a final training loss far above the chance level, or null. */
    static String warning(double finalLoss, Loss loss, Samples d, boolean classification, boolean targetsStandardised, Optimizer opt) {
        double chance = of(loss, d, classification, targetsStandardised);
        if (Double.isNaN(chance) || !(finalLoss > FAR_ABOVE * chance) || chance <= 0) {
            return null;
        }
        String what = !classification
                ? String.format(Locale.ROOT, "%.4g, the loss of predicting each target's mean%s", chance,
                        targetsStandardised ? " on standardised targets" : "")
                : loss == Loss.SOFTMAX_CROSS_ENTROPY
                ? String.format(Locale.ROOT, "%.4g = ln %d, the loss of calling every class equally likely", chance, d.targets())
                : String.format(Locale.ROOT, "%.4g, the loss of predicting each class's frequency", chance);
        return String.format(Locale.ROOT, "the final training loss %.4g is far above chance level (%s): the model learnt nothing useful;"
                + " the learning rate %s is probably too large (try one 10 to 1000 times smaller)", finalLoss, what, Words.decimal(opt.learningRate()));
    }
}
