package delta4j.engine;

/**
 * A compute engine: memory for row-major float32 matrices and the kernel set that trains an MLP.
 *
 * <p>Notation (the lecture's, batched with one sample per row): a layer l takes {@code A[l-1]} (N × n_in)
 * to {@code Zin[l] = A[l-1]·W[l] + 1·b[l]ᵀ} and {@code A[l] = φ(Zin[l])}, with {@code W[l]} n_in × n_out
 * and {@code b[l]} 1 × n_out. Backward, {@code Δ[L] = (A[L] − T) ⊙ φ'(Zin[L])} and
 * {@code Δ[l] = (Δ[l+1]·W[l+1]ᵀ) ⊙ φ'(Zin[l])}; the gradients are {@code dW[l] = A[l-1]ᵀ·Δ[l] / N} and
 * {@code db[l] = colsum(Δ[l]) / N}.
 *
 * <p>Kernels are enqueued in order: an engine may run them asynchronously (a GPU queue), but each kernel
 * sees the results of the ones called before it, and {@link #download} returns only after all earlier
 * work that writes its tensor has finished. Host arrays passed to {@link #upload} may be reused as soon
 * as the call returns. Shapes are checked on every call; a mismatch is an {@link IllegalArgumentException}
 * naming both shapes. Unless a method says otherwise, an output tensor must not alias an input.
 *
 * <p>Threads: the built-in engines serialise kernel calls on the engine's monitor, so each call is atomic
 * and calls from several threads take turns; a sequence of calls (a forward pass) is not, so threads that
 * share an engine use their own tensors, or hold {@code synchronized (engine)} around the sequence as
 * {@code Mlp.predict} and {@code Trainer} do. A third-party engine should do the same (the conformance
 * kit checks concurrent kernel calls).
 */
public interface Engine extends AutoCloseable {

    /** The engine's name as used for selection: "reference", "cpu", "opencl", or a third party's. */
    String name();

    /** A human-readable description of the device, e.g. "2 threads, AVX-512" or an OpenCL device name. */
    String device();

    /**
     * The arithmetic of this engine's products ({@link #gemm}), chosen when it was created
     * ({@link EngineConfig#precision()}): fp32 unless asked otherwise. It applies to gemm only; every other
     * kernel computes in fp32, and tensors always hold fp32 values. An engine that cannot give a precision
     * refuses it when created ({@link EngineUnavailableException}) rather than computing another.
     */
    default Precision precision() {
        return Precision.FP32;
    }

    // ---------------------------------------------------------------- memory

    /** Allocates a rows × cols tensor filled with zeros. Both sizes must be positive. */
    Tensor allocate(int rows, int cols);

    /** Copies {@code dst.size()} floats from {@code src[offset...]} into {@code dst}, row-major. */
    void upload(float[] src, int offset, Tensor dst);

    /** Copies {@code src.size()} floats from {@code src} into {@code dst[offset...]}, row-major. Blocks until done. */
    void download(Tensor src, float[] dst, int offset);

    /** dst ← src; the shapes must be equal. */
    void copy(Tensor src, Tensor dst);

    /** Every element of dst ← value. */
    void fill(Tensor dst, float value);

    /** Waits until all enqueued work has finished (for timing; downloads synchronise by themselves). */
    void finish();

    /** Releases every tensor this engine still owns and the engine's own resources. Idempotent. */
    @Override
    void close();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    // ---------------------------------------------------------------- convenience over the memory kernels

    /** Allocates a tensor and uploads {@code data} (rows × cols floats, row-major) into it. */
    default Tensor tensor(int rows, int cols, float[] data) {
        if (data.length != (long) rows * cols) {
            throw new IllegalArgumentException("data has " + data.length + " floats, but a " + rows + "×" + cols
                    + " tensor needs " + (long) rows * cols);
        }
        Tensor t = allocate(rows, cols);
        upload(data, 0, t);
        return t;
    }

    /** Uploads all of {@code t.size()} floats from the start of {@code src}. */
    default void upload(float[] src, Tensor dst) {
        upload(src, 0, dst);
    }

    /** Downloads a tensor into a new array. */
    default float[] download(Tensor src) {
        float[] out = new float[Math.toIntExact(src.size())];
        download(src, out, 0);
        return out;
    }

    // ---------------------------------------------------------------- the kernel set

