package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.ArrayTensor;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The cpu engine: the kernel set in the Java Vector API on the machine's preferred vector species,
 * multi-threaded over a worker pool created once per engine.
 *
 * <p>Tensors are Java float arrays; every kernel runs synchronously on the calling thread and the pool's
 * workers, so {@link #finish()} has nothing to wait for. GEMM is {@link Gemm} (packed, cache-blocked,
 * register-tiled) and {@link GemmNarrow} for output layers; the element-wise kernels are fused single passes
 * ({@link Elementwise}, {@link Reductions}, {@link Optimizers}). In steady state no kernel allocates.
 *
 * <p>Create it with {@code Engines.create("cpu")} or {@code Engines.create("cpu", config)}; the JVM needs
 * {@code --add-modules jdk.incubator.vector} when delta4j is on the class path.
 */
public final class CpuEngine implements Engine {

    private final int threads;
    private final WorkerPool pool;
    private final Precision precision;
    private final Gemm gemm;
    private final ElementwiseJobs jobs;
    private final String device;
    private final Set<ArrayTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    /**
     * Creates an engine with {@code config.resolvedThreads()} threads (the caller's included).
     *
     * @throws delta4j.engine.EngineUnavailableException if the JVM lacks the jdk.incubator.vector module
     */
    public CpuEngine(EngineConfig config) {
        CpuEngineProvider.requireVectorModule();
        this.threads = config.resolvedThreads();
        this.pool = new WorkerPool(threads);
        this.precision = config.precision();
        this.gemm = new Gemm(pool, precision);
        this.jobs = new ElementwiseJobs(pool);
        this.device = threads + (threads == 1 ? " thread, " : " threads, ") + Simd.describe();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** Threads that run kernels, the caller's included. */
    public int threads() {
        return threads;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public synchronized Tensor allocate(int rows, int cols) {
        KernelChecks.allocation(rows, cols);
        ensureOpen();
        ArrayTensor t = new ArrayTensor(this, rows, cols, this::forget);
        live.add(t);
        return t;
    }

    // Synchronized like allocate: tensors may be closed from any thread (the set is not thread-safe).
    private synchronized void forget(ArrayTensor t) {
        live.remove(t);
    }

    @Override
    public synchronized void upload(float[] src, int offset, Tensor dst) {
        owned(dst);
        KernelChecks.upload(src, offset, dst);
        System.arraycopy(src, offset, data(dst), 0, (int) dst.size());
    }

    @Override
    public synchronized void download(Tensor src, float[] dst, int offset) {
        owned(src);
        KernelChecks.download(src, dst, offset);
        System.arraycopy(data(src), 0, dst, offset, (int) src.size());
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        owned(src, dst);
        KernelChecks.sameShape("copy", src, dst);
        System.arraycopy(data(src), 0, data(dst), 0, (int) src.size());
    }

    @Override
    public synchronized void fill(Tensor dst, float value) {
        owned(dst);
        Arrays.fill(data(dst), value);
    }

    @Override
    public synchronized void finish() {
        // Kernels are synchronous: nothing is ever pending.
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            for (ArrayTensor t : live.toArray(new ArrayTensor[0])) {
                t.close();
            }
            closed = true;
            pool.close();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the cpu engine is closed: create a new engine");
        }
    }

    // ---------------------------------------------------------------- the kernel set

    @Override
    public synchronized void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        owned(a, b, c);
        KernelChecks.gemm(transA, transB, a, b, c);
        int k = transA ? a.rows() : a.cols();
        gemm.gemm(transA, transB, c.rows(), c.cols(), k, alpha, data(a), data(b), beta, data(c));
    }

    @Override
    public synchronized void biasActivation(Tensor zin, Tensor bias, Activation activation, Tensor a) {
        owned(zin, bias, a);
        KernelChecks.biasActivation(zin, bias, activation, a);
        jobs.biasActivation.rows(activation, zin.rows(), zin.cols(),
                data(zin), data(bias), data(a), null);
    }

