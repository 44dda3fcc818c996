package delta4j.engine;

import delta4j.engine.reference.ReferenceEngine;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The base of an engine: it owns the public methods of {@link Engine}, so that every engine checks arguments
 * ({@link KernelChecks}), ownership and the closed state the same way, serialises calls on its monitor and
 * keeps the record of its live tensors; then it calls the engine's protected implementation.
 *
 * <p>An engine writes its memory ({@link #newTensor}, {@link #write}, {@link #read}) and the kernels it
 * accelerates, overriding their {@code ...Kernel} methods; those are called with checked arguments, on the
 * engine's monitor, and never after {@link #close()}. Every kernel it leaves alone has a correct default:
 * the tensors are read to the host, the {@link ReferenceEngine} computes there, and the results are written
 * back. So an engine that passes the conformance kit keeps passing it when a kernel is added to the set: the
 * new kernel starts as its default, which the engine may override later.
 *
 * <p>A tensor from {@link #newTensor} is recorded as live until its {@code close()} calls {@link #forget};
 * {@link #close()} closes the tensors still live and then calls {@link #releaseResources()}.
 */
public abstract class EngineBase implements Engine {

    private final Set<Tensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;
    /** The host array that {@link #writeRows} gathers into by default, kept for the next batch. */
    private float[] staging;
    /** The defaults' host engine, created on the first default kernel call. */
    private ReferenceEngine host;
    /** The defaults' way to this engine's memory: its own {@link #read} and {@link #write}, arguments already checked. */
    private final HostKernels.Memory memory = new HostKernels.Memory() {
        @Override
        public float[] read(Tensor t) {
            float[] values = new float[Math.toIntExact(t.size())];
            EngineBase.this.read(t, values, 0);
            return values;
        }

        @Override
        public void write(float[] values, Tensor t) {
            EngineBase.this.write(values, 0, t);
        }
    };

    /** For subclasses: an engine starts open, with no live tensors. */
    protected EngineBase() {
    }

    // ---------------------------------------------------------------- what an engine writes: its memory

    /**
     * Creates the memory of {@link #allocate}. Its {@code close()} releases the memory and calls {@link #forget}.
     *
     * @param rows the number of rows, already checked to be positive
     * @param cols the number of columns, already checked to be positive
     * @return a new rows × cols tensor of this engine, filled with zeros; the engine is open
     */
    protected abstract Tensor newTensor(int rows, int cols);

    /**
     * Implements {@link #upload(float[], int, Tensor)}: copies {@code dst.size()} floats from
     * {@code src[offset...]} into dst.
     *
     * @param src the host array, already checked to hold the floats from {@code offset}
     * @param offset the index in {@code src} of dst's element (0, 0)
     * @param dst an open tensor of this engine
     */
    protected abstract void write(float[] src, int offset, Tensor dst);

    /**
     * Implements {@link #uploadRows}: dst's row r ← src's row {@code rows[from + r]} (or {@code from + r}). By default the
     * rows are gathered into a host array kept between calls and written with {@link #write}; engines whose memory the
     * host reaches override it with one pass.
     *
     * @param src the host matrix, already checked to hold every row named
     * @param rows the row indices, or null for consecutive rows
     * @param from the first index of {@code rows} (or src's first row)
     * @param dst an open tensor of this engine
     */
    protected void writeRows(float[] src, int[] rows, int from, Tensor dst) {
        write(KernelChecks.gatherRows(src, rows, from, dst.rows(), dst.cols(), staging(dst)), 0, dst);
    }

    /**
     * Implements {@link #uploadRows(byte[], float, int[], int, Tensor)}: dst's row r ← src's row {@code rows[from + r]} (or
     * {@code from + r}), each byte b as {@code (b & 0xff) / divisor}. By default converted and gathered into the host
     * array that {@link #writeRows(float[], int[], int, Tensor)} keeps, and written with {@link #write}.
     *
     * @param src the host matrix of unsigned bytes, already checked to hold every row named
     * @param divisor what each byte is divided by, already checked
     * @param rows the row indices, or null for consecutive rows
     * @param from the first index of {@code rows} (or src's first row)
     * @param dst an open tensor of this engine
     */
    protected void writeRows(byte[] src, float divisor, int[] rows, int from, Tensor dst) {
        write(KernelChecks.gatherRows(src, divisor, rows, from, dst.rows(), dst.cols(), staging(dst)), 0, dst);
    }

    /** The host array kept between staged row uploads, at least as large as {@code dst}. */
    private float[] staging(Tensor dst) {
        int n = Math.toIntExact(dst.size());
        if (staging == null || staging.length < n) {
            staging = new float[n];
        }
        return staging;
    }

    /**
     * Implements {@link #download(Tensor, float[], int)}: copies src into {@code dst[offset...]}, after all
     * earlier work that writes src has finished.
     *
     * @param src an open tensor of this engine
     * @param dst the host array, already checked to have room from {@code offset}
     * @param offset the index in {@code dst} that receives src's element (0, 0)
     */
    protected abstract void read(Tensor src, float[] dst, int offset);

    /**
     * Tells the engine that a tensor of {@link #newTensor} was closed; its tensors call it from {@code close()}.
     *
     * @param t the tensor that was closed; no longer counted by {@link #liveTensors()}
     */
    protected final void forget(Tensor t) {
        synchronized (this) {
            live.remove(t);
        }
    }

    /** Waits for enqueued work ({@link #finish()}); nothing to wait for by default. */
    protected void finishKernels() {
    }

    /** Releases the engine's own resources, once, after {@link #close()} has closed its tensors. */
    protected void releaseResources() {
    }

    // ---------------------------------------------------------------- memory

    @Override
    public final synchronized Tensor allocate(int rows, int cols) {
        KernelChecks.allocation(rows, cols);
        if (closed) {
            throw new IllegalStateException("the " + name() + " engine is closed: create a new engine");
        }
        Tensor t = newTensor(rows, cols);
        live.add(t);
        return t;
    }

    /** {@return the number of tensors allocated and not yet closed (for leak tests)} */
    public final synchronized int liveTensors() {
        return live.size();
    }

    @Override
    public final synchronized void upload(float[] src, int offset, Tensor dst) {
        KernelChecks.owned(this, dst);
        KernelChecks.upload(src, offset, dst);
        write(src, offset, dst);
    }

    @Override
    public final synchronized void uploadRows(float[] src, int[] rows, int from, Tensor dst) {
        KernelChecks.owned(this, dst);
        KernelChecks.uploadRows(src, rows, from, dst);
        writeRows(src, rows, from, dst);
    }

    @Override
    public final synchronized void uploadRows(byte[] src, float divisor, int[] rows, int from, Tensor dst) {
        KernelChecks.owned(this, dst);
        KernelChecks.uploadRows(src, divisor, rows, from, dst);
        writeRows(src, divisor, rows, from, dst);
    }

    @Override
    public final synchronized void download(Tensor src, float[] dst, int offset) {
        KernelChecks.owned(this, src);
        KernelChecks.download(src, dst, offset);
        read(src, dst, offset);
    }

    @Override
    public final synchronized void copy(Tensor src, Tensor dst) {
        KernelChecks.owned(this, src, dst);
        KernelChecks.sameShape("copy", src, dst);
        copyKernel(src, dst);
    }

    @Override
    public final synchronized void fill(Tensor dst, float value) {
        KernelChecks.owned(this, dst);
        fillKernel(dst, value);
    }

    @Override
    public final synchronized void finish() {
        finishKernels();
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                for (Tensor t : live.toArray(new Tensor[0])) {
                    t.close();
                }
                live.clear();
            } finally {
                try {
                    releaseResources();
                } finally {
                    if (host != null) {
                        host.close();
                    }
                }
            }
        }
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- the kernel set

    @Override
    public final synchronized void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        KernelChecks.owned(this, a, b, c);
        KernelChecks.gemm(transA, transB, a, b, c);
        gemmKernel(transA, transB, alpha, a, b, beta, c);
    }

    @Override
    public final synchronized void backwardProducts(float s, Tensor x, Tensor delta, Tensor w, Tensor dw, Tensor g) {
        KernelChecks.owned(this, x, delta, w, dw, g);
        KernelChecks.backwardProducts(x, delta, w, dw, g);
        backwardProductsKernel(s, x, delta, w, dw, g);
    }

    @Override
    public final synchronized void biasActivation(Tensor zin, Tensor bias, Activation activation, Tensor a) {
        KernelChecks.owned(this, zin, bias, a);
        KernelChecks.biasActivation(zin, bias, activation, a);
        biasActivationKernel(zin, bias, activation, a);
    }

    @Override
    public final synchronized void activationBackward(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta) {
        KernelChecks.owned(this, g, zin, a, delta);
        KernelChecks.activationBackward(g, zin, a, activation, delta);
        activationBackwardKernel(g, zin, a, activation, delta);
    }

    @Override
    public final synchronized void outputDelta(Loss loss, float parameter, Activation activation, Tensor zin, Tensor a, Tensor target,
                                               Tensor delta, Tensor lossOut, int lossIndex) {
        KernelChecks.owned(this, zin, a, target, delta, lossOut);
        KernelChecks.outputDelta(loss, parameter, activation, zin, a, target, delta, lossOut, lossIndex);
        outputDeltaKernel(loss, parameter, activation, zin, a, target, delta, lossOut, lossIndex);
    }

    @Override
    public final synchronized void dropout(Tensor x, float p, long key, Tensor y) {
        KernelChecks.owned(this, x, y);
        KernelChecks.dropout(x, p, y);
        dropoutKernel(x, p, key, y);
    }

    @Override
    public final synchronized void layerNorm(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        KernelChecks.owned(this, x, gamma, xhat, rstd, y);
        KernelChecks.layerNorm(x, gamma, epsilon, xhat, rstd, y);
        layerNormKernel(x, gamma, epsilon, xhat, rstd, y);
    }

    @Override
    public final synchronized void layerNormBackward(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx,
                                                     Tensor dgamma) {
        KernelChecks.owned(this, dy, xhat, rstd, gamma, dx);
        KernelChecks.owned(this, dgamma);
        KernelChecks.normBackward("layerNormBackward", dy, xhat, rstd, gamma, dx, dgamma, false);
        layerNormBackwardKernel(dy, xhat, rstd, gamma, alpha, dx, dgamma);
    }

    @Override
    public final synchronized void batchNorm(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean,
                                             Tensor runningVar, Tensor xhat, Tensor rstd, Tensor y) {
        KernelChecks.owned(this, x, gamma, runningMean, runningVar, xhat);
        KernelChecks.owned(this, rstd, y);
        KernelChecks.batchNorm(x, gamma, epsilon, momentum, runningMean, runningVar, xhat, rstd, y);
        batchNormKernel(x, gamma, epsilon, momentum, runningMean, runningVar, xhat, rstd, y);
    }

    @Override
    public final synchronized void batchNormBackward(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx,
                                                     Tensor dgamma) {
        KernelChecks.owned(this, dy, xhat, rstd, gamma, dx);
        KernelChecks.owned(this, dgamma);
        KernelChecks.normBackward("batchNormBackward", dy, xhat, rstd, gamma, dx, dgamma, true);
        batchNormBackwardKernel(dy, xhat, rstd, gamma, alpha, dx, dgamma);
    }

    @Override
    public final synchronized void batchNormInference(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar,
                                                      Tensor y) {
        KernelChecks.owned(this, x, gamma, runningMean, runningVar, y);
        KernelChecks.batchNormInference(x, gamma, epsilon, runningMean, runningVar, y);
        batchNormInferenceKernel(x, gamma, epsilon, runningMean, runningVar, y);
    }

    @Override
    public final synchronized void columnSum(float alpha, Tensor x, Tensor out) {
        KernelChecks.owned(this, x, out);
        KernelChecks.columnSum(x, out);
        columnSumKernel(alpha, x, out);
    }

    @Override
    public final synchronized void sumOfSquares(Tensor x, Tensor out, int index) {
        KernelChecks.owned(this, x, out);
        KernelChecks.index(out, index, "sumOfSquares index");
        sumOfSquaresKernel(x, out, index);
    }

    @Override
    public final synchronized void scale(Tensor x, float alpha) {
        KernelChecks.owned(this, x);
        scaleKernel(x, alpha);
    }

    @Override
    public final synchronized void sgdStep(Tensor param, Tensor grad, float learningRate, float weightDecay) {
        KernelChecks.owned(this, param, grad);
        KernelChecks.sameShape("sgdStep θ/g", param, grad);
        sgdStepKernel(param, grad, learningRate, weightDecay);
    }

    @Override
    public final synchronized void momentumStep(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                                                float weightDecay, boolean nesterov) {
        KernelChecks.owned(this, param, grad, velocity);
        KernelChecks.sameShape("momentumStep θ/g", param, grad);
        KernelChecks.sameShape("momentumStep θ/v", param, velocity);
        momentumStepKernel(param, grad, velocity, learningRate, momentum, weightDecay, nesterov);
    }

    @Override
    public final synchronized void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                                            float epsilon, float weightDecay, boolean decoupled, int step) {
        adamTensors(false, param, grad, m, v);
        KernelChecks.adam(step, beta1, beta2);
        adamStepKernel(param, grad, m, v, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step);
    }

    @Override
    public final synchronized void adamSteps(Tensor[] params, Tensor[] grads, Tensor[] m, Tensor[] v, float learningRate, float beta1,
                                             float beta2, float epsilon, float[] weightDecay, boolean decoupled, int step) {
        KernelChecks.adamGroup(params, grads, m, v, weightDecay);
        for (int i = 0; i < params.length; i++) {
            adamTensors(true, params[i], grads[i], m[i], v[i]);
        }
        KernelChecks.adam(step, beta1, beta2);
        adamStepsKernel(params, grads, m, v, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step);
    }

    /** The tensor checks of one parameter's Adam step, named for the kernel that was called (constant names: no allocation). */
    private void adamTensors(boolean group, Tensor param, Tensor grad, Tensor m, Tensor v) {
        KernelChecks.owned(this, param, grad, m, v);
        KernelChecks.sameShape(group ? "adamSteps θ/g" : "adamStep θ/g", param, grad);
        KernelChecks.sameShape(group ? "adamSteps θ/m" : "adamStep θ/m", param, m);
        KernelChecks.sameShape(group ? "adamSteps θ/v" : "adamStep θ/v", param, v);
    }

    // ---------------------------------------------------------------- implementations: defaults through the host

    /**
     * Implements {@link #copy}: dst ← src. Called with checked arguments on the engine's monitor; the default
     * goes through the host.
     *
     * @param src the tensor to read
     * @param dst the tensor to overwrite, of src's shape
     */
    protected void copyKernel(Tensor src, Tensor dst) {
        float[] h = new float[Math.toIntExact(src.size())];
        read(src, h, 0);
        write(h, 0, dst);
    }

    /**
     * Implements {@link #fill}: every element of dst ← value. Called with checked arguments on the engine's
     * monitor; the default goes through the host.
     *
     * @param dst the tensor to overwrite
     * @param value the float written to every element
     */
    protected void fillKernel(Tensor dst, float value) {
        float[] h = new float[Math.toIntExact(dst.size())];
        Arrays.fill(h, value);
        write(h, 0, dst);
    }

    /**
     * Implements {@link #gemm}: C (m×n) ← α·op(A) (m×k)·op(B) (k×n) + β·C, C not read when β = 0. Called with
     * checked shapes on the engine's monitor; the default computes on host copies with the reference engine.
     *
     * @param transA whether op(A) is Aᵀ
     * @param transB whether op(B) is Bᵀ
     * @param alpha the scale of the product
     * @param a the left operand
     * @param b the right operand
     * @param beta the scale of C's previous contents
     * @param c the result, distinct from A and B
     */
    protected void gemmKernel(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        onHost((ref, h) -> ref.gemm(transA, transB, alpha, h.in(a), h.in(b), beta, h.in(c)), c);
    }

    /**
     * Implements {@link #backwardProducts}: dW (in×out) ← s·Xᵀ·Δ, G (N×in) ← Δ·Wᵀ, the same bits as the two
     * {@link #gemmKernel} calls, which is the default. Called with checked shapes on the engine's monitor.
     *
     * @param s the scale of the weight gradient
     * @param x the N × in input
     * @param delta the N × out error
     * @param w the in × out weights
     * @param dw the weight gradient, distinct from the other four
     * @param g the error passed back, distinct from the other four
     */
    protected void backwardProductsKernel(float s, Tensor x, Tensor delta, Tensor w, Tensor dw, Tensor g) {
        gemmKernel(true, false, s, x, delta, 0f, dw);
        gemmKernel(false, true, 1f, delta, w, 0f, g);
    }

    /**
     * Implements {@link #biasActivation}, forward: Zin (N×n) += b (1×n); A (N×n) = φ(Zin). Called with
     * checked shapes on the engine's monitor; the default computes on host copies with the reference engine.
     *
     * @param zin the pre-activations, updated in place to include the bias
     * @param bias the bias row
     * @param activation the activation φ
     * @param a the output, possibly the same tensor as {@code zin}
     */
    protected void biasActivationKernel(Tensor zin, Tensor bias, Activation activation, Tensor a) {
        onHost((ref, h) -> ref.biasActivation(h.in(zin), h.in(bias), activation, h.in(a)), zin, a);
    }

    /**
     * Implements {@link #activationBackward}, backward: Δ (N×n) = G (N×n) ⊙ φ'(Zin or A, N×n). Called with
     * checked shapes and an element-wise φ on the engine's monitor; the default computes on host copies with
     * the reference engine.
     *
     * @param g the back-propagated error
     * @param zin the forward pass's pre-activations
     * @param a the forward pass's activations
     * @param activation the element-wise activation φ
     * @param delta the result, possibly the same tensor as {@code g}
     */
    protected void activationBackwardKernel(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta) {
        onHost((ref, h) -> ref.activationBackward(h.in(g), h.in(zin), h.in(a), activation, h.in(delta)), delta);
    }

    /**
     * {@link #outputDelta(Loss, float, Activation, Tensor, Tensor, Tensor, Tensor, Tensor, int)} on checked arguments.
     *
     * @param loss the loss
     * @param parameter the loss's parameter (Huber's δ), already checked
     * @param activation the output activation, compatible with the loss
     * @param zin the N × n pre-activations
     * @param a the N × n activations
     * @param target the N × n targets
     * @param delta the N × n result Δ
     * @param lossOut the tensor that receives the loss sum
     * @param lossIndex the flat element of {@code lossOut} to write
     */
    protected void outputDeltaKernel(Loss loss, float parameter, Activation activation, Tensor zin, Tensor a, Tensor target,
                                     Tensor delta, Tensor lossOut, int lossIndex) {
        onHost((ref, h) -> ref.outputDelta(loss, parameter, activation, h.in(zin), h.in(a), h.in(target), h.in(delta), h.in(lossOut), lossIndex),
                delta, lossOut);
    }

    /**
     * {@link #dropout} on checked arguments.
     *
     * @param x the N × n input
     * @param p the drop probability, in [0, 1)
     * @param key the mask's key
     * @param y the N × n result, possibly {@code x}
     */
    protected void dropoutKernel(Tensor x, float p, long key, Tensor y) {
        onHost((ref, h) -> ref.dropout(h.in(x), p, key, h.in(y)), y);
    }

    /**
     * {@link #layerNorm} on checked arguments.
     *
     * @param x the N × n input
     * @param gamma the 1 × n gains
     * @param epsilon ε
     * @param xhat the N × n normalised input (written)
     * @param rstd the N × 1 reciprocal standard deviations (written)
     * @param y the N × n result, possibly {@code x}
     */
    protected void layerNormKernel(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        onHost((ref, h) -> ref.layerNorm(h.in(x), h.in(gamma), epsilon, h.in(xhat), h.in(rstd), h.in(y)), xhat, rstd, y);
    }

    /**
     * {@link #layerNormBackward} on checked arguments.
     *
     * @param dy the N × n error
     * @param xhat the N × n normalised input
     * @param rstd the N × 1 reciprocal standard deviations
     * @param gamma the 1 × n gains
     * @param alpha the scale of dγ
     * @param dx the N × n result, possibly {@code dy}
     * @param dgamma the 1 × n gain gradient (written)
     */
    protected void layerNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        onHost((ref, h) -> ref.layerNormBackward(h.in(dy), h.in(xhat), h.in(rstd), h.in(gamma), alpha, h.in(dx), h.in(dgamma)), dx, dgamma);
    }

    /**
     * {@link #batchNorm} on checked arguments.
     *
     * @param x the N × n input, N ≥ 2
     * @param gamma the 1 × n gains
     * @param epsilon ε
     * @param momentum the running statistics' momentum
     * @param runningMean the 1 × n running mean (updated)
     * @param runningVar the 1 × n running variance (updated)
     * @param xhat the N × n normalised input (written)
     * @param rstd the 1 × n reciprocal standard deviations (written)
     * @param y the N × n result, possibly {@code x}
     */
    protected void batchNormKernel(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean, Tensor runningVar,
                                   Tensor xhat, Tensor rstd, Tensor y) {
        onHost((ref, h) -> ref.batchNorm(h.in(x), h.in(gamma), epsilon, momentum, h.in(runningMean), h.in(runningVar), h.in(xhat), h.in(rstd), h.in(y)),
                runningMean, runningVar, xhat, rstd, y);
    }

    /**
     * {@link #batchNormBackward} on checked arguments.
     *
     * @param dy the N × n error
     * @param xhat the N × n normalised input
     * @param rstd the 1 × n reciprocal standard deviations
     * @param gamma the 1 × n gains
     * @param alpha the scale of dγ
     * @param dx the N × n result, possibly {@code dy}
     * @param dgamma the 1 × n gain gradient (written)
     */
    protected void batchNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        onHost((ref, h) -> ref.batchNormBackward(h.in(dy), h.in(xhat), h.in(rstd), h.in(gamma), alpha, h.in(dx), h.in(dgamma)), dx, dgamma);
    }

    /**
     * {@link #batchNormInference} on checked arguments.
     *
     * @param x the N × n input
     * @param gamma the 1 × n gains
     * @param epsilon ε
     * @param runningMean the 1 × n running mean
     * @param runningVar the 1 × n running variance
     * @param y the N × n result, possibly {@code x}
     */
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar, Tensor y) {
        onHost((ref, h) -> ref.batchNormInference(h.in(x), h.in(gamma), epsilon, h.in(runningMean), h.in(runningVar), h.in(y)), y);
    }

    /**
     * Implements {@link #columnSum}: out (1×n) = α·colsum(X (N×n)). Called with checked shapes on the engine's
     * monitor; the default computes on host copies with the reference engine.
     *
     * @param alpha the scale of the sums
     * @param x the matrix whose columns are summed
     * @param out the result row
     */
    protected void columnSumKernel(float alpha, Tensor x, Tensor out) {
        onHost((ref, h) -> ref.columnSum(alpha, h.in(x), h.in(out)), out);
    }

    /**
     * Implements {@link #sumOfSquares}: out[index] = Σ x². Called with a checked index on the engine's monitor;
     * the default computes on host copies with the reference engine.
     *
     * @param x the tensor whose squared elements are summed
     * @param out the tensor receiving the sum
     * @param index the flat element of {@code out} to write, in range
     */
    protected void sumOfSquaresKernel(Tensor x, Tensor out, int index) {
        onHost((ref, h) -> ref.sumOfSquares(h.in(x), h.in(out), index), out);
    }

    /**
     * Implements {@link #scale}: x ← α·x. Called on the engine's monitor; the default goes through the host.
     *
     * @param x the tensor scaled in place
     * @param alpha the factor
     */
    protected void scaleKernel(Tensor x, float alpha) {
        onHost((ref, h) -> ref.scale(h.in(x), alpha), x);
    }

    /**
     * Implements {@link #sgdStep}: θ ← θ − η(g + λθ). Called with checked shapes on the engine's monitor; the
     * default computes on host copies with the reference engine.
     *
     * @param param the parameters θ, updated in place
     * @param grad the gradient g
     * @param learningRate the step size η
     * @param weightDecay the L2 coefficient λ
     */
    protected void sgdStepKernel(Tensor param, Tensor grad, float learningRate, float weightDecay) {
        onHost((ref, h) -> ref.sgdStep(h.in(param), h.in(grad), learningRate, weightDecay), param);
    }

    /**
     * Implements {@link #momentumStep}: v ← μv + g + λθ; θ ← θ − η·(nesterov ? g + λθ + μv : v). Called with
     * checked shapes on the engine's monitor; the default computes on host copies with the reference engine.
     *
     * @param param the parameters θ, updated in place
     * @param grad the gradient g
     * @param velocity the velocity v, updated in place
     * @param learningRate the step size η
     * @param momentum the momentum coefficient μ
     * @param weightDecay the L2 coefficient λ
     * @param nesterov whether to take the Nesterov step
     */
    protected void momentumStepKernel(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                                      float weightDecay, boolean nesterov) {
        onHost((ref, h) -> ref.momentumStep(h.in(param), h.in(grad), h.in(velocity), learningRate, momentum, weightDecay, nesterov),
                param, velocity);
    }

    /**
     * Implements {@link #adamStep}: Adam (AdamW when decoupled) on θ, m, v. Called with checked shapes, step
     * and betas on the engine's monitor; the default computes on host copies with the reference engine.
     *
     * @param param the parameters θ, updated in place
     * @param grad the gradient g
     * @param m the first-moment estimate, updated in place
     * @param v the second-moment estimate, updated in place
     * @param learningRate the step size η
     * @param beta1 the first moment's decay rate β1
     * @param beta2 the second moment's decay rate β2
     * @param epsilon the ε of the denominator
     * @param weightDecay the weight decay λ
     * @param decoupled whether λ is decoupled (AdamW)
     * @param step the 1-based step number t
     */
    protected void adamStepKernel(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                                  float epsilon, float weightDecay, boolean decoupled, int step) {
        onHost((ref, h) -> ref.adamStep(h.in(param), h.in(grad), h.in(m), h.in(v), learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step),
                param, m, v);
    }

    /**
     * Implements {@link #adamSteps}: called with the group checked, on the engine's monitor; the default is
     * {@link #adamStepKernel} on each tensor in turn, which is the contract's bits.
     *
     * @param params the parameter tensors θ_i, updated in place
     * @param grads their gradients
     * @param m their first-moment estimates, updated in place
     * @param v their second-moment estimates, updated in place
     * @param learningRate the step size η
     * @param beta1 the first moment's decay rate β1
     * @param beta2 the second moment's decay rate β2
     * @param epsilon the ε of the denominator
     * @param weightDecay the weight decay λ_i of each tensor
     * @param decoupled whether the λ_i are decoupled (AdamW)
     * @param step the 1-based step number t
     */
    protected void adamStepsKernel(Tensor[] params, Tensor[] grads, Tensor[] m, Tensor[] v, float learningRate, float beta1, float beta2,
                                   float epsilon, float[] weightDecay, boolean decoupled, int step) {
        for (int i = 0; i < params.length; i++) {
            adamStepKernel(params[i], grads[i], m[i], v[i], learningRate, beta1, beta2, epsilon, weightDecay[i], decoupled, step);
        }
    }

    /**
     * Runs a default kernel through the host ({@link HostKernels}): host copies read with {@link #read}, the kernel on
     * this engine's reference engine (created on the first default call, closed with the engine), {@code outputs}
     * written back with {@link #write}.
     */
    private void onHost(HostKernels.Body body, Tensor... outputs) {
        if (host == null) {
            host = new ReferenceEngine();
        }
        HostKernels.run(memory, host, body, outputs);
    }
}
