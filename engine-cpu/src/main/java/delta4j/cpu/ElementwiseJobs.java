package delta4j.cpu;

import delta4j.engine.Activation;

import java.util.Arrays;

/**
 * The element-wise kernels as {@link WorkerPool} jobs, split by rows for row-wise kernels, by flat ranges
 * (whole vectors) for the others and by column blocks for column sums. Each job is a reusable object with its
 * kernel's arguments in named fields, set by one typed method per kernel, so a dispatch allocates nothing;
 * partial loss sums land in {@code partial[part]}.
 *
 * <p>One class per kernel, each with its own {@code run}, which the pool calls through a handle: C2 compiles each
 * kernel apart ({@link KernelHandles}). A single job with a switch over every kernel was compiled as one method with
 * all kernels inlined into it; that ran past C2's node budget, its vector operations were left as calls to the Java
 * fallbacks, and the softmax kernels allocated about 100 bytes per row.
 */
final class ElementwiseJobs {

    /**
     * Element-wise kernels on fewer elements than this run on the calling thread: below it a pass over the
     * data takes less time than handing it to a worker.
     */
    static final int PARALLEL_MIN_ELEMENTS = 1 << 16;
    /**
     * On exactly two threads a row-wise kernel on at least this many elements splits at the threads' rows of the batch
     * ({@link WorkerPool#rowStart}), below {@link #PARALLEL_MIN_ELEMENTS}: the product before it left each thread's
     * rows in that thread's cache, and the product after it reads them there. On the caller alone it would read the
     * other core's rows and leave its own writes for the other core to fetch, which costs many times the pass where
     * the host keeps the two cores apart (engine-cpu/README.md, Threads).
     *
     * <p>The constraint: above every row-wise kernel of the warm-up's stand-in (delta4j.model.Prewarm: at most 24 rows
     * of at most KC + 96 columns, 14 592 elements with the largest KC the engine picks, 512), which must not split: each
     * split leaves the worker spinning for a millisecond, on a core that the compilers need before the first epoch
     * (engine-cpu/README.md, Threads).
     */
    static final int OWNED_ROWS_MIN_ELEMENTS = 1 << 14;

    private final WorkerPool pool;

    final BiasActivation biasActivation;
    final OutputSoftmaxCrossEntropy outputSoftmaxCrossEntropy;
    final ActivationBackward activationBackward;
    final OutputMse outputMse;
    final SumOfSquares sumOfSquares;
    final Scale scale;
    final Sgd sgd;
    final Momentum momentum;
    final Adam adam;
    final AdamGroup adamGroup;
    final ColumnSum columnSum;
    final OutputL1 outputL1;
    final OutputHuber outputHuber;
    final OutputBinaryCrossEntropy outputBinaryCrossEntropy;
    final DropoutJob dropout;
    final LayerNorm layerNorm;
    final LayerNormBackward layerNormBackward;
    final BatchNorm batchNorm;
    final BatchNormBackward batchNormBackward;
    final BatchNormInference batchNormInference;
    final UploadRows uploadRows;
    final UploadByteRows uploadByteRows;

    ElementwiseJobs(WorkerPool pool) {
        this.pool = pool; // before the jobs: each sizes its scratch by the pool
        biasActivation = new BiasActivation();
        outputSoftmaxCrossEntropy = new OutputSoftmaxCrossEntropy();
        activationBackward = new ActivationBackward();
        outputMse = new OutputMse();
        sumOfSquares = new SumOfSquares();
        scale = new Scale();
        sgd = new Sgd();
        momentum = new Momentum();
        adam = new Adam();
        adamGroup = new AdamGroup();
        columnSum = new ColumnSum();
        outputL1 = new OutputL1();
        outputHuber = new OutputHuber();
        outputBinaryCrossEntropy = new OutputBinaryCrossEntropy();
        dropout = new DropoutJob();
        layerNorm = new LayerNorm();
        layerNormBackward = new LayerNormBackward();
        batchNorm = new BatchNorm();
        batchNormBackward = new BatchNormBackward();
        batchNormInference = new BatchNormInference();
        uploadRows = new UploadRows();
        uploadByteRows = new UploadByteRows();
    }

