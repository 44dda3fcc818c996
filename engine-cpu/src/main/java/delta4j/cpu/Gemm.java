package delta4j.cpu;

import delta4j.engine.Precision;

/**
 * Blocked, packed GEMM {@code C ← α·op(A)·op(B) + β·C} on row-major float arrays, and how its work is divided
 * across the {@link WorkerPool}. The parts, one concept per file:
 * <ul>
 * <li>{@link GemmLoopNest}: the GotoBLAS/BLIS loop nest around the register-tiled {@link GemmMicroKernel};</li>
 * <li>{@link GemmPacking}: op(A) and op(B) packed into the micro-kernel's layouts, absorbing the transposes;</li>
 * <li>{@link GemmBlocking}: the vector width, tile and cache blocks chosen for the machine;</li>
 * <li>scheduling: here (which schedule, and the static cut) and {@link GemmTasks} (the task schedule);</li>
 * <li>{@link GemmCall}: one call's arguments as the threads read them;</li>
 * <li>{@link GemmNarrow}: products with a C of at most one vector's width (an output layer's).</li>
 * </ul>
 * The three products of backprop, for a 512 → 512 layer at batch 256:
 * <pre>
 * forward          Zin  256×512 = A(256×512) · W(512×512)       gemm(false, false)
 * δ propagation    G    256×512 = Δ(256×512) · W(512×512)ᵀ      gemm(false, true)
 * weight gradient  dW   512×512 = A(256×512)ᵀ · Δ(256×512)      gemm(true,  false)
 * </pre>
 *
 * <p>Threads: where a split by rows fits (op(A) at least as costly to pack as op(B): the squares, Aᵀ·Δ), the
 * threads take the tasks of {@link GemmTasks}: the pieces of a packed B block shared by all of them, and row blocks
 * of C. Each operand is packed once whatever the thread count, and a thread that the machine slows down takes fewer
 * tasks. Otherwise (Δ·Wᵀ, a small batch against a wide layer) each thread takes a fixed block of columns and packs
 * op(A) for itself. On exactly two threads each block of data stays with one thread from kernel to kernel: a
 * forward product of two k blocks (α = 1, β = 0) is split by k, each thread its k block, that is its rows of W, which
 * its optimizer step updates; other products of a batch cut C's rows into the threads' rows of the batch
 * ({@link WorkerPool#rowStart}), and a batch's weight gradient into the rows of W that each thread's optimizer step
 * updates ({@link GemmLoopNest#weightRowStart}). Problems under {@link #PARALLEL_MIN_FLOPS} stay on the calling
 * thread.
 *
 * <p>Precision: at tf32 and bf16 each packed block of op(A) and op(B) is rounded ({@link Rounding}) right after it
 * is packed, so the micro-kernels multiply rounded operands and accumulate in fp32; at fp32 nothing is rounded.
 *
 * <p>An instance belongs to one engine; its buffers are allocated on first use and reused, so a steady-state
 * call allocates nothing.
 */
final class Gemm extends WorkerPool.Job {

    private static final int MR = GemmLoopNest.MR, NR = GemmLoopNest.NR;

    /**
     * Below this many flops (2mnk) one thread does the whole product: handing work to a parked worker costs
     * several microseconds, as much as a 2 MFLOP product takes on one core.
     */
    static final long PARALLEL_MIN_FLOPS = 2L << 20;
    /**
     * Below this many flops in each of a layer's two backward products they run one after the other on the caller:
     * a product of a few microseconds on one core, about what handing one to the other thread costs.
     */
    static final long PAIR_MIN_FLOPS = 1L << 18;

    /**
     * On two threads a batch of at most this many rows is split by the rows each thread holds: its products with op(A)
     * = A (forward, δ propagation) and an op(B) of one packed block cut C's rows into the threads' rows of the batch,
     * which the element-wise kernels before and after split the same way, and its weight gradients (depth = the batch)
     * cut dW's rows where the optimizer's step does. These are the batch sizes of training; taller products keep the
     * task schedule, which shares one packed B among the threads and evens out a thread that the machine slows down.
     */
    static final int OWNED_ROWS_MAX = 512;

