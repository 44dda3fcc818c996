package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM micro-kernel: an {@value #MR} × {@link #NR} tile of C computed as a sum of kc rank-1 updates,
 * held in 12 vector accumulators for the whole k loop (register tiling, as in GotoBLAS and BLIS).
 *
 * <p>Each step p broadcasts the MR elements {@code a[r][p]} of a packed A micro-panel, loads the two
 * vectors {@code b[p][0..NR)} of a packed B micro-panel and does MR × 2 fused multiply-adds. With AVX-512
 * that is 12 FMAs per 8 loads, so the two FMA ports, not the load ports, set the pace; 12 independent
 * accumulators cover the 4-cycle FMA latency on 2 ports. The shape follows the lane count (NR = 2 vectors),
 * so AVX2 gets the classic 6 × 16 tile in its 16 registers.
 *
 * <p>Packed layouts (see {@link Gemm}): A micro-panel element (r, p) at {@code aOff + r·KC + p} (rows of the
 * panel KC apart, a compile-time stride, so each broadcast is one load with a constant displacement);
 * B micro-panel element (p, c) at {@code bOff + p·NR + c}.
 */
final class GemmMicroKernel {

    private GemmMicroKernel() {
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** Rows of the register tile. */
    static final int MR = 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** Row stride of a packed A micro-panel (the k block size). */
    static final int KC = Gemm.KC;

    /**
     * {@code C[0..MR)[0..NR) ← α·Σ_p a[·][p]·b[p][·] + β·C} on the tile at {@code c[cOff]} with row stride ldc.
     * β = 0 does not read C. The tile must lie fully inside C: edge tiles go through {@link #edge}.
     */
    static void kernel(float[] a, int aOff, float[] b, int bOff, int kc,
                       float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        int p = 0;
        // k unrolled by 4 by hand: C2 does not unroll this loop itself, and unrolling gained 3-8%.
        for (int kc4 = kc & ~3; p < kc4; p += 4) {
            int ai = aOff + p, bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bi), b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x;
            x = FloatVector.broadcast(F, a[ai]);          c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + KC]);     c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2 * KC]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3 * KC]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4 * KC]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5 * KC]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            b0 = FloatVector.fromArray(F, b, bi + NR); b1 = FloatVector.fromArray(F, b, bi + NR + L);
            x = FloatVector.broadcast(F, a[ai + 1]);          c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + KC + 1]);     c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2 * KC + 1]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3 * KC + 1]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4 * KC + 1]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5 * KC + 1]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            b0 = FloatVector.fromArray(F, b, bi + 2 * NR); b1 = FloatVector.fromArray(F, b, bi + 2 * NR + L);
            x = FloatVector.broadcast(F, a[ai + 2]);          c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + KC + 2]);     c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2 * KC + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3 * KC + 2]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4 * KC + 2]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5 * KC + 2]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            b0 = FloatVector.fromArray(F, b, bi + 3 * NR); b1 = FloatVector.fromArray(F, b, bi + 3 * NR + L);
            x = FloatVector.broadcast(F, a[ai + 3]);          c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + KC + 3]);     c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2 * KC + 3]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3 * KC + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4 * KC + 3]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5 * KC + 3]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        for (; p < kc; p++) {
            int ai = aOff + p, bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bi), b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x;
            x = FloatVector.broadcast(F, a[ai]);          c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + KC]);     c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2 * KC]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3 * KC]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4 * KC]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5 * KC]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        // α and β are applied in the store; β = 0 never reads C, so NaN garbage there cannot leak in.
        FloatVector va = FloatVector.broadcast(F, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, cOff);           c01.mul(va).intoArray(c, cOff + L);
            c10.mul(va).intoArray(c, cOff + ldc);     c11.mul(va).intoArray(c, cOff + ldc + L);
            c20.mul(va).intoArray(c, cOff + 2 * ldc); c21.mul(va).intoArray(c, cOff + 2 * ldc + L);
            c30.mul(va).intoArray(c, cOff + 3 * ldc); c31.mul(va).intoArray(c, cOff + 3 * ldc + L);
            c40.mul(va).intoArray(c, cOff + 4 * ldc); c41.mul(va).intoArray(c, cOff + 4 * ldc + L);
            c50.mul(va).intoArray(c, cOff + 5 * ldc); c51.mul(va).intoArray(c, cOff + 5 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(F, beta);
            update(c00, va, vb, c, cOff);           update(c01, va, vb, c, cOff + L);
            update(c10, va, vb, c, cOff + ldc);     update(c11, va, vb, c, cOff + ldc + L);
            update(c20, va, vb, c, cOff + 2 * ldc); update(c21, va, vb, c, cOff + 2 * ldc + L);
            update(c30, va, vb, c, cOff + 3 * ldc); update(c31, va, vb, c, cOff + 3 * ldc + L);
            update(c40, va, vb, c, cOff + 4 * ldc); update(c41, va, vb, c, cOff + 4 * ldc + L);
            update(c50, va, vb, c, cOff + 5 * ldc); update(c51, va, vb, c, cOff + 5 * ldc + L);
        }
    }

    /** {@code c[off..off+L) ← α·acc + β·c[off..off+L)}. */
    private static void update(FloatVector acc, FloatVector va, FloatVector vb, float[] c, int off) {
        acc.fma(va, FloatVector.fromArray(F, c, off).mul(vb)).intoArray(c, off);
    }

    /**
     * Merges a tile that {@link #kernel} wrote to {@code tile} (row stride NR, α = 1, β = 0) into the
     * {@code rows × cols} corner of C that lies inside the matrix, with masked vector loads and stores for
     * the partial columns. Kept apart from the kernel so the hot loop never sees edge handling.
     */
    static void edge(float[] tile, int rows, int cols, float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        FloatVector vb = FloatVector.broadcast(F, beta);
        for (int v = 0; v < NR; v += L) {
            if (v >= cols) {
                break;
            }
            VectorMask<Float> m = F.indexInRange(v, cols);
            for (int r = 0; r < rows; r++) {
                int o = cOff + r * ldc + v;
                FloatVector t = FloatVector.fromArray(F, tile, r * NR + v).mul(va);
                if (beta != 0f) {
                    t = FloatVector.fromArray(F, c, o, m).fma(vb, t);
                }
                t.intoArray(c, o, m);
            }
        }
    }
}
