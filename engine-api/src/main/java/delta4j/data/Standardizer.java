package delta4j.data;

/**
 * Per-column standardisation x' = (x − μ) / σ, fitted on training data only and stored with the model
 * so that prediction applies exactly the same transform. A constant column (σ = 0) is only centred.
 * A model carries one for its inputs ({@link #fit}) and, for regression, one for its targets
 * ({@link #fitTargets}), whose {@link #inverseInPlace inverse} brings predictions back to the targets' units.
 */
public final class Standardizer {

    private final float[] mean;
    private final float[] scale;

    /**
     * A standardizer with the given statistics (copied), as read from a model file.
     *
     * @param mean μ per feature, finite
     * @param scale σ per feature, finite and positive (1 where σ was 0)
     * @throws IllegalArgumentException if the lengths differ or are 0, or a value is out of range
     */
    public Standardizer(float[] mean, float[] scale) {
        if (mean.length != scale.length || mean.length == 0) {
            throw new IllegalArgumentException("standardizer needs one mean and one scale per feature, got "
                    + mean.length + " and " + scale.length);
        }
        for (int j = 0; j < scale.length; j++) {
            if (!Float.isFinite(mean[j]) || !(scale[j] > 0) || !Float.isFinite(scale[j])) {
                throw new IllegalArgumentException("standardizer feature " + j + " has mean " + mean[j] + " and scale " + scale[j]
                        + ": the mean must be finite and the scale finite and positive");
            }
        }
        this.mean = mean.clone();
        this.scale = scale.clone();
    }

    /**
     * Fits μ and σ (population standard deviation, accumulated in double, row by row) on a sample set's features, in one
     * streaming pass that reads about a megabyte at a time: a {@link MappedDataset} larger than the heap is fitted in
     * constant memory, to the same bits as the same values in a {@link Dataset}.
     *
     * @param data the training data (never the validation or test part)
     * @return a standardizer of {@code data.features()} columns
     */
    public static Standardizer fit(Samples data) {
        return fitFeatures(pass(data, true), data.features());
    }

    /**
     * Fits μ and σ on the features of a batch source's standardisers' pass, {@link BatchSource#batches(int) batches(0)}:
     * to the same bits as {@link #fit(Samples)} on the same rows in the same order.
     *
     * @param source the training data
     * @return a standardizer of {@code source.features()} columns
     */
    public static Standardizer fit(BatchSource source) {
        return fitFeatures(pass(source, true), source.features());
    }

    /**
     * Fits μ and σ (population standard deviation) on a sample set's targets, in two streaming passes in double:
     * target means are often far from zero next to their spread (prices of 1e6 ± 1e3), where the one-pass
     * Σt²/n − μ² would cancel to noise.
     *
     * @param data the training data (never the validation or test part)
     * @return a standardizer of {@code data.targets()} columns
     */
    public static Standardizer fitTargets(Samples data) {
        return fitTargets(pass(data, false), data.targets());
    }

    /**
     * Like {@link #fitTargets(Samples)} on a batch source: two passes of {@link BatchSource#batches(int) batches(0)}.
     *
     * @param source the training data
     * @return a standardizer of {@code source.targets()} columns
     */
    public static Standardizer fitTargets(BatchSource source) {
        return fitTargets(pass(source, false), source.targets());
    }

    /** One streaming pass over row-major values: hands consecutive chunks of whole rows to the sink, in row order. */
    @FunctionalInterface
    private interface Pass {
        /** @return the number of rows passed */
        long run(Chunk sink);
    }

    @FunctionalInterface
    private interface Chunk {
        void accept(float[] values, int rows);
    }

    private static Pass pass(Samples data, boolean features) {
        return sink -> {
            int cols = features ? data.features() : data.targets(), n = data.size(), chunk = Samples.chunkRows(cols);
            float[] v = new float[chunk * cols];
            for (int from = 0; from < n; from += chunk) {
                int rows = Math.min(chunk, n - from);
                if (features) {
                    data.gatherFeatures(null, from, rows, v);
                } else {
                    data.gatherTargets(null, from, rows, v);
                }
                sink.accept(v, rows);
            }
            return n;
        };
    }