    /**
     * General matrix product {@code C ← α·op(A)·op(B) + β·C}, where op(X) is X or Xᵀ.
     *
     * <p>op(A) is m × k, op(B) is k × n, C is m × n. The three products of backpropagation are
     * {@code gemm(false, false, 1, A[l-1], W[l], 0, Zin[l])} (forward),
     * {@code gemm(false, true, 1, Δ[l+1], W[l+1], 0, G[l])} (δ propagation, G = Δ·Wᵀ) and
     * {@code gemm(true, false, 1/N, A[l-1], Δ[l], 0, dW[l])} (weight gradient).
     * When β = 0, C is not read: NaN or garbage in C does not propagate.
     *
     * <p>At the engine's {@link #precision()} every element of op(A) and op(B) is first rounded with
     * {@link Precision#round(float)} (in the engine's working copy: the tensors are not changed), and the
     * products of the rounded operands are summed in fp32 or wider; α and β are applied in fp32.
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /**
     * Forward activation, fused with the bias: {@code Zin ← Zin + 1·bᵀ}, then {@code A ← φ(Zin)}.
     *
     * <p>Zin and A are N × n, b is 1 × n. Zin is updated in place (it then holds z_in, which the backward
     * pass needs for φ'). {@code a} may be the same tensor as {@code zin} when φ is the identity or when the
     * caller does not need Zin afterwards. SOFTMAX normalises each row (shifted by its maximum).
     */
    void biasActivation(Tensor zin, Tensor bias, Activation activation, Tensor a);

    /**
     * Hidden-layer δ: {@code Δ ← G ⊙ φ'(Zin)}, where G = Δ[l+1]·W[l+1]ᵀ is the back-propagated error.
     *
     * <p>All four are N × n. The derivative is taken from A where that is cheaper and exact (sigmoid:
     * a(1−a); tanh: 1−a²) and from Zin otherwise (relu, leaky relu). {@code delta} may be the same tensor
     * as {@code g} (in place). SOFTMAX is not allowed here (it is fused into {@link #outputDelta}).
     */
    void activationBackward(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta);

    /**
     * Output δ, fused with the loss.
     *
     * <ul>
     * <li>{@link Loss#MSE}: {@code Δ ← (A − T) ⊙ φ'(Zin)} and loss sum {@code Σ_i ½‖a_i − t_i‖²};
     *     φ must be element-wise.</li>
     * <li>{@link Loss#SOFTMAX_CROSS_ENTROPY}: {@code Δ ← A − T} (A = softmax(Zin) from the forward pass)
     *     and loss sum {@code −Σ_i Σ_k t_ik log softmax(z_i)_k}, with log-softmax computed from Zin
     *     (z − max − log Σ e^{z − max}) so it stays finite for logits of any size; φ must be SOFTMAX.</li>
     * </ul>
     *
     * <p>Zin, A, T and Δ are N × n. The batch's loss sum (not divided by N) is written, as a float, to
     * element {@code lossIndex} (flat, row-major) of {@code lossOut}; no host synchronisation happens, so
     * a trainer can collect one value per step and download them once per epoch.
     */
    void outputDelta(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                     Tensor lossOut, int lossIndex);

    /**
     * Bias gradient: {@code out ← α·colsum(X)}, i.e. {@code out_j = α Σ_i X_ij}. X is N × n, out is 1 × n.
     * With X = Δ[l] and α = 1/N this is {@code db[l]}.
     */
    void columnSum(float alpha, Tensor x, Tensor out);

    /**
     * Sum of squares {@code Σ x²} of all elements of x, written to flat element {@code index} of {@code out}
     * (for gradient norms, without a host round trip).
     */
    void sumOfSquares(Tensor x, Tensor out, int index);

    /**
     * {@code x ← α·x} in place (gradient-norm clipping). The default goes through the host, which is
     * correct on any engine; engines override it with a kernel of their own.
     */
    default void scale(Tensor x, float alpha) {
        KernelChecks.owned(this, x);
        float[] h = download(x);
        for (int i = 0; i < h.length; i++) {
            h[i] *= alpha;
        }
        upload(h, 0, x);
    }

    // ---------------------------------------------------------------- optimizer updates, in place

    /**
     * Plain gradient descent, the lecture's {@code θ ← θ − η ∇E(θ)}, with L2 weight decay λ:
     * {@code θ ← θ − η (g + λθ)}. θ and g have the same shape.
     */
    void sgdStep(Tensor param, Tensor grad, float learningRate, float weightDecay);

    /**
     * SGD with momentum μ (velocity v, same shape as θ):
     * {@code g' = g + λθ; v ← μv + g'; θ ← θ − η·(nesterov ? g' + μv : v)}.
     */
    void momentumStep(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                      float weightDecay, boolean nesterov);

    /**
     * Adam (Kingma and Ba) at step t ≥ 1, with moment estimates m and v of θ's shape:
     * {@code g' = g + λθ} (L2, when not decoupled); {@code m ← β1 m + (1−β1) g'}; {@code v ← β2 v + (1−β2) g'²};
     * {@code m̂ = m / (1−β1^t)}; {@code v̂ = v / (1−β2^t)};
     * {@code θ ← θ − η (m̂ / (√v̂ + ε) + (decoupled ? λθ : 0))} — AdamW when decoupled, where the
     * decay term uses θ before the step.
     */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                  float epsilon, float weightDecay, boolean decoupled, int step);
}
