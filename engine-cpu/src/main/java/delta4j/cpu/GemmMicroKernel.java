package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM micro-kernel: an {@link #MR} × {@link #NR} tile of C computed as a sum of kc rank-1 updates,
 * held in vector accumulators for the whole k loop (register tiling, as in GotoBLAS and BLIS).
 *
 * <p>Each step p broadcasts the MR elements {@code a[r][p]} of a packed A micro-panel (one load each: C2
 * folds the load into {@code vbroadcastss}), loads the two vectors {@code b[p][0..NR)} of a packed B
 * micro-panel, and does MR × 2 fused multiply-adds. The vector width and the tile are chosen for the machine
 * ({@link GemmBlocking}): NR is always two vectors, and MR is 12 where the JVM has 32 vector registers (AVX-512)
 * and 6 where it has 16 (AVX2), so every accumulator stays in a register.
 *
 * <p>Packed layouts (see {@link GemmPacking}): A micro-panel element (r, p) at {@code aOff + r·KC + p} (panel rows
 * KC apart, a compile-time stride, so each broadcast is one load with a constant displacement); B
 * micro-panel element (p, c) at {@code bOff + p·NR + c}.
 *
 * <p>Each kernel writes the whole tile, applying α and β in the store. Edge tiles (past the end of C) are
 * computed into a scratch tile and merged by {@link #edge}, so the kernels never test for edges.
 */
final class GemmMicroKernel {

    private GemmMicroKernel() {
    }

    /**
     * The GEMM's vectors: the JVM's preferred species or a narrower one ({@link GemmBlocking}); a static final, so
     * C2 compiles every vector operation of the GEMM for it.
     */
    static final VectorSpecies<Float> F =
            VectorSpecies.of(float.class, VectorShape.forBitSize(GemmBlocking.MACHINE.vectorBits()));
    static final int L = F.length();

    /** Rows of the register tile: 12 with 32 vector registers, 6 with 16. */
    static final int MR = GemmBlocking.MACHINE.mr();
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** Row stride of a packed A micro-panel (the k block size). */
    static final int KC = GemmBlocking.MACHINE.kc();

    /**
     * {@code C[0..MR)[0..NR) ← α·Σ_p a[·][p]·b[p][·] + β·C} on the tile at {@code c[cOff]} with row stride
     * ldc. β = 0 does not read C. The tile must lie fully inside C.
     */
    static void kernel(float[] a, int aOff, float[] b, int bOff, int kc,
                       float[] c, int cOff, int ldc, float alpha, float beta) {
        if (MR == 12) { // a constant: C2 keeps only one branch
            kernel12x2(a, aOff, b, bOff, kc, c, cOff, ldc, alpha, beta);
        } else {
            kernel6x2(a, aOff, b, bOff, kc, c, cOff, ldc, alpha, beta);
        }
    }

    /**
     * 12 × 2 vectors (24 accumulators of 32 registers): for AVX-512. Per step 12 broadcasts from memory,
     * 2 vector loads, 24 FMAs; C2 keeps every accumulator in a register (checked in the generated code).
     * Not unrolled: with 24 FMAs per step the loop overhead is already small, and unrolling made C2 hoist
     * the loads of later steps and spill accumulators. Smaller tiles and 3 or 4 vectors wide (whose B
     * micro-panel overflows L1) measured slower (engine-cpu/README.md, Micro-kernel).
     */
    static void kernel12x2(float[] a, int aOff, float[] b, int bOff, int kc,
                          float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector c000 = FloatVector.zero(F), c001 = FloatVector.zero(F);
        FloatVector c010 = FloatVector.zero(F), c011 = FloatVector.zero(F);
        FloatVector c020 = FloatVector.zero(F), c021 = FloatVector.zero(F);
        FloatVector c030 = FloatVector.zero(F), c031 = FloatVector.zero(F);
        FloatVector c040 = FloatVector.zero(F), c041 = FloatVector.zero(F);
        FloatVector c050 = FloatVector.zero(F), c051 = FloatVector.zero(F);
        FloatVector c060 = FloatVector.zero(F), c061 = FloatVector.zero(F);
        FloatVector c070 = FloatVector.zero(F), c071 = FloatVector.zero(F);
        FloatVector c080 = FloatVector.zero(F), c081 = FloatVector.zero(F);
        FloatVector c090 = FloatVector.zero(F), c091 = FloatVector.zero(F);
        FloatVector c100 = FloatVector.zero(F), c101 = FloatVector.zero(F);
        FloatVector c110 = FloatVector.zero(F), c111 = FloatVector.zero(F);
        FloatVector b0, b1, x;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p, bi = bOff + p * NR;
            b0 = FloatVector.fromArray(F, b, bi); b1 = FloatVector.fromArray(F, b, bi + L);
            x = FloatVector.broadcast(F, a[ai]); c000 = x.fma(b0, c000); c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(F, a[ai + KC]); c010 = x.fma(b0, c010); c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(F, a[ai + 2 * KC]); c020 = x.fma(b0, c020); c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(F, a[ai + 3 * KC]); c030 = x.fma(b0, c030); c031 = x.fma(b1, c031);
            x = FloatVector.broadcast(F, a[ai + 4 * KC]); c040 = x.fma(b0, c040); c041 = x.fma(b1, c041);
            x = FloatVector.broadcast(F, a[ai + 5 * KC]); c050 = x.fma(b0, c050); c051 = x.fma(b1, c051);
            x = FloatVector.broadcast(F, a[ai + 6 * KC]); c060 = x.fma(b0, c060); c061 = x.fma(b1, c061);
            x = FloatVector.broadcast(F, a[ai + 7 * KC]); c070 = x.fma(b0, c070); c071 = x.fma(b1, c071);
            x = FloatVector.broadcast(F, a[ai + 8 * KC]); c080 = x.fma(b0, c080); c081 = x.fma(b1, c081);
            x = FloatVector.broadcast(F, a[ai + 9 * KC]); c090 = x.fma(b0, c090); c091 = x.fma(b1, c091);
            x = FloatVector.broadcast(F, a[ai + 10 * KC]); c100 = x.fma(b0, c100); c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(F, a[ai + 11 * KC]); c110 = x.fma(b0, c110); c111 = x.fma(b1, c111);
        }
        // α and β are applied in the store; β = 0 never reads C, so NaN garbage there cannot leak in.
        FloatVector va = FloatVector.broadcast(F, alpha);
        if (beta == 0f) {
            c000.mul(va).intoArray(c, cOff); c001.mul(va).intoArray(c, cOff + L);
            c010.mul(va).intoArray(c, cOff + ldc); c011.mul(va).intoArray(c, cOff + ldc + L);
            c020.mul(va).intoArray(c, cOff + 2 * ldc); c021.mul(va).intoArray(c, cOff + 2 * ldc + L);
            c030.mul(va).intoArray(c, cOff + 3 * ldc); c031.mul(va).intoArray(c, cOff + 3 * ldc + L);
            c040.mul(va).intoArray(c, cOff + 4 * ldc); c041.mul(va).intoArray(c, cOff + 4 * ldc + L);
            c050.mul(va).intoArray(c, cOff + 5 * ldc); c051.mul(va).intoArray(c, cOff + 5 * ldc + L);
            c060.mul(va).intoArray(c, cOff + 6 * ldc); c061.mul(va).intoArray(c, cOff + 6 * ldc + L);
            c070.mul(va).intoArray(c, cOff + 7 * ldc); c071.mul(va).intoArray(c, cOff + 7 * ldc + L);
            c080.mul(va).intoArray(c, cOff + 8 * ldc); c081.mul(va).intoArray(c, cOff + 8 * ldc + L);
            c090.mul(va).intoArray(c, cOff + 9 * ldc); c091.mul(va).intoArray(c, cOff + 9 * ldc + L);
            c100.mul(va).intoArray(c, cOff + 10 * ldc); c101.mul(va).intoArray(c, cOff + 10 * ldc + L);
            c110.mul(va).intoArray(c, cOff + 11 * ldc); c111.mul(va).intoArray(c, cOff + 11 * ldc + L);
        } else {
            // Written out, not a helper: a vector passed to a method that C2 does not inline is boxed, and
            // a helper here was not inlined into the large kernel (the β ≠ 0 store ran 30% slower).
            FloatVector vb = FloatVector.broadcast(F, beta);
            int o;
            o = cOff; c000.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c001.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + ldc; c010.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c011.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 2 * ldc; c020.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c021.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 3 * ldc; c030.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c031.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 4 * ldc; c040.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c041.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 5 * ldc; c050.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c051.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 6 * ldc; c060.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c061.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 7 * ldc; c070.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c071.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 8 * ldc; c080.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c081.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 9 * ldc; c090.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c091.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 10 * ldc; c100.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c101.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 11 * ldc; c110.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c111.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
        }
    }

    /**
     * 6 × 2 vectors (12 accumulators), the classic AVX2 tile: 12 + 2 + 2 registers of 16 (C2 alternates two
     * broadcast registers). Not unrolled: unrolled by 2, C2 loaded both steps' B vectors first and kept four
     * accumulators on the stack, each step a store and a reload; rolled, nothing spills (the AVX2 figures are
     * in engine-cpu/README.md, Micro-kernel).
     */
    static void kernel6x2(float[] a, int aOff, float[] b, int bOff, int kc,
                          float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector c000 = FloatVector.zero(F), c001 = FloatVector.zero(F);
        FloatVector c010 = FloatVector.zero(F), c011 = FloatVector.zero(F);
        FloatVector c020 = FloatVector.zero(F), c021 = FloatVector.zero(F);
        FloatVector c030 = FloatVector.zero(F), c031 = FloatVector.zero(F);
        FloatVector c040 = FloatVector.zero(F), c041 = FloatVector.zero(F);
        FloatVector c050 = FloatVector.zero(F), c051 = FloatVector.zero(F);
        FloatVector b0, b1, x;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p, bi = bOff + p * NR;
            b0 = FloatVector.fromArray(F, b, bi); b1 = FloatVector.fromArray(F, b, bi + L);
            x = FloatVector.broadcast(F, a[ai]); c000 = x.fma(b0, c000); c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(F, a[ai + KC]); c010 = x.fma(b0, c010); c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(F, a[ai + 2 * KC]); c020 = x.fma(b0, c020); c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(F, a[ai + 3 * KC]); c030 = x.fma(b0, c030); c031 = x.fma(b1, c031);
            x = FloatVector.broadcast(F, a[ai + 4 * KC]); c040 = x.fma(b0, c040); c041 = x.fma(b1, c041);
            x = FloatVector.broadcast(F, a[ai + 5 * KC]); c050 = x.fma(b0, c050); c051 = x.fma(b1, c051);
        }
        // α and β are applied in the store; β = 0 never reads C, so NaN garbage there cannot leak in.
        FloatVector va = FloatVector.broadcast(F, alpha);
        if (beta == 0f) {
            c000.mul(va).intoArray(c, cOff); c001.mul(va).intoArray(c, cOff + L);
            c010.mul(va).intoArray(c, cOff + ldc); c011.mul(va).intoArray(c, cOff + ldc + L);
            c020.mul(va).intoArray(c, cOff + 2 * ldc); c021.mul(va).intoArray(c, cOff + 2 * ldc + L);
            c030.mul(va).intoArray(c, cOff + 3 * ldc); c031.mul(va).intoArray(c, cOff + 3 * ldc + L);
            c040.mul(va).intoArray(c, cOff + 4 * ldc); c041.mul(va).intoArray(c, cOff + 4 * ldc + L);
            c050.mul(va).intoArray(c, cOff + 5 * ldc); c051.mul(va).intoArray(c, cOff + 5 * ldc + L);
        } else {
            // Written out, not a helper: a vector passed to a method that C2 does not inline is boxed, and
            // a helper here was not inlined into the large kernel (the β ≠ 0 store ran 30% slower).
            FloatVector vb = FloatVector.broadcast(F, beta);
            int o;
            o = cOff; c000.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c001.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + ldc; c010.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c011.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 2 * ldc; c020.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c021.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 3 * ldc; c030.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c031.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 4 * ldc; c040.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c041.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 5 * ldc; c050.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c051.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
        }
    }

    /**
     * 4 × 2 vectors (8 accumulators): the bottom rows of C below the last whole MR-row tile. Batches are powers
     * of two and leave 4 or 8 rows there (2^j mod 12); computed as a whole padded tile into the scratch tile,
     * those rows cost a full tile each, and a batch of 256 has 21 whole tiles and one such per column panel.
     * Eight accumulators are as many as two FMA ports with a 4-cycle latency keep busy.
     */
    static void kernel4x2(float[] a, int aOff, float[] b, int bOff, int kc,
                          float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector c000 = FloatVector.zero(F), c001 = FloatVector.zero(F);
        FloatVector c010 = FloatVector.zero(F), c011 = FloatVector.zero(F);
        FloatVector c020 = FloatVector.zero(F), c021 = FloatVector.zero(F);
        FloatVector c030 = FloatVector.zero(F), c031 = FloatVector.zero(F);
        FloatVector b0, b1, x;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p, bi = bOff + p * NR;
            b0 = FloatVector.fromArray(F, b, bi); b1 = FloatVector.fromArray(F, b, bi + L);
            x = FloatVector.broadcast(F, a[ai]); c000 = x.fma(b0, c000); c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(F, a[ai + KC]); c010 = x.fma(b0, c010); c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(F, a[ai + 2 * KC]); c020 = x.fma(b0, c020); c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(F, a[ai + 3 * KC]); c030 = x.fma(b0, c030); c031 = x.fma(b1, c031);
        }
        FloatVector va = FloatVector.broadcast(F, alpha);
        if (beta == 0f) {
            c000.mul(va).intoArray(c, cOff); c001.mul(va).intoArray(c, cOff + L);
            c010.mul(va).intoArray(c, cOff + ldc); c011.mul(va).intoArray(c, cOff + ldc + L);
            c020.mul(va).intoArray(c, cOff + 2 * ldc); c021.mul(va).intoArray(c, cOff + 2 * ldc + L);
            c030.mul(va).intoArray(c, cOff + 3 * ldc); c031.mul(va).intoArray(c, cOff + 3 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(F, beta);
            int o;
            o = cOff; c000.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c001.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + ldc; c010.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c011.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 2 * ldc; c020.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c021.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o = cOff + 3 * ldc; c030.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
            o += L; c031.fma(va, FloatVector.fromArray(F, c, o).mul(vb)).intoArray(c, o);
        }
    }

    /**
     * Merges a tile that {@link #kernel} wrote to {@code tile} (row stride NR, α = 1, β = 0; its rows from
     * {@code tileOff} on) into the {@code rows × cols} corner of C that lies inside the matrix, with masked vector
     * loads and stores for the partial columns. Kept apart from the kernel so the hot loop never sees edge handling.
     */
    static void edge(float[] tile, int tileOff, int rows, int cols, float[] c, int cOff, int ldc,
                     float alpha, float beta) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        FloatVector vb = FloatVector.broadcast(F, beta);
        for (int v = 0; v < NR; v += L) {
            if (v >= cols) {
                break;
            }
            VectorMask<Float> m = F.indexInRange(v, cols);
            for (int r = 0; r < rows; r++) {
                int o = cOff + r * ldc + v;
                FloatVector t = FloatVector.fromArray(F, tile, tileOff + r * NR + v).mul(va);
                if (beta != 0f) {
                    t = FloatVector.fromArray(F, c, o, m).fma(vb, t);
                }
                t.intoArray(c, o, m);
            }
        }
    }
}
