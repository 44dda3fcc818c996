package delta4j.engine.reference;

import delta4j.engine.Activation;
import delta4j.engine.ArrayTensor;
import delta4j.engine.Engine;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The reference engine: the kernel set in plain, single-threaded Java loops that read like the math.
 * It is every other engine's oracle, so it stays obvious rather than fast. Sums that report a loss
 * are accumulated in double.
 *
 * <p>Its products emulate the {@link Precision} it was created with exactly: each operand element is
 * rounded with {@link Precision#round(float)}, and the products of the rounded operands (exact in double)
 * are summed in double.
 */
public final class ReferenceEngine implements Engine {

    private final Set<ArrayTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Precision precision;
    private boolean closed;

    /** A reference engine with fp32 products. */
    public ReferenceEngine() {
        this(Precision.FP32);
    }

    /** A reference engine whose products emulate {@code precision}. */
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

    // ---------------------------------------------------------------- memory

    @Override
    public synchronized Tensor allocate(int rows, int cols) {
        KernelChecks.allocation(rows, cols);
        if (closed) {
            throw new IllegalStateException("the reference engine is closed: create a new engine");
        }
        ArrayTensor t = new ArrayTensor(this, rows, cols, this::forget);
        live.add(t);
        return t;
    }

    // Synchronized like allocate: tensors may be closed from any thread (the set is not thread-safe).
    private synchronized void forget(ArrayTensor t) {
        live.remove(t);
    }

    /** Number of tensors allocated and not yet closed (for leak tests). */
    public synchronized int liveTensors() {
        return live.size();
    }

    @Override
    public synchronized void upload(float[] src, int offset, Tensor dst) {
        KernelChecks.owned(this, dst);
        KernelChecks.upload(src, offset, dst);
        System.arraycopy(src, offset, data(dst), 0, (int) dst.size());
    }

    @Override
    public synchronized void download(Tensor src, float[] dst, int offset) {
        KernelChecks.owned(this, src);
        KernelChecks.download(src, dst, offset);
        System.arraycopy(data(src), 0, dst, offset, (int) src.size());
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        KernelChecks.owned(this, src, dst);
        KernelChecks.sameShape("copy", src, dst);
        System.arraycopy(data(src), 0, data(dst), 0, (int) src.size());
    }

    @Override
    public synchronized void fill(Tensor dst, float value) {
        KernelChecks.owned(this, dst);
        java.util.Arrays.fill(data(dst), value);
    }

    @Override
    public synchronized void finish() {
        // Synchronous: nothing is ever pending.
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            for (ArrayTensor t : live.toArray(new ArrayTensor[0])) {
                t.close();
            }
            closed = true;
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- gemm: C = α op(A) op(B) + β C

    @Override
    public synchronized void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        KernelChecks.owned(this, a, b, c);
        KernelChecks.gemm(transA, transB, a, b, c);
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
    public synchronized void biasActivation(Tensor zin, Tensor bias, Activation act, Tensor a) {
        KernelChecks.owned(this, zin, bias, a);
        KernelChecks.biasActivation(zin, bias, act, a);
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
        };
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
    public synchronized void activationBackward(Tensor g, Tensor zin, Tensor a, Activation act, Tensor delta) {
        KernelChecks.owned(this, g, zin, a, delta);
        KernelChecks.activationBackward(g, zin, a, act, delta);
        float[] G = data(g), Z = data(zin), A = data(a), D = data(delta);
        for (int e = 0; e < G.length; e++) {
            D[e] = G[e] * phiPrime(act, Z[e], A[e]);
        }
    }

    // ---------------------------------------------------------------- output δ and loss

    @Override
    public synchronized void outputDelta(Loss loss, Activation act, Tensor zin, Tensor a, Tensor target, Tensor delta,
                            Tensor lossOut, int lossIndex) {
        KernelChecks.owned(this, zin, a, target, delta, lossOut);
        KernelChecks.outputDelta(loss, act, zin, a, target, delta, lossOut, lossIndex);
        float[] Z = data(zin), A = data(a), T = data(target), D = data(delta);
        int rows = zin.rows(), n = zin.cols();
        double sum = 0;
        if (loss == Loss.MSE) {
            // δ_k = (y_k − t_k) φ'(y_in_k);  E_i = ½ Σ_k (y_k − t_k)²
            for (int e = 0; e < A.length; e++) {
                float diff = A[e] - T[e];
                D[e] = diff * phiPrime(act, Z[e], A[e]);
                sum += 0.5 * (double) diff * diff;
            }
        } else {
            // δ_k = p_k − t_k;  E_i = −Σ_k t_k log p_k, with log p_k = z_k − max − log Σ_j e^{z_j − max}
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
        }
        data(lossOut)[lossIndex] = (float) sum;
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public synchronized void columnSum(float alpha, Tensor x, Tensor out) {
        KernelChecks.owned(this, x, out);
        KernelChecks.columnSum(x, out);
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
    public synchronized void sumOfSquares(Tensor x, Tensor out, int index) {
        KernelChecks.owned(this, x, out);
        KernelChecks.index(out, index, "sumOfSquares index");
        double sum = 0;
        for (float v : data(x)) {
            sum += (double) v * v;
        }
        data(out)[index] = (float) sum;
    }

    @Override
    public synchronized void scale(Tensor x, float alpha) {
        KernelChecks.owned(this, x);
        float[] X = data(x);
        for (int e = 0; e < X.length; e++) {
            X[e] *= alpha;
        }
    }

    // ---------------------------------------------------------------- optimizers: θ ← θ − η ∇E(θ) and friends

    @Override
    public synchronized void sgdStep(Tensor param, Tensor grad, float lr, float weightDecay) {
        KernelChecks.owned(this, param, grad);
        KernelChecks.sameShape("sgdStep θ/g", param, grad);
        float[] P = data(param), G = data(grad);
        for (int e = 0; e < P.length; e++) {
            P[e] -= lr * (G[e] + weightDecay * P[e]);
        }
    }

    @Override
    public synchronized void momentumStep(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum,
                             float weightDecay, boolean nesterov) {
        KernelChecks.owned(this, param, grad, velocity);
        KernelChecks.sameShape("momentumStep θ/g", param, grad);
        KernelChecks.sameShape("momentumStep θ/v", param, velocity);
        float[] P = data(param), G = data(grad), V = data(velocity);
        for (int e = 0; e < P.length; e++) {
            float g = G[e] + weightDecay * P[e];
            V[e] = momentum * V[e] + g;
            float step = nesterov ? g + momentum * V[e] : V[e];
            P[e] -= lr * step;
        }
    }

    @Override
    public synchronized void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                         float epsilon, float weightDecay, boolean decoupled, int step) {
        KernelChecks.owned(this, param, grad, m, v);
        KernelChecks.sameShape("adamStep θ/g", param, grad);
        KernelChecks.sameShape("adamStep θ/m", param, m);
        KernelChecks.sameShape("adamStep θ/v", param, v);
        KernelChecks.adam(step, beta1, beta2);
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

    private static float[] data(Tensor t) {
        return ((ArrayTensor) t).data();
    }

    /** Provider: always available, never preferred by "auto" over a real engine. */
    public static final class Provider implements delta4j.engine.EngineProvider {
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
