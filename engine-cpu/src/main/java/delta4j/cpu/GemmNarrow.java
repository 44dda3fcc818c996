package delta4j.cpu;

import delta4j.engine.Precision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM for narrow C (n ≤ one vector of lanes; the weight gradient up to 16 columns): the products of an output
 * layer with a handful of classes, where the blocked GEMM would leave two thirds of its two-vector tile empty.
 *
 * <pre>
 * forward          256×10 = A(256×512) · W(512×10)     gemm(false, false): dot products along k
 * weight gradient  512×10 = A(256×512)ᵀ · Δ(256×10)    gemm(true,  false): vectors along m
 * </pre>
 * (The third twin, δ propagation {@code 256×512 = Δ(256×10)·W(512×10)ᵀ}, has a wide C and a tiny k; the
 * general {@link Gemm} runs it at full width.)
 *
 * <p>Both kernels keep every lane busy, where broadcasting op(A) against one masked row of op(B) used 10 of
 * 16 lanes. Forward: a row of A and a column of W are both contiguous once op(B) is packed as Bᵀ (n × k,
 * 20 KiB, once per call), so 4 rows × 5 columns of C are 20 vector dot products over k, reduced at the
 * end (the reduction is 1/8 of the work at k = 512). Weight gradient: a row of the stored A is a run of m
 * consecutive outputs, so 2 vectors of i × 5 columns accumulate with broadcasts of Δ(p, j), and the block
 * is written to C transposed. Column groups of 5 cover n = 10 exactly. Rows left over at the end go
 * through one-row versions of the same loops.
 *
 * <p>Precision: at tf32 and bf16 the packed op(B) is rounded ({@link Rounding}) after packing, and op(A), which
 * the kernels read in place, is copied and rounded first into a buffer of its own (m·k floats, grown on demand):
 * C is at most 16 columns wide, so the copy is a small part of the product's memory traffic.
 */
final class GemmNarrow extends WorkerPool.Job {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** Widest C the forward kernel takes: one vector. */
    static final int MAX_N = L;
    /**
     * Widest C the weight-gradient kernel takes: 16 columns however narrow the vectors. With 8 lanes (AVX2) an
     * output layer of 10 classes is wider than one vector, and the blocked GEMM then packs all of op(A) for a
     * product that uses each packed element only 10 times; this kernel runs that product about twice as fast
     * with 8 lanes (engine-cpu/README.md, the narrow products).
     */
    static final int MAX_N_TRANS_A = Math.max(L, 16);

    /** Whether a product with C {@code n} columns wide goes through this kernel rather than the blocked one. */
    static boolean takes(boolean transA, int n) {
        return n <= (transA ? MAX_N_TRANS_A : MAX_N);
    }

    /** Columns of C per register block (n = 10, the common case, is two groups). */
    private static final int J = 5;
    /** Rows of the forward kernel's register block: 4 × 5 accumulators with 32 vector registers, 2 × 5 with 16. */
    private static final int DOT_ROWS = L >= 16 ? 4 : 2;
    /** Below this many flops one thread does it (dispatch would cost more than it saves). */
    static final long PARALLEL_MIN_FLOPS = 1L << 20;

    private final WorkerPool pool;
    private final Precision precision;
    /** op(B) packed, grown on demand and then reused: Bᵀ for the dot kernel, padded op(B) for the column kernel. */
    private float[] packed = new float[0];
    /** A rounded to the precision (not fp32), as stored; grown on demand and then reused. */
    private float[] rounded = new float[0];
    private final float[][] tiles;

    private boolean transA, ownedRows;
    private float[] a, c;
    private int m, n, k, stride;
    private float alpha, beta;

