package delta4j.model;

import delta4j.data.Dataset;

import java.util.SplittableRandom;

/**
 * Small synthetic data sets and a flat view of a network's parameters, for the training tests of this module
 * and of the modules that train through it (spark): one definition, so "the same data" means the same data.
 */
public final class TrainingFixtures {

    private TrainingFixtures() {
    }

    /**
     * {@return {@code n} samples of y1 = sin(2x1) + x2·x3, y2 = cos(x1 + x2) − x3²/2 on [−1, 1]³}
     *
     * @param n the number of samples
     * @param seed the seed of the points
     */
    public static Dataset smoothRegression(int n, long seed) {
        float[] x = new float[n * 3], y = new float[n * 2];
        smoothRegression(new SplittableRandom(seed), n, x, y);
        return new Dataset(n, 3, 2, x, y);
    }

    /**
     * Fills {@code rows} samples of {@link #smoothRegression(int, long)}'s function, drawing the points from {@code rnd}.
     *
     * @param rnd where the points come from
     * @param rows the number of samples
     * @param x receives rows × 3 features
     * @param y receives rows × 2 targets
     */
    public static void smoothRegression(SplittableRandom rnd, int rows, float[] x, float[] y) {
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble() * 2 - 1, b = rnd.nextDouble() * 2 - 1, c = rnd.nextDouble() * 2 - 1;
            x[i * 3] = (float) a;
            x[i * 3 + 1] = (float) b;
            x[i * 3 + 2] = (float) c;
            y[i * 2] = (float) (Math.sin(2 * a) + b * c);
            y[i * 2 + 1] = (float) (Math.cos(a + b) - c * c / 2);
        }
    }

    /**
     * {@return {@code n} samples of four features in [−1, 1] in three classes, cut at −cut and cut of the weighted
     * sum x1 + 2x2 + 3x3 + 4x4; targets one-hot}
     *
     * @param n the number of samples
     * @param seed the seed of the points
     * @param cut where the middle class ends on either side of 0
     */
    public static Dataset threeClasses(int n, long seed, double cut) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * 4], y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) (rnd.nextDouble() * 2 - 1);
                sum += x[i * 4 + j] * (j + 1);
            }
            y[i * 3 + (sum < -cut ? 0 : sum < cut ? 1 : 2)] = 1;
        }
        return new Dataset(n, 4, 3, x, y);
    }

    /**
     * {@return a network's weights and biases, layer by layer, in one array}
     *
     * @param m the network
     */
    public static float[] flatParameters(Mlp m) {
        float[] p = new float[(int) m.parameterCount()];
        int at = 0;
        for (int l = 0; l < m.depth(); l++) {
            float[] w = m.weights(l), b = m.biases(l);
            System.arraycopy(w, 0, p, at, w.length);
            at += w.length;
            System.arraycopy(b, 0, p, at, b.length);
            at += b.length;
        }
        return p;
    }
}
