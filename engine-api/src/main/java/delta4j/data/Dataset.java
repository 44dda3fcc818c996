package delta4j.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An in-memory data set: N samples, each a row of float features and a row of float targets, stored
 * row-major in two flat arrays. Every value is checked to be finite on construction, so a NaN never
 * reaches training. For data larger than the heap, see {@link MappedDataset}; both are {@link Samples}.
 */
public final class Dataset implements InMemorySamples {

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
        checkShape(size, features, targets, x.length, "floats", y);
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

    /**
     * Converts 2-D double arrays once into a data set of floats: {@code x[i]} are the features of sample i,
     * {@code y[i]} its targets. Each value is rounded to the nearest float.
     *
     * @param x features, one row per sample
     * @param y targets, one row per sample
     * @return the data set
     * @throws IllegalArgumentException for ragged rows or a value that is not finite or lies beyond float's range (±3.4e38)
     */
    public static Dataset of(double[][] x, double[][] y) {
        if (x == null || y == null || x.length == 0) {
            throw new IllegalArgumentException("the dataset is empty (0 samples): give at least one sample");
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException("mismatched dimensions: " + x.length + " feature rows but " + y.length + " target rows");
        }
        return new Dataset(x.length, x[0].length, y[0].length, toFloats("feature", x), toFloats("target", y));
    }