    GemmNarrow(WorkerPool pool, Precision precision) {
        this.pool = pool;
        this.precision = precision;
        this.tiles = new float[pool.threads()][4 * J * L]; // dot4x5's 20 accumulators; cols2x5 uses 10
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, float[] b, float beta, float[] c) {
        int groups = (n + J - 1) / J;
        int packedSize;
        if (transA) {
            stride = (Math.max(L, groups * J) + L - 1) / L * L; // op(B) row p at p·stride, zero beyond n
            ensure(packedSize = k * stride);
            packRows(transB, b, n, k, packed, stride);
        } else {
            stride = (k + L - 1) / L * L;      // Bᵀ row j at j·stride, zero beyond k and beyond n
            ensure(packedSize = groups * J * stride);
            packColumns(transB, b, n, k, packed, stride, groups * J);
        }
        if (precision != Precision.FP32) {
            Rounding.round(precision, packed, 0, packedSize);
            int size = m * k;
            if (rounded.length < size) {
                rounded = new float[size];
            }
            System.arraycopy(a, 0, rounded, 0, size);
            Rounding.round(precision, rounded, 0, size);
            a = rounded;
        }
        this.transA = transA;
        this.a = a;
        this.c = c;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        int parts = 1;
        // A batch's forward product on two threads from OWNED_ROWS_MIN rows: each thread its rows of the batch, which the
        // kernels before and after it (the layer below's, the softmax rows) run on the same thread.
        ownedRows = !transA && pool.splitsOutputRows(m);
        if (ownedRows) {
            parts = 2;
        } else if (pool.threads() > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS) {
            parts = Math.min(pool.threads(), (m + 2 * L - 1) / (2 * L));
        }
        try {
            pool.run(this, parts);
        } finally {
            this.a = this.c = null;
        }
    }

    private void ensure(int size) {
        if (packed.length < size) {
            packed = new float[size];
        }
    }

    @Override
    public void run(int part, int parts) {
        int i0, i1;
        if (ownedRows) { // the threads' rows of the batch; rows past the last whole register block take dot1x5, same bits
            i0 = WorkerPool.rowStart(m, part, parts);
            i1 = WorkerPool.rowStart(m, part + 1, parts);
        } else {
            int grain = transA ? 2 * L : DOT_ROWS; // rows per register block, so parts split on block boundaries
            int blocks = (m + grain - 1) / grain;
            i0 = Math.min(m, (int) ((long) blocks * part / parts) * grain);
            i1 = Math.min(m, (int) ((long) blocks * (part + 1) / parts) * grain);
        }
        if (transA) {
            columnsKernel(i0, i1, tiles[part]);
        } else {
            dotKernel(i0, i1, tiles[part]);
        }
    }

    // ------------------------------------------------------------------ forward: C = A·op(B), dot products

    private void dotKernel(int i0, int i1, float[] acc) {
        int i = i0;
        for (; i + DOT_ROWS <= i1; i += DOT_ROWS) {
            for (int j = 0; j < n; j += J) {
                if (DOT_ROWS == 4) { // a constant: C2 keeps one branch
                    dot4x5(a, k, i, packed, stride, j, k, acc);
                } else {
                    dot2x5(a, k, i, packed, stride, j, k, acc);
                }
                dotTail(a, k, i, DOT_ROWS, packed, stride, j, k, acc);
                reduceInto(acc, DOT_ROWS, i, j, n, alpha, beta, c);
            }
        }
        for (; i < i1; i++) {
            for (int j = 0; j < n; j += J) {
                dot1x5(a, k, i, packed, stride, j, k, acc);
                reduceInto(acc, 1, i, j, n, alpha, beta, c);
            }
        }
    }

    /**
     * C[i + r][j + q] ← α·Σ lanes of acc[(r·J + q)·L ..] + β·C, for the rows × min(J, n − j) block. The
     * dot kernels leave their accumulators in {@code acc} for this loop rather than reducing 20 vectors in
     * place: with 20 lane sums after its k loop, dot4x5 was too large for C2 to inline them all, each call it
     * left boxed its vector argument, and vector operations ran their allocating Java fallbacks (221 KB per
     * 256×10 product, JFR allocation samples). Here one call site sits in a loop, and it reads the accumulator
     * from the array, so even a call C2 leaves in place boxes nothing.
     */
    private static void reduceInto(float[] acc, int rows, int i, int j, int n, float alpha, float beta, float[] c) {
        int cols = Math.min(J, n - j);
        for (int r = 0; r < rows; r++) {
            int o = (i + r) * n + j;
            for (int q = 0; q < cols; q++) {
                c[o + q] = merge(Simd.sum(acc, (r * J + q) * L), alpha, beta, c, o + q);
            }
        }
    }

