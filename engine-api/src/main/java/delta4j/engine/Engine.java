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
 * kit checks concurrent kernel calls); extending {@link EngineBase} does it, with the checks, ownership and
 * lifecycle, and gives every kernel the engine does not write a correct default.
 */
public interface Engine extends AutoCloseable {

    /**
     * {@return the engine's name as used for selection: "reference", "cpu", "opencl", or a third party's}
     * It equals the {@link EngineProvider#name()} of the provider that created the engine.
     */
    String name();

    /** {@return a human-readable description of the device, e.g. "2 threads, AVX-512" or an OpenCL device name} */
    String device();

    /**
     * The arithmetic of this engine's products ({@link #gemm}), chosen when it was created
     * ({@link EngineConfig#precision()}): fp32 unless asked otherwise. It applies to gemm only; every other
     * kernel computes in fp32, and tensors always hold fp32 values. An engine that cannot give a precision
     * refuses it when created ({@link EngineUnavailableException}) rather than computing another.
     *
     * @return the precision of the products; {@link Precision#FP32} for an engine that offers no other
     */
    default Precision precision() {
        return Precision.FP32;
    }

    // ---------------------------------------------------------------- memory

    /**
     * Allocates a rows × cols tensor filled with zeros, owned by this engine.
     *
     * @param rows the number of rows, at least 1
     * @param cols the number of columns, at least 1
     * @return the new tensor, open until it or this engine is closed
     * @throws IllegalArgumentException if a size is not positive
     * @throws IllegalStateException if the engine is closed
     */
    Tensor allocate(int rows, int cols);

    /**
     * Copies {@code dst.size()} floats from {@code src[offset...]} into {@code dst}, row-major.
     *
     * @param src the host array to read; it may be reused as soon as the call returns
     * @param offset the index in {@code src} of the float that becomes {@code dst}'s element (0, 0)
     * @param dst a tensor of this engine, overwritten entirely
     * @throws IllegalArgumentException if {@code src} holds fewer than {@code offset + dst.size()} floats,
     *         the offset is negative, or {@code dst} belongs to another engine
     * @throws IllegalStateException if {@code dst} or the engine is closed
     */
    void upload(float[] src, int offset, Tensor dst);

    /**
     * Copies {@code src.size()} floats from {@code src} into {@code dst[offset...]}, row-major. Blocks until
     * every earlier kernel that writes {@code src} has finished and the floats are in {@code dst}.
     *
     * @param src a tensor of this engine
     * @param dst the host array to write; only {@code dst[offset .. offset + src.size() - 1]} changes
     * @param offset the index in {@code dst} that receives {@code src}'s element (0, 0)
     * @throws IllegalArgumentException if {@code dst} has room for fewer than {@code offset + src.size()}
     *         floats, the offset is negative, or {@code src} belongs to another engine
     * @throws IllegalStateException if {@code src} or the engine is closed
     */
    void download(Tensor src, float[] dst, int offset);

    /**
     * dst ← src, element by element.
     *
     * @param src the tensor to read
     * @param dst the tensor to overwrite, of the same shape as {@code src}
     * @throws IllegalArgumentException if the shapes differ
     */
    void copy(Tensor src, Tensor dst);

    /**
     * Every element of dst ← value.
     *
     * @param dst the tensor to overwrite
     * @param value the float written to every element (any value, NaN included)
     */
    void fill(Tensor dst, float value);

    /** Waits until all enqueued work has finished (for timing; downloads synchronise by themselves). */
    void finish();

    /** Releases every tensor this engine still owns and the engine's own resources. Idempotent. */
    @Override
    void close();

    /** {@return whether {@link #close()} has been called} */
    boolean isClosed();

    // ---------------------------------------------------------------- convenience over the memory kernels

    /**
     * Allocates a tensor and uploads {@code data} into it.
     *
     * @param rows the number of rows, at least 1
     * @param cols the number of columns, at least 1
     * @param data exactly rows × cols floats, row-major; it may be reused as soon as the call returns
     * @return a new tensor of this engine holding {@code data}
     * @throws IllegalArgumentException if {@code data.length} is not rows × cols
     */
    default Tensor tensor(int rows, int cols, float[] data) {
        if (data.length != (long) rows * cols) {
            throw new IllegalArgumentException("data has " + data.length + " floats, but a " + rows + "×" + cols
                    + " tensor needs " + (long) rows * cols);
        }
        Tensor t = allocate(rows, cols);
        upload(data, 0, t);
        return t;
    }

