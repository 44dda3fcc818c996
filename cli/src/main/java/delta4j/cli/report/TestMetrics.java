package delta4j.cli.report;

import delta4j.data.ConfusionMatrix;
import delta4j.data.Metrics;
import delta4j.data.Standardizer;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.Mlp;

import java.util.List;
import java.util.Locale;

/**
 * How a model does on held-out data.
 *
 * @param samples   number of samples evaluated
 * @param loss      the model's training loss on them, per sample and summed over the outputs as the trainer reports it
 *                  (½‖y − t‖² for MSE, −Σ t log p for cross-entropy, ‖y − t‖₁ for L1, Σ h_δ(y − t) for Huber,
 *                  −Σ [t log p + (1 − t) log(1 − p)] for binary cross-entropy), in the units the model was trained
 *                  in: comparable with the training and validation losses, so on standardised targets
 *                  ½‖(y − t)/σ‖² when the model has a target standardizer
 * @param mse       mean squared error over all outputs, 1/(NK) Σ (y − t)², in the targets' own units
 * @param mae       mean absolute error over all outputs, 1/(NK) Σ |y − t|, in the targets' own units
 * @param r2        coefficient of determination averaged over outputs (regression), or NaN
 * @param accuracy  fraction of samples whose arg-max output is the true class (classification), or NaN
 * @param confusion the confusion matrix (classification), or null
 * @param standardisedLoss whether {@code loss} is on standardised targets
 * @param multiLabel the multi-label metrics (a model trained with binary cross-entropy), or null
 */
