package delta4j.data;

/**
 * Evaluation metrics on row-major predictions and targets (N rows of K columns), accumulated in double.
 */
public final class Metrics {

    private Metrics() {
    }

    /**
     * {@return the mean squared error over all N·K elements: 1/(NK) Σ (y − t)²} (The training loss is ½ of the
     * per-row sum.)
     *
     * @param y the predictions, N × K, row-major
     * @param t the targets, N × K, row-major
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double mse(float[] y, float[] t) {
        sameLength(y, t);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            double d = y[i] - t[i];
            s += d * d;
        }
        return s / y.length;
    }

    /**
     * Coefficient of determination R² = 1 − SS_res / SS_tot per output column, averaged uniformly over
     * the K columns. A constant target column counts as 1 when predicted exactly, else 0.
     *
     * @param y the predictions, N × K, row-major
     * @param t the targets, N × K, row-major
     * @param k the number of columns K
     * @return R², 1 for a perfect fit, 0 for predicting each column's mean, negative for worse
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double r2(float[] y, float[] t, int k) {
        sameLength(y, t);
        int n = y.length / k;
        double total = 0;
        for (int j = 0; j < k; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += t[i * k + j];
            }
            mean /= n;
            double res = 0, tot = 0;
            for (int i = 0; i < n; i++) {
                double d = t[i * k + j] - y[i * k + j];
                double c = t[i * k + j] - mean;
                res += d * d;
                tot += c * c;
            }
            total += tot > 0 ? 1 - res / tot : (res == 0 ? 1 : 0);
        }
        return total / k;
    }

    /**
     * {@return the column of the largest element of row i (the first of equal ones)}
     *
     * @param m a matrix of K columns, row-major
     * @param k the number of columns K
     * @param i the row
     */
    public static int argmax(float[] m, int k, int i) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (m[i * k + j] > m[i * k + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * {@return the fraction of rows whose arg-max prediction equals the arg-max target (one-hot), in [0, 1]}
     *
     * @param y the predictions (scores or probabilities), N × K, row-major
     * @param t the targets, N × K, row-major
     * @param k the number of classes K
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double accuracy(float[] y, float[] t, int k) {
        sameLength(y, t);
        int n = y.length / k, hit = 0;
        for (int i = 0; i < n; i++) {
            if (argmax(y, k, i) == argmax(t, k, i)) {
                hit++;
            }
        }
        return (double) hit / n;
    }

    /**
     * {@return the K × K confusion matrix: entry [true][predicted] counts samples}
     *
     * @param y the predictions (scores or probabilities), N × K, row-major
     * @param t the targets, N × K, row-major
     * @param k the number of classes K
     * @throws IllegalArgumentException if the lengths differ
     */
    public static ConfusionMatrix confusion(float[] y, float[] t, int k) {
        sameLength(y, t);
        long[][] c = new long[k][k];
        for (int i = 0; i < y.length / k; i++) {
            c[argmax(t, k, i)][argmax(y, k, i)]++;
        }
        return new ConfusionMatrix(c);
    }

    private static void sameLength(float[] y, float[] t) {
        if (y.length != t.length) {
            throw new IllegalArgumentException("predictions hold " + y.length + " values, targets " + t.length);
        }
    }
}
