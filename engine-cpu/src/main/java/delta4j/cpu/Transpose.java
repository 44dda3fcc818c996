package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-register transposes of one L × L block (L = the vector length), the inner step of the transposed packs of
 * {@link GemmPacking}: {@code Δ·Wᵀ} packs op(B) = Wᵀ, {@code Aᵀ·Δ} packs op(A) = Aᵀ. L whole-row loads, log₂ L rounds of
 * zipping row i with row i + L/2 (two-vector selects), up to L stores: each round rotates the (row, column) index
 * bits left by one, and log₂ L rounds swap the halves, which is the transpose. For L = 16 that is 64 permutes per
 * 256 elements instead of 256 scalar loads and 256 scalar stores.
 *
 * <p>The caller checks that the L source rows lie inside the source array; lanes that are not wanted (past a k
 * block, past the last row of C) are read all the same and land in output rows that are not stored, or in
 * columns past the k block that no kernel reads. Masked loads would spare the check, but C2 did not intrinsify
 * them here once the block was ragged, and every call boxed its vectors (7.8 KB allocated per call).
 */
final class Transpose {

    private Transpose() {
    }

    // The GEMM's packs are its only users: the blocks are the GEMM's vectors.
    private static final VectorSpecies<Float> F = GemmMicroKernel.F;
    static final int L = GemmMicroKernel.L;

    /** Whether this vector length has a block transpose; other lengths pack in scalar code. */
    static final boolean SUPPORTED = L == 8 || L == 16;

    /** Whether {@link #block} may read the L source rows {@code src[from + i·ld ..+L)}: supported and in bounds. */
    static boolean fits(float[] src, int from, int ld) {
        return SUPPORTED && from + (L - 1) * ld + L <= src.length;
    }

    /**
     * Rows {@code src[from + i·ld ..+L)} (i &lt; L) become rows {@code dst[to + j·ldDst ..+L)}, stored for
     * j &lt; rows (rows ≤ L): {@code dst[to + j·ldDst + i] = src[from + i·ld + j]}.
     */
    static void block(float[] src, int from, int ld, float[] dst, int to, int ldDst, int rows) {
        if (L == 16) { // a constant: C2 keeps one branch
            block16(src, from, ld, dst, to, ldDst, rows);
        } else {
            block8(src, from, ld, dst, to, ldDst, rows);
        }
    }