    /**
     * Uploads {@code dst.size()} floats from the start of {@code src}: {@code upload(src, 0, dst)}.
     *
     * @param src the host array to read, at least {@code dst.size()} floats long
     * @param dst a tensor of this engine, overwritten entirely
     */
    default void upload(float[] src, Tensor dst) {
        upload(src, 0, dst);
    }

    /**
     * Downloads a tensor into a new array.
     *
     * @param src a tensor of this engine, of fewer than 2³¹ elements
     * @return a new array of {@code src.size()} floats, row-major
     * @throws ArithmeticException if the tensor has 2³¹ elements or more
     */
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
     *
     * @param transA whether op(A) is Aᵀ (then {@code a} is k × m) rather than A (m × k)
     * @param transB whether op(B) is Bᵀ (then {@code b} is n × k) rather than B (k × n)
     * @param alpha the scale α of the product
     * @param a the left operand
     * @param b the right operand
     * @param beta the scale β of C's previous contents; 0 overwrites C without reading it
     * @param c the m × n result, updated in place; it must not alias {@code a} or {@code b}
     * @throws IllegalArgumentException if the inner dimensions or C's shape do not match
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /**
     * Forward activation, fused with the bias: {@code Zin ← Zin + 1·bᵀ}, then {@code A ← φ(Zin)}.
     *
     * <p>Zin and A are N × n, b is 1 × n. Zin is updated in place (it then holds z_in, which the backward
     * pass needs for φ'). {@code a} may be the same tensor as {@code zin} when φ is the identity or when the
     * caller does not need Zin afterwards. SOFTMAX normalises each row (shifted by its maximum).
     *
     * @param zin the N × n pre-activations {@code A[l-1]·W[l]}; on return, z_in with the bias added
     * @param bias the 1 × n bias row b, added to every row
     * @param activation the activation φ
     * @param a the N × n output φ(Zin); it may be {@code zin} itself
     * @throws IllegalArgumentException if the shapes do not match
     */
    void biasActivation(Tensor zin, Tensor bias, Activation activation, Tensor a);

    /**
     * Hidden-layer δ: {@code Δ ← G ⊙ φ'(Zin)}, where G = Δ[l+1]·W[l+1]ᵀ is the back-propagated error.
     *
     * <p>All four are N × n. The derivative is taken from A where that is cheaper and exact (sigmoid:
     * a(1−a); tanh: 1−a²) and from Zin otherwise (relu, leaky relu). {@code delta} may be the same tensor
     * as {@code g} (in place). SOFTMAX is not allowed here (it is fused into {@link #outputDelta}).
     *
     * @param g the N × n back-propagated error Δ[l+1]·W[l+1]ᵀ
     * @param zin the layer's N × n pre-activations z_in from the forward pass (bias included)
     * @param a the layer's N × n activations φ(z_in) from the forward pass
     * @param activation the layer's activation φ; element-wise, not SOFTMAX
     * @param delta the N × n result Δ[l]; it may be {@code g} itself
     * @throws IllegalArgumentException if the shapes differ or {@code activation} is SOFTMAX
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
     * <p>Zin, A, T and Δ are N × n; Δ is a tensor of its own, not Zin, A or T (an engine may write A − T to Δ
     * before it reads φ' or the loss from them). The batch's loss sum (not divided by N) is written, as a float, to
     * element {@code lossIndex} (flat, row-major) of {@code lossOut}; no host synchronisation happens, so
     * a trainer can collect one value per step and download them once per epoch.
     *
     * @param loss the loss function
     * @param activation the output layer's activation φ, which {@code loss} must allow
     * @param zin the output layer's N × n pre-activations (bias included)
     * @param a the output layer's N × n activations φ(Zin)
     * @param target the N × n targets T (one-hot rows, or class probabilities, for cross-entropy)
     * @param delta the N × n result Δ[L], a tensor distinct from {@code zin}, {@code a} and {@code target}
     * @param lossOut the tensor that receives the batch's loss sum; of any shape
     * @param lossIndex the flat, row-major element of {@code lossOut} to write, in {@code [0, lossOut.size())}
     * @throws IllegalArgumentException if the shapes differ, {@code lossIndex} is out of range, or the
     *         activation does not suit the loss
     */
    void outputDelta(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                     Tensor lossOut, int lossIndex);

