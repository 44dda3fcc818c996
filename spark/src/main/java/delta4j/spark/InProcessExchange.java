package delta4j.spark;

import org.apache.spark.BarrierTaskContext;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The all-reduce of a barrier stage whose tasks all run in one JVM (Spark local mode, or an executor with a slot for
 * every task): the tasks add their vectors in memory, with no transport, no copies into messages and no I/O threads,
 * which on a machine whose cores all compute would take the cores from the engines. Each exchange is a reduce-scatter
 * written back into every task's vector: every task publishes its vector, then sums its own slice of the elements over
 * all tasks in partition order, ((x₀ + x₁) + x₂) + …, as {@link AllReduce}'s transport path does, and writes the sum
 * into that slice of every task's vector. Slices are disjoint, so no element is read and written by two tasks in one
 * exchange; two barriers per exchange (all published, all slices written) keep one exchange's reads from the next one's
 * writes. Per exchange of P floats a task reads P and writes P floats, whatever the number of tasks.
 *
 * <p>Tasks meet on a board kept in this JVM under their stage attempt. The last task to leave removes it; a task that
 * leaves before the others' last exchange (it failed) breaks the board, and they fail at once instead of waiting for it.
 */
final class InProcessExchange implements AutoCloseable {

    private static final ConcurrentHashMap<String, Board> BOARDS = new ConcurrentHashMap<>();

    private final String key;
    private final Board board;
    private final int partition;
    private final BarrierTaskContext ctx;
    private boolean closed;
    /**
     * Measurement: nanoseconds waiting for the others to publish (over all exchanges, and the first one's alone, which
     * holds the rendezvous's skew between the tasks), and reducing (the slice and the second barrier).
     */
    long waitNanos, firstWaitNanos, reduceNanos;
    private int exchanges;

    private InProcessExchange(String key, Board board, int partition, BarrierTaskContext ctx) {
        this.key = key;
        this.board = board;
        this.partition = partition;
        this.ctx = ctx;
    }

    /** Joins the board of this task's stage attempt (created by the first task to arrive). */
    static InProcessExchange join(BarrierTaskContext ctx, int tasks) {
        String key = ctx.stageId() + "." + ctx.stageAttemptNumber();
        Board b = BOARDS.compute(key, (k, old) -> {
            Board n = old == null ? new Board(tasks) : old;
            n.members++;
            return n;
        });
        if (b.tasks != tasks) {
            throw new IllegalStateException("in-process all-reduce: a stage of " + tasks + " tasks met a board of " + b.tasks);
        }
        return new InProcessExchange(key, b, ctx.partitionId(), ctx);
    }

    /** Σ over the tasks of {@code v}, in partition order, into {@code v} itself (every task's), which it returns. */
    float[] sum(float[] v) {
        long t0 = System.nanoTime();
        board.floats[partition] = v;
        board.await(ctx);
        long t1 = System.nanoTime();
        float[][] x = board.floats;
        for (int q = 0; q < x.length; q++) {
            if (x[q].length != v.length) {
                throw new IllegalStateException("all-reduce: task " + q + " sent another vector than this task's " + v.length + " floats");
            }
        }
        int tasks = x.length;
        // Slices in whole 16-float blocks, so that each task's loops run on whole vectors.
        int blocks = (v.length + 15) / 16;
        int lo = Math.min(v.length, (int) ((long) blocks * partition / tasks) * 16);
        int hi = Math.min(v.length, (int) ((long) blocks * (partition + 1) / tasks) * 16);
        float[] acc = x[0];
        for (int q = 1; q < tasks; q++) {
            float[] a = x[q];
            for (int j = lo; j < hi; j++) {
                acc[j] += a[j];
            }
        }
        for (int q = 1; q < tasks; q++) {
            System.arraycopy(acc, lo, x[q], lo, hi - lo);
        }
        board.await(ctx);
        long t2 = System.nanoTime();
        waitNanos += t1 - t0;
        reduceNanos += t2 - t1;
        if (exchanges++ == 0) {
            firstWaitNanos = t1 - t0;
        }
        return v;
    }

    /** Σ over the tasks of a few doubles, in partition order, as a new array. */
    double[] sum(double[] v) {
        board.doubles[partition] = v;
        board.await(ctx);
        double[] sum = new double[v.length];
        for (int q = 0; q < board.doubles.length; q++) {
            double[] d = board.doubles[q];
            if (d.length != v.length) {
                throw new IllegalStateException("all-reduce: task " + q + " sent another vector than this task's " + v.length + " doubles");
            }
            for (int j = 0; j < sum.length; j++) {
                sum[j] += d[j];
            }
        }
        board.await(ctx); // every task has read the others' doubles before any publishes its next ones
        return sum;
    }

    /** Leaves the board: the last task removes it; one that leaves while others exchange breaks it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        board.leave();
        BOARDS.computeIfPresent(key, (k, b) -> --b.members == 0 ? null : b);
    }

    /** The tasks' published vectors and a reusable barrier over them. */
    private static final class Board {
        final int tasks;
        final float[][] floats;
        final double[][] doubles;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition advanced = lock.newCondition();
        private int arrived;
        private long generation;
        private boolean broken;
        int members; // guarded by BOARDS' compute

        Board(int tasks) {
            this.tasks = tasks;
            this.floats = new float[tasks][];
            this.doubles = new double[tasks][];
        }

        /** Waits until every task has arrived here (the lock publishes the vectors written before). */
        void await(BarrierTaskContext ctx) {
            lock.lock();
            try {
                if (broken) {
                    throw new IllegalStateException("all-reduce: another task of this stage failed");
                }
                long g = generation;
                if (++arrived == tasks) {
                    arrived = 0;
                    generation++;
                    advanced.signalAll();
                    return;
                }
                AllReduce.awaitPeers(advanced, () -> generation != g || broken, ctx, "no word from the other tasks of this JVM");
                if (generation == g) {
                    throw new IllegalStateException("all-reduce: another task of this stage failed");
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * A task leaves: no barrier can complete after that. On success every task leaves after its last exchange, so
         * no one waits for it; a task that fails leaves early, and the others fail at their next barrier.
         */
        void leave() {
            lock.lock();
            try {
                broken = true;
                advanced.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