    /** bt[j·kp + p] = op(B)[p][j] for j &lt; n and p &lt; k; zeros up to {@code rowsPadded} rows and kp columns. */
    private static void packColumns(boolean transB, float[] b, int n, int k, float[] bt, int kp, int rowsPadded) {
        java.util.Arrays.fill(bt, 0, rowsPadded * kp, 0f);
        if (transB) { // B is n × k: its rows are the columns of op(B)
            for (int j = 0; j < n; j++) {
                copy(b, j * k, bt, j * kp, k);
            }
        } else {      // B is k × n
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    bt[j * kp + p] = b[p * n + j];
                }
            }
        }
    }

    /**
     * Rows i..i+3 × columns j..j+4 of C as 20 dot products over the whole vectors of p, left unreduced in acc (row r,
     * column q at (r·J + q)·L); {@link #dotTail} adds the last, partial vector. The tail is a method of its own because
     * with it this method was too large for C1: its compilation for on-stack replacement at tier 3 failed ("out of
     * virtual registers in linear scan"), which left the method in tier 2's code, whose vector operations run the
     * Vector API's Java fallbacks, for the rest of the run, wherever nothing had compiled it before its loop got hot
     * (engine-cpu/README.md, the narrow products; CompilableKernelsTest).
     */
    private static void dot4x5(float[] a, int lda, int i, float[] bt, int kp, int j, int k, float[] acc) {
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s02 = FloatVector.zero(F), s03 = FloatVector.zero(F), s04 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F), s12 = FloatVector.zero(F), s13 = FloatVector.zero(F), s14 = FloatVector.zero(F);
        FloatVector s20 = FloatVector.zero(F), s21 = FloatVector.zero(F), s22 = FloatVector.zero(F), s23 = FloatVector.zero(F), s24 = FloatVector.zero(F);
        FloatVector s30 = FloatVector.zero(F), s31 = FloatVector.zero(F), s32 = FloatVector.zero(F), s33 = FloatVector.zero(F), s34 = FloatVector.zero(F);
        int a0 = i * lda, b0 = j * kp, p = 0;
        for (int bound = F.loopBound(k); p < bound; p += L) {
            FloatVector x0 = FloatVector.fromArray(F, a, a0 + 0 * lda + p);
            FloatVector x1 = FloatVector.fromArray(F, a, a0 + 1 * lda + p);
            FloatVector x2 = FloatVector.fromArray(F, a, a0 + 2 * lda + p);
            FloatVector x3 = FloatVector.fromArray(F, a, a0 + 3 * lda + p);
            FloatVector y = FloatVector.fromArray(F, bt, b0 + 0 * kp + p);
            s00 = x0.fma(y, s00); s10 = x1.fma(y, s10); s20 = x2.fma(y, s20); s30 = x3.fma(y, s30);
            y = FloatVector.fromArray(F, bt, b0 + 1 * kp + p);
            s01 = x0.fma(y, s01); s11 = x1.fma(y, s11); s21 = x2.fma(y, s21); s31 = x3.fma(y, s31);
            y = FloatVector.fromArray(F, bt, b0 + 2 * kp + p);
            s02 = x0.fma(y, s02); s12 = x1.fma(y, s12); s22 = x2.fma(y, s22); s32 = x3.fma(y, s32);
            y = FloatVector.fromArray(F, bt, b0 + 3 * kp + p);
            s03 = x0.fma(y, s03); s13 = x1.fma(y, s13); s23 = x2.fma(y, s23); s33 = x3.fma(y, s33);
            y = FloatVector.fromArray(F, bt, b0 + 4 * kp + p);
            s04 = x0.fma(y, s04); s14 = x1.fma(y, s14); s24 = x2.fma(y, s24); s34 = x3.fma(y, s34);
        }
        s00.intoArray(acc, 0 * L); s01.intoArray(acc, 1 * L); s02.intoArray(acc, 2 * L); s03.intoArray(acc, 3 * L); s04.intoArray(acc, 4 * L);
        s10.intoArray(acc, 5 * L); s11.intoArray(acc, 6 * L); s12.intoArray(acc, 7 * L); s13.intoArray(acc, 8 * L); s14.intoArray(acc, 9 * L);
        s20.intoArray(acc, 10 * L); s21.intoArray(acc, 11 * L); s22.intoArray(acc, 12 * L); s23.intoArray(acc, 13 * L); s24.intoArray(acc, 14 * L);
        s30.intoArray(acc, 15 * L); s31.intoArray(acc, 16 * L); s32.intoArray(acc, 17 * L); s33.intoArray(acc, 18 * L); s34.intoArray(acc, 19 * L);
    }

    /**
     * Rows i, i+1 × columns j..j+4: {@link #dot4x5} for 16 registers (AVX2), where its 20 accumulators do not
     * fit and C2 kept a third of them on the stack (30 stack moves per 20 FMAs in the loop); here 10
     * accumulators, 2 + 1 operand registers.
     */
    private static void dot2x5(float[] a, int lda, int i, float[] bt, int kp, int j, int k, float[] acc) {
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s02 = FloatVector.zero(F), s03 = FloatVector.zero(F), s04 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F), s12 = FloatVector.zero(F), s13 = FloatVector.zero(F), s14 = FloatVector.zero(F);
        int a0 = i * lda, b0 = j * kp, p = 0;
        for (int bound = F.loopBound(k); p < bound; p += L) {
            FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(F, a, a0 + lda + p);
            FloatVector y = FloatVector.fromArray(F, bt, b0 + p);
            s00 = x0.fma(y, s00); s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(F, bt, b0 + kp + p);
            s01 = x0.fma(y, s01); s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(F, bt, b0 + 2 * kp + p);
            s02 = x0.fma(y, s02); s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(F, bt, b0 + 3 * kp + p);
            s03 = x0.fma(y, s03); s13 = x1.fma(y, s13);
            y = FloatVector.fromArray(F, bt, b0 + 4 * kp + p);
            s04 = x0.fma(y, s04); s14 = x1.fma(y, s14);
        }
        s00.intoArray(acc, 0 * L); s01.intoArray(acc, 1 * L); s02.intoArray(acc, 2 * L); s03.intoArray(acc, 3 * L); s04.intoArray(acc, 4 * L);
        s10.intoArray(acc, 5 * L); s11.intoArray(acc, 6 * L); s12.intoArray(acc, 7 * L); s13.intoArray(acc, 8 * L); s14.intoArray(acc, 9 * L);
    }

    /**
     * The last, partial vector of p (p0 = the whole vectors' end ≤ p &lt; k) added into the rows × 5 accumulators that
     * {@link #dot4x5} or {@link #dot2x5} left in acc: A masked, Bᵀ zero-padded. Each accumulator takes the same one
     * fused multiply-add as it did inside those kernels' loop, so the bits are theirs.
     */
    private static void dotTail(float[] a, int lda, int i, int rows, float[] bt, int kp, int j, int k, float[] acc) {
        int p = F.loopBound(k);
        if (p == k) {
            return;
        }
        VectorMask<Float> m = F.indexInRange(p, k);
        for (int r = 0; r < rows; r++) {
            FloatVector x = FloatVector.fromArray(F, a, (i + r) * lda + p, m);
            for (int q = 0; q < J; q++) {
                int o = (r * J + q) * L;
                x.fma(FloatVector.fromArray(F, bt, (j + q) * kp + p), FloatVector.fromArray(F, acc, o)).intoArray(acc, o);
            }
        }
    }

    /** One row × five columns: the leftover rows of {@link #dot4x5}, left unreduced in acc like it. */
    private static void dot1x5(float[] a, int lda, int i, float[] bt, int kp, int j, int k, float[] acc) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F);
        FloatVector s3 = FloatVector.zero(F), s4 = FloatVector.zero(F);
        int a0 = i * lda, b0 = j * kp;
        for (int p = 0; p < k; p += L) {
            VectorMask<Float> m = F.indexInRange(p, k);
            FloatVector x = FloatVector.fromArray(F, a, a0 + p, m);
            s0 = x.fma(FloatVector.fromArray(F, bt, b0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(F, bt, b0 + kp + p), s1);
            s2 = x.fma(FloatVector.fromArray(F, bt, b0 + 2 * kp + p), s2);
            s3 = x.fma(FloatVector.fromArray(F, bt, b0 + 3 * kp + p), s3);
            s4 = x.fma(FloatVector.fromArray(F, bt, b0 + 4 * kp + p), s4);
        }
        s0.intoArray(acc, 0); s1.intoArray(acc, L); s2.intoArray(acc, 2 * L); s3.intoArray(acc, 3 * L); s4.intoArray(acc, 4 * L);
    }

    // ------------------------------------------------------------------ weight gradient: C = Aᵀ·op(B), vectors along m

    private void columnsKernel(int i0, int i1, float[] tile) {
        int i = i0;
        for (; i + 2 * L <= i1; i += 2 * L) {
            for (int j = 0; j < n; j += J) {
                cols2x5(a, m, i, packed, stride, j, k, n, alpha, beta, c, tile);
            }
        }
        if (i < i1) {
            rowsTail(a, 1, m, packed, stride, k, n, alpha, beta, c, i, i1);
        }
    }

    /** dp[p·ds + j] = op(B)[p][j] for j &lt; n, zeros beyond. */
    private static void packRows(boolean transB, float[] b, int n, int k, float[] dp, int ds) {
        java.util.Arrays.fill(dp, 0, k * ds, 0f);
        if (transB) { // B is n × k
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    dp[p * ds + j] = b[j * k + p];
                }
            }
        } else {      // B is k × n
            for (int p = 0; p < k; p++) {
                copy(b, p * n, dp, p * ds, n);
            }
        }
    }

    /**
     * C[i..i+2L)[j..j+5) for Aᵀ·D: vectors run along i (a row of the stored A), so every lane is used;
     * 10 accumulators, per step 2 vector loads, 5 broadcasts of D(p, j..j+4) and 10 FMAs. The block of
     * Cᵀ is then written to C through {@code tile} (a transposed store, m·n scalar writes in all).
     */
    private static void cols2x5(float[] a, int lda, int i, float[] dp, int ds, int j, int k, int n,
                                float alpha, float beta, float[] c, float[] tile) {
        FloatVector t00 = FloatVector.zero(F), t01 = FloatVector.zero(F), t02 = FloatVector.zero(F), t03 = FloatVector.zero(F), t04 = FloatVector.zero(F);
        FloatVector t10 = FloatVector.zero(F), t11 = FloatVector.zero(F), t12 = FloatVector.zero(F), t13 = FloatVector.zero(F), t14 = FloatVector.zero(F);
        for (int p = 0, ai = i, di = j; p < k; p++, ai += lda, di += ds) {
            FloatVector x0 = FloatVector.fromArray(F, a, ai), x1 = FloatVector.fromArray(F, a, ai + L);
            FloatVector y;
            y = FloatVector.broadcast(F, dp[di]); t00 = x0.fma(y, t00); t10 = x1.fma(y, t10);
            y = FloatVector.broadcast(F, dp[di + 1]); t01 = x0.fma(y, t01); t11 = x1.fma(y, t11);
            y = FloatVector.broadcast(F, dp[di + 2]); t02 = x0.fma(y, t02); t12 = x1.fma(y, t12);
            y = FloatVector.broadcast(F, dp[di + 3]); t03 = x0.fma(y, t03); t13 = x1.fma(y, t13);
            y = FloatVector.broadcast(F, dp[di + 4]); t04 = x0.fma(y, t04); t14 = x1.fma(y, t14);
        }
        t00.intoArray(tile, 0 * 2 * L); t10.intoArray(tile, 0 * 2 * L + L);
        t01.intoArray(tile, 1 * 2 * L); t11.intoArray(tile, 1 * 2 * L + L);
        t02.intoArray(tile, 2 * 2 * L); t12.intoArray(tile, 2 * 2 * L + L);
        t03.intoArray(tile, 3 * 2 * L); t13.intoArray(tile, 3 * 2 * L + L);
        t04.intoArray(tile, 4 * 2 * L); t14.intoArray(tile, 4 * 2 * L + L);
        int cols = Math.min(5, n - j);
        for (int lane = 0; lane < 2 * L; lane++) {
            int o = (i + lane) * n + j;
            for (int q = 0; q < cols; q++) {
                c[o + q] = merge(tile[q * 2 * L + lane], alpha, beta, c, o + q);
            }
        }
    }

    /**
     * Leftover rows i0..i1 of C (fewer than 2L) for the column kernel: each row of C is one vector (two with
     * 8 lanes and n &gt; 8) masked to n lanes, accumulated from broadcasts of op(A)(i, p) = a[i·rs + p·ks].
     * The packed rows are whole vectors wide ({@code ds}), zero beyond n.
     */
    private static void rowsTail(float[] a, int rs, int ks, float[] dp, int ds, int k, int n, float alpha,
                                 float beta, float[] c, int i0, int i1) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> mask = F.indexInRange(j, n);
            for (int i = i0; i < i1; i++) {
                FloatVector acc = FloatVector.zero(F);
                int ai = i * rs;
                for (int p = 0; p < k; p++, ai += ks) {
                    acc = FloatVector.broadcast(F, a[ai]).fma(FloatVector.fromArray(F, dp, p * ds + j), acc);
                }
                acc = acc.mul(va);
                if (beta != 0f) {
                    acc = FloatVector.fromArray(F, c, i * n + j, mask).fma(FloatVector.broadcast(F, beta), acc);
                }
                acc.intoArray(c, i * n + j, mask);
            }
        }
    }

    /** α·sum + β·C[o], not reading C when β = 0. */
    private static float merge(float sum, float alpha, float beta, float[] c, int o) {
        return beta == 0f ? alpha * sum : alpha * sum + beta * c[o];
    }

    /** Vector copy with a masked tail, on this class's species (the GEMM's may differ under an override). */
    private static void copy(float[] src, int from, float[] dst, int to, int len) {
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
