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
     * Fits μ and σ (population standard deviation, accumulated in double) on a data set's features.
     *
     * @param data the training data (never the validation or test part)
     * @return a standardizer of {@code data.features()} columns
     */
    public static Standardizer fit(Dataset data) {
        int n = data.size(), f = data.features();
        float[] x = data.featureMatrix();
        double[] sum = new double[f], sq = new double[f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double v = x[i * f + j];
                sum[j] += v;
                sq[j] += v * v;
            }
        }
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

    /**
     * Fits μ and σ (population standard deviation) on a data set's targets, in two passes in double: target
     * means are often far from zero next to their spread (prices of 1e6 ± 1e3), where the one-pass
     * Σt²/n − μ² would cancel to noise.
     *
     * @param data the training data (never the validation or test part)
     * @return a standardizer of {@code data.targets()} columns
     */
    public static Standardizer fitTargets(Dataset data) {
        int n = data.size(), k = data.targets();
        float[] t = data.targetMatrix();
        double[] sum = new double[k], sq = new double[k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                sum[j] += t[i * k + j];
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                double d = t[i * k + j] - sum[j] / n;
                sq[j] += d * d;
            }
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
     * Standardises row-major features in place, x' = (x − μ) / σ.
     *
     * @param x whole rows of {@link #features()} values, row-major
     * @throws IllegalArgumentException if {@code x} is not whole rows
     */
    public void applyInPlace(float[] x) {
        int f = mean.length;
        if (x.length % f != 0) {
            throw new IllegalArgumentException(x.length + " values are not whole rows of " + f + " features");
        }
        for (int i = 0; i < x.length; i++) {
            int j = i % f;
            x[i] = (x[i] - mean[j]) / scale[j];
        }
    }

    /**
     * Undoes the standardisation in place, x = x'·σ + μ (computed in double): predictions back in the targets' units.
     *
     * @param x whole rows of {@link #features()} values, row-major
     * @throws IllegalArgumentException if {@code x} is not whole rows
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
        for (int i = 0; i < t.length; i++) {
            int j = i % mean.length;
            t[i] = (float) (((double) t[i] - mean[j]) / scale[j]);
        }
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
