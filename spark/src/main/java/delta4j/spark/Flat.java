package delta4j.spark;

import delta4j.model.Mlp;

/**
 * Flat parameter vectors (W[0], b[0], (γ[0],) W[1], b[1], ..., γ[l] of a normalised layer only, as
 * {@link delta4j.model.Replica} lays them out) and the Mlp.
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
}