public record TestMetrics(int samples, double loss, double mse, double mae, double r2, double accuracy, ConfusionMatrix confusion,
                          boolean standardisedLoss, MultiLabel multiLabel) {

    /**
     * The metrics of K independent 0/1 labels, each predicted present when its probability is at least
     * {@link Metrics#THRESHOLD}; F1 with scikit-learn's default convention (a label never present and never
     * predicted scores 0).
     *
     * @param labelAccuracy  each label's accuracy
     * @param labelF1        each label's F1 score
     * @param subsetAccuracy the fraction of samples with every label right (exact match)
     * @param microF1        F1 of the counts pooled over all labels
     * @param macroF1        the mean of the labels' F1 scores
     */
    public record MultiLabel(double[] labelAccuracy, double[] labelF1, double subsetAccuracy, double microF1, double macroF1) {

        static MultiLabel of(float[] p, float[] t, int k) {
            return new MultiLabel(Metrics.labelAccuracy(p, t, k), Metrics.labelF1(p, t, k, 0), Metrics.subsetAccuracy(p, t, k),
                    Metrics.microF1(p, t, k), Metrics.macroF1(p, t, k));
        }

        /** The mean of the labels' accuracies. */
        public double meanLabelAccuracy() {
            double s = 0;
            for (double a : labelAccuracy) {
                s += a;
            }
            return s / labelAccuracy.length;
        }
    }

    /**
     * Predicts {@code x} (raw features; the model applies its own standardisation) and scores the
     * predictions against {@code y}.
     */
    public static TestMetrics evaluate(Mlp model, Engine engine, float[] x, float[] y, boolean classification) {
        float[] p = model.predict(engine, x);
        return score(model.loss(), model.lossParameter(), p, y, model.outputs(), classification, model.targetStandardizer());
    }

    /** Scores predictions {@code p} against targets {@code t} (both N × k), with the loss's default parameter. */
    public static TestMetrics score(Loss loss, float[] p, float[] t, int k, boolean classification) {
        return score(loss, loss.parameter(), p, t, k, classification, null);
    }

    /** As {@link #score(Loss, float, float[], float[], int, boolean, Standardizer)} with the loss's default parameter. */
    public static TestMetrics score(Loss loss, float[] p, float[] t, int k, boolean classification, Standardizer targetScale) {
        return score(loss, loss.parameter(), p, t, k, classification, targetScale);
    }

    /**
     * Scores predictions {@code p} against targets {@code t} (both N × k, in the targets' units); the loss
     * is taken on standardised targets when {@code targetScale} is not null, as the model was trained. A model
     * trained with binary cross-entropy is scored as multi-label: {@code p} are its sigmoid probabilities.
     *
     * @param parameter the loss's parameter (Huber's δ, {@link Mlp#lossParameter()})
     */
    public static TestMetrics score(Loss loss, float parameter, float[] p, float[] t, int k, boolean classification, Standardizer targetScale) {
        int n = p.length / k;
        float[] sigma = targetScale == null ? null : targetScale.scale();
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double r = (double) p[i] - t[i];
            if (sigma != null) {
                r /= sigma[i % k];
            }
            sum += switch (loss) {
                case MSE -> 0.5 * r * r;
                // p is softmax output; a probability that underflowed to 0 is clamped so the loss stays finite.
                case SOFTMAX_CROSS_ENTROPY -> t[i] != 0 ? -t[i] * Math.log(Math.max(p[i], Float.MIN_NORMAL)) : 0;
                case L1 -> Math.abs(r);
                case HUBER -> Math.abs(r) <= parameter ? 0.5 * r * r : parameter * (Math.abs(r) - 0.5 * parameter);
                // p is sigmoid output, so the loss is taken from probabilities rather than logits: a probability that
                // rounded to 0 or 1 in float is clamped (its term is then about 87, where the logit would give |z|).
                case BINARY_CROSS_ENTROPY -> -(t[i] != 0 ? t[i] * Math.log(Math.max(p[i], Float.MIN_NORMAL)) : 0)
                        - (t[i] != 1 ? (1 - t[i]) * Math.log(Math.max(1 - (double) p[i], Float.MIN_NORMAL)) : 0);
            };
        }
        double mse = Metrics.mse(p, t), mae = Metrics.mae(p, t);
        if (loss == Loss.BINARY_CROSS_ENTROPY) {
            return new TestMetrics(n, sum / n, mse, mae, Double.NaN, Double.NaN, null, false, MultiLabel.of(p, t, k));
        }
        if (classification) {
            return new TestMetrics(n, sum / n, mse, mae, Double.NaN, Metrics.accuracy(p, t, k), Metrics.confusion(p, t, k), sigma != null, null);
        }
        return new TestMetrics(n, sum / n, mse, mae, Metrics.r2(p, t, k), Double.NaN, null, sigma != null, null);
    }

    public boolean isClassification() {
        return !Double.isNaN(accuracy);
    }

    public boolean isMultiLabel() {
        return multiLabel != null;
    }

    /**
     * "accuracy 88.41%, loss 0.3290", "micro-F1 0.9120, macro-F1 0.8870, exact match 80.00%, loss 0.2345" (multi-label)
     * or "R² 0.9812, MSE 0.0123, MAE 0.0801, loss 0.0062", with "loss 0.0062 (on standardised targets)" when it is.
     */
    public String summary() {
        if (isMultiLabel()) {
            return String.format(Locale.ROOT, "micro-F1 %.4f, macro-F1 %.4f, exact match %.2f%%, loss %.4f", multiLabel.microF1(),
                    multiLabel.macroF1(), 100 * multiLabel.subsetAccuracy(), loss);
        }
        if (isClassification()) {
            return String.format(Locale.ROOT, "accuracy %.2f%%, loss %.4f", 100 * accuracy, loss);
        }
        return String.format(Locale.ROOT, "R² %.4f, MSE %.6g, MAE %.6g, loss %.6g", r2, mse, mae, loss)
                + (standardisedLoss ? " (on standardised targets)" : "");
    }

    /**
     * A multi-label model's labels one per line, indented: name, accuracy and F1, e.g.
     * {@code "  footwear   accuracy 98.00%, F1 0.9700"}; empty for other models.
     */
    public List<String> labelLines(List<String> names) {
        if (!isMultiLabel()) {
            return List.of();
        }
        int width = names.stream().mapToInt(String::length).max().orElse(0);
        java.util.ArrayList<String> lines = new java.util.ArrayList<>();
        for (int j = 0; j < names.size(); j++) {
            lines.add(String.format(Locale.ROOT, "  %-" + width + "s  accuracy %6.2f%%, F1 %.4f", names.get(j), 100 * multiLabel.labelAccuracy()[j],
                    multiLabel.labelF1()[j]));
        }
        return lines;
    }
}
