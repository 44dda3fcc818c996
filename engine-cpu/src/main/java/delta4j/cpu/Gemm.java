package delta4j.cpu;

import delta4j.engine.Precision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Blocked, packed GEMM {@code C ← α·op(A)·op(B) + β·C} on row-major float arrays: the GotoBLAS/BLIS loop
 * nest around {@link GemmMicroKernel}.
 *
 * <pre>
 * for jc in n step NC:                      B block KC × NC   → packed once, lives in L2
 *   for pc in k step KC:
 *     pack op(B)[pc.., jc..] into NR-wide micro-panels (p-major)
 *     for ic in m step MC:                  A block MC × KC   → packed, lives in L2
 *       pack op(A)[ic.., pc..] into MR-row micro-panels (row stride KC)
 *       for jr in NC step NR:               B micro-panel KC × NR stays in L1 ...
 *         for ir in MC step MR:             ... while the A micro-panels stream past it
 *           micro-kernel: C[ic+ir.., jc+jr..] ← α·Ã·B̃ + β'·C   (β' = β on the first k block, then 1)
 * </pre>
 *
 * <p>The transposes are absorbed by the packing routines, which read op(X) in place: no transpose is ever
 * materialised. The three products of backprop, for a 512 → 512 layer at batch 256:
 * <pre>
 * forward          Zin  256×512 = A(256×512) · W(512×512)       gemm(false, false)
 * δ propagation    G    256×512 = Δ(256×512) · W(512×512)ᵀ      gemm(false, true)
 * weight gradient  dW   512×512 = A(256×512)ᵀ · Δ(256×512)      gemm(true,  false)
 * </pre> Narrow products (n ≤ one vector, an output layer's) go to {@link GemmNarrow}.
 *
 * <p>Threads: where a split by rows fits (op(A) at least as costly to pack as op(B): the squares, Aᵀ·Δ), the
 * loop nest becomes tasks that the threads take from one counter ({@link #runTasks}): the pieces of a packed B
 * block shared by all of them, and row blocks of C. Each operand is packed once whatever the thread count, and
 * a thread that the machine slows down takes fewer tasks. Otherwise (Δ·Wᵀ, a small batch against a wide layer)
 * each thread takes a fixed block of columns and packs op(A) for itself. Problems under
 * {@link #PARALLEL_MIN_FLOPS} stay on the calling thread.
 *
 * <p>Precision: at tf32 and bf16 each packed block of op(A) and op(B) is rounded ({@link Rounding}) right after it
 * is packed, so the micro-kernels multiply rounded operands and accumulate in fp32; at fp32 nothing is rounded.
 *
 * <p>An instance belongs to one engine; its buffers are allocated on first use and reused, so a steady-state
 * call allocates nothing.
 */
final class Gemm implements WorkerPool.Job {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    static final int MR = GemmMicroKernel.MR;
    static final int NR = GemmMicroKernel.NR;

    /**
     * k block. The packed B micro-panel (KC × NR floats) must stay in L1 next to the streaming A micro-panel;
     * larger and smaller values measured slower (engine-cpu/README.md, GEMM: blocking and the tried table).
     */
    static final int KC = 256;
    /**
     * m block, a multiple of MR: the packed A block (MC × KC) must sit in L2 next to the B block (the other
     * values measured are in engine-cpu/README.md).
     */
    static final int MC = 72;
    /**
     * n block, a multiple of NR: the packed B block (KC × NC floats) should fit L2; smaller blocks cost more
     * passes over A and measured slower even where L2 is only as large as the block (engine-cpu/README.md).
     */
    static final int NC = 1024;

    /**
     * Below this many flops (2mnk) one thread does the whole product: handing work to a parked worker costs
     * several microseconds, as much as a 2 MFLOP product takes on one core.
     */
    static final long PARALLEL_MIN_FLOPS = 2L << 20;

    /**
     * Cost of packing one element of a transposed operand relative to a row copy: the in-register block
     * transposes take a few times as long per element as the plain packs (engine-cpu/README.md, Transposes,
     * has the per-element times by vector width). Only the order of magnitude matters to the cut below.
     */
    private static final int TRANSPOSED_PACK_COST = 3;

    private final WorkerPool pool;
    private final Precision precision;
    private final Workspace[] workspaces;
    private final GemmNarrow narrow;

    // The current call's arguments, read by run(part, parts) on every thread.
    private boolean transA, transB;
    private float alpha, beta;
    private float[] a, b, c;
    private int m, n, k;
    private int gridM, gridN;

    // The task schedule of a call on several threads (runTasks).
    private static final int B_DONE = 0, ROWS_DONE = 2; // indices into progress, + buffer
    private final float[][] sharedB = new float[2][];
    private final AtomicInteger nextTask = new AtomicInteger();
    /** Per buffer: B pieces packed, row blocks done (both counted over all phases that used the buffer). */
    private final AtomicIntegerArray progress = new AtomicIntegerArray(4);
    /** Per row block of C: how many phases are done. */
    private AtomicIntegerArray rowPhase = new AtomicIntegerArray(0);
    /** The row block each row task of a phase computes: claims alternate between far-apart ranges of C. */
    private int[] rowOrder = new int[0];
    private boolean shared;
    private volatile boolean taskFailed;
    private int rowTask, rowTasks, bTasks, kBlocks, tasksPerPhase, tasks;

    Gemm(WorkerPool pool, Precision precision) {
        this.pool = pool;
        this.precision = precision;
        this.workspaces = new Workspace[pool.threads()];
        this.narrow = new GemmNarrow(pool, precision);
    }

    /** Per-thread packing buffers. */
    private static final class Workspace {
        final float[] aPack = new float[MC * KC];
        float[] bPack; // one thread only; several threads share Gemm.sharedB
        final float[] tile = new float[MR * NR];
    }

    /**
     * {@code C ← α·op(A)·op(B) + β·C} with op(A) m × k, op(B) k × n, C m × n, all row-major and dense (the
     * leading dimension of each is its stored column count). Shapes are the caller's to check.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, float[] b, float beta, float[] c) {
        if (GemmNarrow.takes(transA, n)) {
            narrow.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            return;
        }
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.b = b;
        this.c = c;
        int threads = pool.threads();
        shared = false;
        if (threads == 1 || 2L * m * n * k < PARALLEL_MIN_FLOPS) {
            gridM = gridN = 1;
        } else {
            int panelsM = (m + MR - 1) / MR, panelsN = (n + NR - 1) / NR;
            // Cutting n makes every thread pack all of op(A); cutting m would make every thread pack all of
            // op(B), which the task schedule avoids by sharing one packed B. Cut n where packing op(A) twice
            // costs less than packing op(B) once more: a transposed pack (a block transpose) costs about two
            // times a vector copy, so Δ·Wᵀ cuts n, and so do products whose A is smaller than B (a batch of
            // 128 or 256 rows against a wide layer: there the static n cut measured faster than the task
            // schedule, whose row blocks are then few and short; engine-cpu/README.md, Threads).
            long duplicatedIfCutN = (long) m * k * (transA ? TRANSPOSED_PACK_COST : 1);
            long duplicatedIfCutM = (long) k * n * (transB ? TRANSPOSED_PACK_COST : 1);
            boolean cutN = duplicatedIfCutN < duplicatedIfCutM;
            if (cutN ? panelsN < threads : panelsM < threads) {
                cutN = !cutN; // the cheaper side has too few panels to give every thread one
            }
            if (cutN) {
                gridN = Math.min(threads, panelsN);
                gridM = Math.min(threads / gridN, panelsM);
            } else {
                shared = true;
                schedule(threads);
            }
        }
        try {
            pool.run(this, shared ? threads : gridM * gridN);
        } finally {
            this.a = this.b = this.c = null; // do not keep the caller's arrays reachable
        }
    }

    /** Sets up the task schedule of {@link #runTasks} for this call's shape. */
    private void schedule(int threads) {
        // Row blocks of MC rows, or fewer where that leaves under four per thread (m = 512 on 2 threads: nine
        // blocks of 60 rows instead of seven of 72 and one of 8), so that the last block claimed leaves the
        // other thread idle for a small part of the phase. Rows stay whole MR panels, so the tiles of C are
        // the same on any thread count.
        int panelsM = (m + MR - 1) / MR;
        rowTask = Math.min(MC, Math.max(1, panelsM / (4 * threads)) * MR);
        rowTasks = (m + rowTask - 1) / rowTask;
        bTasks = ((Math.min(NC, n) + NR - 1) / NR + B_TASK_PANELS - 1) / B_TASK_PANELS;
        kBlocks = (k + KC - 1) / KC;
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
        nextTask.set(0); // published to the workers by the pool's hand-off
    }

    /**
     * The row blocks in the order a phase's row tasks claim them: C's blocks cut into one contiguous range per
     * thread, and the claims cycling through the ranges (2 threads, 29 blocks: 0, 14, 1, 15, ..., 13, 27, 28), so
     * the threads work far apart in C and A instead of on neighbouring blocks. With neighbours (claims in block
     * order), 2-thread products on some CPUs fell for long phases to a fraction of their speed, both threads evenly
     * slower and not waiting; this order recovers most of it and costs nothing outside those phases (the figures
     * and CPUs are in engine-cpu/README.md, Threads). The last range takes the remainder, so the short last block of C is still claimed last.
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

    @Override
    public void run(int part, int parts) {
        Workspace w = workspaces[part];
        if (w == null) {
            w = workspaces[part] = new Workspace();
        }
        if (shared) {
            runTasks(w);
            return;
        }
        // A static grid of gridM × gridN blocks of C, one per part, each packing its own operands.
        int pm = part / gridN, pn = part % gridN;
        int panelsM = (m + MR - 1) / MR, panelsN = (n + NR - 1) / NR;
        int i0 = Math.min(m, (int) ((long) panelsM * pm / gridM) * MR);
        int i1 = Math.min(m, (int) ((long) panelsM * (pm + 1) / gridM) * MR);
        int j0 = Math.min(n, (int) ((long) panelsN * pn / gridN) * NR);
        int j1 = Math.min(n, (int) ((long) panelsN * (pn + 1) / gridN) * NR);
        if (i0 < i1 && j0 < j1) {
            blocked(w, i0, i1, j0, j1);
        }
    }

    // ------------------------------------------------------------------ several threads: one schedule of tasks

    /**
     * Micro-panels per B packing task: 4 × NR = 128 columns, 32 K elements (a few microseconds), so both threads
     * share the packing of a 1024-column block in 8 pieces.
     */
    private static final int B_TASK_PANELS = 4;

    /**
     * The loop nest cut into tasks that every thread takes from one counter, in order: for each (jc, pc) phase,
     * first the pieces of its packed B block (one block shared by all threads, two alternating), then its row
     * blocks of C in {@link #orderRowBlocks} order (each packs its A block into the thread's own buffer and runs
     * the macro-kernel). Nothing is packed twice, and a thread slowed down by the machine's other work simply
     * takes fewer tasks. A task waits only for tasks before it in the order, which a running thread has claimed
     * (the order of row blocks within a phase does not matter to that), so this cannot deadlock even
     * when the pool runs every part on one thread:
     * <ul>
     * <li>a row block waits for its phase's B block, and for the same rows in the previous phase (k blocks
     * accumulate into C in order, so results are the same on any number of threads);</li>
     * <li>a B piece waits until the row blocks of the phase two back, which read the same buffer, are done.</li>
     * </ul>
     */
    private void runTasks(Workspace w) {
        try {
            for (int t; (t = nextTask.getAndIncrement()) < tasks; ) {
                int phase = t / tasksPerPhase, r = t % tasksPerPhase, buffer = phase & 1, use = phase >> 1;
                int jc = phase / kBlocks * NC, pc = phase % kBlocks * KC;
                int nc = Math.min(NC, n - jc), kc = Math.min(KC, k - pc);
                float[] bPack = sharedB[buffer];
                if (r < bTasks) {
                    await(progress, ROWS_DONE + buffer, use * rowTasks); // readers of this buffer's last phase
                    int jr0 = r * B_TASK_PANELS * NR;
                    packB(bPack, pc, kc, jc, nc, jr0, jr0 + B_TASK_PANELS * NR);
                    progress.getAndIncrement(B_DONE + buffer);
                } else {
                    int block = rowOrder[r - bTasks], ic = block * rowTask, mc = Math.min(rowTask, m - ic);
                    await(progress, B_DONE + buffer, (use + 1) * bTasks);
                    await(rowPhase, block, phase);
                    packA(w.aPack, ic, mc, pc, kc);
                    macroKernel(w, bPack, ic, mc, jc, nc, kc, pc == 0 ? beta : 1f);
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

    /** The loop nest above, on the block C[i0..i1)[j0..j1). */
    private void blocked(Workspace w, int i0, int i1, int j0, int j1) {
        if (w.bPack == null) {
            w.bPack = new float[KC * NC];
        }
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(w.bPack, pc, kc, jc, nc, 0, nc);
                float betaBlock = pc == 0 ? beta : 1f; // later k blocks accumulate onto the first
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(w.aPack, ic, mc, pc, kc);
                    macroKernel(w, w.bPack, ic, mc, jc, nc, kc, betaBlock);
                }
            }
        }
    }

    /**
     * op(B)[pc.., jc..] of this call, micro-panels [jr0, jr1) of the block, into a packed B block, rounded to the
     * precision (the panels are contiguous: panel jr at jr·kc, NR·kc floats each).
     */
    private void packB(float[] bPack, int pc, int kc, int jc, int nc, int jr0, int jr1) {
        if (transB) {
            packBTransposed(bPack, b, k, pc, kc, jc, nc, jr0, jr1);
        } else {
            packB(bPack, b, n, pc, kc, jc, nc, jr0, jr1);
        }
        if (precision != Precision.FP32 && jr0 < nc) {
            int end = (Math.min(jr1, nc) + NR - 1) / NR * NR;
            Rounding.round(precision, bPack, jr0 * kc, end * kc);
        }
    }

    /** op(A)[ic.., pc..] of this call into a packed A block (row r at r·KC, kc floats used), rounded to the precision. */
    private void packA(float[] aPack, int ic, int mc, int pc, int kc) {
        if (transA) {
            packATransposed(aPack, a, m, ic, mc, pc, kc);
        } else {
            packA(aPack, a, k, ic, mc, pc, kc);
        }
        if (precision != Precision.FP32) {
            for (int r = 0; r < mc; r++) {
                Rounding.round(precision, aPack, r * KC, r * KC + kc);
            }
        }
    }

    private void macroKernel(Workspace w, float[] bPack, int ic, int mc, int jc, int nc, int kc, float betaBlock) {
        float[] aPack = w.aPack, tile = w.tile, c = this.c;
        int ldc = n;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                int cOff = (ic + ir) * ldc + jc + jr;
                if (rows == MR && cols == NR) {
                    GemmMicroKernel.kernel(aPack, ir * KC, bPack, jr * kc, kc, c, cOff, ldc, alpha, betaBlock);
                } else if (cols == NR) {
                    bottomRows(aPack, ir, bPack, jr * kc, kc, rows, tile, cOff, betaBlock);
                } else {
                    GemmMicroKernel.kernel(aPack, ir * KC, bPack, jr * kc, kc, tile, 0, NR, 1f, 0f);
                    GemmMicroKernel.edge(tile, 0, rows, cols, c, cOff, ldc, alpha, betaBlock);
                }
            }
        }
    }

    /**
     * The last rows (fewer than MR) of a column panel: four at a time straight into C, the rest (1 to 3) through
     * the scratch tile from a window of four rows that ends inside the MR-row panel (whose padding rows are
     * zeros); with MR = 6 the window of a fifth row starts at row 2, and only its last rows are merged.
     */
    private void bottomRows(float[] aPack, int ir, float[] bPack, int bOff, int kc, int rows, float[] tile, int cOff,
                            float betaBlock) {
        int ldc = n;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            GemmMicroKernel.kernel4x2(aPack, (ir + r) * KC, bPack, bOff, kc, c, cOff + r * ldc, ldc, alpha, betaBlock);
        }
        if (r < rows) {
            int s = Math.min(r, MR - 4); // the window's first row
            GemmMicroKernel.kernel4x2(aPack, (ir + s) * KC, bPack, bOff, kc, tile, 0, NR, 1f, 0f);
            GemmMicroKernel.edge(tile, (r - s) * NR, rows - r, NR, c, cOff + r * ldc, ldc, alpha, betaBlock);
        }
    }

    // ------------------------------------------------------------------ packing op(A): rows at stride KC

    /** A not transposed (m × k, lda = k): each row of the block is a contiguous copy. */
    static void packA(float[] pack, float[] a, int lda, int ic, int mc, int pc, int kc) {
        int rowsPadded = (mc + MR - 1) / MR * MR;
        for (int r = 0; r < rowsPadded; r++) {
            int dst = r * KC;
            if (r < mc) {
                copy(a, (ic + r) * lda + pc, pack, dst, kc);
            } else {
                java.util.Arrays.fill(pack, dst, dst + kc, 0f); // zero rows keep the padded tile finite
            }
        }
    }

    /**
     * A transposed (stored k × m, lda = m): op(A)[i][p] = a[p·lda + i]. L × L blocks of the stored A (L steps
     * of k, L rows of C) are transposed in registers ({@link Transpose}) into L packed rows; only the rows below
     * mc are stored, and the columns past kc that a ragged last block writes lie inside the row's KC and are never
     * read. A block whose L source rows would run past the end of a goes in scalar code, as do vector lengths
     * without a block transpose (faster per element than the masked load and scatter per step, or the scalar
     * loop, on both vector widths: engine-cpu/README.md, Transposes).
     */
    static void packATransposed(float[] pack, float[] a, int lda, int ic, int mc, int pc, int kc) {
        int rowsPadded = (mc + MR - 1) / MR * MR;
        for (int r0 = 0; r0 < mc; r0 += L) {
            int rows = Math.min(L, mc - r0);
            for (int p0 = 0; p0 < kc; p0 += L) {
                int src = (pc + p0) * lda + ic + r0;
                if (Transpose.fits(a, src, lda)) {
                    Transpose.block(a, src, lda, pack, r0 * KC + p0, KC, rows);
                } else {
                    packATransposedScalar(pack, a, lda, src, r0 * KC + p0, rows, Math.min(L, kc - p0));
                }
            }
        }
        for (int r = mc; r < rowsPadded; r++) {
            java.util.Arrays.fill(pack, r * KC, r * KC + kc, 0f);
        }
    }

    /** {@code pack[dst + r·KC + p] = a[src + p·lda + r]} for r &lt; rows, p &lt; steps. */
    private static void packATransposedScalar(float[] pack, float[] a, int lda, int src, int dst, int rows, int steps) {
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < steps; p++) {
                pack[dst + r * KC + p] = a[src + p * lda + r];
            }
        }
    }

    // ------------------------------------------------------------------ packing op(B): NR-wide, p-major

    /**
     * B not transposed (k × n, ldb = n): each micro-panel row is two vector loads. Packs the micro-panels whose
     * first column lies in [jr0, jr1) of the nc-column block (jr0 a multiple of NR).
     */
    static void packB(float[] pack, float[] b, int ldb, int pc, int kc, int jc, int nc, int jr0, int jr1) {
        for (int jr = jr0; jr < Math.min(jr1, nc); jr += NR) {
            int dst = jr * kc, cols = nc - jr;
            int src = pc * ldb + jc + jr;
            if (cols >= NR) {
                for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                    FloatVector.fromArray(F, b, src).intoArray(pack, dst);
                    FloatVector.fromArray(F, b, src + L).intoArray(pack, dst + L);
                }
            } else {
                // Edge panel: masked loads leave zeros in the padding columns.
                VectorMask<Float> m0 = F.indexInRange(0, cols), m1 = F.indexInRange(L, cols);
                for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                    FloatVector.fromArray(F, b, src, m0).intoArray(pack, dst);
                    FloatVector.fromArray(F, b, src + L, m1).intoArray(pack, dst + L);
                }
            }
        }
    }

    /**
     * B transposed (stored n × k, ldb = k): op(B)[p][j] = b[j·ldb + p]. L columns at a time are transposed in
     * registers in blocks of L steps ({@link Transpose}); the ragged last block of k with whole-row loads,
     * storing only its steps (an output layer's k = 10 is all ragged, so this path is the whole pack there and
     * must not fall back to scalar code). The last columns of op(B), a block whose rows would run past the end of b, and vector
     * lengths without a block transpose are copied in scalar code (vector gathers and scatters were no faster).
     * Packs the micro-panels whose first column lies in [jr0, jr1), as {@link #packB} does.
     */
    static void packBTransposed(float[] pack, float[] b, int ldb, int pc, int kc, int jc, int nc, int jr0, int jr1) {
        for (int jr = jr0; jr < Math.min(jr1, nc); jr += NR) {
            int base = jr * kc;
            for (int h = 0; h < NR; h += L) {
                if (jr + h + L <= nc) {
                    int src = (jc + jr + h) * ldb + pc;
                    for (int p0 = 0; p0 < kc; p0 += L) {
                        int steps = Math.min(L, kc - p0);
                        if (Transpose.fits(b, src + p0, ldb)) {
                            Transpose.block(b, src + p0, ldb, pack, base + p0 * NR + h, NR, steps);
                        } else { // a ragged block at the very end of b
                            packBTransposedScalar(pack, b, ldb, pc, kc, p0, p0 + steps, jc, nc, jr, h, h + L);
                        }
                    }
                } else {
                    packBTransposedScalar(pack, b, ldb, pc, kc, 0, kc, jc, nc, jr, h, h + L);
                }
            }
        }
    }

    /** Columns [c0, c1) of micro-panel jr for steps [p0, p1) of the k block; zeros past column nc. */
    private static void packBTransposedScalar(float[] pack, float[] b, int ldb, int pc, int kc, int p0, int p1,
                                              int jc, int nc, int jr, int c0, int c1) {
        int base = jr * kc;
        for (int col = c0; col < c1; col++) {
            if (jr + col < nc) {
                int src = (jc + jr + col) * ldb + pc;
                for (int p = p0; p < p1; p++) {
                    pack[base + p * NR + col] = b[src + p];
                }
            } else {
                for (int p = p0; p < p1; p++) {
                    pack[base + p * NR + col] = 0f;
                }
            }
        }
    }

    /** Vector copy with a masked tail. */
    static void copy(float[] src, int from, float[] dst, int to, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(F, src, from + i).intoArray(dst, to + i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, src, from + i, m).intoArray(dst, to + i, m);
        }
    }
}
