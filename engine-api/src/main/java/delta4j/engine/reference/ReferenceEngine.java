package delta4j.engine.reference;

import delta4j.engine.Activation;
import delta4j.engine.ArrayEngine;
import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.EngineBase;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;

/**
 * The reference engine: the kernel set in plain, single-threaded Java loops that read like the math.
 * It is every other engine's oracle, so it stays obvious rather than fast. Sums that report a loss
 * are accumulated in double. Argument checks, ownership, locking and the closed state are {@link EngineBase}'s; its heap tensors,
 * {@link ArrayEngine}'s.
 *
 * <p>Its products emulate the {@link Precision} it was created with exactly: each operand element is
 * rounded with {@link Precision#round(float)}, and the products of the rounded operands (exact in double)
 * are summed in double.
 */
public final class ReferenceEngine extends ArrayEngine {

    private final Precision precision;

    /** An open reference engine with fp32 products and no tensors; it needs nothing from the machine. */
    public ReferenceEngine() {
        this(Precision.FP32);
    }

    /**
     * An open reference engine whose products emulate a precision exactly.
     *
     * @param precision the rounding of the products' operands (fp32: none)
     * @throws IllegalArgumentException if {@code precision} is null
     */
    public ReferenceEngine(Precision precision) {
        if (precision == null) {
            throw new IllegalArgumentException("precision must be given (Precision.FP32 for plain fp32 products)");
        }
        this.precision = precision;
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String device() {
        return "plain Java, 1 thread";
    }

    @Override
    public Precision precision() {
        return precision;
    }

    // ---------------------------------------------------------------- gemm: C = α op(A) op(B) + β C

    @Override
    protected void gemmKernel(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        float[] A = data(a), B = data(b), C = data(c);
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        int lda = a.cols(), ldb = b.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float aip = precision.round(transA ? A[p * lda + i] : A[i * lda + p]);
                    float bpj = precision.round(transB ? B[j * ldb + p] : B[p * ldb + j]);
                    sum += (double) aip * bpj;
                }
                // β = 0 must not read C, so NaN garbage there cannot leak into the result.
                float prior = beta == 0f ? 0f : beta * C[i * n + j];
                C[i * n + j] = (float) (alpha * sum) + prior;
            }
        }
    }

    // ---------------------------------------------------------------- forward: A = φ(Zin + 1·bᵀ)

    @Override
    protected void biasActivationKernel(Tensor zin, Tensor bias, Activation act, Tensor a) {
        float[] Z = data(zin), b = data(bias), A = data(a);
        int rows = zin.rows(), n = zin.cols();
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < n; k++) {
                Z[i * n + k] += b[k];
            }
            if (act == Activation.SOFTMAX) {
                softmaxRow(Z, A, i * n, n);
            } else {
                for (int k = 0; k < n; k++) {
                    A[i * n + k] = phi(act, Z[i * n + k]);
                }
            }
        }
    }

    /** φ(z) for the element-wise activations. */
    static float phi(Activation act, float z) {
        return switch (act) {
            case IDENTITY -> z;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-z)));
            case TANH -> (float) Math.tanh(z);
            case RELU -> z > 0 ? z : 0f;
            case LEAKY_RELU -> z > 0 ? z : Activation.LEAKY_SLOPE * z;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise");
            case GELU -> (float) (z * normalCdf(z));
            case SILU -> (float) (z / (1.0 + Math.exp(-z)));
        };
    }

    /** φ'(z), from z_in or from a = φ(z_in), whichever is exact and cheap. */
    static float phiPrime(Activation act, float zin, float a) {
        return switch (act) {
            case IDENTITY -> 1f;
            case SIGMOID -> a * (1f - a);
            case TANH -> 1f - a * a;
            case RELU -> zin > 0 ? 1f : 0f;
            case LEAKY_RELU -> zin > 0 ? 1f : Activation.LEAKY_SLOPE;
            case SOFTMAX -> throw new IllegalArgumentException("softmax has no element-wise derivative");
            case GELU -> (float) (normalCdf(zin) + zin * Math.exp(-0.5 * zin * zin) / Math.sqrt(2 * Math.PI));
            case SILU -> {
                double sigma = 1.0 / (1.0 + Math.exp(-zin));
                yield (float) (sigma * (1 + zin * (1 - sigma)));
            }
        };
    }

    /** Φ(z) = ½(1 + erf(z/√2)) = ½ erfc(−z/√2): the standard normal distribution function, accurate in the lower tail too. */
    static double normalCdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /**
     * erfc(x) = 1 − erf(x) to about 1e-13 relative: for x &lt; 2 from erf's Taylor series
     * erf(x) = 2/√π Σ_n (−1)^n x^{2n+1} / (n!(2n+1)) (at most 40 terms), for x ≥ 2 from the continued fraction
     * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) cut at 60 terms (Abramowitz and
     * Stegun 7.1.5 and 7.1.14), so the tail keeps its relative accuracy down to where a double underflows.
     */
    static double erfc(double x) {
        if (x < 0) {
            return 2 - erfc(-x);
        }
        if (x < 2) {
            double sum = 0, power = x; // power = (−1)^n x^{2n+1} / n!
            for (int n = 0; n < 40; n++) {
                sum += power / (2 * n + 1);
                power *= -x * x / (n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        double fraction = x;
        for (int k = 60; k >= 1; k--) {
            fraction = x + 0.5 * k / fraction;
        }
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * fraction);
    }

    private static void softmaxRow(float[] z, float[] out, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, z[off + k]);
        }
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += Math.exp(z[off + k] - max);
        }
        for (int k = 0; k < n; k++) {
            out[off + k] = (float) (Math.exp(z[off + k] - max) / sum);
        }
    }

    // ---------------------------------------------------------------- backward: Δ = G ⊙ φ'(Zin)

    @Override
    protected void activationBackwardKernel(Tensor g, Tensor zin, Tensor a, Activation act, Tensor delta) {
        float[] G = data(g), Z = data(zin), A = data(a), D = data(delta);
        for (int e = 0; e < G.length; e++) {
            D[e] = G[e] * phiPrime(act, Z[e], A[e]);
        }
    }

    // ---------------------------------------------------------------- output δ and loss

    @Override
    protected void outputDeltaKernel(Loss loss, float parameter, Activation act, Tensor zin, Tensor a, Tensor target, Tensor delta,
                                     Tensor lossOut, int lossIndex) {
        float[] Z = data(zin), A = data(a), T = data(target), D = data(delta);
        double sum = switch (loss) {
            case MSE -> mseDelta(act, Z, A, T, D);
            case L1 -> l1Delta(act, Z, A, T, D);
            case HUBER -> huberDelta(act, parameter, Z, A, T, D);
            case SOFTMAX_CROSS_ENTROPY -> softmaxCrossEntropyDelta(Z, A, T, D, zin.rows(), zin.cols());
            case BINARY_CROSS_ENTROPY -> binaryCrossEntropyDelta(Z, A, T, D);
        };
        data(lossOut)[lossIndex] = (float) sum;
    }

    /** δ_k = (y_k − t_k) φ'(y_in_k); returns Σ_i E_i with E_i = ½ Σ_k (y_k − t_k)². */
    private static double mseDelta(Activation act, float[] Z, float[] A, float[] T, float[] D) {
        double sum = 0;
        for (int e = 0; e < A.length; e++) {
            float diff = A[e] - T[e];
            D[e] = diff * phiPrime(act, Z[e], A[e]);
            sum += 0.5 * (double) diff * diff;
        }
        return sum;
    }

    private static double l1Delta(Activation act, float[] Z, float[] A, float[] T, float[] D) {
        double sum = 0;
        for (int e = 0; e < A.length; e++) {
            float diff = A[e] - T[e];
            D[e] = Math.signum(diff) * phiPrime(act, Z[e], A[e]);
            sum += Math.abs((double) diff);
        }
        return sum;
    }

    private static double huberDelta(Activation act, float delta, float[] Z, float[] A, float[] T, float[] D) {
        double sum = 0;
        for (int e = 0; e < A.length; e++) {
            float diff = A[e] - T[e];
            double r = Math.abs((double) diff);
            D[e] = Math.max(-delta, Math.min(delta, diff)) * phiPrime(act, Z[e], A[e]);
            sum += r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
        }
        return sum;
    }

    private static double binaryCrossEntropyDelta(float[] Z, float[] A, float[] T, float[] D) {
        double sum = 0;
        for (int e = 0; e < A.length; e++) {
            double z = Z[e];
            D[e] = A[e] - T[e];
            // max(z, 0) − z·t + log(1 + e^{−|z|}): no exponential of a large positive number, for logits of any size.
            sum += Math.max(z, 0) - z * T[e] + Math.log1p(Math.exp(-Math.abs(z)));
        }
        return sum;
    }

    // ---------------------------------------------------------------- dropout and normalisation

    @Override
    protected void dropoutKernel(Tensor x, float p, long key, Tensor y) {
        float[] X = data(x), Y = data(y);
        int threshold = DropoutMask.threshold(p);
        float scale = DropoutMask.scale(p);
        for (int e = 0; e < X.length; e++) {
            Y[e] = DropoutMask.keep(key, e, threshold) ? X[e] * scale : 0f;
        }
    }

    @Override
    protected void layerNormKernel(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        float[] X = data(x), G = data(gamma), H = data(xhat), R = data(rstd), Y = data(y);
        int rows = x.rows(), n = x.cols();
        for (int i = 0; i < rows; i++) {
            double mean = 0;
            for (int j = 0; j < n; j++) {
                mean += X[i * n + j];
            }
            mean /= n;
            double var = 0;
            for (int j = 0; j < n; j++) {
                double d = X[i * n + j] - mean;
                var += d * d;
            }
            double r = 1 / Math.sqrt(var / n + epsilon);
            R[i] = (float) r;
            for (int j = 0; j < n; j++) {
                double h = (X[i * n + j] - mean) * r;
                H[i * n + j] = (float) h;
                Y[i * n + j] = (float) (G[j] * h);
            }
        }
    }

    @Override
    protected void layerNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        float[] DY = data(dy), H = data(xhat), R = data(rstd), G = data(gamma), DX = data(dx), DG = data(dgamma);
        int rows = dy.rows(), n = dy.cols();
        double[] dg = new double[n];
        for (int i = 0; i < rows; i++) {
            double meanG = 0, meanGH = 0;
            for (int j = 0; j < n; j++) {
                double g = (double) G[j] * DY[i * n + j];
                meanG += g;
                meanGH += g * H[i * n + j];
                dg[j] += (double) DY[i * n + j] * H[i * n + j];
            }
            meanG /= n;
            meanGH /= n;
            for (int j = 0; j < n; j++) {
                double g = (double) G[j] * DY[i * n + j];
                DX[i * n + j] = (float) (R[i] * (g - meanG - H[i * n + j] * meanGH));
            }
        }
        for (int j = 0; j < n; j++) {
            DG[j] = (float) (alpha * dg[j]);
        }
    }

    @Override
    protected void batchNormKernel(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean, Tensor runningVar,
                                   Tensor xhat, Tensor rstd, Tensor y) {
        float[] X = data(x), G = data(gamma), RM = data(runningMean), RV = data(runningVar), H = data(xhat), R = data(rstd), Y = data(y);
        int rows = x.rows(), n = x.cols();
        for (int j = 0; j < n; j++) {
            double mean = 0;
            for (int i = 0; i < rows; i++) {
                mean += X[i * n + j];
            }
            mean /= rows;
            double ss = 0;
            for (int i = 0; i < rows; i++) {
                double d = X[i * n + j] - mean;
                ss += d * d;
            }
            double r = 1 / Math.sqrt(ss / rows + epsilon);
            R[j] = (float) r;
            for (int i = 0; i < rows; i++) {
                double h = (X[i * n + j] - mean) * r;
                H[i * n + j] = (float) h;
                Y[i * n + j] = (float) (G[j] * h);
            }
            RM[j] = (float) ((1.0 - momentum) * RM[j] + (double) momentum * mean);
            RV[j] = (float) ((1.0 - momentum) * RV[j] + (double) momentum * ss / (rows - 1));
        }
    }

    @Override
    protected void batchNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        float[] DY = data(dy), H = data(xhat), R = data(rstd), G = data(gamma), DX = data(dx), DG = data(dgamma);
        int rows = dy.rows(), n = dy.cols();
        for (int j = 0; j < n; j++) {
            double sumD = 0, sumDH = 0;
            for (int i = 0; i < rows; i++) {
                sumD += DY[i * n + j];
                sumDH += (double) DY[i * n + j] * H[i * n + j];
            }
            double meanD = sumD / rows, meanDH = sumDH / rows, scale = (double) G[j] * R[j];
            for (int i = 0; i < rows; i++) {
                DX[i * n + j] = (float) (scale * (DY[i * n + j] - meanD - H[i * n + j] * meanDH));
            }
            DG[j] = (float) (alpha * sumDH);
        }
    }

    @Override
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar, Tensor y) {
        float[] X = data(x), G = data(gamma), RM = data(runningMean), RV = data(runningVar), Y = data(y);
        int rows = x.rows(), n = x.cols();
        for (int j = 0; j < n; j++) {
            double scale = G[j] / Math.sqrt((double) RV[j] + epsilon);
            for (int i = 0; i < rows; i++) {
                Y[i * n + j] = (float) ((X[i * n + j] - (double) RM[j]) * scale);
            }
        }
    }

    /** δ_k = p_k − t_k; returns Σ_i E_i with E_i = −Σ_k t_k log p_k, log p_k = z_k − max − log Σ_j e^{z_j − max}. */
    private static double softmaxCrossEntropyDelta(float[] Z, float[] A, float[] T, float[] D, int rows, int n) {
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            int off = i * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < n; k++) {
                max = Math.max(max, Z[off + k]);
            }
            double lse = 0;
            for (int k = 0; k < n; k++) {
                lse += Math.exp(Z[off + k] - max);
            }
            lse = Math.log(lse);
            for (int k = 0; k < n; k++) {
                D[off + k] = A[off + k] - T[off + k];
                if (T[off + k] != 0f) {
                    sum -= T[off + k] * (Z[off + k] - max - lse);
                }
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------- reductions

    @Override
    protected void columnSumKernel(float alpha, Tensor x, Tensor out) {
        float[] X = data(x), O = data(out);
        int rows = x.rows(), n = x.cols();
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                sum += X[i * n + j];
            }
            O[j] = (float) (alpha * sum);
        }
    }

    @Override
    protected void sumOfSquaresKernel(Tensor x, Tensor out, int index) {
        double sum = 0;
        for (float v : data(x)) {
            sum += (double) v * v;
        }
        data(out)[index] = (float) sum;
    }

    @Override
    protected void scaleKernel(Tensor x, float alpha) {
        float[] X = data(x);
        for (int e = 0; e < X.length; e++) {
            X[e] *= alpha;
        }
    }

    // ---------------------------------------------------------------- optimizers: θ ← θ − η ∇E(θ) and friends

    @Override
    protected void sgdStepKernel(Tensor param, Tensor grad, float lr, float weightDecay) {
        float[] P = data(param), G = data(grad);
        for (int e = 0; e < P.length; e++) {
            P[e] -= lr * (G[e] + weightDecay * P[e]);
        }
    }

    @Override
    protected void momentumStepKernel(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum,
                                      float weightDecay, boolean nesterov) {
        float[] P = data(param), G = data(grad), V = data(velocity);
        for (int e = 0; e < P.length; e++) {
            float g = G[e] + weightDecay * P[e];
            V[e] = momentum * V[e] + g;
            float step = nesterov ? g + momentum * V[e] : V[e];
            P[e] -= lr * step;
        }
    }

    @Override
    protected void adamStepKernel(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                  float epsilon, float weightDecay, boolean decoupled, int step) {
        float[] P = data(param), G = data(grad), M = data(m), V = data(v);
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        for (int e = 0; e < P.length; e++) {
            float g = decoupled ? G[e] : G[e] + weightDecay * P[e];
            M[e] = beta1 * M[e] + (1 - beta1) * g;
            V[e] = beta2 * V[e] + (1 - beta2) * g * g;
            float mHat = M[e] / bc1;
            float vHat = V[e] / bc2;
            float decay = decoupled ? weightDecay * P[e] : 0f;
            P[e] -= lr * (mHat / ((float) Math.sqrt(vHat) + epsilon) + decay);
        }
    }

    /** Provider: always available, never preferred by "auto" over a real engine. */
    public static final class Provider implements delta4j.engine.EngineProvider {
        /** Called by {@link java.util.ServiceLoader}; the provider holds no state. */
        public Provider() {
        }

        @Override
        public String name() {
            return "reference";
        }

        @Override
        public Availability probe() {
            return Availability.yes("plain Java, 1 thread", false);
        }

        @Override
        public int autoPriority(Availability availability) {
            return 0;
        }

        @Override
        public Engine create(delta4j.engine.EngineConfig config) {
            return new ReferenceEngine(config == null ? Precision.FP32 : config.precision());
        }
    }
}