    /**
     * The split and the partial sums shared by every element-wise job. A kernel's typed method sets its
     * fields, then runs the job by {@link #byRows}, {@link #flat} or {@link #byColumns}; {@link #release} drops
     * the caller's arrays afterwards so a job does not keep them reachable.
     */
    abstract class Job extends WorkerPool.Job {
        final double[] partial = new double[pool.threads()];
        /** A gather split by the columns of k blocks, not by rows ({@link #gather}). */
        private boolean depthColumns;
        /**
         * Four vectors of scratch per part: lane sums and arguments of {@link Simd#sum} and {@link Simd#exp}, the
         * optimizers' padded last vector.
         */
        final float[][] lanes = new float[pool.threads()][4 * Simd.L];
        int rows, n, size;

        /** Drops the references to the caller's arrays. */
        abstract void release();

        /** Runs the job on a rows × n matrix split by rows; returns the sum of the parts' partial results. */
        final double byRows(int rows, int n) {
            return byRows(rows, n, false);
        }

        /**
         * Runs an output layer's row-wise job on a rows × n batch matrix: as {@link #byRows}, and on exactly two threads
         * from {@link WorkerPool#OWNED_ROWS_MIN} rows whatever n (the softmax rows and the cross-entropy's δ of a few
         * classes), each thread its rows of the batch.
         */
        final double byBatchRows(int rows, int n) {
            return byRows(rows, n, pool.splitsOutputRows(rows));
        }

        private double byRows(int rows, int n, boolean owned) {
            this.rows = rows;
            this.n = n;
            this.size = rows * n;
            return dispatch(owned || splitsBatch((long) rows * n) ? Math.min(pool.threads(), rows) : 1);
        }

        /**
         * Whether a kernel over {@code elements} of a batch's matrix splits: from {@link #PARALLEL_MIN_ELEMENTS}, and on
         * exactly two threads from {@link #OWNED_ROWS_MIN_ELEMENTS}.
         */
        private boolean splitsBatch(long elements) {
            return elements >= PARALLEL_MIN_ELEMENTS || pool.threads() == 2 && elements >= OWNED_ROWS_MIN_ELEMENTS;
        }

        /**
         * Runs a gather into a rows × n matrix: on exactly two threads, where n is two k blocks of the GEMM, each thread
         * writes the columns of its k block in every row ({@link GemmLoopNest#depthStart}), the columns that its share
         * of the product split by k reads next ({@link Gemm}); otherwise by rows from {@link #PARALLEL_MIN_ELEMENTS}
         * (smaller gathers, the warm-up's among them, stay on the caller). A thread that read rows the other core had
         * just written paid for every cache line of them where the host keeps the two cores apart (engine-cpu/README.md,
         * Threads).
         */
        final void gather(int rows, int n) {
            this.rows = rows;
            this.n = n;
            this.size = rows * n;
            int threads = pool.threads();
            depthColumns = threads == 2 && size >= PARALLEL_MIN_ELEMENTS && GemmLoopNest.kBlocks(n) == 2;
            dispatch(depthColumns ? 2 : size >= PARALLEL_MIN_ELEMENTS ? Math.min(threads, rows) : 1);
        }

        /** A gather's rows and columns of part {@code part} ({@link #gather}): first row, end row, first and end column. */
        final int gatherRow(int part, int parts) {
            return depthColumns ? 0 : row(part, parts);
        }

        final int gatherEndRow(int part, int parts) {
            return depthColumns ? rows : row(part + 1, parts);
        }

        final int gatherColumn(int part, int parts) {
            return depthColumns ? GemmLoopNest.depthStart(n, part, parts) : 0;
        }

        final int gatherEndColumn(int part, int parts) {
            return depthColumns ? GemmLoopNest.depthStart(n, part + 1, parts) : n;
        }

        /**
         * Runs the job on a batch's matrix of {@code size} flat elements: as {@link #flat}, and on exactly two threads
         * from {@link #OWNED_ROWS_MIN_ELEMENTS}, each thread about its rows of the batch (the halves, on whole vectors).
         */
        final double flatBatch(int size) {
            this.size = size;
            return dispatch(splitsBatch(size) ? pool.threads() : 1);
        }

        /** Runs the job on {@code size} flat elements; returns the sum of the parts' partial results. */
        final double flat(int size) {
            this.size = size;
            return dispatch(size >= PARALLEL_MIN_ELEMENTS ? pool.threads() : 1);
        }

