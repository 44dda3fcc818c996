package delta4j.data;

/**
 * Evaluation metrics on row-major predictions and targets (N rows of K columns), accumulated in double.
 *
 * <p>The multi-label metrics take N × K probabilities (independent sigmoid outputs) against 0/1 targets: label k of
 * sample i is predicted present when its probability is at least {@link #THRESHOLD} (the logit is at least 0), and is
 * present when its target is at least {@link #THRESHOLD}.
 */
public final class Metrics {

    /** The probability from which a label counts as predicted present (and a target as present): 0.5. */
    public static final double THRESHOLD = 0.5;

    private Metrics() {
    }

    /**
     * {@return the mean absolute error over all N·K elements: 1/(NK) Σ |y − t|} (The L1 training loss is the
     * per-row sum, K times this.)
     *
     * @param y the predictions, N × K, row-major
     * @param t the targets, N × K, row-major
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double mae(float[] y, float[] t) {
        sameLength(y, t);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += Math.abs((double) y[i] - t[i]);
        }
        return s / y.length;
    }

    /**
     * {@return each label's accuracy: for every column k, the fraction of the N rows whose thresholded prediction
     * equals the target, in [0, 1]}
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double[] labelAccuracy(float[] p, float[] t, int k) {
        sameLength(p, t);
        int n = p.length / k;
        double[] a = new double[k];
        for (int i = 0; i < p.length; i++) {
            if (present(p[i]) == present(t[i])) {
                a[i % k]++;
            }
        }
        for (int j = 0; j < k; j++) {
            a[j] /= n;
        }
        return a;
    }

    /**
     * {@return the subset (exact-match) accuracy: the fraction of rows whose K thresholded predictions all equal their
     * targets, in [0, 1]} (scikit-learn's {@code accuracy_score} on multi-label indicators.)
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double subsetAccuracy(float[] p, float[] t, int k) {
        sameLength(p, t);
        int n = p.length / k, hit = 0;
        for (int i = 0; i < n; i++) {
            boolean all = true;
            for (int j = 0; j < k && all; j++) {
                all = present(p[i * k + j]) == present(t[i * k + j]);
            }
            hit += all ? 1 : 0;
        }
        return (double) hit / n;
    }

    /**
     * {@return the micro-averaged F1 score: 2·TP / (2·TP + FP + FN) with the true positives, false positives and false
     * negatives counted over all N·K label decisions together} When there is nothing to count (no target is present
     * and none is predicted, TP + FP + FN = 0) the score is {@code zeroDivision}, as scikit-learn's {@code f1_score(...,
     * average="micro", zero_division=...)} has it.
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @param zeroDivision the score when TP + FP + FN = 0: 0 (scikit-learn's default) or 1
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double microF1(float[] p, float[] t, int k, double zeroDivision) {
        long[] c = counts(p, t, k);
        long tp = 0, fp = 0, fn = 0;
        for (int j = 0; j < k; j++) {
            tp += c[3 * j];
            fp += c[3 * j + 1];
            fn += c[3 * j + 2];
        }
        return f1(tp, fp, fn, zeroDivision);
    }

    /**
     * {@return the micro-averaged F1 score with scikit-learn's default convention: 0 when no target is present and
     * none is predicted} See {@link #microF1(float[], float[], int, double)}.
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double microF1(float[] p, float[] t, int k) {
        return microF1(p, t, k, 0);
    }

    /**
     * {@return each label's F1 score, 2·TP / (2·TP + FP + FN) over its column} A label with no present target and no
     * predicted presence (TP + FP + FN = 0) scores {@code zeroDivision}, as in scikit-learn's {@code f1_score(...,
     * average=None, zero_division=...)}.
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @param zeroDivision the score of a label with TP + FP + FN = 0: 0 (scikit-learn's default) or 1
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double[] labelF1(float[] p, float[] t, int k, double zeroDivision) {
        long[] c = counts(p, t, k);
        double[] f = new double[k];
        for (int j = 0; j < k; j++) {
            f[j] = f1(c[3 * j], c[3 * j + 1], c[3 * j + 2], zeroDivision);
        }
        return f;
    }

    /**
     * {@return the macro-averaged F1 score: the unweighted mean over the K labels of {@link #labelF1 each label's F1}}
     * A label with no present target and no predicted presence counts {@code zeroDivision}, as in scikit-learn's
     * {@code f1_score(..., average="macro", zero_division=...)}.
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @param zeroDivision the score of a label with TP + FP + FN = 0: 0 (scikit-learn's default) or 1
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double macroF1(float[] p, float[] t, int k, double zeroDivision) {
        double sum = 0;
        for (double f : labelF1(p, t, k, zeroDivision)) {
            sum += f;
        }
        return sum / k;
    }

    /**
     * {@return the macro-averaged F1 score with scikit-learn's default convention: a label with no present target and
     * no predicted presence scores 0} See {@link #macroF1(float[], float[], int, double)}.
     *
     * @param p the probabilities, N × K, row-major
     * @param t the 0/1 targets, N × K, row-major
     * @param k the number of labels K
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double macroF1(float[] p, float[] t, int k) {
        return macroF1(p, t, k, 0);
    }

    private static boolean present(float v) {
        return v >= THRESHOLD;
    }

    /** Per label j: TP, FP, FN at [3j], [3j + 1], [3j + 2]. */
    private static long[] counts(float[] p, float[] t, int k) {
        sameLength(p, t);
        long[] c = new long[3 * k];
        for (int i = 0; i < p.length; i++) {
            boolean predicted = present(p[i]), actual = present(t[i]);
            int j = i % k;
            if (predicted && actual) {
                c[3 * j]++;
            } else if (predicted) {
                c[3 * j + 1]++;
            } else if (actual) {
                c[3 * j + 2]++;
            }
        }
        return c;
    }

    private static double f1(long tp, long fp, long fn, double zeroDivision) {
        long d = 2 * tp + fp + fn;
        return d == 0 ? zeroDivision : 2.0 * tp / d;
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