    private static Pass pass(BatchSource source, boolean features) {
        return sink -> {
            int cols = features ? source.features() : source.targets();
            long n = 0;
            var it = source.batches(0);
            try {
                while (it.hasNext()) {
                    BatchSource.Batch b = it.next();
                    float[] v = features ? b.features() : b.targets();
                    if (v.length < b.rows() * cols) {
                        throw new IllegalArgumentException("a batch of the standardisers' pass holds " + v.length + " " + (features ? "feature" : "target")
                                + " values for " + b.rows() + " rows of " + cols);
                    }
                    sink.accept(v, b.rows());
                    n += b.rows();
                }
            } finally {
                if (it instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("closing the batch source's pass failed: " + e.getMessage(), e);
                    }
                }
            }
            if (n == 0) {
                throw new IllegalArgumentException("the batch source's standardisers' pass (batches(0)) gave no rows: it must give the training data");
            }
            return n;
        };
    }

    private static Standardizer fitFeatures(Pass pass, int f) {
        double[] sum = new double[f], sq = new double[f];
        long n = pass.run((x, rows) -> {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < f; j++) {
                    double v = x[i * f + j];
                    sum[j] += v;
                    sq[j] += v * v;
                }
            }
        });
        float[] mean = new float[f], scale = new float[f];
        for (int j = 0; j < f; j++) {
            double mu = sum[j] / n;
            double var = Math.max(0, sq[j] / n - mu * mu);
            double sd = Math.sqrt(var);
            mean[j] = (float) mu;
            scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mu)) ? (float) sd : 1f;
        }
        return new Standardizer(mean, scale);
    }

    private static Standardizer fitTargets(Pass pass, int k) {
        double[] sum = new double[k], sq = new double[k];
        long n = pass.run((t, rows) -> {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    sum[j] += t[i * k + j];
                }
            }
        });
        long again = pass.run((t, rows) -> {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    double d = t[i * k + j] - sum[j] / n;
                    sq[j] += d * d;
                }
            }
        });
        if (again != n) {
            throw new IllegalStateException("the data gave " + n + " rows in one pass and " + again + " in the next: fitting the target"
                    + " standardiser needs the same rows twice");
        }
        float[] mean = new float[k], scale = new float[k];
        for (int j = 0; j < k; j++) {
            double mu = sum[j] / n;
            double sd = Math.sqrt(sq[j] / n);
            mean[j] = (float) mu;
            scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mu)) && (float) sd > 0 ? (float) sd : 1f;
        }
        return new Standardizer(mean, scale);
    }

    /** {@return the number of columns: features for an input standardizer, outputs for a target standardizer} */
    public int features() {
        return mean.length;
    }

    /** {@return μ per feature (a copy)} */
    public float[] mean() {
        return mean.clone();
    }

    /** {@return σ per feature (a copy)} */
    public float[] scale() {
        return scale.clone();
    }

    /**
     * Standardises row-major features in place.
     *
     * @param x row-major features, whole rows
     */
    public void applyInPlace(float[] x) {
        applyInPlace(x, x.length);
    }

    /**
     * Standardises the first {@code length} values of {@code x}, whole rows of features, in place (a mini-batch in a
     * larger buffer).
     *
     * @param x      row-major features
     * @param length how many of its values to standardise, whole rows
     */
    public void applyInPlace(float[] x, int length) {
        int f = mean.length;
        if (length % f != 0 || length > x.length) {
            throw new IllegalArgumentException(length + " values are not whole rows of " + f + " features within the " + x.length + " given");
        }
        for (int i = 0; i < length; i++) {
            int j = i % f;
            x[i] = (x[i] - mean[j]) / scale[j];
        }
    }

    /**
     * Standardises the first {@code length} values of {@code t}, whole rows of targets, in place: t' = (t − μ)/σ
     * computed in double, as {@link #applyToTargets} does.
     *
     * @param t      row-major targets
     * @param length how many of its values to standardise, whole rows
     */
    public void applyToTargetsInPlace(float[] t, int length) {
        int k = mean.length;
        if (length % k != 0 || length > t.length) {
            throw new IllegalArgumentException(length + " values are not whole rows of " + k + " targets within the " + t.length + " given");
        }
        for (int i = 0; i < length; i++) {
            int j = i % k;
            t[i] = (float) (((double) t[i] - mean[j]) / scale[j]);
        }
    }

    /**
     * Undoes the standardisation in place, x = x'·σ + μ (computed in double): predictions back in the targets' units.
     *
     * @param x row-major values, whole rows
     */
    public void inverseInPlace(float[] x) {
        int f = mean.length;
        if (x.length % f != 0) {
            throw new IllegalArgumentException(x.length + " values are not whole rows of " + f + " columns");
        }
        for (int i = 0; i < x.length; i++) {
            int j = i % f;
            x[i] = (float) ((double) x[i] * scale[j] + mean[j]);
        }
    }

    /**
     * {@return a copy of a data set with its targets standardised (features untouched)}
     *
     * @param data a data set with {@link #features()} targets
     * @throws IllegalArgumentException if the number of targets differs
     */
    public Dataset applyToTargets(Dataset data) {
        if (data.targets() != mean.length) {
            throw new IllegalArgumentException("the data has " + data.targets() + " targets, the standardizer was fitted on " + mean.length);
        }
        float[] t = data.targetMatrix();
        applyToTargetsInPlace(t, t.length);
        return data.withTargets(t);
    }

    /**
     * {@return a standardised copy of a data set (targets untouched)}
     *
     * @param data a data set with {@link #features()} features
     * @throws IllegalArgumentException if the number of features differs
     */
    public Dataset apply(Dataset data) {
        if (data.features() != mean.length) {
            throw new IllegalArgumentException("the data has " + data.features() + " features, the standardizer was fitted on " + mean.length);
        }
        float[] x = data.featureMatrix();
        applyInPlace(x);
        return data.withFeatures(x, mean.length);
    }
}
