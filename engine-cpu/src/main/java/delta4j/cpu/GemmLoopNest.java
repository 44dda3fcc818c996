package delta4j.cpu;

import delta4j.engine.Precision;

/**
 * The GotoBLAS/BLIS loop nest around {@link GemmMicroKernel}, on one block of C and one thread:
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
 * The blocks are the machine's ({@link GemmBlocking}); a depth k over KC is cut into k blocks of equal size
 * ({@link #kBlock}). {@link GemmTasks} runs the same macro-kernel on row blocks of a shared packed B block, and
 * {@link Gemm}'s split by k gives each thread one k block; all visit every tile of C with the same k blocks in the same
 * order, so the sums, and the bits, do not depend on the thread count.
 */
final class GemmLoopNest {

    private GemmLoopNest() {
    }

    static final int MR = GemmMicroKernel.MR;
    static final int NR = GemmMicroKernel.NR;
    static final int KC = GemmMicroKernel.KC;
    /** m block, a multiple of MR: the packed A block (MC × KC) sits in L2 next to the B block. */
    static final int MC = GemmBlocking.MACHINE.mc();
    /** n block, a multiple of NR: the packed B block (KC × NC floats) fits L2. */
    static final int NC = GemmBlocking.MACHINE.nc();

    /**
     * The k block of a product of depth k: KC where k fits one, else the depth cut into the fewest blocks of at most KC,
     * of equal size rounded up to 16 (KC is a multiple of 16, so the rounding keeps them within it). Equal blocks let
     * two threads take one each at the same speed ({@link Gemm}'s split by k).
     */
    static int kBlock(int k) {
        if (k <= KC) {
            return KC;
        }
        int blocks = (k + KC - 1) / KC;
        return ((k + blocks - 1) / blocks + 15) / 16 * 16;
    }

    /** k blocks of a product of depth k. */
    static int kBlocks(int k) {
        int kb = kBlock(k);
        return (k + kb - 1) / kb;
    }

    /**
     * Where part {@code part} of {@code parts} starts in a depth of {@code depth} rows (depth for part = parts) when the
     * depth's k blocks are exactly {@code parts}: the start of k block {@code part}. The split by k of a forward product
     * reads those rows of W on thread {@code part}, and the optimizer's step updates them there, so a row of W stays in
     * one core's cache (engine-cpu/README.md, Threads, "When the two cores are far apart"). -1 when the k blocks are
     * not {@code parts}.
     */
    static int depthStart(int depth, int part, int parts) {
        if (kBlocks(depth) != parts) {
            return -1;
        }
        return Math.min(depth, part * kBlock(depth));
    }

    /**
     * First row of part {@code part} of {@code parts} of a weight matrix of {@code rows} rows ({@code rows} for part =
     * parts): its k block where the rows are one k block per part ({@link #depthStart}), else its even share of the
     * rows. The weight gradient's rows on two threads and the optimizer's step take these, so the step finds its rows of
     * the gradient in its own core's cache.
     */
    static int weightRowStart(int rows, int part, int parts) {
        int depth = depthStart(rows, part, parts);
        return depth >= 0 ? depth : WorkerPool.rowStart(rows, part, parts);
    }

    /** One thread's packing buffers, allocated on its first product and reused. */
    static final class Workspace {
        final float[] aPack = new float[MC * KC];
        float[] bPack; // the static cuts only; the task schedule shares GemmTasks' blocks
        final float[] tile = new float[MR * NR];
    }

    /**
     * The loop nest on the block C[i0..i1)[j0..j1) of a call, packing both operands into w's buffers ({@code w.bPack}
     * allocated: the caller allocates it, in code that runs once a call, so this method's compiled code never meets
     * a first use).
     */
    static void blocked(GemmCall call, Precision precision, Workspace w, int i0, int i1, int j0, int j1) {
        int k = call.k, kb = kBlock(k);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kb) {
                int kc = Math.min(kb, k - pc);
                GemmPacking.packB(call, precision, w.bPack, pc, kc, jc, nc, 0, nc);
                float betaBlock = pc == 0 ? call.beta : 1f; // later k blocks accumulate onto the first
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    GemmPacking.packA(call, precision, w.aPack, ic, mc, pc, kc);
                    macroKernel(call, w, w.bPack, ic, mc, jc, nc, kc, betaBlock);
                }
            }
        }
    }

    /**
     * The k block [pc, pc + kc) of rows [i0, i1) of C, β as given (α is the call's): one phase of {@link Gemm}'s split by
     * k. {@code packB}: pack the B block; false where this thread packed the same block in the phase before and it is
     * still in its buffer (n within one NC block).
     */
    static void kBlockRows(GemmCall call, Precision precision, Workspace w, int pc, int kc, int i0, int i1, float beta,
                           boolean packB) {
        int n = call.n;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            if (packB || n > NC) {
                GemmPacking.packB(call, precision, w.bPack, pc, kc, jc, nc, 0, nc);
            }
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                GemmPacking.packA(call, precision, w.aPack, ic, mc, pc, kc);
                macroKernel(call, w, w.bPack, ic, mc, jc, nc, kc, beta);
            }
        }
    }

    /** Every tile of C[ic..ic+mc)[jc..jc+nc) from the packed A block in w and a packed B block. */
    static void macroKernel(GemmCall call, Workspace w, float[] bPack, int ic, int mc, int jc, int nc, int kc,
                            float betaBlock) {
        float[] aPack = w.aPack, tile = w.tile, c = call.c;
        int ldc = call.n;
        float alpha = call.alpha;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                int cOff = (ic + ir) * ldc + jc + jr;
                if (rows == MR && cols == NR) {
                    GemmMicroKernel.kernel(aPack, ir * KC, bPack, jr * kc, kc, c, cOff, ldc, alpha, betaBlock);
                } else if (cols == NR) {
                    bottomRows(aPack, ir, bPack, jr * kc, kc, rows, tile, c, cOff, ldc, alpha, betaBlock);
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
    private static void bottomRows(float[] aPack, int ir, float[] bPack, int bOff, int kc, int rows, float[] tile,
                                   float[] c, int cOff, int ldc, float alpha, float betaBlock) {
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
}
