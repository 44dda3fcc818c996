package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.ArrayTensor;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
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

    /**
     * Element-wise kernels on fewer elements than this run on the calling thread: below it a pass over the
     * data takes a few microseconds, about what a hand-off to another core costs.
     */
    static final int PARALLEL_MIN_ELEMENTS = 1 << 16;

    private final int threads;
    private final WorkerPool pool;
    private final Gemm gemm;
    private final Kernels kernels;
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
        this.gemm = new Gemm(pool);
        this.kernels = new Kernels(pool);
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

    private void forget(ArrayTensor t) {
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
        kernels.rows(Kernels.BIAS_ACTIVATION, activation, zin.rows(), zin.cols(),
                data(zin), data(bias), data(a), null);
    }

    @Override
    public synchronized void activationBackward(Tensor g, Tensor zin, Tensor a, Activation activation, Tensor delta) {
        owned(g, zin, a, delta);
        KernelChecks.activationBackward(g, zin, a, activation, delta);
        kernels.flat(Kernels.ACTIVATION_BACKWARD, activation, (int) g.size(), data(g), data(zin), data(a), data(delta));
    }

    @Override
    public synchronized void outputDelta(Loss loss, Activation activation, Tensor zin, Tensor a, Tensor target, Tensor delta,
                            Tensor lossOut, int lossIndex) {
        owned(zin, a, target, delta, lossOut);
        KernelChecks.outputDelta(loss, activation, zin, a, target, delta, lossOut, lossIndex);
        double sum;
        if (loss == Loss.MSE) {
            sum = kernels.flat(Kernels.OUTPUT_MSE, activation, (int) zin.size(), data(zin), data(a), data(target), data(delta));
        } else {
            sum = kernels.rows(Kernels.OUTPUT_SOFTMAX_CE, activation, zin.rows(), zin.cols(),
                    data(zin), data(a), data(target), data(delta));
        }
        data(lossOut)[lossIndex] = (float) sum;
    }

    @Override
    public synchronized void columnSum(float alpha, Tensor x, Tensor out) {
        owned(x, out);
        KernelChecks.columnSum(x, out);
        kernels.columns(alpha, x.rows(), x.cols(), data(x), data(out));
    }

    @Override
    public synchronized void sumOfSquares(Tensor x, Tensor out, int index) {
        owned(x, out);
        KernelChecks.index(out, index, "sumOfSquares index");
        data(out)[index] = (float) kernels.flat(Kernels.SUM_OF_SQUARES, null, (int) x.size(), data(x), null, null, null);
    }

    @Override
    public synchronized void scale(Tensor x, float alpha) {
        owned(x);
        kernels.scalars(alpha, 0, 0, 0, 0, 0, 0, false);
        kernels.flat(Kernels.SCALE, null, (int) x.size(), data(x), null, null, null);
    }

    @Override
    public synchronized void sgdStep(Tensor param, Tensor grad, float learningRate, float weightDecay) {
        owned(param, grad);
        KernelChecks.sameShape("sgdStep θ/g", param, grad);
        kernels.scalars(learningRate, weightDecay, 0, 0, 0, 0, 0, false);
        kernels.flat(Kernels.SGD, null, (int) param.size(), data(param), data(grad), null, null);
    }

    @Override
    public synchronized void momentumStep(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum,
                             float weightDecay, boolean nesterov) {
        owned(param, grad, velocity);
        KernelChecks.sameShape("momentumStep θ/g", param, grad);
        KernelChecks.sameShape("momentumStep θ/v", param, velocity);
        kernels.scalars(learningRate, weightDecay, momentum, 0, 0, 0, 0, nesterov);
        kernels.flat(Kernels.MOMENTUM, null, (int) param.size(), data(param), data(grad), data(velocity), null);
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
        kernels.scalars(learningRate, weightDecay, beta1, beta2, epsilon, bc1, bc2, decoupled);
        kernels.flat(Kernels.ADAM, null, (int) param.size(), data(param), data(grad), data(m), data(v));
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

    /**
     * Splits the element-wise kernels over the pool: by rows for row-wise kernels, by flat ranges (whole
     * vectors) for the others, by column blocks for column sums. One reusable instance, its arguments in
     * fields, so a dispatch allocates nothing; partial loss sums land in {@code partial[part]}.
     */
    private static final class Kernels implements WorkerPool.Job {
        static final int BIAS_ACTIVATION = 0, OUTPUT_SOFTMAX_CE = 1, ACTIVATION_BACKWARD = 2, OUTPUT_MSE = 3,
                SUM_OF_SQUARES = 4, SGD = 5, MOMENTUM = 6, ADAM = 7, COLUMN_SUM = 8, SCALE = 9;

        private final WorkerPool pool;
        private final double[] partial;
        private int op;
        private Activation act;
        private int rows, n, size;
        private float[] x0, x1, x2, x3;
        private float s0, s1, s2, s3, s4, s5, s6;
        private boolean flag;

        Kernels(WorkerPool pool) {
            this.pool = pool;
            this.partial = new double[pool.threads()];
        }

        void scalars(float s0, float s1, float s2, float s3, float s4, float s5, float s6, boolean flag) {
            this.s0 = s0;
            this.s1 = s1;
            this.s2 = s2;
            this.s3 = s3;
            this.s4 = s4;
            this.s5 = s5;
            this.s6 = s6;
            this.flag = flag;
        }

        double rows(int op, Activation act, int rows, int n, float[] x0, float[] x1, float[] x2, float[] x3) {
            this.rows = rows;
            this.n = n;
            this.size = rows * n;
            int parts = (long) rows * n >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads(), rows) : 1;
            return dispatch(op, act, parts, x0, x1, x2, x3);
        }

        double flat(int op, Activation act, int size, float[] x0, float[] x1, float[] x2, float[] x3) {
            this.size = size;
            int parts = size >= PARALLEL_MIN_ELEMENTS ? pool.threads() : 1;
            return dispatch(op, act, parts, x0, x1, x2, x3);
        }

        void columns(float alpha, int rows, int n, float[] x, float[] out) {
            this.rows = rows;
            this.n = n;
            this.s0 = alpha;
            int blocks = (n + 4 * Simd.L - 1) / (4 * Simd.L);
            int parts = (long) rows * n >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads(), blocks) : 1;
            dispatch(COLUMN_SUM, null, parts, x, out, null, null);
        }

        private double dispatch(int op, Activation act, int parts, float[] x0, float[] x1, float[] x2, float[] x3) {
            this.op = op;
            this.act = act;
            this.x0 = x0;
            this.x1 = x1;
            this.x2 = x2;
            this.x3 = x3;
            Arrays.fill(partial, 0, parts, 0.0);
            try {
                pool.run(this, parts);
            } finally {
                this.x0 = this.x1 = this.x2 = this.x3 = null;
            }
            double sum = 0;
            for (int p = 0; p < parts; p++) {
                sum += partial[p];
            }
            return sum;
        }

        @Override
        public void run(int part, int parts) {
            switch (op) {
                case BIAS_ACTIVATION -> Elementwise.biasActivation(act, x0, x1, x2, n, split(rows, part, parts, 1),
                        split(rows, part + 1, parts, 1));
                case OUTPUT_SOFTMAX_CE -> partial[part] = Elementwise.outputDeltaSoftmaxCrossEntropy(x0, x1, x2, x3, n,
                        split(rows, part, parts, 1), split(rows, part + 1, parts, 1));
                case COLUMN_SUM -> Reductions.columnSum(s0, x0, rows, n, x1, split(n, part, parts, 4 * Simd.L),
                        split(n, part + 1, parts, 4 * Simd.L));
                default -> {
                    int e0 = split(size, part, parts, Simd.L), e1 = split(size, part + 1, parts, Simd.L);
                    switch (op) {
                        case ACTIVATION_BACKWARD -> Elementwise.activationBackward(act, x0, x1, x2, x3, e0, e1);
                        case OUTPUT_MSE -> partial[part] = Elementwise.outputDeltaMse(act, x0, x1, x2, x3, e0, e1);
                        case SUM_OF_SQUARES -> partial[part] = Reductions.sumOfSquares(x0, e0, e1);
                        case SCALE -> Reductions.scale(x0, s0, e0, e1);
                        case SGD -> Optimizers.sgd(x0, x1, s0, s1, e0, e1);
                        case MOMENTUM -> Optimizers.momentum(x0, x1, x2, s0, s2, s1, flag, e0, e1);
                        case ADAM -> Optimizers.adam(x0, x1, x2, x3, s0, s2, s3, s4, s1, flag, s5, s6, e0, e1);
                        default -> throw new IllegalStateException("unknown kernel " + op);
                    }
                }
            }
        }

        /** Start of part {@code part} of {@code parts} over [0, total), in whole units of {@code grain}. */
        private static int split(int total, int part, int parts, int grain) {
            if (part >= parts) {
                return total;
            }
            long units = (total + (long) grain - 1) / grain;
            return (int) Math.min(total, units * part / parts * grain);
        }
    }
}
