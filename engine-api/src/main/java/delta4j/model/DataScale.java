package delta4j.model;

import delta4j.data.Standardizer;

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
     * @param train the training data as the network sees it (standardised where the model standardises), read in
     *              one pass in order
     */
    static TrainingDivergedException diverged(int epoch, double loss, double bound, Network net, Feed train) {
        Mlp mlp = net.model();
        String head = "training diverged in epoch " + epoch + ": the loss was already " + g(loss) + " before any update"
                + (Double.isFinite(loss) ? " (above the divergence bound " + g(bound) + ")" : "") + ", so the learning rate is not the cause: ";
        double halfSquares = 0, targetReach = 0, originalReach = 0, featureReach = 0;
        long n = 0;
        Standardizer ts = mlp.targetStandardizer();
        try (Feed.Pass pass = train.pass(epoch, false)) {
            for (Network.Workspace ws; (ws = pass.next(net)) != null; ) {
                float[] t = ws.hostTarget();
                for (float v : t) {
                    halfSquares += 0.5 * (double) v * v;
                }
                targetReach = Math.max(targetReach, maxAbs(t));
                if (ts != null) { // only outliers get standardised targets this far: name them in the data's units
                    float[] original = t.clone();
                    ts.inverseInPlace(original);
                    originalReach = Math.max(originalReach, maxAbs(original));
                }
                featureReach = Math.max(featureReach, maxAbs(ws.hostInput()));
                n += ws.rows();
            }
        }
        halfSquares /= n;
        if (halfSquares >= bound / 10) {
            double reach = ts != null ? originalReach : targetReach;
            String remedy = ts != null ? "look for outliers among them"
                    : mlp.canStandardizeTargets() ? "standardise them (TrainingConfig.Builder.standardizeTargets(true)) or scale them down"
                    : "scale them down";
            return new TrainingDivergedException(epoch, head + "the targets reach " + g(reach) + " (the loss is ½(y − t)² per output); "
                    + remedy, loss, reach);
        }
        String remedy = mlp.standardizer() != null ? "look for outliers among them"
                : "standardise them (TrainingConfig.Builder.standardize(true)) or scale them down";
        return new TrainingDivergedException(epoch, head + "the inputs reach " + g(featureReach) + (mlp.standardizer() != null ? " standard deviations" : "")
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
