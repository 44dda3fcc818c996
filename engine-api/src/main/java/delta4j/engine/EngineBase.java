package delta4j.engine;

import delta4j.engine.reference.ReferenceEngine;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
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
    /** The defaults' host engine, created on the first default kernel call. */
    private ReferenceEngine host;

    // ---------------------------------------------------------------- what an engine writes: its memory

    /**
     * A new rows × cols tensor of this engine, filled with zeros (sizes positive, engine open). Its
     * {@code close()} releases the memory and calls {@link #forget}.
     */
    protected abstract Tensor newTensor(int rows, int cols);

    /** Copies {@code dst.size()} floats from {@code src[offset...]} into dst (checked: owned, in range). */
    protected abstract void write(float[] src, int offset, Tensor dst);

    /** Copies src into {@code dst[offset...]}, after all earlier work that writes src (checked: owned, in range). */
    protected abstract void read(Tensor src, float[] dst, int offset);

    /** Tells the engine that a tensor of {@link #newTensor} was closed; its tensors call it from {@code close()}. */
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

    /** Number of tensors allocated and not yet closed (for leak tests). */
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
    public final synchronized void outputDelta(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                                               Tensor lossOut, int lossIndex) {
        KernelChecks.owned(this, zin, a, target, delta, lossOut);
        KernelChecks.outputDelta(loss, activation, zin, a, target, delta, lossOut, lossIndex);
        outputDeltaKernel(loss, activation, zin, a, target, delta, lossOut, lossIndex);
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
        KernelChecks.owned(this, param, grad, m, v);
        KernelChecks.sameShape("adamStep θ/g", param, grad);
        KernelChecks.sameShape("adamStep θ/m", param, m);
        KernelChecks.sameShape("adamStep θ/v", param, v);
        KernelChecks.adam(step, beta1, beta2);
        adamStepKernel(param, grad, m, v, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step);
    }

    // ---------------------------------------------------------------- implementations: defaults through the host

    /** dst ← src (same shape). */
    protected void copyKernel(Tensor src, Tensor dst) {
        float[] h = new float[Math.toIntExact(src.size())];
        read(src, h, 0);
        write(h, 0, dst);
    }

    /** Every element of dst ← value. */
    protected void fillKernel(Tensor dst, float value) {
        float[] h = new float[Math.toIntExact(dst.size())];
        Arrays.fill(h, value);
        write(h, 0, dst);
    }

    // C ← α·op(A)·op(B) + β·C
    protected void gemmKernel(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        try (OnHost h = new OnHost()) {
            host().gemm(transA, transB, alpha, h.in(a), h.in(b), beta, h.in(c));
            h.out(c);
        }
    }

    // forward:  Zin (N×n) += b (1×n); A (N×n) = φ(Zin)
    protected void biasActivationKernel(Tensor zin, Tensor bias, Activation activation, Tensor a) {
        try (OnHost h = new OnHost()) {
            host().biasActivation(h.in(zin), h.in(bias), activation, h.in(a));
            h.out(zin);
            h.out(a);
        }
    }

    // backward: Δ (N×n) = G (N×n) ⊙ φ'(Zin or A, N×n)
    protected void activationBackwardKernel(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta) {
        try (OnHost h = new OnHost()) {
            host().activationBackward(h.in(g), h.in(zin), h.in(a), activation, h.in(delta));
            h.out(delta);
        }
    }

    // output:   Δ (N×n) = (A − T) ⊙ φ'(Zin) or softmax(Zin) − T; the loss sum → lossOut[lossIndex]
    protected void outputDeltaKernel(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                                     Tensor lossOut, int lossIndex) {
        try (OnHost h = new OnHost()) {
            host().outputDelta(loss, activation, h.in(zin), h.in(a), h.in(target), h.in(delta), h.in(lossOut), lossIndex);
            h.out(delta);
            h.out(lossOut);
        }
    }

    // out (1×n) = α·colsum(X (N×n))
    protected void columnSumKernel(float alpha, Tensor x, Tensor out) {
        try (OnHost h = new OnHost()) {
            host().columnSum(alpha, h.in(x), h.in(out));
            h.out(out);
        }
    }

    // out[index] = Σ x²
    protected void sumOfSquaresKernel(Tensor x, Tensor out, int index) {
        try (OnHost h = new OnHost()) {
            host().sumOfSquares(h.in(x), h.in(out), index);
            h.out(out);
        }
    }

    // x ← α·x
    protected void scaleKernel(Tensor x, float alpha) {
        try (OnHost h = new OnHost()) {
            host().scale(h.in(x), alpha);
            h.out(x);
        }
    }

    // θ ← θ − η(g + λθ)
    protected void sgdStepKernel(Tensor param, Tensor grad, float learningRate, float weightDecay) {
        try (OnHost h = new OnHost()) {
            host().sgdStep(h.in(param), h.in(grad), learningRate, weightDecay);
            h.out(param);
        }
    }

    // v ← μv + g + λθ; θ ← θ − η·(nesterov ? g + λθ + μv : v)
    protected void momentumStepKernel(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                                      float weightDecay, boolean nesterov) {
        try (OnHost h = new OnHost()) {
            host().momentumStep(h.in(param), h.in(grad), h.in(velocity), learningRate, momentum, weightDecay, nesterov);
            h.out(param);
            h.out(velocity);
        }
    }

    // Adam (AdamW when decoupled) on θ, m, v
    protected void adamStepKernel(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                                  float epsilon, float weightDecay, boolean decoupled, int step) {
        try (OnHost h = new OnHost()) {
            host().adamStep(h.in(param), h.in(grad), h.in(m), h.in(v), learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step);
            h.out(param);
            h.out(m);
            h.out(v);
        }
    }

    private ReferenceEngine host() {
        if (host == null) {
            host = new ReferenceEngine();
        }
        return host;
    }

    /**
     * Host copies of this engine's tensors for one default kernel call: one copy per distinct tensor, so a
     * kernel called in place (A = Zin, Δ = G) runs in place on the host too.
     */
    private final class OnHost implements AutoCloseable {
        private final Map<Tensor, Tensor> copies = new IdentityHashMap<>();

        /** The host copy of t, read on first use. */
        Tensor in(Tensor t) {
            Tensor copy = copies.get(t);
            if (copy == null) {
                float[] values = new float[Math.toIntExact(t.size())];
                read(t, values, 0);
                copy = host().tensor(t.rows(), t.cols(), values);
                copies.put(t, copy);
            }
            return copy;
        }

        /** Writes the host copy of t back to t. */
        void out(Tensor t) {
            write(host().download(copies.get(t)), 0, t);
        }

        @Override
        public void close() {
            for (Tensor copy : copies.values()) {
                copy.close();
            }
        }
    }
}
