package delta4j.data;

/**
 * Per-feature standardisation x' = (x − μ) / σ, fitted on training data only and stored with the model
 * so that prediction applies exactly the same transform. A constant feature (σ = 0) is only centred.
 */
public final class Standardizer {

    private final float[] mean;
    private final float[] scale;

    /** @param mean μ per feature; @param scale σ per feature (1 where σ was 0) */
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

    /** Fits μ and σ (population standard deviation, accumulated in double) on a data set's features. */
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

    /** Number of features. */
    public int features() {
        return mean.length;
    }

    /** μ per feature (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** σ per feature (a copy). */
    public float[] scale() {
        return scale.clone();
    }

    /** Standardises row-major features in place. */
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

    /** A standardised copy of a data set (targets untouched). */
    public Dataset apply(Dataset data) {
        if (data.features() != mean.length) {
            throw new IllegalArgumentException("the data has " + data.features() + " features, the standardizer was fitted on " + mean.length);
        }
        float[] x = data.featureMatrix();
        applyInPlace(x);
        return data.withFeatures(x, mean.length);
    }
}
