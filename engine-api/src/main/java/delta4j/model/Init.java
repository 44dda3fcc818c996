package delta4j.model;

import delta4j.engine.Activation;

import java.util.SplittableRandom;

/** Weight initialisation schemes; biases always start at zero. */
public enum Init {
    /** Glorot/Xavier uniform: W ~ U(−√(6/(n_in+n_out)), +√(6/(n_in+n_out))). Suits tanh, sigmoid, identity, softmax. */
    XAVIER,
    /** He/Kaiming normal: W ~ N(0, 2/n_in). Suits the rectifiers ({@link Activation#isRectifier()}: relu, leaky relu, gelu, silu). */
    HE;

    /**
     * {@return He for the rectifiers, Xavier otherwise}
     *
     * @param a the layer's activation
     */
    public static Init defaultFor(Activation a) {
        return a.isRectifier() ? HE : XAVIER;
    }

    /**
     * Draws an n_in × n_out weight matrix from the random stream.
     *
     * @param in the layer's number of inputs n_in
     * @param out the layer's number of outputs n_out
     * @param rnd the random stream, advanced by the draws
     * @return the weights, row-major n_in × n_out
     */
    public float[] sample(int in, int out, SplittableRandom rnd) {
        float[] w = new float[in * out];
        if (this == XAVIER) {
            double limit = Math.sqrt(6.0 / (in + out));
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((rnd.nextDouble() * 2 - 1) * limit);
            }
        } else {
            double sd = Math.sqrt(2.0 / in);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (gaussian(rnd) * sd);
            }
        }
        return w;
    }

    /** Standard normal by Box–Muller (SplittableRandom has no nextGaussian that is stable across JDKs). */
    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