        /** Runs the job on a rows × n matrix split into blocks of 4 vectors of columns. */
        final void byColumns(int rows, int n) {
            this.rows = rows;
            this.n = n;
            int blocks = (n + 4 * Simd.L - 1) / (4 * Simd.L);
            dispatch((long) rows * n >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads(), blocks) : 1);
        }

        private double dispatch(int parts) {
            Arrays.fill(partial, 0, parts, 0.0);
            try {
                pool.run(this, parts);
            } finally {
                release();
            }
            double sum = 0;
            for (int p = 0; p < parts; p++) {
                sum += partial[p];
            }
            return sum;
        }

        /** First row of part {@code part}: the part's rows of the batch. */
        final int row(int part, int parts) {
            return WorkerPool.rowStart(rows, part, parts);
        }

        /**
         * First element of part {@code part} of {@code parts} in a weight matrix of {@code size} elements in rows of
         * {@code n}: the first of its rows ({@link GemmLoopNest#weightRowStart}: its k block, the rows that the same
         * thread's share of the forward product read, or its share of the rows, those of the weight gradient it
         * computed), or an even share on a whole vector where the matrix has fewer rows than parts (a bias). Here, in a
         * method that the launcher keeps from C2, so that the kernel's compiled code does not take its branches from the
         * warm-up's calls, which never split.
         */
        final int weightStart(int size, int n, int part, int parts) {
            int rows = size / n;
            return parts > 1 && rows >= parts ? GemmLoopNest.weightRowStart(rows, part, parts) * n
                    : split(size, part, parts, Simd.L);
        }

