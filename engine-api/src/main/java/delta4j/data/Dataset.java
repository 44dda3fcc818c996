package delta4j.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An in-memory data set: N samples, each a row of float features and a row of float targets, stored
 * row-major in two flat arrays. Every value is checked to be finite on construction, so a NaN never
 * reaches training.
 */
public final class Dataset {

    private final int size;
    private final int features;
    private final int targets;
    private final float[] x;
    private final float[] y;

    /**
     * Wraps flat row-major arrays (not copied: do not change them afterwards).
     *
     * @param size the number of samples N, at least 1
     * @param features the number of features per sample, at least 1
     * @param targets the number of targets per sample, at least 1
     * @param x the features, N × features, row-major
     * @param y the targets, N × targets, row-major
     * @throws IllegalArgumentException for an empty set, mismatched lengths or a non-finite value
     */
    public Dataset(int size, int features, int targets, float[] x, float[] y) {
        if (size <= 0) {
            throw new IllegalArgumentException("the dataset is empty (0 samples): give at least one sample");
        }
        if (features <= 0 || targets <= 0) {
            throw new IllegalArgumentException("a dataset needs at least one feature and one target, got "
                    + features + " features and " + targets + " targets");
        }
        if (x.length != (long) size * features) {
            throw new IllegalArgumentException("features hold " + x.length + " floats, expected " + size + " samples × " + features);
        }
        if (y.length != (long) size * targets) {
            throw new IllegalArgumentException("targets hold " + y.length + " floats, expected " + size + " samples × " + targets);
        }
        checkFinite("feature", x, features);
        checkFinite("target", y, targets);
        this.size = size;
        this.features = features;
        this.targets = targets;
        this.x = x;
        this.y = y;
    }