    /**
     * Cost of packing one element of a transposed operand relative to a row copy: the in-register block
     * transposes take a few times as long per element as the plain packs (engine-cpu/README.md, Transposes,
     * has the per-element times by vector width). Only the order of magnitude matters to the cut below.
     */
    private static final int TRANSPOSED_PACK_COST = 3;

    private final WorkerPool pool;
    private final Precision precision;
    private final GemmLoopNest.Workspace[] workspaces;
    private final GemmNarrow narrow;
    private final GemmCall call = new GemmCall();
    private final GemmTasks tasks = new GemmTasks();

    // The schedule of the current call: the task schedule, or a static grid of gridM × gridN blocks of C, or a split
    // by k in two phases (kPhase), or C's rows cut at cutRow on two threads, or two products at once
    // (backwardProducts: part 0 computes second, G, and part 1 call, dW).
    private boolean shared, paired, kSplit, rowCut;
    private int kPhase, cutRow;
    private int gridM, gridN;
    private final GemmCall second = new GemmCall();

    Gemm(WorkerPool pool, Precision precision) {
        this.pool = pool;
        this.precision = precision;
        this.workspaces = new GemmLoopNest.Workspace[pool.threads()];
        this.narrow = new GemmNarrow(pool, precision);
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
        call.set(transA, transB, m, n, k, alpha, a, b, beta, c);
        int threads = pool.threads();
        shared = kSplit = rowCut = false;
        // A batch's product on two threads whose op(B) is one packed block: it can be cut at the threads' rows.
        boolean batchRows = threads == 2 && !transA && m <= OWNED_ROWS_MAX && k <= GemmLoopNest.KC && n <= GemmLoopNest.NC;
        boolean small = 2L * m * n * k < PARALLEL_MIN_FLOPS;
        if (batchRows && small && pool.splitsOutputRows(m) && (long) m * n >= ElementwiseJobs.OWNED_ROWS_MIN_ELEMENTS) {
            // A small product into a batch matrix that the next row-wise kernel splits at the threads' rows (the δ
            // propagation out of an output layer of a few classes, k = 10): each thread writes its own rows, where on the
            // caller alone it wrote the rows that the worker then reads.
            cutRow = WorkerPool.rowStart(m, 1, 2);
            rowCut = true;
        } else if (threads == 1 || small) {
            gridM = gridN = 1;
        } else if (threads == 2 && !transA && !transB && alpha == 1f && beta == 0f && GemmLoopNest.kBlocks(k) == 2) {
            // A layer's forward product whose depth is two k blocks, on two threads: each thread takes one k block, that
            // is its rows of W, which its own optimizer step updates (ElementwiseJobs.AdamGroup). With a cut of m or n
            // each core read the rows that the other core had just updated, which cost several times a step where the
            // host keeps the two cores apart (engine-cpu/README.md, Threads, "When the two cores are far apart"). Two
            // phases: first each thread stores its block's sums into the other thread's rows of C, then adds them onto
            // its own rows (β = 1), which it then holds for the next kernel (WorkerPool.rowStart). With α = 1 and β = 0
            // every element is its two blocks' sums added with one rounding, whichever came first: the bits of one
            // thread's loop nest.
            kSplit = true;
        } else if (batchRows) {
            // A batch's product on two threads (forward, or δ propagation) whose op(B) is one packed block: each thread
            // its rows of the batch (WorkerPool.rowStart), which the kernel before wrote on the same thread and the next
            // one reads there. Each packs op(B) for itself, once, and keeps it in its L2; a larger W, packed block by
            // block by both threads, keeps the cuts below, where its packing is shared or cut.
            cutRow = WorkerPool.rowStart(m, 1, 2);
            rowCut = true;
        } else if (threads == 2 && transA && !transB && k <= OWNED_ROWS_MAX) {
            // A batch's weight gradient on two threads: each thread the rows of W that its optimizer step updates
            // (GemmLoopNest.weightRowStart: where W's rows are two k blocks, those its share of the forward product
            // read), so the step finds them in its own core's cache; each packs op(B) for itself.
            cutRow = GemmLoopNest.weightRowStart(m, 1, 2);
            rowCut = true;
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
                tasks.prepare(call, threads);
            }
        }
        try {
            if (kSplit) {
                kPhase = 0;
                pool.run(this, 2);
                kPhase = 1;
            }
            pool.run(this, shared || kSplit || rowCut ? threads : gridM * gridN);
        } finally {
            call.clear(); // do not keep the caller's arrays reachable
        }
    }

    /**
     * A dense layer's two backward products, {@code dW (in × out) ← s·Xᵀ·Δ} and {@code G (N × in) ← Δ·Wᵀ}, the same
     * bits as the two {@link #gemm} calls. With exactly two threads and both products in the blocked kernel, each
     * runs whole on a thread of its own: the two take the same flops, and neither then waits for the other's packing
     * or splits its few row blocks (engine-cpu/README.md, Threads). This breaks the rule that each thread keeps its
     * rows (dW is left on one core for both cores' optimizer step), and the pair still won: both products cut by the
     * rows each thread holds ran no faster on small layers and much slower on wider ones (the README has the shapes).
     * Otherwise one after the other.
     */
    void backwardProducts(int rows, int in, int out, float s, float[] x, float[] delta, float[] w, float[] dw, float[] g) {
        if (pool.threads() != 2 || GemmNarrow.takes(true, out) || GemmNarrow.takes(false, in)
                || 2L * rows * in * out < PAIR_MIN_FLOPS) {
            gemm(true, false, in, out, rows, s, x, delta, 0f, dw);
            gemm(false, true, rows, in, out, 1f, delta, w, 0f, g);
            return;
        }
        call.set(true, false, in, out, rows, s, x, delta, 0f, dw);
        second.set(false, true, rows, in, out, 1f, delta, w, 0f, g);
        shared = kSplit = rowCut = false; // run() tests them before paired: none may be left from the call before
        paired = true;
        try {
            pool.run(this, 2);
        } finally {
            paired = false;
            call.clear();
            second.clear();
        }
    }

    @Override
    public void run(int part, int parts) {
        GemmLoopNest.Workspace w = workspaces[part];
        if (w == null) {
            w = workspaces[part] = new GemmLoopNest.Workspace();
        }
        if (shared) {
            tasks.run(call, precision, w);
            return;
        }
        if (w.bPack == null) {
            w.bPack = new float[GemmLoopNest.KC * GemmLoopNest.NC]; // the static cuts' own B blocks
        }
        if (kSplit) {
            // Thread p's k block (its rows of W): in phase 0 into the other thread's rows of C, in phase 1 onto its own,
            // so the two never write the same rows at once and each ends holding its own rows. Its packed B block
            // serves both phases.
            int kb = GemmLoopNest.kBlock(call.k), pc = part * kb, kc = Math.min(kb, call.k - pc);
            int rowsOf = kPhase == 0 ? 1 - part : part;
            GemmLoopNest.kBlockRows(call, precision, w, pc, kc, WorkerPool.rowStart(call.m, rowsOf, 2),
                    WorkerPool.rowStart(call.m, rowsOf + 1, 2), kPhase == 0 ? 0f : 1f, kPhase == 0);
            return;
        }
        if (rowCut) {
            int i0 = part == 0 ? 0 : cutRow, i1 = part == 0 ? cutRow : call.m;
            if (i0 < i1) {
                GemmLoopNest.blocked(call, precision, w, i0, i1, 0, call.n);
            }
            return;
        }
        if (paired) {
            // The caller (which claims part 0 first) takes G: the layer's next kernels (dropout, activationBackward)
            // read it on the caller at once, while dW waits in the other core's cache for the optimizer step.
            GemmCall product = part == 0 ? second : call;
            GemmLoopNest.blocked(product, precision, w, 0, product.m, 0, product.n);
            return;
        }
        // A static grid of gridM × gridN blocks of C, one per part, each packing its own operands.
        int m = call.m, n = call.n;
        int pm = part / gridN, pn = part % gridN;
        int panelsM = (m + MR - 1) / MR, panelsN = (n + NR - 1) / NR;
        int i0 = Math.min(m, (int) ((long) panelsM * pm / gridM) * MR);
        int i1 = Math.min(m, (int) ((long) panelsM * (pm + 1) / gridM) * MR);
        int j0 = Math.min(n, (int) ((long) panelsN * pn / gridN) * NR);
        int j1 = Math.min(n, (int) ((long) panelsN * (pn + 1) / gridN) * NR);
        if (i0 < i1 && j0 < j1) {
            GemmLoopNest.blocked(call, precision, w, i0, i1, j0, j1);
        }
    }
}