    /** 16 × 16 (AVX-512): four rounds. */
    private static void block16(float[] src, int from, int ld, float[] dst, int to, int ldDst, int rows) {
        FloatVector r0 = FloatVector.fromArray(F, src, from);
        FloatVector r1 = FloatVector.fromArray(F, src, from + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(F, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, from + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(F, src, from + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(F, src, from + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(F, src, from + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(F, src, from + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(F, src, from + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(F, src, from + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(F, src, from + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(F, src, from + 15 * ld);
        FloatVector t0 = ZIP_LO.selectFrom(r0, r8);
        FloatVector t1 = ZIP_HI.selectFrom(r0, r8);
        FloatVector t2 = ZIP_LO.selectFrom(r1, r9);
        FloatVector t3 = ZIP_HI.selectFrom(r1, r9);
        FloatVector t4 = ZIP_LO.selectFrom(r2, r10);
        FloatVector t5 = ZIP_HI.selectFrom(r2, r10);
        FloatVector t6 = ZIP_LO.selectFrom(r3, r11);
        FloatVector t7 = ZIP_HI.selectFrom(r3, r11);
        FloatVector t8 = ZIP_LO.selectFrom(r4, r12);
        FloatVector t9 = ZIP_HI.selectFrom(r4, r12);
        FloatVector t10 = ZIP_LO.selectFrom(r5, r13);
        FloatVector t11 = ZIP_HI.selectFrom(r5, r13);
        FloatVector t12 = ZIP_LO.selectFrom(r6, r14);
        FloatVector t13 = ZIP_HI.selectFrom(r6, r14);
        FloatVector t14 = ZIP_LO.selectFrom(r7, r15);
        FloatVector t15 = ZIP_HI.selectFrom(r7, r15);
        r0 = ZIP_LO.selectFrom(t0, t8);
        r1 = ZIP_HI.selectFrom(t0, t8);
        r2 = ZIP_LO.selectFrom(t1, t9);
        r3 = ZIP_HI.selectFrom(t1, t9);
        r4 = ZIP_LO.selectFrom(t2, t10);
        r5 = ZIP_HI.selectFrom(t2, t10);
        r6 = ZIP_LO.selectFrom(t3, t11);
        r7 = ZIP_HI.selectFrom(t3, t11);
        r8 = ZIP_LO.selectFrom(t4, t12);
        r9 = ZIP_HI.selectFrom(t4, t12);
        r10 = ZIP_LO.selectFrom(t5, t13);
        r11 = ZIP_HI.selectFrom(t5, t13);
        r12 = ZIP_LO.selectFrom(t6, t14);
        r13 = ZIP_HI.selectFrom(t6, t14);
        r14 = ZIP_LO.selectFrom(t7, t15);
        r15 = ZIP_HI.selectFrom(t7, t15);
        t0 = ZIP_LO.selectFrom(r0, r8);
        t1 = ZIP_HI.selectFrom(r0, r8);
        t2 = ZIP_LO.selectFrom(r1, r9);
        t3 = ZIP_HI.selectFrom(r1, r9);
        t4 = ZIP_LO.selectFrom(r2, r10);
        t5 = ZIP_HI.selectFrom(r2, r10);
        t6 = ZIP_LO.selectFrom(r3, r11);
        t7 = ZIP_HI.selectFrom(r3, r11);
        t8 = ZIP_LO.selectFrom(r4, r12);
        t9 = ZIP_HI.selectFrom(r4, r12);
        t10 = ZIP_LO.selectFrom(r5, r13);
        t11 = ZIP_HI.selectFrom(r5, r13);
        t12 = ZIP_LO.selectFrom(r6, r14);
        t13 = ZIP_HI.selectFrom(r6, r14);
        t14 = ZIP_LO.selectFrom(r7, r15);
        t15 = ZIP_HI.selectFrom(r7, r15);
        r0 = ZIP_LO.selectFrom(t0, t8);
        r1 = ZIP_HI.selectFrom(t0, t8);
        r2 = ZIP_LO.selectFrom(t1, t9);
        r3 = ZIP_HI.selectFrom(t1, t9);
        r4 = ZIP_LO.selectFrom(t2, t10);
        r5 = ZIP_HI.selectFrom(t2, t10);
        r6 = ZIP_LO.selectFrom(t3, t11);
        r7 = ZIP_HI.selectFrom(t3, t11);
        r8 = ZIP_LO.selectFrom(t4, t12);
        r9 = ZIP_HI.selectFrom(t4, t12);
        r10 = ZIP_LO.selectFrom(t5, t13);
        r11 = ZIP_HI.selectFrom(t5, t13);
        r12 = ZIP_LO.selectFrom(t6, t14);
        r13 = ZIP_HI.selectFrom(t6, t14);
        r14 = ZIP_LO.selectFrom(t7, t15);
        r15 = ZIP_HI.selectFrom(t7, t15);
        r0.intoArray(dst, to);
        if (rows > 1) r1.intoArray(dst, to + 1 * ldDst);
        if (rows > 2) r2.intoArray(dst, to + 2 * ldDst);
        if (rows > 3) r3.intoArray(dst, to + 3 * ldDst);
        if (rows > 4) r4.intoArray(dst, to + 4 * ldDst);
        if (rows > 5) r5.intoArray(dst, to + 5 * ldDst);
        if (rows > 6) r6.intoArray(dst, to + 6 * ldDst);
        if (rows > 7) r7.intoArray(dst, to + 7 * ldDst);
        if (rows > 8) r8.intoArray(dst, to + 8 * ldDst);
        if (rows > 9) r9.intoArray(dst, to + 9 * ldDst);
        if (rows > 10) r10.intoArray(dst, to + 10 * ldDst);
        if (rows > 11) r11.intoArray(dst, to + 11 * ldDst);
        if (rows > 12) r12.intoArray(dst, to + 12 * ldDst);
        if (rows > 13) r13.intoArray(dst, to + 13 * ldDst);
        if (rows > 14) r14.intoArray(dst, to + 14 * ldDst);
        if (rows > 15) r15.intoArray(dst, to + 15 * ldDst);
    }

    /** 8 × 8 (AVX2): three rounds. */
    private static void block8(float[] src, int from, int ld, float[] dst, int to, int ldDst, int rows) {
        FloatVector r0 = FloatVector.fromArray(F, src, from);
        FloatVector r1 = FloatVector.fromArray(F, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(F, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, from + 7 * ld);
        FloatVector t0 = ZIP_LO.selectFrom(r0, r4);
        FloatVector t1 = ZIP_HI.selectFrom(r0, r4);
        FloatVector t2 = ZIP_LO.selectFrom(r1, r5);
        FloatVector t3 = ZIP_HI.selectFrom(r1, r5);
        FloatVector t4 = ZIP_LO.selectFrom(r2, r6);
        FloatVector t5 = ZIP_HI.selectFrom(r2, r6);
        FloatVector t6 = ZIP_LO.selectFrom(r3, r7);
        FloatVector t7 = ZIP_HI.selectFrom(r3, r7);
        r0 = ZIP_LO.selectFrom(t0, t4);
        r1 = ZIP_HI.selectFrom(t0, t4);
        r2 = ZIP_LO.selectFrom(t1, t5);
        r3 = ZIP_HI.selectFrom(t1, t5);
        r4 = ZIP_LO.selectFrom(t2, t6);
        r5 = ZIP_HI.selectFrom(t2, t6);
        r6 = ZIP_LO.selectFrom(t3, t7);
        r7 = ZIP_HI.selectFrom(t3, t7);
        t0 = ZIP_LO.selectFrom(r0, r4);
        t1 = ZIP_HI.selectFrom(r0, r4);
        t2 = ZIP_LO.selectFrom(r1, r5);
        t3 = ZIP_HI.selectFrom(r1, r5);
        t4 = ZIP_LO.selectFrom(r2, r6);
        t5 = ZIP_HI.selectFrom(r2, r6);
        t6 = ZIP_LO.selectFrom(r3, r7);
        t7 = ZIP_HI.selectFrom(r3, r7);
        t0.intoArray(dst, to);
        if (rows > 1) t1.intoArray(dst, to + ldDst);
        if (rows > 2) t2.intoArray(dst, to + 2 * ldDst);
        if (rows > 3) t3.intoArray(dst, to + 3 * ldDst);
        if (rows > 4) t4.intoArray(dst, to + 4 * ldDst);
        if (rows > 5) t5.intoArray(dst, to + 5 * ldDst);
        if (rows > 6) t6.intoArray(dst, to + 6 * ldDst);
        if (rows > 7) t7.intoArray(dst, to + 7 * ldDst);
    }

    /** Lane selectors that zip the first (second) halves of two vectors: [0, L, 1, L+1, ...]. */
    private static final FloatVector ZIP_LO = FloatVector.fromArray(F, zip(0), 0), ZIP_HI = FloatVector.fromArray(F, zip(L / 2), 0);

    private static float[] zip(int from) {
        float[] idx = new float[L];
        for (int q = 0; q < L / 2; q++) {
            idx[2 * q] = from + q;
            idx[2 * q + 1] = L + from + q;
        }
        return idx;
    }
}
