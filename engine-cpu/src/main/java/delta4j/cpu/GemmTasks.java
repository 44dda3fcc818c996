package delta4j.cpu;

import delta4j.engine.Precision;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The GEMM on several threads where a split by rows fits (op(A) at least as costly to pack as op(B): the squares,
 * Aᵀ·Δ): the loop nest ({@link GemmLoopNest}) cut into tasks that every thread takes from one counter, in order:
 * for each (jc, pc) phase, first the pieces of its packed B block (one block shared by all threads, two
 * alternating), then its row blocks of C in {@link #orderRowBlocks} order (each packs its A block into the thread's
 * own buffer and runs the macro-kernel). Nothing is packed twice, and a thread slowed down by the machine's other
 * work simply takes fewer tasks. A task waits only for tasks before it in the order, which a running thread has
 * claimed (the order of row blocks within a phase does not matter to that), so this cannot deadlock even when the
 * pool runs every part on one thread:
 * <ul>
 * <li>a row block waits for its phase's B block, and for the same rows in the previous phase (k blocks accumulate
 * into C in order, so results are the same on any number of threads);</li>
 * <li>a B piece waits until the row blocks of the phase two back, which read the same buffer, are done.</li>
 * </ul>
 * One instance per {@link Gemm}: {@link #prepare} sets it up for a call, then every thread runs {@link #run}.
 */
final class GemmTasks {

    private static final int MR = GemmLoopNest.MR, NR = GemmLoopNest.NR, KC = GemmLoopNest.KC,
            MC = GemmLoopNest.MC, NC = GemmLoopNest.NC;

    /**
     * Micro-panels per B packing task: 4 × NR columns (a few microseconds of packing), so both threads share the
     * packing of a B block in several pieces.
     */
    private static final int B_TASK_PANELS = 4;

    private static final int B_DONE = 0, ROWS_DONE = 2; // indices into progress, + buffer
    private final float[][] sharedB = new float[2][];
    private final AtomicInteger nextTask = new AtomicInteger();
    /** Per buffer: B pieces packed, row blocks done (both counted over all phases that used the buffer). */
    private final AtomicIntegerArray progress = new AtomicIntegerArray(4);
    /** Per row block of C: how many phases are done. */
    private AtomicIntegerArray rowPhase = new AtomicIntegerArray(0);
    /** The row block each row task of a phase computes: claims alternate between far-apart ranges of C. */
    private int[] rowOrder = new int[0];
    private volatile boolean taskFailed;
    private int rowTask, rowTasks, bTasks, kBlocks, kBlock, tasksPerPhase, tasks;

    /** Sets up the tasks of a call on {@code threads} threads (published to the workers by the pool's hand-off). */
    void prepare(GemmCall call, int threads) {
        int m = call.m, n = call.n, k = call.k;
        rowTask = rowBlockPanels((m + MR - 1) / MR, threads) * MR;
        rowTasks = (m + rowTask - 1) / rowTask;
        bTasks = ((Math.min(NC, n) + NR - 1) / NR + B_TASK_PANELS - 1) / B_TASK_PANELS;
        kBlock = GemmLoopNest.kBlock(k);
        kBlocks = GemmLoopNest.kBlocks(k);
        tasksPerPhase = bTasks + rowTasks;
        tasks = (n + NC - 1) / NC * kBlocks * tasksPerPhase;
        for (int i = 0; i < 2; i++) {
            if (sharedB[i] == null) {
                sharedB[i] = new float[KC * NC];
            }
        }
        if (rowPhase.length() < rowTasks) {
            rowPhase = new AtomicIntegerArray(rowTasks);
            rowOrder = new int[rowTasks];
        }
        orderRowBlocks(rowOrder, rowTasks, threads);
        for (int i = 0; i < rowTasks; i++) {
            rowPhase.set(i, 0);
        }
        for (int i = 0; i < 4; i++) {
            progress.set(i, 0);
        }
        taskFailed = false;
        nextTask.set(0);
    }

    /**
     * The row blocks in the order a phase's row tasks claim them: C's blocks cut into one contiguous range per
     * thread, and the claims cycling through the ranges (2 threads, 29 blocks: 0, 14, 1, 15, ..., 13, 27, 28), so
     * the threads work far apart in C and A instead of on neighbouring blocks. With neighbours (claims in block
     * order), 2-thread products on some CPUs fell for long phases to a fraction of their speed, both threads evenly
     * slower and not waiting; this order recovers most of it and costs nothing outside those phases (the figures
     * and CPUs are in engine-cpu/README.md, Threads). The last range takes the remainder, so the short last block of
     * C is still claimed last.
     */
    static void orderRowBlocks(int[] order, int blocks, int threads) {
        int per = blocks / threads;
        for (int q = 0, i = 0; q < blocks; i++) {
            int range = i % threads, index = i / threads, block = range * per + index;
            if (index < per || range == threads - 1 && block < blocks) {
                order[q++] = block;
            }
        }
    }

    /**
     * The height of a row block, in MR panels: at most MC rows and at most a quarter of a thread's share (so that
     * the last block claimed leaves the other threads idle for a small part of the phase), and of those heights the
     * tallest whose busiest thread gets at most 5 % more panels than with the best height. Taller blocks read the
     * packed B block fewer times, so a shorter one must buy a real balance: m = 784 on 2 threads takes blocks of 4
     * panels (16 blocks and the short last one, 34 panels against 32), where MC's 6 panels left one thread 36 and
     * the other 30. Rows stay whole MR panels, so the tiles of C are the same on any thread count.
     */
    static int rowBlockPanels(int panelsM, int threads) {
        // Runs at every multi-threaded product: it allocates nothing (SteadyStateAllocationTest).
        int most = Math.min(MC / MR, Math.max(1, panelsM / (4 * threads)));
        int least = Integer.MAX_VALUE;
        for (int p = 1; p <= most; p++) {
            least = Math.min(least, busiestThreadPanels(panelsM, p, threads));
        }
        int p = most;
        while (20L * busiestThreadPanels(panelsM, p, threads) > 21L * least) {
            p--;
        }
        return p;
    }

    /**
     * The panels of the busiest thread when blocks of {@code p} panels are dealt out evenly and the short last block
     * goes to a thread with the fewest whole blocks, as the claiming order does ({@link #orderRowBlocks}).
     */
    static int busiestThreadPanels(int panelsM, int p, int threads) {
        int blocks = (panelsM + p - 1) / p, whole = blocks - 1, last = panelsM - whole * p;
        return Math.max((whole + threads - 1) / threads * p, whole / threads * p + last);
    }

    /** Takes tasks until none is left; every thread of the call runs this with its own workspace. */
    void run(GemmCall call, Precision precision, GemmLoopNest.Workspace w) {
        int m = call.m, n = call.n, k = call.k;
        try {
            for (int t; (t = nextTask.getAndIncrement()) < tasks; ) {
                int phase = t / tasksPerPhase, r = t % tasksPerPhase, buffer = phase & 1, use = phase >> 1;
                int jc = phase / kBlocks * NC, pc = phase % kBlocks * kBlock;
                int nc = Math.min(NC, n - jc), kc = Math.min(kBlock, k - pc);
                float[] bPack = sharedB[buffer];
                if (r < bTasks) {
                    await(progress, ROWS_DONE + buffer, use * rowTasks); // readers of this buffer's last phase
                    int jr0 = r * B_TASK_PANELS * NR;
                    GemmPacking.packB(call, precision, bPack, pc, kc, jc, nc, jr0, jr0 + B_TASK_PANELS * NR);
                    progress.getAndIncrement(B_DONE + buffer);
                } else {
                    int block = rowOrder[r - bTasks], ic = block * rowTask, mc = Math.min(rowTask, m - ic);
                    await(progress, B_DONE + buffer, (use + 1) * bTasks);
                    await(rowPhase, block, phase);
                    GemmPacking.packA(call, precision, w.aPack, ic, mc, pc, kc);
                    GemmLoopNest.macroKernel(call, w, bPack, ic, mc, jc, nc, kc, pc == 0 ? call.beta : 1f);
                    rowPhase.set(block, phase + 1);
                    progress.getAndIncrement(ROWS_DONE + buffer);
                }
            }
        } catch (Throwable e) {
            taskFailed = true; // the other threads stop waiting on work that will never be done
            throw e;
        }
    }

    /** Spins until {@code counters[i] >= target}; another thread is running the task it waits for. */
    private void await(AtomicIntegerArray counters, int i, int target) {
        for (int spins = 0; counters.get(i) < target; spins++) {
            if (taskFailed) {
                throw new IllegalStateException("another thread of this gemm failed");
            }
            if (spins < 4096) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the thread it waits for may have lost its core
            }
        }
    }
}
