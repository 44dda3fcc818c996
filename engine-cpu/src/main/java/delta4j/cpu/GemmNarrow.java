package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM for narrow C (n ≤ one vector of lanes): the products of an output layer with a handful of classes.
 *
 * <pre>
 * forward          256×10  = A(256×512) · W(512×10)        gemm(false, false)
 * weight gradient  512×10  = A(256×512)ᵀ · Δ(256×10)       gemm(true,  false)
 * </pre>
 * (The third twin, δ propagation {@code 256×512 = Δ(256×10)·W(512×10)ᵀ}, has a wide C and a tiny k; the
 * general {@link Gemm} handles it at full width.)
 *
 * <p>The blocked GEMM would waste two thirds of its NR = 2-vector tile on n = 10. Here one row of C is one
 * masked vector: op(B) is packed once per call into a zero-padded k × L buffer (k·L floats, 32 KiB for
 * k = 512 with AVX-512, L1-resident), and a block of {@value #ROWS} rows of C is accumulated with one
 * broadcast of op(A)(i, p) and one FMA per row and step — 8 independent accumulators cover the FMA latency
 * on two ports. op(A) is read in place with a (row, k) stride pair, so A and Aᵀ cost the same.
 */
final class GemmNarrow implements WorkerPool.Job {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** Widest C this kernel takes: one vector. */
    static final int MAX_N = L;
    /** Rows of C per register block. */
    static final int ROWS = 8;
    /** Below this many flops one thread does it (dispatch would cost more than it saves). */
    static final long PARALLEL_MIN_FLOPS = 1L << 20;

    private final WorkerPool pool;
    /** op(B) padded to k × L; grown on demand, then reused. */
    private float[] bPadded = new float[0];

    private float[] a, c;
    private int m, n, k, rowStride, kStride;
    private float alpha, beta;

    GemmNarrow(WorkerPool pool) {
        this.pool = pool;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, float[] b, float beta, float[] c) {
        if (bPadded.length < k * L) {
            bPadded = new float[k * L];
        }
        padB(transB, b, n, k, bPadded);
        this.a = a;
        this.c = c;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        // op(A)(i, p): A is m × k (row stride k) or, transposed, k × m (row stride 1, k stride m).
        this.rowStride = transA ? 1 : k;
        this.kStride = transA ? m : 1;
        int parts = 1;
        if (pool.threads() > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS) {
            parts = Math.min(pool.threads(), (m + ROWS - 1) / ROWS);
        }
        try {
            pool.run(this, parts);
        } finally {
            this.a = this.c = null;
        }
    }

    @Override
    public void run(int part, int parts) {
        int blocks = (m + ROWS - 1) / ROWS;
        int i0 = Math.min(m, (int) ((long) blocks * part / parts) * ROWS);
        int i1 = Math.min(m, (int) ((long) blocks * (part + 1) / parts) * ROWS);
        rows(a, rowStride, kStride, bPadded, k, n, alpha, beta, c, i0, i1);
    }

    /** bp[p·L + j] = op(B)[p][j] for j &lt; n, zeros beyond. */
    private static void padB(boolean transB, float[] b, int n, int k, float[] bp) {
        if (transB) { // B is n × k: column j of op(B) is row j of B
            java.util.Arrays.fill(bp, 0, k * L, 0f);
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    bp[p * L + j] = b[j * k + p];
                }
            }
        } else { // B is k × n: each row is one masked load
            VectorMask<Float> mask = F.indexInRange(0, n);
            for (int p = 0; p < k; p++) {
                FloatVector.fromArray(F, b, p * n, mask).intoArray(bp, p * L);
            }
        }
    }

    /** C[i0..i1) ← α·op(A)[i0..i1)·op(B) + β·C, op(A)(i, p) = a[i·rs + p·ks]. */
    static void rows(float[] a, int rs, int ks, float[] bp, int k, int n, float alpha, float beta,
                     float[] c, int i0, int i1) {
        VectorMask<Float> mask = F.indexInRange(0, n);
        int i = i0;
        for (; i + ROWS <= i1; i += ROWS) {
            block8(a, i * rs, rs, ks, bp, k, n, alpha, beta, c, i * n);
        }
        for (; i < i1; i++) {
            FloatVector acc = FloatVector.zero(F);
            int ai = i * rs;
            for (int p = 0; p < k; p++, ai += ks) {
                acc = FloatVector.broadcast(F, a[ai]).fma(FloatVector.fromArray(F, bp, p * L), acc);
            }
            store(acc, alpha, beta, c, i * n, mask);
        }
    }

    /** Eight rows of C: one broadcast and one FMA per row and step, the B row shared by all eight. */
    private static void block8(float[] a, int aOff, int rs, int ks, float[] bp, int k, int n,
                               float alpha, float beta, float[] c, int cOff) {
        VectorMask<Float> mask = F.indexInRange(0, n);
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
        FloatVector c4 = FloatVector.zero(F), c5 = FloatVector.zero(F), c6 = FloatVector.zero(F), c7 = FloatVector.zero(F);
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
        int ai = aOff;
        for (int p = 0; p < k; p++, ai += ks) {
            FloatVector bv = FloatVector.fromArray(F, bp, p * L);
            c0 = FloatVector.broadcast(F, a[ai]).fma(bv, c0);
            c1 = FloatVector.broadcast(F, a[ai + r1]).fma(bv, c1);
            c2 = FloatVector.broadcast(F, a[ai + r2]).fma(bv, c2);
            c3 = FloatVector.broadcast(F, a[ai + r3]).fma(bv, c3);
            c4 = FloatVector.broadcast(F, a[ai + r4]).fma(bv, c4);
            c5 = FloatVector.broadcast(F, a[ai + r5]).fma(bv, c5);
            c6 = FloatVector.broadcast(F, a[ai + r6]).fma(bv, c6);
            c7 = FloatVector.broadcast(F, a[ai + r7]).fma(bv, c7);
        }
        store(c0, alpha, beta, c, cOff, mask);
        store(c1, alpha, beta, c, cOff + n, mask);
        store(c2, alpha, beta, c, cOff + 2 * n, mask);
        store(c3, alpha, beta, c, cOff + 3 * n, mask);
        store(c4, alpha, beta, c, cOff + 4 * n, mask);
        store(c5, alpha, beta, c, cOff + 5 * n, mask);
        store(c6, alpha, beta, c, cOff + 6 * n, mask);
        store(c7, alpha, beta, c, cOff + 7 * n, mask);
    }

    /** One row of C, masked to n lanes; β = 0 does not read C. */
    private static void store(FloatVector acc, float alpha, float beta, float[] c, int off, VectorMask<Float> mask) {
        FloatVector r = acc.mul(alpha);
        if (beta != 0f) {
            r = FloatVector.fromArray(F, c, off, mask).fma(FloatVector.broadcast(F, beta), r);
        }
        r.intoArray(c, off, mask);
    }
}