    /**
     * Bias gradient: {@code out ← α·colsum(X)}, i.e. {@code out_j = α Σ_i X_ij}. X is N × n, out is 1 × n.
     * With X = Δ[l] and α = 1/N this is {@code db[l]}.
     *
     * @param alpha the scale α of the sums
     * @param x the N × n matrix whose columns are summed
     * @param out the 1 × n result, overwritten
     * @throws IllegalArgumentException if {@code out} is not 1 × n
     */
    void columnSum(float alpha, Tensor x, Tensor out);

    /**
     * Sum of squares {@code Σ x²} of all elements of x, written to flat element {@code index} of {@code out}
     * (for gradient norms, without a host round trip).
     *
     * @param x the tensor whose squared elements are summed, of any shape
     * @param out the tensor that receives the sum; only element {@code index} changes
     * @param index the flat, row-major element of {@code out} to write, in {@code [0, out.size())}
     * @throws IllegalArgumentException if {@code index} is out of range
     */
    void sumOfSquares(Tensor x, Tensor out, int index);

    /**
     * {@code x ← α·x} in place (gradient-norm clipping). The default goes through the host, which is
     * correct on any engine; engines override it with a kernel of their own.
     *
     * @param x the tensor to scale in place
     * @param alpha the factor α
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
     *
     * @param param the parameters θ, updated in place
     * @param grad the gradient g of the loss with respect to θ
     * @param learningRate the step size η
     * @param weightDecay the L2 coefficient λ; 0 for none
     * @throws IllegalArgumentException if the shapes differ
     */
    void sgdStep(Tensor param, Tensor grad, float learningRate, float weightDecay);

    /**
     * SGD with momentum μ (velocity v, same shape as θ):
     * {@code g' = g + λθ; v ← μv + g'; θ ← θ − η·(nesterov ? g' + μv : v)}.
     *
     * @param param the parameters θ, updated in place
     * @param grad the gradient g of the loss with respect to θ
     * @param velocity the velocity v, updated in place; zeros before the first step
     * @param learningRate the step size η
     * @param momentum the momentum coefficient μ, usually in [0, 1)
     * @param weightDecay the L2 coefficient λ; 0 for none
     * @param nesterov whether to take the Nesterov step {@code g' + μv} instead of {@code v}
     * @throws IllegalArgumentException if the shapes differ
     */
    void momentumStep(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                      float weightDecay, boolean nesterov);

    /**
     * Adam (Kingma and Ba) at step t ≥ 1, with moment estimates m and v of θ's shape:
     * {@code g' = g + λθ} (L2, when not decoupled); {@code m ← β1 m + (1−β1) g'}; {@code v ← β2 v + (1−β2) g'²};
     * {@code m̂ = m / (1−β1^t)}; {@code v̂ = v / (1−β2^t)};
     * {@code θ ← θ − η (m̂ / (√v̂ + ε) + (decoupled ? λθ : 0))} — AdamW when decoupled, where the
     * decay term uses θ before the step.
     *
     * @param param the parameters θ, updated in place
     * @param grad the gradient g of the loss with respect to θ
     * @param m the first-moment estimate, updated in place; zeros before step 1
     * @param v the second-moment estimate, updated in place; zeros before step 1
     * @param learningRate the step size η
     * @param beta1 the first moment's decay rate β1, in [0, 1)
     * @param beta2 the second moment's decay rate β2, in [0, 1)
     * @param epsilon the ε added to √v̂ in the denominator, for numerical stability
     * @param weightDecay the weight decay λ; 0 for none
     * @param decoupled whether λ is decoupled weight decay (AdamW) rather than L2 added to the gradient
     * @param step the 1-based step number t, for the bias corrections
     * @throws IllegalArgumentException if the shapes differ, {@code step} is less than 1, or a β lies outside [0, 1)
     */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                  float epsilon, float weightDecay, boolean decoupled, int step);
}
