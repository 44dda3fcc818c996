package delta4j.cli.report;

import delta4j.data.ConfusionMatrix;
import delta4j.data.Metrics;
import delta4j.data.Standardizer;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.Mlp;

/**
 * How a model does on held-out data.
 *
 * @param samples   number of samples evaluated
 * @param loss      the model's training loss on them, per sample (½‖y − t‖² for MSE, −Σ t log p for
 *                  cross-entropy), in the units the model was trained in: comparable with the training
 *                  and validation losses, so on standardised targets ½‖(y − t)/σ‖² when the model has a
 *                  target standardizer
 * @param mse       mean squared error over all outputs, 1/(NK) Σ (y − t)², in the targets' own units
 * @param r2        coefficient of determination averaged over outputs (regression), or NaN
 * @param accuracy  fraction of samples whose arg-max output is the true class (classification), or NaN
 * @param confusion the confusion matrix (classification), or null
 * @param standardisedLoss whether {@code loss} is on standardised targets
 */
public record TestMetrics(int samples, double loss, double mse, double r2, double accuracy, ConfusionMatrix confusion,
                          boolean standardisedLoss) {

    /**
     * Predicts {@code x} (raw features; the model applies its own standardisation) and scores the
     * predictions against {@code y}.
     */
    public static TestMetrics evaluate(Mlp model, Engine engine, float[] x, float[] y, boolean classification) {
        float[] p = model.predict(engine, x);
        return score(model.loss(), p, y, model.outputs(), classification, model.targetStandardizer());
    }

    /** Scores predictions {@code p} against targets {@code t} (both N × k). */
    public static TestMetrics score(Loss loss, float[] p, float[] t, int k, boolean classification) {
        return score(loss, p, t, k, classification, null);
    }

    /**
     * Scores predictions {@code p} against targets {@code t} (both N × k, in the targets' units); the loss
     * is taken on standardised targets when {@code targetScale} is not null, as the model was trained.
     */
    public static TestMetrics score(Loss loss, float[] p, float[] t, int k, boolean classification, Standardizer targetScale) {
        int n = p.length / k;
        float[] sigma = targetScale == null ? null : targetScale.scale();
        double sum = switch (loss) {
            case MSE -> {
                double squares = 0;
                for (int i = 0; i < p.length; i++) {
                    double d = p[i] - t[i];
                    if (sigma != null) {
                        d /= sigma[i % k];
                    }
                    squares += 0.5 * d * d;
                }
                yield squares;
            }
            case SOFTMAX_CROSS_ENTROPY -> {
                // p is softmax output; a probability that underflowed to 0 is clamped so the loss stays finite.
                double ce = 0;
                for (int i = 0; i < p.length; i++) {
                    if (t[i] != 0) {
                        ce -= t[i] * Math.log(Math.max(p[i], Float.MIN_NORMAL));
                    }
                }
                yield ce;
            }
            case L1, HUBER, BINARY_CROSS_ENTROPY -> Double.NaN;
        };
        double mse = Metrics.mse(p, t);
        if (classification) {
            return new TestMetrics(n, sum / n, mse, Double.NaN, Metrics.accuracy(p, t, k), Metrics.confusion(p, t, k), sigma != null);
        }
        return new TestMetrics(n, sum / n, mse, Metrics.r2(p, t, k), Double.NaN, null, sigma != null);
    }

    public boolean isClassification() {
        return !Double.isNaN(accuracy);
    }

    /**
     * "accuracy 88.41%, loss 0.3290" or "R² 0.9812, MSE 0.0123, loss 0.0062", with "loss 0.0062 (on
     * standardised targets)" when it is.
     */
    public String summary() {
        if (isClassification()) {
            return String.format(java.util.Locale.ROOT, "accuracy %.2f%%, loss %.4f", 100 * accuracy, loss);
        }
        return String.format(java.util.Locale.ROOT, "R² %.4f, MSE %.6g, loss %.6g", r2, mse, loss)
                + (standardisedLoss ? " (on standardised targets)" : "");
    }
}
