package delta4j.cpu;

import delta4j.engine.Activation;

import java.util.Arrays;

/**
 * The element-wise kernels as {@link WorkerPool} jobs, split by rows for row-wise kernels, by flat ranges
 * (whole vectors) for the others and by column blocks for column sums. Each job is a reusable object with its
 * arguments in fields, so a dispatch allocates nothing; partial loss sums land in {@code partial[part]}.
 *
 * <p>One class per kernel, each with its own {@code run}: C2 compiles each kernel apart. A single job with a
 * switch over every kernel was compiled as one method with all kernels inlined into it; that ran past C2's
 * node budget, its vector operations were left as calls to the Java fallbacks, and the softmax kernels
 * allocated about 100 bytes per row.
 */
final class ElementwiseJobs {

    /**
     * Element-wise kernels on fewer elements than this run on the calling thread: below it a pass over the
     * data takes less time than handing it to a worker.
     */
    static final int PARALLEL_MIN_ELEMENTS = 1 << 16;

    final Job biasActivation, outputSoftmaxCrossEntropy, activationBackward, outputMse, sumOfSquares, scale, sgd,
            momentum, adam, columnSum;

    ElementwiseJobs(WorkerPool pool) {
        biasActivation = new BiasActivation(pool);
        outputSoftmaxCrossEntropy = new OutputSoftmaxCrossEntropy(pool);
        activationBackward = new ActivationBackward(pool);
        outputMse = new OutputMse(pool);
        sumOfSquares = new SumOfSquares(pool);
        scale = new Scale(pool);
        sgd = new Sgd(pool);
        momentum = new Momentum(pool);
        adam = new Adam(pool);
        columnSum = new ColumnSum(pool);
    }

    /** Arguments, the split and the partial sums shared by every element-wise job. */
    abstract static class Job implements WorkerPool.Job {
        private final WorkerPool pool;
        final double[] partial;
        /** Four vectors of scratch per part: lane sums ({@link Simd#sum(float[])}), the optimizers' padded last vector. */
        final float[][] lanes;
        Activation act;
        int rows, n, size;
        float[] x0, x1, x2, x3;
        float s0, s1, s2, s3, s4, s5, s6;
        boolean flag;

        Job(WorkerPool pool) {
            this.pool = pool;
            this.partial = new double[pool.threads()];
            this.lanes = new float[pool.threads()][4 * Simd.L];
        }

        final Job scalars(float s0, float s1, float s2, float s3, float s4, float s5, float s6, boolean flag) {
            this.s0 = s0;
            this.s1 = s1;
            this.s2 = s2;
            this.s3 = s3;
            this.s4 = s4;
            this.s5 = s5;
            this.s6 = s6;
            this.flag = flag;
            return this;
        }

        /** A row-wise kernel on a rows × n matrix; returns the sum of the parts' partial results. */
        final double rows(Activation act, int rows, int n, float[] x0, float[] x1, float[] x2, float[] x3) {
            this.rows = rows;
            this.n = n;
            this.size = rows * n;
            int parts = (long) rows * n >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads(), rows) : 1;
            return dispatch(act, parts, x0, x1, x2, x3);
        }

        /** A kernel on {@code size} flat elements; returns the sum of the parts' partial results. */
        final double flat(Activation act, int size, float[] x0, float[] x1, float[] x2, float[] x3) {
            this.size = size;
            int parts = size >= PARALLEL_MIN_ELEMENTS ? pool.threads() : 1;
            return dispatch(act, parts, x0, x1, x2, x3);
        }

        /** A column-wise kernel on a rows × n matrix, split into blocks of 4 vectors of columns. */
        final void columns(int rows, int n, float[] x0, float[] x1) {
            this.rows = rows;
            this.n = n;
            int blocks = (n + 4 * Simd.L - 1) / (4 * Simd.L);
            int parts = (long) rows * n >= PARALLEL_MIN_ELEMENTS ? Math.min(pool.threads(), blocks) : 1;
            dispatch(null, parts, x0, x1, null, null);
        }

