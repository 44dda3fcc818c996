package delta4j.model;

import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;

/**
 * Dropout and batch normalisation over one replica's part of a global batch ({@link BatchPart}), computed on the
 * host from the engine's tensors: the same formulas as {@link Engine#dropout}, {@link Engine#batchNorm} and
 * {@link Engine#batchNormBackward} (and the reference engine's double accumulation), with the mask element and the
 * batch statistics of the global batch. Each batch-normalised layer costs the replicas two sums of n values
 * forwards (Σx, then Σ(x − μ)², the two-pass variance) and one of 2n backwards (Σ g, Σ g ⊙ x̂). x̂ and rstd stay on the
 * host between the two passes (the workspace keeps them), so a layer moves its input and output once each way.
 */
final class PartLayers {

    private PartLayers() {
    }

    /** {@code y ← x ⊙ M / (1 − p)} where row i of x takes the mask of global batch row {@code part.position(i)}. */
    static void dropout(Engine e, Tensor x, float p, long key, BatchPart part, Tensor y) {
        float[] v = e.download(x);
        int n = x.cols(), threshold = DropoutMask.threshold(p);
        float scale = DropoutMask.scale(p);
        for (int i = 0; i < x.rows(); i++) {
            long base = (long) part.position(i) * n;
            for (int j = 0; j < n; j++) {
                v[i * n + j] = DropoutMask.keep(key, base + j, threshold) ? v[i * n + j] * scale : 0f;
            }
        }
        e.upload(v, y);
    }

    /**
     * Batch normalisation with the global batch's statistics; moves the running ones as {@link Engine#batchNorm} does.
     * Writes x̂ (rows × n) and rstd (n) to the host arrays {@code H} and {@code R} for {@link #batchNormBackward}.
     */
    static void batchNorm(Engine e, Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean, Tensor runningVar,
                          float[] H, float[] R, Tensor y, BatchPart part) {
        float[] X = e.download(x), G = e.download(gamma);
        int rows = x.rows(), n = x.cols(), total = part.globalRows();
        double[] sum = new double[n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                sum[j] += X[i * n + j];
            }
        }
        double[] mean = part.sum().sum(sum);
        for (int j = 0; j < n; j++) {
            mean[j] /= total;
        }
        double[] ss = new double[n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                double d = X[i * n + j] - mean[j];
                ss[j] += d * d;
            }
        }
        ss = part.sum().sum(ss);
        float[] Y = new float[rows * n];
        for (int j = 0; j < n; j++) {
            double r = 1 / Math.sqrt(ss[j] / total + epsilon);
            R[j] = (float) r;
            for (int i = 0; i < rows; i++) {
                double h = (X[i * n + j] - mean[j]) * r;
                H[i * n + j] = (float) h;
                Y[i * n + j] = (float) (G[j] * h);
            }
        }
        e.upload(Y, y);
        moveRunningStatistics(e, momentum, runningMean, runningVar, mean, ss, total);
    }

    /** A replica without rows in this step: takes part in batchNorm's sums with zeros and moves the running statistics alike. */
    static void batchNormWithoutRows(Engine e, int n, float momentum, Tensor runningMean, Tensor runningVar, BatchPart part) {
        double[] mean = part.sum().sum(new double[n]);
        for (int j = 0; j < n; j++) {
            mean[j] /= part.globalRows();
        }
        double[] ss = part.sum().sum(new double[n]);
        moveRunningStatistics(e, momentum, runningMean, runningVar, mean, ss, part.globalRows());
    }

    private static void moveRunningStatistics(Engine e, float momentum, Tensor runningMean, Tensor runningVar, double[] mean, double[] ss,
                                              int total) {
        float[] RM = e.download(runningMean), RV = e.download(runningVar);
        for (int j = 0; j < RM.length; j++) {
            RM[j] = (float) ((1.0 - momentum) * RM[j] + (double) momentum * mean[j]);
            RV[j] = (float) ((1.0 - momentum) * RV[j] + (double) momentum * ss[j] / (total - 1));
        }
        e.upload(RM, runningMean);
        e.upload(RV, runningVar);
    }

    /**
     * Backward twin: {@code dx = γ·rstd·(δ − mean(δ) − x̂·mean(δ ⊙ x̂))} with the means over the global batch, and this
     * part's share {@code dγ = α Σ_{local i} δ ⊙ x̂} (the replicas' gradient sum completes it).
     */
    static void batchNormBackward(Engine e, Tensor dy, float[] H, float[] R, Tensor gamma, float alpha, Tensor dx, Tensor dgamma,
                                  BatchPart part) {
        float[] DY = e.download(dy), G = e.download(gamma);
        int rows = dy.rows(), n = dy.cols(), total = part.globalRows();
        double[] sums = new double[2 * n]; // Σ δ, then Σ δ ⊙ x̂
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                sums[j] += DY[i * n + j];
                sums[n + j] += (double) DY[i * n + j] * H[i * n + j];
            }
        }
        float[] DG = new float[n];
        for (int j = 0; j < n; j++) {
            DG[j] = (float) (alpha * sums[n + j]);
        }
        double[] global = part.sum().sum(sums);
        float[] DX = new float[rows * n];
        for (int j = 0; j < n; j++) {
            double meanD = global[j] / total, meanDH = global[n + j] / total, scale = (double) G[j] * R[j];
            for (int i = 0; i < rows; i++) {
                DX[i * n + j] = (float) (scale * (DY[i * n + j] - meanD - H[i * n + j] * meanDH));
            }
        }
        e.upload(DX, dx);
        e.upload(DG, dgamma);
    }

    /** A replica without rows in this step: takes part in batchNormBackward's sum with zeros. */
    static void batchNormBackwardWithoutRows(int n, BatchPart part) {
        part.sum().sum(new double[2 * n]);
    }
}