    @Override
    public synchronized void activationBackward(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta) {
        owned(g, zin, a, delta);
        KernelChecks.activationBackward(g, zin, a, activation, delta);
        jobs.activationBackward.flat(activation, (int) g.size(), data(g), data(zin), data(a), data(delta));
    }

    @Override
    public synchronized void outputDelta(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                            Tensor lossOut, int lossIndex) {
        owned(zin, a, target, delta, lossOut);
        KernelChecks.outputDelta(loss, activation, zin, a, target, delta, lossOut, lossIndex);
        double sum;
        if (loss == Loss.MSE) {
            sum = jobs.outputMse.flat(activation, (int) zin.size(), data(zin), data(a), data(target), data(delta));
        } else {
            sum = jobs.outputSoftmaxCrossEntropy.rows(activation, zin.rows(), zin.cols(),
                    data(zin), data(a), data(target), data(delta));
        }
        data(lossOut)[lossIndex] = (float) sum;
    }

    @Override
    public synchronized void columnSum(float alpha, Tensor x, Tensor out) {
        owned(x, out);
        KernelChecks.columnSum(x, out);
        jobs.columnSum.scalars(alpha, 0, 0, 0, 0, 0, 0, false).columns(x.rows(), x.cols(), data(x), data(out));
    }

    @Override
    public synchronized void sumOfSquares(Tensor x, Tensor out, int index) {
        owned(x, out);
        KernelChecks.index(out, index, "sumOfSquares index");
        data(out)[index] = (float) jobs.sumOfSquares.flat(null, (int) x.size(), data(x), null, null, null);
    }

    @Override
    public synchronized void scale(Tensor x, float alpha) {
        owned(x);
        jobs.scale.scalars(alpha, 0, 0, 0, 0, 0, 0, false).flat(null, (int) x.size(), data(x), null, null, null);
    }

    @Override
    public synchronized void sgdStep(Tensor param, Tensor grad, float learningRate, float weightDecay) {
        owned(param, grad);
        KernelChecks.sameShape("sgdStep θ/g", param, grad);
        jobs.sgd.scalars(learningRate, weightDecay, 0, 0, 0, 0, 0, false).flat(null, (int) param.size(), data(param), data(grad), null, null);
    }

    @Override
    public synchronized void momentumStep(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                             float weightDecay, boolean nesterov) {
        owned(param, grad, velocity);
        KernelChecks.sameShape("momentumStep θ/g", param, grad);
        KernelChecks.sameShape("momentumStep θ/v", param, velocity);
        jobs.momentum.scalars(learningRate, weightDecay, momentum, 0, 0, 0, 0, nesterov).flat(null, (int) param.size(), data(param), data(grad), data(velocity), null);
    }

    @Override
    public synchronized void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
                         float epsilon, float weightDecay, boolean decoupled, int step) {
        owned(param, grad, m, v);
        KernelChecks.sameShape("adamStep θ/g", param, grad);
        KernelChecks.sameShape("adamStep θ/m", param, m);
        KernelChecks.sameShape("adamStep θ/v", param, v);
        KernelChecks.adam(step, beta1, beta2);
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        jobs.adam.scalars(learningRate, weightDecay, beta1, beta2, epsilon, bc1, bc2, decoupled).flat(null, (int) param.size(), data(param), data(grad), data(m), data(v));
    }

    // KernelChecks' fixed-arity forms: no varargs array per kernel call.
    private void owned(Tensor a) {
        KernelChecks.owned(this, a);
    }

    private void owned(Tensor a, Tensor b) {
        KernelChecks.owned(this, a, b);
    }

    private void owned(Tensor a, Tensor b, Tensor c) {
        KernelChecks.owned(this, a, b, c);
    }

    private void owned(Tensor a, Tensor b, Tensor c, Tensor d) {
        KernelChecks.owned(this, a, b, c, d);
    }

    private void owned(Tensor a, Tensor b, Tensor c, Tensor d, Tensor e) {
        KernelChecks.owned(this, a, b, c, d, e);
    }

    private static float[] data(Tensor t) {
        return ((ArrayTensor) t).data();
    }

    @Override
    public String toString() {
        return "CpuEngine[" + device + "]";
    }
}