    /**
     * {@return rows of doubles as one row-major float array, converted once}
     *
     * @param what "feature" or "target", for messages
     * @param rows the rows, all as long as the first
     * @throws IllegalArgumentException naming the row of a ragged row, or the row and column of a value a float cannot hold
     */
    public static float[] toFloats(String what, double[][] rows) {
        if (rows.length == 0) {
            return new float[0];
        }
        int cols = rows[0].length;
        float[] out = new float[Math.multiplyExact(rows.length, cols)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException("mismatched dimensions: " + what + " row " + i + " has " + rows[i].length
                        + " values, row 0 has " + cols);
            }
            toFloats(what, rows[i], out, i * cols, i, cols);
        }
        return out;
    }

    /**
     * {@return row-major doubles as floats, converted once}
     *
     * @param what   "feature" or "target", for messages
     * @param values the values, row-major
     * @param cols   values per row (for messages)
     * @throws IllegalArgumentException naming the row and column of a value a float cannot hold
     */
    public static float[] toFloats(String what, double[] values, int cols) {
        float[] out = new float[values.length];
        toFloats(what, values, out, 0, 0, cols);
        return out;
    }

    /**
     * Converts {@code src} into {@code dst[offset..]}; {@code firstRow} and {@code cols} name the place of a bad value
     * (row {@code firstRow + index / cols}, column {@code index % cols}).
     */
    static void toFloats(String what, double[] src, float[] dst, int offset, int firstRow, int cols) {
        for (int j = 0; j < src.length; j++) {
            double v = src[j];
            float f = (float) v;
            if (Double.isFinite(v) && Float.isInfinite(f)) {
                throw new IllegalArgumentException(what + " value " + v + " at sample " + (firstRow + j / cols) + ", column " + (j % cols)
                        + " lies beyond float's range (±3.4e38): scale the data down");
            }
            dst[offset + j] = f;
        }
    }

    /**
     * The checks of an in-memory data set's shape: at least one sample, feature and target, {@code xLength} features
     * (counted in {@code xUnit}) and as many float targets as the shape needs.
     */
    static void checkShape(int size, int features, int targets, long xLength, String xUnit, float[] y) {
        if (size <= 0) {
            throw new IllegalArgumentException("the dataset is empty (0 samples): give at least one sample");
        }
        if (features <= 0 || targets <= 0) {
            throw new IllegalArgumentException("a dataset needs at least one feature and one target, got "
                    + features + " features and " + targets + " targets");
        }
        if (xLength != (long) size * features) {
            throw new IllegalArgumentException("features hold " + xLength + " " + xUnit + ", expected " + size + " samples × " + features);
        }
        if (y.length != (long) size * targets) {
            throw new IllegalArgumentException("targets hold " + y.length + " floats, expected " + size + " samples × " + targets);
        }
    }

    /** Σ_k y_ik of row i of {@code y}, {@code cols} values a row, summed in double. */
    static double rowSum(float[] y, int i, int cols) {
        double sum = 0;
        for (int k = i * cols, end = k + cols; k < end; k++) {
            sum += y[k];
        }
        return sum;
    }

    static void checkFinite(String what, float[] v, int cols) {
        int i = FiniteValues.firstNonFinite(v, 0, v.length);
        if (i >= 0) {
            throw new IllegalArgumentException(what + " value " + v[i] + " at sample " + (i / cols) + ", column " + (i % cols)
                    + " is not finite: remove or impute NaN and infinite values before training");
        }
    }

    /** Number of samples N. */
    @Override
    public int size() {
        return size;
    }

    /** Number of features per sample. */
    @Override
    public int features() {
        return features;
    }

    /** Number of targets per sample. */
    @Override
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

    /** Σ_k t_ik of sample i's targets, summed in double. */
    @Override
    public double targetRowSum(int i) {
        return rowSum(y, i, targets);
    }

    /**
     * The first sample whose targets do not sum to 1 within {@code tolerance}, or −1 when every row does. Softmax +
     * cross-entropy needs such rows: its output δ = p − t is the gradient of −Σ_k t_k log p_k only when Σ_k t_k = 1.
     *
     * @param tolerance the largest accepted |Σ_k t_ik − 1|
     * @return the index of the first such sample, or −1
     */
    @Override
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

    /** A copy of all targets, row-major. */
    @Override
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
    @Override
    public void gatherFeatures(int[] order, int from, int count, float[] dst) {
        delta4j.engine.KernelChecks.gatherRows(x, order, from, count, features, dst);
    }

    /** Like {@link #gatherFeatures} for targets. */
    @Override
    public void gatherTargets(int[] order, int from, int count, float[] dst) {
        delta4j.engine.KernelChecks.gatherRows(y, order, from, count, targets, dst);
    }

    /**
     * Uploads the features of samples {@code order[from..from+dst.rows())} (samples {@code from..} when {@code order} is
     * null) into {@code dst}, row after row: the mini-batch gather straight into an engine's memory
     * ({@link delta4j.engine.Engine#uploadRows}), with no host copy in between.
     *
     * @param engine the engine that owns {@code dst}
     * @param order the sample indices, or null for the samples in order
     * @param from the first index of {@code order} (or the first sample)
     * @param dst a tensor of {@code engine} with {@link #features()} columns, one row per sample
     */
    @Override
    public void uploadFeatures(delta4j.engine.Engine engine, int[] order, int from, delta4j.engine.Tensor dst) {
        engine.uploadRows(x, order, from, dst);
    }

    /**
     * Like {@link #uploadFeatures} for targets ({@link #targets()} columns).
     *
     * @param engine the engine that owns {@code dst}
     * @param order the sample indices, or null for the samples in order
     * @param from the first index of {@code order} (or the first sample)
     * @param dst a tensor of {@code engine} with {@link #targets()} columns, one row per sample
     */
    @Override
    public void uploadTargets(delta4j.engine.Engine engine, int[] order, int from, delta4j.engine.Tensor dst) {
        engine.uploadRows(y, order, from, dst);
    }

    /** The samples at the given indices, in that order (copied). */
    @Override
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
     * @param train      the training part
     * @param validation the validation part
     */
    public record Split(Dataset train, Dataset validation) {
    }

    /**
     * Shuffles with the seed and holds out {@code validationFraction} of the samples (at least one,
     * and at least one left for training): {@link Samples#partition}.
     *
     * @param validationFraction the part held out, strictly between 0 and 1
     * @param seed               the seed of the permutation
     * @return the training and validation parts (copies)
     */
    public Split split(double validationFraction, long seed) {
        Partition p = Samples.partition(size, validationFraction, seed);
        return new Split(subset(p.train()), subset(p.validation()));
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