        private double dispatch(Activation act, int parts, float[] x0, float[] x1, float[] x2, float[] x3) {
            this.act = act;
            this.x0 = x0;
            this.x1 = x1;
            this.x2 = x2;
            this.x3 = x3;
            Arrays.fill(partial, 0, parts, 0.0);
            try {
                pool.run(this, parts);
            } finally {
                this.x0 = this.x1 = this.x2 = this.x3 = null; // do not keep the caller's arrays reachable
            }
            double sum = 0;
            for (int p = 0; p < parts; p++) {
                sum += partial[p];
            }
            return sum;
        }

        /** First row of part {@code part}. */
        final int row(int part, int parts) {
            return split(rows, part, parts, 1);
        }

        /** First flat element of part {@code part}, on a whole vector. */
        final int element(int part, int parts) {
            return split(size, part, parts, Simd.L);
        }

        /** Start of part {@code part} of {@code parts} over [0, total), in whole units of {@code grain}. */
        static int split(int total, int part, int parts, int grain) {
            if (part >= parts) {
                return total;
            }
            long units = (total + (long) grain - 1) / grain;
            return (int) Math.min(total, units * part / parts * grain);
        }
    }

    // forward:  Zin += b, A = φ(Zin), by rows
    private static final class BiasActivation extends Job {
        BiasActivation(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Elementwise.biasActivation(act, x0, x1, x2, n, row(part, parts), row(part + 1, parts), lanes[part]);
        }
    }

    // output:   Δ = softmax(Zin) − T, cross-entropy summed, by rows
    private static final class OutputSoftmaxCrossEntropy extends Job {
        OutputSoftmaxCrossEntropy(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaSoftmaxCrossEntropy(x0, x1, x2, x3, n, row(part, parts),
                    row(part + 1, parts), lanes[part]);
        }
    }

    // backward: Δ = G ⊙ φ'(Zin)
    private static final class ActivationBackward extends Job {
        ActivationBackward(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Elementwise.activationBackward(act, x0, x1, x2, x3, element(part, parts), element(part + 1, parts));
        }
    }

    // output:   Δ = (A − T) ⊙ φ'(Zin), ½‖A − T‖² summed
    private static final class OutputMse extends Job {
        OutputMse(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Elementwise.outputDeltaMse(act, x0, x1, x2, x3, element(part, parts),
                    element(part + 1, parts));
        }
    }

    private static final class SumOfSquares extends Job {
        SumOfSquares(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            partial[part] = Reductions.sumOfSquares(x0, element(part, parts), element(part + 1, parts));
        }
    }

    private static final class Scale extends Job {
        Scale(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Reductions.scale(x0, s0, element(part, parts), element(part + 1, parts));
        }
    }

    private static final class Sgd extends Job {
        Sgd(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Optimizers.sgd(x0, x1, s0, s1, element(part, parts), element(part + 1, parts));
        }
    }

    private static final class Momentum extends Job {
        Momentum(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Optimizers.momentum(x0, x1, x2, s0, s2, s1, flag, element(part, parts), element(part + 1, parts),
                    lanes[part]);
        }
    }

    private static final class Adam extends Job {
        Adam(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Optimizers.adam(x0, x1, x2, x3, s0, s2, s3, s4, s1, flag, s5, s6, element(part, parts),
                    element(part + 1, parts), lanes[part]);
        }
    }

    // bias gradient: out = α·Σ_rows x, by blocks of columns
    private static final class ColumnSum extends Job {
        ColumnSum(WorkerPool pool) {
            super(pool);
        }

        @Override
        public void run(int part, int parts) {
            Reductions.columnSum(s0, x0, rows, n, x1, split(n, part, parts, 4 * Simd.L),
                    split(n, part + 1, parts, 4 * Simd.L));
        }
    }
}