    /**
     * Copies 2-D arrays into a data set, checking that every row has the first row's length.
     *
     * @param x the features: {@code x[i]} are those of sample i
     * @param y the targets: {@code y[i]} are those of sample i
     * @return a data set of {@code x.length} samples holding copies of the rows
     * @throws IllegalArgumentException for an empty set, a different number of feature and target rows, a row
     *         of another length than the first, or a non-finite value
     */
    public static Dataset of(float[][] x, float[][] y) {
        if (x == null || y == null || x.length == 0) {
            throw new IllegalArgumentException("the dataset is empty (0 samples): give at least one sample");
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException("mismatched dimensions: " + x.length + " feature rows but " + y.length + " target rows");
        }
        int f = x[0].length, t = y[0].length;
        float[] fx = new float[x.length * f], fy = new float[y.length * t];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != f) {
                throw new IllegalArgumentException("mismatched dimensions: feature row " + i + " has " + x[i].length + " values, row 0 has " + f);
            }
            if (y[i].length != t) {
                throw new IllegalArgumentException("mismatched dimensions: target row " + i + " has " + y[i].length + " values, row 0 has " + t);
            }
            System.arraycopy(x[i], 0, fx, i * f, f);
            System.arraycopy(y[i], 0, fy, i * t, t);
        }
        return new Dataset(x.length, f, t, fx, fy);
    }

    private static void checkFinite(String what, float[] v, int cols) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(what + " value " + v[i] + " at sample " + (i / cols) + ", column " + (i % cols)
                        + " is not finite: remove or impute NaN and infinite values before training");
            }
        }
    }

    /** {@return the number of samples N} */
    public int size() {
        return size;
    }

    /** {@return the number of features per sample} */
    public int features() {
        return features;
    }

    /** {@return the number of targets per sample} */
    public int targets() {
        return targets;
    }

    /**
     * {@return a copy of sample i's features}
     *
     * @param i the sample, in [0, N)
     */
    public float[] featureRow(int i) {
        return Arrays.copyOfRange(x, i * features, (i + 1) * features);
    }

    /**
     * {@return a copy of sample i's targets}
     *
     * @param i the sample, in [0, N)
     */
    public float[] targetRow(int i) {
        return Arrays.copyOfRange(y, i * targets, (i + 1) * targets);
    }

    /**
     * {@return Σ_k t_ik of sample i's targets, summed in double}
     *
     * @param i the sample, in [0, N)
     */
    public double targetRowSum(int i) {
        double sum = 0;
        for (int k = i * targets, end = k + targets; k < end; k++) {
            sum += y[k];
        }
        return sum;
    }

    /**
     * The first sample whose targets do not sum to 1 within {@code tolerance}, or −1 when every row does. Softmax +
     * cross-entropy needs such rows: its output δ = p − t is the gradient of −Σ_k t_k log p_k only when Σ_k t_k = 1.
     *
     * @param tolerance the largest accepted |Σ_k t_ik − 1|
     * @return the index of the first such sample, or −1
     */
    public int firstTargetRowNotSummingToOne(double tolerance) {
        for (int i = 0; i < size; i++) {
            if (!(Math.abs(targetRowSum(i) - 1) <= tolerance)) {
                return i;
            }
        }
        return -1;
    }

    /** {@return a copy of all features, row-major} */
    public float[] featureMatrix() {
        return x.clone();
    }

    /** {@return a copy of all targets, row-major} */
    public float[] targetMatrix() {
        return y.clone();
    }

    /**
     * Copies the features of samples {@code order[from..from+count)} into {@code dst} row after row
     * (the mini-batch gather; no allocation).
     *
     * @param order sample indices; null for the identity order
     * @param from the first position of {@code order} to gather
     * @param count the number of samples to gather
     * @param dst receives {@code count × features()} floats from index 0, row-major
     */
    public void gatherFeatures(int[] order, int from, int count, float[] dst) {
        gather(x, features, order, from, count, dst);
    }

    /**
     * Like {@link #gatherFeatures} for targets.
     *
     * @param order sample indices; null for the identity order
     * @param from the first position of {@code order} to gather
     * @param count the number of samples to gather
     * @param dst receives {@code count × targets()} floats from index 0, row-major
     */
    public void gatherTargets(int[] order, int from, int count, float[] dst) {
        gather(y, targets, order, from, count, dst);
    }

    private static void gather(float[] src, int cols, int[] order, int from, int count, float[] dst) {
        for (int r = 0; r < count; r++) {
            int i = order == null ? from + r : order[from + r];
            System.arraycopy(src, i * cols, dst, r * cols, cols);
        }
    }

    /**
     * {@return the samples at the given indices, in that order (copied)}
     *
     * @param indices sample indices in [0, N), repeats allowed, at least one
     */
    public Dataset subset(int[] indices) {
        float[] sx = new float[indices.length * features], sy = new float[indices.length * targets];
        gatherFeatures(indices, 0, indices.length, sx);
        gatherTargets(indices, 0, indices.length, sy);
        return new Dataset(indices.length, features, targets, sx, sy);
    }

    /**
     * {@return the same targets with new features (same number of samples)}
     *
     * @param newX the new features, N × newFeatures, row-major (not copied)
     * @param newFeatures the number of features per sample in {@code newX}
     * @throws IllegalArgumentException if {@code newX} does not hold N × newFeatures finite floats
     */
    public Dataset withFeatures(float[] newX, int newFeatures) {
        return new Dataset(size, newFeatures, targets, newX, y);
    }

    /**
     * {@return the same features with new targets, as many per sample as before (not copied)}
     *
     * @param newY the new targets, N × targets(), row-major
     * @throws IllegalArgumentException if {@code newY} does not hold N × targets() finite floats
     */
    public Dataset withTargets(float[] newY) {
        return new Dataset(size, features, targets, x, newY);
    }

    /**
     * A training and a validation part.
     *
     * @param train the samples to train on
     * @param validation the samples held out
     */
    public record Split(Dataset train, Dataset validation) {
    }

    /**
     * Shuffles with the seed and holds out {@code validationFraction} of the samples (at least one,
     * and at least one left for training).
     *
     * @param validationFraction the fraction of samples held out, strictly between 0 and 1
     * @param seed the seed of the shuffle: the same seed gives the same split
     * @return the two parts, each with at least one sample
     * @throws IllegalArgumentException if the fraction is outside (0, 1) or the data set has one sample
     */
    public Split split(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must lie strictly between 0 and 1, got " + validationFraction);
        }
        if (size < 2) {
            throw new IllegalArgumentException("cannot split a dataset of " + size + " sample into training and validation parts");
        }
        int[] order = permutation(size, new SplittableRandom(seed));
        int nVal = (int) Math.max(1, Math.min(size - 1, Math.round(size * validationFraction)));
        return new Split(subset(Arrays.copyOfRange(order, nVal, size)), subset(Arrays.copyOfRange(order, 0, nVal)));
    }

    /**
     * {@return a uniformly random permutation of 0..n-1 (Fisher–Yates)}
     *
     * @param n the number of indices, ≥ 0
     * @param rnd the source of randomness, advanced by n − 1 draws
     */
    public static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, rnd);
        return p;
    }

    /**
     * Shuffles in place (Fisher–Yates).
     *
     * @param p the array to permute uniformly at random
     * @param rnd the source of randomness, advanced by {@code p.length − 1} draws
     */
    public static void shuffle(int[] p, SplittableRandom rnd) {
        for (int i = p.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
    }
}
