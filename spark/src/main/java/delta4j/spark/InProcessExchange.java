package delta4j.spark;

import org.apache.spark.BarrierTaskContext;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tasks of a barrier stage that run in one JVM (an executor with several task slots, or Spark local mode) adding
 * up their vectors in memory, with no transport, no copies into messages and no I/O threads, which on a machine whose
 * cores all compute would take the cores from the engines. {@link AllReduce} puts beside them the parts of the tasks in
 * other JVMs, which the group's leader received. Each exchange is then a reduce-scatter written back into every member's
 * vector: the members publish their vectors (the leader the received parts too), then each sums its own slice of the
 * elements over all N vectors in partition order, ((x₀ + x₁) + x₂) + …, and writes the sum into that slice of every
 * member's vector. Slices are disjoint, so no element is read and written by two members in one exchange; two barriers
 * per exchange (all published, all slices written) keep one exchange's reads from the next one's writes. Per exchange of
 * P floats a member reads P·N/G and writes P floats (G members).
 *
 * <p>Members meet on a board kept in this JVM under their stage attempt and group. The last member to leave removes it;
 * a member that leaves before the others' last exchange (it failed) breaks the board, and they fail at once instead of
 * waiting for it.
 */
final class InProcessExchange implements AutoCloseable {

    private static final ConcurrentHashMap<String, Board> BOARDS = new ConcurrentHashMap<>();

    private final String key;
    private final Board board;
    private final int partition;
    private final int rank;
    private final BarrierTaskContext ctx;
    private boolean closed;
    /** Measurement: nanoseconds waiting for this JVM's other members to publish. */
    long waitNanos;

    private InProcessExchange(String key, Board board, int partition, int rank, BarrierTaskContext ctx) {
        this.key = key;
        this.board = board;
        this.partition = partition;
        this.rank = rank;
        this.ctx = ctx;
    }

    /**
     * Joins the board of this task's stage attempt and group (created by the first member to arrive).
     *
     * @param group   the group's name, the same for all its members
     * @param members the group's partitions in ascending order, this task's among them
     */
    static InProcessExchange join(BarrierTaskContext ctx, String group, int[] members) {
        int tasks = ctx.getTaskInfos().length;
        String key = ctx.stageId() + "." + ctx.stageAttemptNumber() + "." + group;
        Board b = BOARDS.compute(key, (k, old) -> {
            Board n = old == null ? new Board(tasks, members) : old;
            n.joined++;
            return n;
        });
        if (!java.util.Arrays.equals(b.members, members)) {
            throw new IllegalStateException("in-process all-reduce: group " + group + " met with members "
                    + java.util.Arrays.toString(b.members) + " and " + java.util.Arrays.toString(members));
        }
        return new InProcessExchange(key, b, ctx.partitionId(), java.util.Arrays.binarySearch(members, ctx.partitionId()), ctx);
    }

    /** {@return how many tasks of the stage are in this group} */
    int members() {
        return board.members.length;
    }

    /**
     * Σ over all tasks of the stage, in partition order, into {@code v} (and every member's vector), which it returns.
     *
     * @param remote the other JVMs' vectors by partition (the leader passes them; null for the other members)
     */
    float[] sum(float[] v, float[][] remote) {
        long t0 = System.nanoTime();
        float[][] x = publish(board.floats, v, remote);
        board.await(ctx);
        long t1 = System.nanoTime();
        for (int q = 0; q < x.length; q++) {
            if (x[q] == null || x[q].length != v.length) {
                throw new IllegalStateException("all-reduce: task " + q + " sent another vector than this task's " + v.length + " floats");
            }
        }
        int[] members = board.members;
        // Slices in whole 16-float blocks, so that each member's loops run on whole vectors.
        int blocks = (v.length + 15) / 16;
        int lo = Math.min(v.length, (int) ((long) blocks * rank / members.length) * 16);
        int hi = Math.min(v.length, (int) ((long) blocks * (rank + 1) / members.length) * 16);
        // ((x0 + x1) + x2) + ... into x0's slice (a member's vector, or a received part that is the leader's to
        // write), then copied into the other members' vectors.
        float[] acc = x[0];
        for (int q = 1; q < x.length; q++) {
            float[] a = x[q];
            for (int j = lo; j < hi; j++) {
                acc[j] += a[j];
            }
        }
        for (int m : members) {
            if (x[m] != acc) {
                System.arraycopy(acc, lo, x[m], lo, hi - lo);
            }
        }
        board.await(ctx);
        waitNanos += t1 - t0;
        return v;
    }

    /**
     * Σ over all tasks of the stage of a few doubles, in partition order, as a new array.
     *
     * @param remote the other JVMs' doubles by partition (the leader passes them; null for the other members)
     */
    double[] sum(double[] v, double[][] remote) {
        double[][] x = publish(board.doubles, v, remote);
        board.await(ctx);
        double[] sum = new double[v.length];
        for (int q = 0; q < x.length; q++) {
            double[] d = x[q];
            if (d == null || d.length != v.length) {
                throw new IllegalStateException("all-reduce: task " + q + " sent another vector than this task's " + v.length + " doubles");
            }
            for (int j = 0; j < sum.length; j++) {
                sum[j] += d[j];
            }
        }
        board.await(ctx); // every member has read the doubles before any publishes its next ones
        return sum;
    }

    /** Puts this task's vector and the received ones (null entries: not received here) into the board's slots. */
    private <T> T[] publish(T[] slots, T mine, T[] remote) {
        slots[partition] = mine;
        if (remote != null) {
            for (int q = 0; q < remote.length; q++) {
                if (remote[q] != null) {
                    slots[q] = remote[q];
                }
            }
        }
        return slots;
    }

    /** Leaves the board: the last member removes it; one that leaves before the others' last exchange breaks it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        board.leave();
        BOARDS.computeIfPresent(key, (k, b) -> --b.joined == 0 ? null : b);
    }

    /** The stage's vectors as this group sees them, and a reusable barrier over the group's members. */
    private static final class Board {
        final int[] members;
        final float[][] floats;
        final double[][] doubles;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition advanced = lock.newCondition();
        private int arrived;
        private long generation;
        private boolean broken;
        int joined; // guarded by BOARDS' compute

        Board(int tasks, int[] members) {
            this.members = members.clone();
            this.floats = new float[tasks][];
            this.doubles = new double[tasks][];
        }

        /** Waits until every member has arrived here (the lock publishes the vectors written before). */
        void await(BarrierTaskContext ctx) {
            if (members.length == 1) {
                return;
            }
            lock.lock();
            try {
                if (broken) {
                    throw new IllegalStateException("all-reduce: another task of this stage failed");
                }
                long g = generation;
                if (++arrived == members.length) {
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
         * A member leaves: no barrier can complete after that. On success every member leaves after its last exchange,
         * so no one waits for it; a member that fails leaves early, and the others fail at their next barrier.
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
