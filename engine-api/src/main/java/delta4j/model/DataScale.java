package delta4j.model;

import delta4j.data.Dataset;

import java.util.Locale;

/**
 * Explains a loss that is beyond the divergence bound before any update: the parameters have not moved
 * yet, so the learning rate is not the cause: the data's scale is. The targets are named when their
 * own share of the loss, mean ½‖t‖² (the loss of a network that outputs 0), reaches a tenth of the bound;
 * otherwise the inputs, which make the initial outputs huge.
 */
final class DataScale {

    private DataScale() {
    }

    /**
     * @param loss  mean loss of the first batch, before any update (may be infinite or NaN)
     * @param train the training data as the network sees it (standardised where the model standardises)
     */
    static TrainingDivergedException diverged(int epoch, double loss, double bound, Mlp mlp, Dataset train) {
        String head = "training diverged in epoch " + epoch + ": the loss was already " + g(loss) + " before any update"
                + (Double.isFinite(loss) ? " (above the divergence bound " + g(bound) + ")" : "") + ", so the learning rate is not the cause: ";
        float[] t = train.targetMatrix();
        double halfSquares = 0;
        for (float v : t) {
            halfSquares += 0.5 * (double) v * v;
        }
        halfSquares /= train.size();
        if (halfSquares >= bound / 10) {
            double reach = maxAbs(t);
            if (mlp.targetStandardizer() != null) { // only outliers get standardised targets this far: name them in the data's units
                float[] original = t.clone();
                mlp.targetStandardizer().inverseInPlace(original);
                reach = maxAbs(original);
            }
            String remedy = mlp.targetStandardizer() != null ? "look for outliers among them"
                    : mlp.canStandardizeTargets() ? "standardise them (TrainingConfig.Builder.standardizeTargets(true)) or scale them down"
                    : "scale them down";
            return new TrainingDivergedException(epoch, head + "the targets reach " + g(reach) + " (the loss is ½(y − t)² per output); "
                    + remedy, loss, reach);
        }
        double reach = maxAbs(train.featureMatrix());
        String remedy = mlp.standardizer() != null ? "look for outliers among them"
                : "standardise them (TrainingConfig.Builder.standardize(true)) or scale them down";
        return new TrainingDivergedException(epoch, head + "the inputs reach " + g(reach) + (mlp.standardizer() != null ? " standard deviations" : "")
                + ", which makes the initial outputs as large; " + remedy, loss, Double.NaN);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static String g(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : Double.isNaN(v) ? "NaN" : "infinite";
    }
}