        /** First flat element of part {@code part}, on a whole vector. */
        final int element(int part, int parts) {
            return split(size, part, parts, Simd.L);
        }
    }

    /** Start of part {@code part} of {@code parts} over [0, total), in whole units of {@code grain}. */
    static int split(int total, int part, int parts, int grain) {
        if (part >= parts) {
            return total;
        }
        long units = (total + (long) grain - 1) / grain;
        return (int) Math.min(total, units * part / parts * grain);
    }

    // upload:  X[r] = src[order[from + r]] (or src[from + r]), X rows × n, by rows or by k blocks of columns
    // The mini-batch gather: rows scattered over the data set, so the copy waits on memory and two threads copy faster
    // than one, while the pool's worker would otherwise wait for the step's first product.
    final class UploadRows extends Job {
        private float[] src, dst;
        private int[] order;
        private int from;

        void apply(float[] src, int[] order, int from, float[] dst, int rows, int n) {
            this.src = src;
            this.order = order;
            this.from = from;
            this.dst = dst;
            gather(rows, n);
        }

        @Override
        void release() {
            src = dst = null;
            order = null;
        }

        @Override
        public void run(int part, int parts) {
            int c0 = gatherColumn(part, parts), width = gatherEndColumn(part, parts) - c0;
            for (int r = gatherRow(part, parts), end = gatherEndRow(part, parts); r < end; r++) {
                int i = order == null ? from + r : order[from + r];
                System.arraycopy(src, i * n + c0, dst, r * n + c0, width);
            }
        }
    }

    // upload of bytes:  X[r] = (src[order[from + r]] & 0xff) / divisor (or src[from + r]), X rows × n, by rows or by k
    // blocks of columns
    // The same gather over a quarter of the memory, converting as it copies.
    final class UploadByteRows extends Job {
        private byte[] src;
        private float[] dst;
        private float divisor;
        private int[] order;
        private int from;

        void apply(byte[] src, float divisor, int[] order, int from, float[] dst, int rows, int n) {
            this.src = src;
            this.divisor = divisor;
            this.order = order;
            this.from = from;
            this.dst = dst;
            gather(rows, n);
        }

        @Override
        void release() {
            src = null;
            dst = null;
            order = null;
        }

        @Override
        public void run(int part, int parts) {
            int c0 = gatherColumn(part, parts), width = gatherEndColumn(part, parts) - c0;
            for (int r = gatherRow(part, parts), end = gatherEndRow(part, parts); r < end; r++) {
                int i = order == null ? from + r : order[from + r];
                UnsignedBytes.toFloats(src, i * n + c0, divisor, dst, r * n + c0, width);
            }
        }
    }

    // forward:  Zin += b, A = φ(Zin), by rows
    final class BiasActivation extends Job {
        private Activation activation;
        private float[] zin, bias, a;

        void apply(float[] zin, float[] bias, Activation activation, float[] a, int rows, int n) {
            this.zin = zin;
            this.bias = bias;
            this.activation = activation;
            this.a = a;
            if (activation == Activation.SOFTMAX) {
                byBatchRows(rows, n); // an output layer's
            } else {
                byRows(rows, n);
            }
        }

        @Override
        void release() {
            zin = bias = a = null;
        }

        @Override
        public void run(int part, int parts) {
            Elementwise.biasActivation(activation, zin, bias, a, n, row(part, parts), row(part + 1, parts),
                    lanes[part]);
        }
    }

    // output:   Δ = softmax(Zin) − T, cross-entropy summed, by rows
    final class OutputSoftmaxCrossEntropy extends Job {
        private float[] zin, a, target, delta;

        double apply(float[] zin, float[] a, float[] target, float[] delta, int rows, int n) {
            this.zin = zin;
            this.a = a;
            this.target = target;
            this.delta = delta;
            return byBatchRows(rows, n);
        }

        @Override
        void release() {
            zin = a = target = delta = null;
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaSoftmaxCrossEntropy(zin, a, target, delta, n, row(part, parts),
                    row(part + 1, parts), lanes[part]);
        }
    }

    // backward: Δ = G ⊙ φ'(Zin)
    final class ActivationBackward extends Job {
        private Activation activation;
        private float[] g, zin, a, delta;

        void apply(float[] g, float[] zin, float[] a, Activation activation, float[] delta, int size) {
            this.g = g;
            this.zin = zin;
            this.a = a;
            this.activation = activation;
            this.delta = delta;
            flatBatch(size);
        }

        @Override
        void release() {
            g = zin = a = delta = null;
        }

        @Override
        public void run(int part, int parts) {
            Elementwise.activationBackward(activation, g, zin, a, delta, element(part, parts),
                    element(part + 1, parts));
        }
    }

    // output:   Δ = (A − T) ⊙ φ'(Zin), ½‖A − T‖² summed
    final class OutputMse extends Job {
        private Activation activation;
        private float[] zin, a, target, delta;

        double apply(Activation activation, float[] zin, float[] a, float[] target, float[] delta, int size) {
            this.activation = activation;
            this.zin = zin;
            this.a = a;
            this.target = target;
            this.delta = delta;
            return flat(size);
        }

        @Override
        void release() {
            zin = a = target = delta = null;
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaMse(activation, zin, a, target, delta, element(part, parts),
                    element(part + 1, parts), lanes[part]);
        }
    }

    // Σ x², summed
    final class SumOfSquares extends Job {
        private float[] x;

        double apply(float[] x, int size) {
            this.x = x;
            return flat(size);
        }

        @Override
        void release() {
            x = null;
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Reductions.sumOfSquares(x, element(part, parts), element(part + 1, parts), lanes[part]);
        }
    }

    // x ← α·x
    final class Scale extends Job {
        private float[] x;
        private float alpha;

        void apply(float[] x, float alpha, int size) {
            this.x = x;
            this.alpha = alpha;
            flat(size);
        }

        @Override
        void release() {
            x = null;
        }

        @Override
        public void run(int part, int parts) {
            Reductions.scale(x, alpha, element(part, parts), element(part + 1, parts));
        }
    }

    // θ ← θ − η (g + λθ)
    final class Sgd extends Job {
        private float[] param, grad;
        private float learningRate, weightDecay;

        void step(float[] param, float[] grad, float learningRate, float weightDecay, int size) {
            this.param = param;
            this.grad = grad;
            this.learningRate = learningRate;
            this.weightDecay = weightDecay;
            flat(size);
        }

        @Override
        void release() {
            param = grad = null;
        }

        @Override
        public void run(int part, int parts) {
            Optimizers.sgd(param, grad, learningRate, weightDecay, element(part, parts), element(part + 1, parts));
        }
    }

    // v ← μv + g + λθ; θ ← θ − η (nesterov ? g' + μv : v)
    final class Momentum extends Job {
        private float[] param, grad, velocity;
        private float learningRate, momentum, weightDecay;
        private boolean nesterov;

        void step(float[] param, float[] grad, float[] velocity, float learningRate, float momentum,
                  float weightDecay, boolean nesterov, int size) {
            this.param = param;
            this.grad = grad;
            this.velocity = velocity;
            this.learningRate = learningRate;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
            this.nesterov = nesterov;
            flat(size);
        }

        @Override
        void release() {
            param = grad = velocity = null;
        }

        @Override
        public void run(int part, int parts) {
            Optimizers.momentum(param, grad, velocity, learningRate, momentum, weightDecay, nesterov,
                    element(part, parts), element(part + 1, parts), lanes[part]);
        }
    }

    // Adam (AdamW when decoupled) with bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t
    final class Adam extends Job {
        private float[] param, grad, m, v;
        private float learningRate, beta1, beta2, epsilon, weightDecay, bc1, bc2;
        private boolean decoupled;

        void step(float[] param, float[] grad, float[] m, float[] v, float learningRate, float beta1, float beta2,
                  float epsilon, float weightDecay, boolean decoupled, float bc1, float bc2, int size) {
            this.param = param;
            this.grad = grad;
            this.m = m;
            this.v = v;
            this.learningRate = learningRate;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
            this.weightDecay = weightDecay;
            this.decoupled = decoupled;
            this.bc1 = bc1;
            this.bc2 = bc2;
            flat(size);
        }

        @Override
        void release() {
            param = grad = m = v = null;
        }

        @Override
        public void run(int part, int parts) {
            Optimizers.adam(param, grad, m, v, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, bc1, bc2,
                    element(part, parts), element(part + 1, parts), lanes[part]);
        }
    }

    // Adam on a group: θ_i, m_i, v_i ← Adam(θ_i, g_i, m_i, v_i, λ_i) for every tensor i, all shapes alike per i
    // The group splits over the pool when its elements in all reach the split's threshold (a small tensor's step alone
    // stays below it and would run on the caller while the worker idles; in the group it shares the split). Each part
    // takes a stretch of every tensor: of a weight matrix whose rows are one k block per thread, the rows of its own k
    // block (GemmLoopNest.depthStart), which its thread's share of the forward product read, so they stay in that core's
    // cache; of any other tensor an even share of its elements. Every element is computed as in Adam's own job (the
    // kernel is element-wise, its padded last vector too), so the bits do not depend on where the parts fall.
    final class AdamGroup extends Job {
        // Grow-only: set per call, so that a step allocates nothing once the first has sized them.
        private float[][] param = new float[0][], grad = new float[0][], m = new float[0][], v = new float[0][];
        private float[] decay = new float[0];
        /** start[i]: the first element of tensor i in the flat range; start[count]: its end. */
        private int[] start = new int[1];
        /** Columns of each tensor (its rows are its size over these). */
        private int[] cols = new int[0];
        private int count;
        private float learningRate, beta1, beta2, epsilon, bc1, bc2;
        private boolean decoupled;

        /** Makes room for {@code n} tensors; returns this job for its setters. */
        AdamGroup size(int n) {
            if (param.length < n) {
                param = new float[n][];
                grad = new float[n][];
                m = new float[n][];
                v = new float[n][];
                decay = new float[n];
                start = new int[n + 1];
                cols = new int[n];
            }
            count = 0;
            return this;
        }

        /** Adds tensor {@code count} of the group, {@code size} elements in rows of {@code cols}. */
        void add(float[] param, float[] grad, float[] m, float[] v, float decay, int size, int cols) {
            int i = count++;
            this.cols[i] = cols;
            this.param[i] = param;
            this.grad[i] = grad;
            this.m[i] = m;
            this.v[i] = v;
            this.decay[i] = decay;
            start[i + 1] = Math.addExact(start[i], size);
        }

        void step(float learningRate, float beta1, float beta2, float epsilon, boolean decoupled, float bc1, float bc2) {
            this.learningRate = learningRate;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsilon = epsilon;
            this.decoupled = decoupled;
            this.bc1 = bc1;
            this.bc2 = bc2;
            flat(start[count]);
        }

        @Override
        void release() {
            java.util.Arrays.fill(param, 0, count, null);
            java.util.Arrays.fill(grad, 0, count, null);
            java.util.Arrays.fill(m, 0, count, null);
            java.util.Arrays.fill(v, 0, count, null);
        }

        @Override
        public void run(int part, int parts) {
            for (int i = 0; i < count; i++) {
                int size = start[i + 1] - start[i], n = cols[i];
                int e0 = weightStart(size, n, part, parts), e1 = weightStart(size, n, part + 1, parts);
                if (e0 < e1) {
                    Optimizers.adam(param[i], grad[i], m[i], v[i], learningRate, beta1, beta2, epsilon, decay[i], decoupled,
                            bc1, bc2, e0, e1, lanes[part]);
                }
            }
        }
    }

    // bias gradient: out = α·Σ_rows x, by blocks of columns
    final class ColumnSum extends Job {
        private float[] x, out;
        private float alpha;

        void apply(float alpha, float[] x, float[] out, int rows, int n) {
            this.alpha = alpha;
            this.x = x;
            this.out = out;
            byColumns(rows, n);
        }

        @Override
        void release() {
            x = out = null;
        }

        @Override
        public void run(int part, int parts) {
            Reductions.columnSum(alpha, x, rows, n, out, split(n, part, parts, 4 * Simd.L),
                    split(n, part + 1, parts, 4 * Simd.L));
        }
    }

    // output:   Δ = sign(A − T), Σ |A − T| summed (⊙ φ'(Zin) by the caller, with activationBackward)
    final class OutputL1 extends Job {
        private float[] a, target, delta;

        double apply(float[] a, float[] target, float[] delta, int size) {
            this.a = a;
            this.target = target;
            this.delta = delta;
            return flat(size);
        }

        @Override
        void release() {
            a = target = delta = null;
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaL1(a, target, delta, element(part, parts), element(part + 1, parts),
                    lanes[part]);
        }
    }

    // output:   Δ = clamp(A − T, −δ, δ), Huber loss summed (⊙ φ'(Zin) by the caller, with activationBackward)
    final class OutputHuber extends Job {
        private float threshold;
        private float[] a, target, delta;

        double apply(float threshold, float[] a, float[] target, float[] delta, int size) {
            this.threshold = threshold;
            this.a = a;
            this.target = target;
            this.delta = delta;
            return flat(size);
        }

        @Override
        void release() {
            a = target = delta = null;
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaHuber(threshold, a, target, delta, element(part, parts),
                    element(part + 1, parts), lanes[part]);
        }
    }

    // output:   Δ = σ(Zin) − T, binary cross-entropy from the logits summed
    final class OutputBinaryCrossEntropy extends Job {
        private float[] zin, a, target, delta;

        double apply(float[] zin, float[] a, float[] target, float[] delta, int size) {
            this.zin = zin;
            this.a = a;
            this.target = target;
            this.delta = delta;
            return flat(size);
        }

        @Override
        void release() {
            zin = a = target = delta = null;
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaBinaryCrossEntropy(zin, a, target, delta, element(part, parts),
                    element(part + 1, parts), lanes[part]);
        }
    }

    // forward and backward: Y = X ⊙ M / (1 − p)
    final class DropoutJob extends Job {
        private float[] x, y;
        private long key;
        private int threshold;
        private float scale;

        void apply(float[] x, long key, int threshold, float scale, float[] y, int size) {
            this.x = x;
            this.key = key;
            this.threshold = threshold;
            this.scale = scale;
            this.y = y;
            flat(size);
        }

        @Override
        void release() {
            x = y = null;
        }

        @Override
        public void run(int part, int parts) {
            Dropout.dropout(x, key, threshold, scale, y, element(part, parts), element(part + 1, parts));
        }
    }

    // forward:  Y = γ ⊙ x̂, per row, by rows
    final class LayerNorm extends Job {
        private float[] x, gamma, xhat, rstd, y;
        private float epsilon;

        void apply(float[] x, float[] gamma, float epsilon, float[] xhat, float[] rstd, float[] y, int rows, int n) {
            this.x = x;
            this.gamma = gamma;
            this.epsilon = epsilon;
            this.xhat = xhat;
            this.rstd = rstd;
            this.y = y;
            byRows(rows, n);
        }

        @Override
        void release() {
            x = gamma = xhat = rstd = y = null;
        }

        @Override
        public void run(int part, int parts) {
            Normalization.layerNorm(x, gamma, epsilon, xhat, rstd, y, n, row(part, parts), row(part + 1, parts),
                    lanes[part]);
        }
    }

    // backward: dx per row, by blocks of rows; dγ = α Σ of the blocks' parts, in block order
    final class LayerNormBackward extends Job {
        private final double[][] wide = new double[pool.threads()][2];
        private float[] dy, xhat, rstd, gamma, dx;
        /** One row of n per block of {@link Normalization#ROW_BLOCK} rows; grown, never shrunk. */
        private float[] blockParts = new float[0];

        void apply(float[] dy, float[] xhat, float[] rstd, float[] gamma, float alpha, float[] dx, float[] dgamma,
                   int rows, int n) {
            int blocks = (rows + Normalization.ROW_BLOCK - 1) / Normalization.ROW_BLOCK;
            if (blockParts.length < blocks * n) {
                blockParts = new float[blocks * n];
            }
            this.dy = dy;
            this.xhat = xhat;
            this.rstd = rstd;
            this.gamma = gamma;
            this.dx = dx;
            byRows(rows, n);
            Normalization.addParts(blockParts, blocks, n, alpha, dgamma, 0, n);
        }

        @Override
        void release() {
            dy = xhat = rstd = gamma = dx = null;
        }

        @Override
        public void run(int part, int parts) {
            Normalization.layerNormBackward(dy, xhat, rstd, gamma, dx, blockParts, n,
                    split(rows, part, parts, Normalization.ROW_BLOCK), split(rows, part + 1, parts, Normalization.ROW_BLOCK),
                    lanes[part], wide[part]);
        }
    }

    // forward:  Y = γ ⊙ x̂ per column, running statistics updated, by columns
    final class BatchNorm extends Job {
        private final double[][] wide = new double[pool.threads()][2 * Simd.L];
        private float[] x, gamma, runningMean, runningVar, xhat, rstd, y;
        private float epsilon, momentum;

        void apply(float[] x, float[] gamma, float epsilon, float momentum, float[] runningMean, float[] runningVar,
                   float[] xhat, float[] rstd, float[] y, int rows, int n) {
            this.x = x;
            this.gamma = gamma;
            this.epsilon = epsilon;
            this.momentum = momentum;
            this.runningMean = runningMean;
            this.runningVar = runningVar;
            this.xhat = xhat;
            this.rstd = rstd;
            this.y = y;
            byColumns(rows, n);
        }

        @Override
        void release() {
            x = gamma = runningMean = runningVar = xhat = rstd = y = null;
        }

        @Override
        public void run(int part, int parts) {
            Normalization.batchNorm(x, gamma, epsilon, momentum, runningMean, runningVar, xhat, rstd, y, rows, n,
                    split(n, part, parts, 4 * Simd.L), split(n, part + 1, parts, 4 * Simd.L), lanes[part], wide[part]);
        }
    }

    // backward: dx and dγ per column, by columns
    final class BatchNormBackward extends Job {
        private final double[][] wide = new double[pool.threads()][2 * Simd.L];
        private float[] dy, xhat, rstd, gamma, dx, dgamma;
        private float alpha;

        void apply(float[] dy, float[] xhat, float[] rstd, float[] gamma, float alpha, float[] dx, float[] dgamma,
                   int rows, int n) {
            this.dy = dy;
            this.xhat = xhat;
            this.rstd = rstd;
            this.gamma = gamma;
            this.alpha = alpha;
            this.dx = dx;
            this.dgamma = dgamma;
            byColumns(rows, n);
        }

        @Override
        void release() {
            dy = xhat = rstd = gamma = dx = dgamma = null;
        }

        @Override
        public void run(int part, int parts) {
            Normalization.batchNormBackward(dy, xhat, rstd, gamma, alpha, dx, dgamma, rows, n,
                    split(n, part, parts, 4 * Simd.L), split(n, part + 1, parts, 4 * Simd.L), lanes[part], wide[part]);
        }
    }

    // prediction: Y = (X − running mean) ⊙ γ / √(running variance + ε), by rows
    final class BatchNormInference extends Job {
        /** The per-column scale, computed once per call; grown, never shrunk. */
        private float[] scale = new float[0];
        private float[] x, runningMean, y;

        void apply(float[] x, float[] gamma, float epsilon, float[] runningMean, float[] runningVar, float[] y, int rows,
                   int n) {
            if (scale.length < n) {
                scale = new float[n];
            }
            Normalization.inferenceScale(gamma, runningVar, epsilon, scale, n);
            this.x = x;
            this.runningMean = runningMean;
            this.y = y;
            byRows(rows, n);
        }

        @Override
        void release() {
            x = runningMean = y = null;
        }

        @Override
        public void run(int part, int parts) {
            Normalization.batchNormInference(x, runningMean, scale, y, n, row(part, parts), row(part + 1, parts));
        }
    }
}
