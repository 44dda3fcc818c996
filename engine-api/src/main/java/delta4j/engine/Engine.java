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

    /**
     * A hint for a warm-up that runs a small stand-in of a model so that the JIT compiles the engine's kernels before
     * the real work ({@code delta4j.model.Prewarm}): the depth k of a product ({@link #gemm}) past which this engine
     * takes another path through it (the cpu engine's k block: the blocks after the first accumulate into C), so that
     * a stand-in layer is made deeper than this wherever the real layer is. It changes no result.
     *
     * @return the depth, or 0 (the default) where no depth decides the path
     */
    default int gemmDepthBlock() {
        return 0;
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
     * Copies chosen rows of a host matrix into {@code dst}: dst's row r ← src's row {@code rows[from + r]} (row
     * {@code from + r} when {@code rows} is null), for r &lt; {@code dst.rows()}, where src is row-major with
     * {@code dst.cols()} columns. The mini-batch gather of training, straight into the engine's memory: one pass over the
     * batch instead of a gather on the host and an {@link #upload}. The default gathers on the host and uploads.
     *
     * @param src the host matrix, row-major, {@code dst.cols()} floats per row; it may be reused as soon as the call returns
     * @param rows the indices of src's rows to copy, read from {@code rows[from]}; null for src's rows from {@code from}
     * @param from the first index of {@code rows} to read (or src's first row when {@code rows} is null)
     * @param dst a tensor of this engine, overwritten entirely
     * @throws IllegalArgumentException if a row index is outside src, {@code rows} holds fewer than
     *         {@code from + dst.rows()} indices, or {@code dst} belongs to another engine
     * @throws IllegalStateException if {@code dst} or the engine is closed
     */
    default void uploadRows(float[] src, int[] rows, int from, Tensor dst) {
        KernelChecks.uploadRows(src, rows, from, dst);
        upload(KernelChecks.gatherRows(src, rows, from, dst.rows(), dst.cols(), null), 0, dst);
    }

    /**
     * Like {@link #uploadRows(float[], int[], int, Tensor)} for a host matrix of unsigned bytes (8-bit pixels, say):
     * dst's row r ← src's row {@code rows[from + r]} (row {@code from + r} when {@code rows} is null), each byte b
     * becoming the float {@code (b & 0xff) / divisor}, Java's float division (the quotient rounded to the nearest float),
     * so that 255 gives the [0, 1] scaling of images bit for bit as the floats {@code (b & 0xff) / 255f} would. A
     * quarter of the floats' memory on the host, and the conversion happens in the gather's one pass. The default
     * converts and gathers on the host and uploads.
     *
     * @param src the host matrix, row-major, {@code dst.cols()} bytes per row, each read as unsigned; it may be reused as
     *            soon as the call returns
     * @param divisor what each byte is divided by: finite, positive, and large enough that 255 / divisor is finite
     * @param rows the indices of src's rows to copy, read from {@code rows[from]}; null for src's rows from {@code from}
     * @param from the first index of {@code rows} to read (or src's first row when {@code rows} is null)
     * @param dst a tensor of this engine, overwritten entirely
     * @throws IllegalArgumentException if the divisor is not as above, a row index is outside src, {@code rows} holds
     *         fewer than {@code from + dst.rows()} indices, or {@code dst} belongs to another engine
     * @throws IllegalStateException if {@code dst} or the engine is closed
     */
    default void uploadRows(byte[] src, float divisor, int[] rows, int from, Tensor dst) {
        KernelChecks.uploadRows(src, divisor, rows, from, dst);
        upload(KernelChecks.gatherRows(src, divisor, rows, from, dst.rows(), dst.cols(), null), 0, dst);
    }

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

    // backward: dW (in×out) = s·Xᵀ (in×N)·Δ (N×out), G (N×in) = Δ (N×out)·Wᵀ (out×in)
    /**
     * The two products of a dense layer's backward pass, which do not depend on each other: the weight gradient
     * {@code dW ← s·Xᵀ·Δ} and the error passed back {@code G ← Δ·Wᵀ}. Bit for bit the same as
     * {@code gemm(true, false, s, x, delta, 0, dw)} followed by {@code gemm(false, true, 1, delta, w, 0, g)}, which is
     * the default; an engine may compute them at the same time (the cpu engine on two threads gives each product a
     * thread of its own, instead of cutting each one in two).
     *
     * @param s the scale of the weight gradient (1/N for the mean loss)
     * @param x the N × in input of the layer
     * @param delta the N × out error Δ at the layer's output
     * @param w the in × out weights
     * @param dw the in × out weight gradient, overwritten
     * @param g the N × in error for the layer below, overwritten
     * @throws IllegalArgumentException if the shapes do not fit, or a result is the same tensor as an operand or as
     *         the other result
     */
    default void backwardProducts(float s, Tensor x, Tensor delta, Tensor w, Tensor dw, Tensor g) {
        KernelChecks.backwardProducts(x, delta, w, dw, g);
        gemm(true, false, s, x, delta, 0f, dw);
        gemm(false, true, 1f, delta, w, 0f, g);
    }

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
     * Output δ, fused with the loss: {@link #outputDelta(Loss, float, Activation, Tensor, Tensor, Tensor, Tensor,
     * Tensor, int)} with the loss's default {@linkplain Loss#parameter() parameter}.
     *
     * @param loss the loss function
     * @param activation the output layer's activation φ, which {@code loss} must allow
     * @param zin the output layer's N × n pre-activations (bias included)
     * @param a the output layer's N × n activations φ(Zin)
     * @param target the N × n targets T
     * @param delta the N × n result Δ[L], a tensor distinct from {@code zin}, {@code a} and {@code target}
     * @param lossOut the tensor that receives the batch's loss sum; of any shape
     * @param lossIndex the flat, row-major element of {@code lossOut} to write, in {@code [0, lossOut.size())}
     * @throws IllegalArgumentException if the shapes differ, {@code lossIndex} is out of range, or the
     *         activation does not suit the loss
     */
    default void outputDelta(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                             Tensor lossOut, int lossIndex) {
        outputDelta(loss, loss == null ? 0f : loss.parameter(), activation, zin, a, target, delta, lossOut, lossIndex);
    }

    /**
     * Output δ, fused with the loss. With r = A − T, element by element:
     *
     * <ul>
     * <li>{@link Loss#MSE}: {@code Δ ← r ⊙ φ'(Zin)}, loss sum {@code Σ ½r²}; φ element-wise.</li>
     * <li>{@link Loss#L1}: {@code Δ ← sign(r) ⊙ φ'(Zin)} (sign(0) = 0), loss sum {@code Σ |r|}; φ element-wise.</li>
     * <li>{@link Loss#HUBER} with δ = {@code parameter}: {@code Δ ← clamp(r, −δ, δ) ⊙ φ'(Zin)}, loss sum
     *     {@code Σ (|r| ≤ δ ? ½r² : δ(|r| − ½δ))}; φ element-wise.</li>
     * <li>{@link Loss#SOFTMAX_CROSS_ENTROPY}: {@code Δ ← A − T} (A = softmax(Zin) from the forward pass)
     *     and loss sum {@code −Σ_i Σ_k t_ik log softmax(z_i)_k}, with log-softmax computed from Zin
     *     (z − max − log Σ e^{z − max}) so it stays finite for logits of any size; φ must be SOFTMAX.</li>
     * <li>{@link Loss#BINARY_CROSS_ENTROPY}: {@code Δ ← A − T} (A = σ(Zin) from the forward pass) and loss sum
     *     {@code Σ max(z, 0) − z·t + log(1 + e^{−|z|})} over the logits z = Zin, finite for logits of any size;
     *     φ must be SIGMOID.</li>
     * </ul>
     *
     * <p>Zin, A, T and Δ are N × n; Δ is a tensor of its own, not Zin, A or T (an engine may write A − T to Δ
     * before it reads φ' or the loss from them). The batch's loss sum (not divided by N) is written, as a float, to
     * element {@code lossIndex} (flat, row-major) of {@code lossOut}; no host synchronisation happens, so
     * a trainer can collect one value per step and download them once per epoch.
     *
     * @param loss the loss function
     * @param parameter the loss's parameter (Huber's δ, checked by {@link Loss#checkParameter}); ignored by a loss
     *        that takes none
     * @param activation the output layer's activation φ, which {@code loss} must allow
     * @param zin the output layer's N × n pre-activations (bias included)
     * @param a the output layer's N × n activations φ(Zin)
     * @param target the N × n targets T (one-hot rows, or class probabilities, for cross-entropy; values in [0, 1]
     *        for binary cross-entropy)
     * @param delta the N × n result Δ[L], a tensor distinct from {@code zin}, {@code a} and {@code target}
     * @param lossOut the tensor that receives the batch's loss sum; of any shape
     * @param lossIndex the flat, row-major element of {@code lossOut} to write, in {@code [0, lossOut.size())}
     * @throws IllegalArgumentException if the shapes differ, {@code lossIndex} is out of range, the parameter is out
     *         of range, or the activation does not suit the loss
     */
    void outputDelta(Loss loss, float parameter, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                     Tensor lossOut, int lossIndex);

    // ---------------------------------------------------------------- regularisation and normalisation layers
    //
    // Defaults run the reference engine on host copies (HostKernels), so an engine that does not implement these
    // kernels still computes them correctly; the built-in engines override them.

    /**
     * Inverted dropout: {@code Y ← X ⊙ M / (1 − p)}, where the mask M is {@link DropoutMask}'s for {@code key}
     * (element e of X is kept when {@code DropoutMask.keep(key, e, DropoutMask.threshold(p))}, and scaled by
     * {@code DropoutMask.scale(p)}). The backward pass is the same kernel with the same key on the back-propagated
     * error: {@code G ← G ⊙ M / (1 − p)}. X and Y are N × n and may be the same tensor.
     *
     * @param x the N × n input (activations forward, back-propagated error backward)
     * @param p the drop probability, in [0, 1); 0 copies X
     * @param key the mask's key, {@link DropoutMask#key(long, long, long, int)}
     * @param y the N × n result; it may be {@code x} itself
     * @throws IllegalArgumentException if the shapes differ or p lies outside [0, 1)
     */
    default void dropout(Tensor x, float p, long key, Tensor y) {
        KernelChecks.owned(this, x, y);
        KernelChecks.dropout(x, p, y);
        HostKernels.run(this, (ref, h) -> ref.dropout(h.in(x), p, key, h.in(y)), y);
    }

    /**
     * Layer normalisation without its shift, per sample over the n units of a row i:
     * {@code μ_i = 1/n Σ_j x_ij}, {@code σ²_i = 1/n Σ_j (x_ij − μ_i)²}, {@code rstd_i = 1/√(σ²_i + ε)},
     * {@code x̂_ij = (x_ij − μ_i)·rstd_i}, {@code y_ij = γ_j x̂_ij}. The model adds the shift β as the next
     * {@link #biasActivation}'s bias.
     *
     * @param x the N × n input (the dense layer's {@code A[l-1]·W[l]})
     * @param gamma the 1 × n gains γ
     * @param epsilon the ε added to the variance, &gt; 0
     * @param xhat the N × n normalised input x̂, kept for the backward pass; distinct from the other tensors
     * @param rstd the N × 1 reciprocal standard deviations, kept for the backward pass
     * @param y the N × n result γ ⊙ x̂; it may be {@code x} itself
     * @throws IllegalArgumentException if the shapes do not match, ε is not positive, or {@code xhat} aliases another
     */
    default void layerNorm(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        KernelChecks.owned(this, x, gamma, xhat, rstd, y);
        KernelChecks.layerNorm(x, gamma, epsilon, xhat, rstd, y);
        HostKernels.run(this, (ref, h) -> ref.layerNorm(h.in(x), h.in(gamma), epsilon, h.in(xhat), h.in(rstd), h.in(y)), xhat, rstd, y);
    }

    /**
     * Backward twin of {@link #layerNorm}. With {@code g_ij = γ_j δ_ij} (δ = ∂E/∂y) the lecture's δ of the
     * normalised layer's input is {@code dx_ij = rstd_i (g_ij − 1/n Σ_k g_ik − x̂_ij · 1/n Σ_k g_ik x̂_ik)},
     * and the gain's gradient is {@code dγ_j = α Σ_i δ_ij x̂_ij}.
     *
     * @param dy the N × n error δ = ∂E/∂y
     * @param xhat the N × n normalised input from the forward pass
     * @param rstd the N × 1 reciprocal standard deviations from the forward pass
     * @param gamma the 1 × n gains γ
     * @param alpha the scale α of dγ (1/N for the mean loss's gradient, as for {@link #columnSum})
     * @param dx the N × n result ∂E/∂x; it may be {@code dy} itself
     * @param dgamma the 1 × n result dγ, overwritten
     * @throws IllegalArgumentException if the shapes do not match or {@code dx} aliases another input than {@code dy}
     */
    default void layerNormBackward(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        KernelChecks.owned(this, dy, xhat, rstd, gamma, dx);
        KernelChecks.owned(this, dgamma);
        KernelChecks.normBackward("layerNormBackward", dy, xhat, rstd, gamma, dx, dgamma, false);
        HostKernels.run(this, (ref, h) -> ref.layerNormBackward(h.in(dy), h.in(xhat), h.in(rstd), h.in(gamma), alpha, h.in(dx), h.in(dgamma)),
                dx, dgamma);
    }

    /**
     * Batch normalisation without its shift, training mode, per unit over the N ≥ 2 samples of a column j:
     * {@code μ_j = 1/N Σ_i x_ij}, {@code σ²_j = 1/N Σ_i (x_ij − μ_j)²}, {@code rstd_j = 1/√(σ²_j + ε)},
     * {@code x̂_ij = (x_ij − μ_j)·rstd_j}, {@code y_ij = γ_j x̂_ij}; and the running statistics
     * {@code runningMean ← (1 − m)·runningMean + m·μ}, {@code runningVar ← (1 − m)·runningVar + m·σ²·N/(N − 1)}
     * (the unbiased variance, as PyTorch's BatchNorm1d keeps it). The model adds the shift β as the next
     * {@link #biasActivation}'s bias.
     *
     * @param x the N × n input, N ≥ 2
     * @param gamma the 1 × n gains γ
     * @param epsilon the ε added to the variance, &gt; 0
     * @param momentum the running statistics' momentum m, in [0, 1]
     * @param runningMean the 1 × n running mean, updated in place
     * @param runningVar the 1 × n running variance, updated in place
     * @param xhat the N × n normalised input, kept for the backward pass; distinct from the other tensors
     * @param rstd the 1 × n reciprocal standard deviations, kept for the backward pass
     * @param y the N × n result γ ⊙ x̂; it may be {@code x} itself
     * @throws IllegalArgumentException if the shapes do not match, N &lt; 2, ε is not positive, the momentum lies
     *         outside [0, 1], or {@code xhat} aliases another tensor
     */
    default void batchNorm(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean, Tensor runningVar,
                           Tensor xhat, Tensor rstd, Tensor y) {
        KernelChecks.owned(this, x, gamma, runningMean, runningVar, xhat);
        KernelChecks.owned(this, rstd, y);
        KernelChecks.batchNorm(x, gamma, epsilon, momentum, runningMean, runningVar, xhat, rstd, y);
        HostKernels.run(this, (ref, h) -> ref.batchNorm(h.in(x), h.in(gamma), epsilon, momentum, h.in(runningMean), h.in(runningVar),
                h.in(xhat), h.in(rstd), h.in(y)), runningMean, runningVar, xhat, rstd, y);
    }

    /**
     * Backward twin of {@link #batchNorm}. With {@code g_ij = γ_j δ_ij} (δ = ∂E/∂y) the δ of the normalised
     * layer's input is {@code dx_ij = rstd_j (g_ij − 1/N Σ_k g_kj − x̂_ij · 1/N Σ_k g_kj x̂_kj)}, and the gain's
     * gradient is {@code dγ_j = α Σ_i δ_ij x̂_ij}.
     *
     * @param dy the N × n error δ = ∂E/∂y
     * @param xhat the N × n normalised input from the forward pass
     * @param rstd the 1 × n reciprocal standard deviations from the forward pass
     * @param gamma the 1 × n gains γ
     * @param alpha the scale α of dγ (1/N for the mean loss's gradient)
     * @param dx the N × n result ∂E/∂x; it may be {@code dy} itself
     * @param dgamma the 1 × n result dγ, overwritten
     * @throws IllegalArgumentException if the shapes do not match or {@code dx} aliases another input than {@code dy}
     */
    default void batchNormBackward(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        KernelChecks.owned(this, dy, xhat, rstd, gamma, dx);
        KernelChecks.owned(this, dgamma);
        KernelChecks.normBackward("batchNormBackward", dy, xhat, rstd, gamma, dx, dgamma, true);
        HostKernels.run(this, (ref, h) -> ref.batchNormBackward(h.in(dy), h.in(xhat), h.in(rstd), h.in(gamma), alpha, h.in(dx), h.in(dgamma)),
                dx, dgamma);
    }

    /**
     * Batch normalisation without its shift, at prediction: {@code y_ij = γ_j (x_ij − runningMean_j) / √(runningVar_j + ε)}.
     *
     * @param x the N × n input, any N ≥ 1
     * @param gamma the 1 × n gains γ
     * @param epsilon the ε added to the variance, &gt; 0
     * @param runningMean the 1 × n running mean from training
     * @param runningVar the 1 × n running variance from training
     * @param y the N × n result; it may be {@code x} itself
     * @throws IllegalArgumentException if the shapes do not match or ε is not positive
     */
    default void batchNormInference(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar, Tensor y) {
        KernelChecks.owned(this, x, gamma, runningMean, runningVar, y);
        KernelChecks.batchNormInference(x, gamma, epsilon, runningMean, runningVar, y);
        HostKernels.run(this, (ref, h) -> ref.batchNormInference(h.in(x), h.in(gamma), epsilon, h.in(runningMean), h.in(runningVar), h.in(y)), y);
    }

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

    /**
     * {@link #adamStep} on a group of parameter tensors in one call, with the same bits as the calls one after another:
     * for each i, {@code adamStep(params[i], grads[i], m[i], v[i], learningRate, beta1, beta2, epsilon, weightDecay[i],
     * decoupled, step)}. A model's optimizer step is one such call, so an engine may take the group's elements as one
     * range (the cpu engine splits it over its threads as one job, where a small tensor's step alone runs on one). The
     * default is those calls. Shapes: params[i], grads[i], m[i], v[i] alike; the arrays of one length.
     *
     * @param params the parameter tensors θ_i, updated in place
     * @param grads their gradients g_i
     * @param m their first-moment estimates, updated in place
     * @param v their second-moment estimates, updated in place
     * @param learningRate the step size η
     * @param beta1 the first moment's decay rate β1, in [0, 1)
     * @param beta2 the second moment's decay rate β2, in [0, 1)
     * @param epsilon the ε added to √v̂ in the denominator
     * @param weightDecay the weight decay λ_i of each tensor; 0 for none
     * @param decoupled whether the λ_i are decoupled weight decay (AdamW) rather than L2 added to the gradient
     * @param step the 1-based step number t, for the bias corrections
     * @throws IllegalArgumentException if the arrays' lengths differ or are 0, a tensor updated in place appears twice or
     *         is also a gradient, or for any i as {@link #adamStep}
     */
    default void adamSteps(Tensor[] params, Tensor[] grads, Tensor[] m, Tensor[] v, float learningRate, float beta1, float beta2,
                           float epsilon, float[] weightDecay, boolean decoupled, int step) {
        KernelChecks.adamGroup(params, grads, m, v, weightDecay);
        for (int i = 0; i < params.length; i++) {
            adamStep(params[i], grads[i], m[i], v[i], learningRate, beta1, beta2, epsilon, weightDecay[i], decoupled, step);
        }
    }
}
