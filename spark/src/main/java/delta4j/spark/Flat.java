package delta4j.spark;

import delta4j.model.Mlp;

/**
 * Flat parameter vectors (W[0], b[0], (γ[0],) W[1], b[1], ..., γ[l] of a normalised layer only, as
 * {@link delta4j.model.Replica} lays them out), flat running statistics (per batch-normalised layer its running
 * mean, then its running variance: {@link delta4j.model.Replica#runningStatistics()}) and the Mlp.
 */
final class Flat {

    private Flat() {
    }

    /** Sets the model's parameters from a flat vector. */
    static void into(Mlp mlp, float[] p) {
        if (p.length != mlp.parameterCount()) {
            throw new IllegalArgumentException(p.length + " parameters for " + mlp);
        }
        int at = 0;
        for (int l = 0; l < mlp.depth(); l++) {
            int w = mlp.sizes()[l] * mlp.sizes()[l + 1], b = mlp.sizes()[l + 1];
            mlp.setParameters(l, java.util.Arrays.copyOfRange(p, at, at + w), java.util.Arrays.copyOfRange(p, at + w, at + w + b));
            at += w + b;
            if (mlp.normalization(l) != delta4j.model.Normalization.NONE) {
                mlp.setGains(l, java.util.Arrays.copyOfRange(p, at, at + b));
                at += b;
            }
        }
    }

    /** Sets the batch-normalised layers' running statistics from a flat vector (null or empty: none to set). */
    static void statisticsInto(Mlp mlp, float[] v) {
        int at = 0;
        for (int l = 0; l < mlp.depth(); l++) {
            if (mlp.normalization(l).hasRunningStatistics()) {
                int n = mlp.sizes()[l + 1];
                if (v == null || v.length < at + 2 * n) {
                    throw new IllegalArgumentException((v == null ? 0 : v.length) + " running statistics for " + mlp);
                }
                mlp.setRunningStatistics(l, java.util.Arrays.copyOfRange(v, at, at + n), java.util.Arrays.copyOfRange(v, at + n, at + 2 * n));
                at += 2 * n;
            }
        }
        if (v != null && v.length != at) {
            throw new IllegalArgumentException(v.length + " running statistics for " + mlp + ", which keeps " + at);
        }
    }
}
