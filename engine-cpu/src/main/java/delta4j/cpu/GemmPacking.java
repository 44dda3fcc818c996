package delta4j.cpu;

import delta4j.engine.Precision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing of the GEMM's operands into the layouts {@link GemmMicroKernel} reads, absorbing the transposes: op(X) is
 * read in place, nothing is ever transposed in memory.
 * <ul>
 * <li>op(A) block (mc × kc): MR-row micro-panels, row r at {@code r·KC}, kc floats used, rows past mc zero (so a
 * padded tile stays finite);</li>
 * <li>op(B) block (kc × nc): NR-wide micro-panels, p-major, panel jr at {@code jr·kc}, NR·kc floats each, columns
 * past nc zero.</li>
 * </ul>
 * At tf32 and bf16 each packed block is rounded ({@link Rounding}) right after it is packed, while it is in L1/L2;
 * at fp32 nothing is rounded.
 */
final class GemmPacking {

    private GemmPacking() {
    }

    private static final VectorSpecies<Float> F = GemmMicroKernel.F;
    private static final int L = GemmMicroKernel.L;
    private static final int MR = GemmMicroKernel.MR;
    private static final int NR = GemmMicroKernel.NR;
    private static final int KC = GemmMicroKernel.KC;

    /**
     * op(B)[pc.., jc..] of a call, micro-panels [jr0, jr1) of the nc-column block (jr0 a multiple of NR), into a
     * packed B block, rounded to the precision.
     */
    static void packB(GemmCall call, Precision precision, float[] bPack, int pc, int kc, int jc, int nc, int jr0, int jr1) {
        if (call.transB) {
            packBTransposed(bPack, call.b, call.k, pc, kc, jc, nc, jr0, jr1);
        } else {
            packB(bPack, call.b, call.n, pc, kc, jc, nc, jr0, jr1);
        }
        if (precision != Precision.FP32 && jr0 < nc) {
            int end = (Math.min(jr1, nc) + NR - 1) / NR * NR;
            Rounding.round(precision, bPack, jr0 * kc, end * kc);
        }
    }

    /** op(A)[ic.., pc..] of a call into a packed A block, rounded to the precision. */
    static void packA(GemmCall call, Precision precision, float[] aPack, int ic, int mc, int pc, int kc) {
        if (call.transA) {
            packATransposed(aPack, call.a, call.m, ic, mc, pc, kc);
        } else {
            packA(aPack, call.a, call.k, ic, mc, pc, kc);
        }
        if (precision != Precision.FP32) {
            for (int r = 0; r < mc; r++) {
                Rounding.round(precision, aPack, r * KC, r * KC + kc);
            }
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
