package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Layer and batch normalisation without the shift (y = γ ⊙ x̂; the model adds β as the next bias), each forward
 * kernel beside its backward twin.
 *
 * <p>Statistics are two-pass (the mean first, then Σ (x − μ)²), never E[x²] − E[x]², which cancels when |μ| ≫ σ.
 * Sums run in float lanes over at most {@link #CHUNK_ROWS} rows or {@link Elementwise#CHUNK} elements, then go
 * to double lane by lane, so results stay close to the double-precision reference for any batch.
 *
 * <p>Layer normalisation works row by row (a row stays in L1 through its passes), split by rows; batch
 * normalisation works on strips of one vector of columns over all rows, split by columns, so each column's sums
 * are taken in the same order on any number of threads. The gain gradient of layer normalisation is a column
 * sum over rows: each block of {@link #ROW_BLOCK} rows sums its own part, and the parts are added in block order
 * afterwards, again independent of the thread count.
 *
 * <p>A vector is never passed to or returned from a helper: a helper C2 does not inline would box it. Scalars and
 * per-thread scratch arrays carry values between passes instead.
 */
final class Normalization {

    private Normalization() {
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** Rows per float partial sum of a column before it is added to a double. */
    static final int CHUNK_ROWS = 256;

    /** Rows per partial gain gradient of layer normalisation: a block's part is one row in L1. */
    static final int ROW_BLOCK = 16;

    /** Σ of {@code lanes[from..from + L)} in double, in lane order. */
    private static double sumLanes(float[] lanes, int from) {
        double s = 0;
        for (int k = 0; k < L; k++) {
            s += lanes[from + k];
        }
        return s;
    }

    // Each pass over a row or a strip is a method of its own that takes arrays and offsets: one method with all
    // passes of a kernel ran past C2's node budget, and its vector operations ran as allocating Java (about a
    // megabyte per call). Values go from pass to pass through the thread's scratch ({@code lanes}, {@code wide}).

    // ==================================================================== layer normalisation (per sample)

    // forward:  X (N×n) → x̂ (N×n), rstd (N×1), Y (N×n) = γ (1×n) ⊙ x̂
    /**
     * Rows [r0, r1): μ_i, σ²_i = mean of (x − μ_i)², rstd_i = 1/√(σ²_i + ε), x̂ = (x − μ_i)·rstd_i, y = γ ⊙ x̂.
     * {@code y} may be {@code x} (each element is read before it is written); {@code xhat} is its own array.
     * {@code lanes} is the thread's scratch of at least one vector.
     */
    static void layerNorm(float[] x, float[] gamma, float epsilon, float[] xhat, float[] rstd, float[] y, int n,
                          int r0, int r1, float[] lanes) {
        for (int i = r0; i < r1; i++) {
            int off = i * n;
            float mu = (float) (rowSum(x, off, n, lanes) / n);
            float r = (float) (1 / Math.sqrt(rowSquares(x, off, n, mu, lanes) / n + epsilon));
            rstd[i] = r;
            rowNormalize(x, gamma, off, n, mu, r, xhat, y);
        }
    }

    // The per-row passes run whole vectors unmasked and the row's last partial vector (if any) masked, after the loop.
    // A masked load inside the loop was compiled, in some runs, with the Vector API's out-of-range path (taken by
    // other kernels' last rows, and the profile is shared): a call on that path boxed the loop's accumulator every
    // iteration (SteadyStateAllocationTest; engine-cpu/README.md, Threads). The lanes and the order of the additions are
    // the same, so are the bits.

    /** Σ_j x[off + j] over j in [0, n): float lanes per chunk, chunks added in double. */
    private static double rowSum(float[] x, int off, int n, float[] lanes) {
        double sum = 0;
        for (int c0 = 0; c0 < n; c0 += Elementwise.CHUNK) {
            int c1 = Math.min(n, c0 + Elementwise.CHUNK);
            FloatVector s = FloatVector.zero(F);
            int j = c0;
            for (int bound = c0 + F.loopBound(c1 - c0); j < bound; j += L) {
                s = s.add(FloatVector.fromArray(F, x, off + j));
            }
            if (j < c1) {
                s = s.add(FloatVector.fromArray(F, x, off + j, F.indexInRange(j, c1)));
            }
            s.intoArray(lanes, 0);
            sum += sumLanes(lanes, 0);
        }
        return sum;
    }

    /** Σ_j (x[off + j] − μ)² over j in [0, n), summed as {@link #rowSum}. */
    private static double rowSquares(float[] x, int off, int n, float mu, float[] lanes) {
        double sum = 0;
        for (int c0 = 0; c0 < n; c0 += Elementwise.CHUNK) {
            int c1 = Math.min(n, c0 + Elementwise.CHUNK);
            FloatVector s = FloatVector.zero(F);
            int j = c0;
            for (int bound = c0 + F.loopBound(c1 - c0); j < bound; j += L) {
                FloatVector d = FloatVector.fromArray(F, x, off + j).sub(mu);
                s = d.fma(d, s);
            }
            if (j < c1) {
                VectorMask<Float> m = F.indexInRange(j, c1);
                // Inactive lanes set to 0 by a blend: the masked sub(mu, m) ran as allocating Java with 8 lanes (AVX2).
                FloatVector d = FloatVector.zero(F).blend(FloatVector.fromArray(F, x, off + j, m).sub(mu), m);
                s = d.fma(d, s);
            }
            s.intoArray(lanes, 0);
            sum += sumLanes(lanes, 0);
        }
        return sum;
    }

    /** One row: x̂ = (x − μ)·r, y = γ ⊙ x̂. */
    private static void rowNormalize(float[] x, float[] gamma, int off, int n, float mu, float r, float[] xhat, float[] y) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            FloatVector h = FloatVector.fromArray(F, x, off + j).sub(mu).mul(r);
            h.intoArray(xhat, off + j);
            h.mul(FloatVector.fromArray(F, gamma, j)).intoArray(y, off + j);
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector h = FloatVector.fromArray(F, x, off + j, m).sub(mu).mul(r);
            h.intoArray(xhat, off + j, m);
            h.mul(FloatVector.fromArray(F, gamma, j, m)).intoArray(y, off + j, m);
        }
    }

    // backward: δ (N×n), x̂ (N×n), rstd (N×1), γ (1×n) → dx (N×n); dγ parts (⌈N/ROW_BLOCK⌉×n) = Σ_block δ ⊙ x̂
    /**
     * Rows [r0, r1), r0 a multiple of {@link #ROW_BLOCK}: with g = γ ⊙ δ, dx = rstd_i (g − mean_k g − x̂ · mean_k g x̂),
     * and row {@code i / ROW_BLOCK} of {@code parts} receives the block's Σ δ ⊙ x̂ (see {@link #addParts}).
     * {@code dx} may be {@code dy}: a row's sums are taken before its dx is written. {@code lanes} is the thread's
     * scratch of at least two vectors, {@code wide} of at least two doubles.
     */
    static void layerNormBackward(float[] dy, float[] xhat, float[] rstd, float[] gamma, float[] dx, float[] parts, int n,
                                  int r0, int r1, float[] lanes, double[] wide) {
        for (int i = r0; i < r1; i++) {
            int off = i * n, part = i / ROW_BLOCK * n;
            if (i % ROW_BLOCK == 0) {
                java.util.Arrays.fill(parts, part, part + n, 0f);
            }
            rowGradientSums(dy, xhat, gamma, parts, off, part, n, lanes, wide);
            rowGradient(dy, xhat, gamma, dx, off, n, (float) (wide[0] / n), (float) (-wide[1] / n), rstd[i]);
        }
    }

    /** One row: wide[0] = Σ γ δ, wide[1] = Σ γ δ x̂; parts[part..part + n) += δ ⊙ x̂. Whole vectors, then the tail. */
    private static void rowGradientSums(float[] dy, float[] xhat, float[] gamma, float[] parts, int off, int part, int n,
                                        float[] lanes, double[] wide) {
        wide[0] = wide[1] = 0;
        for (int c0 = 0; c0 < n; c0 += Elementwise.CHUNK) {
            int c1 = Math.min(n, c0 + Elementwise.CHUNK);
            FloatVector sg = FloatVector.zero(F), sgh = FloatVector.zero(F);
            int j = c0;
            for (int bound = c0 + F.loopBound(c1 - c0); j < bound; j += L) {
                FloatVector d = FloatVector.fromArray(F, dy, off + j);
                FloatVector h = FloatVector.fromArray(F, xhat, off + j);
                FloatVector g = d.mul(FloatVector.fromArray(F, gamma, j));
                sg = sg.add(g);
                sgh = g.fma(h, sgh);
                d.fma(h, FloatVector.fromArray(F, parts, part + j)).intoArray(parts, part + j);
            }
            if (j < c1) {
                VectorMask<Float> m = F.indexInRange(j, c1);
                FloatVector d = FloatVector.fromArray(F, dy, off + j, m);
                FloatVector h = FloatVector.fromArray(F, xhat, off + j, m);
                FloatVector g = d.mul(FloatVector.fromArray(F, gamma, j, m));
                sg = sg.add(g);
                sgh = g.fma(h, sgh);
                d.fma(h, FloatVector.fromArray(F, parts, part + j, m)).intoArray(parts, part + j, m);
            }
            sg.intoArray(lanes, 0);
            sgh.intoArray(lanes, L);
            wide[0] += sumLanes(lanes, 0);
            wide[1] += sumLanes(lanes, L);
        }
    }

    /** One row: dx = r·(γ δ − mean g + x̂ · minusMeanGH). Whole vectors, then the tail. */
    private static void rowGradient(float[] dy, float[] xhat, float[] gamma, float[] dx, int off, int n, float meanG,
                                    float minusMeanGH, float r) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            FloatVector g = FloatVector.fromArray(F, dy, off + j).mul(FloatVector.fromArray(F, gamma, j));
            FloatVector.fromArray(F, xhat, off + j).mul(minusMeanGH).add(g.sub(meanG)).mul(r).intoArray(dx, off + j);
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector g = FloatVector.fromArray(F, dy, off + j, m).mul(FloatVector.fromArray(F, gamma, j, m));
            FloatVector.fromArray(F, xhat, off + j, m).mul(minusMeanGH).add(g.sub(meanG)).mul(r).intoArray(dx, off + j, m);
        }
    }

    /** Columns [j0, j1) of {@code out = α Σ_b parts[b]} over {@code blocks} rows of n, added in block order. */
    static void addParts(float[] parts, int blocks, int n, float alpha, float[] out, int j0, int j1) {
        for (int j = j0; j < j1; j += L) {
            VectorMask<Float> m = F.indexInRange(j, j1);
            FloatVector s = FloatVector.fromArray(F, parts, j, m);
            for (int b = 1; b < blocks; b++) {
                s = s.add(FloatVector.fromArray(F, parts, b * n + j, m));
            }
            s.mul(alpha).intoArray(out, j, m);
        }
    }

    // ==================================================================== batch normalisation (per unit)

    // forward:  X (N×n) → x̂ (N×n), rstd (1×n), Y (N×n) = γ (1×n) ⊙ x̂; running mean, variance (1×n) updated
    /**
     * Columns [j0, j1), one strip of L columns at a time through all N ≥ 2 rows (three passes over the strip, which
     * stays in L2): μ_j, σ²_j = mean of (x − μ_j)², rstd_j = 1/√(σ²_j + ε), x̂, y = γ ⊙ x̂; and
     * runningMean ← (1 − m)·runningMean + m·μ, runningVar ← (1 − m)·runningVar + m·σ²·N/(N − 1), in double.
     * {@code y} may be {@code x}. {@code lanes} is the thread's scratch of at least three vectors, {@code wide}
     * of at least two vectors' lanes.
     */
    static void batchNorm(float[] x, float[] gamma, float epsilon, float momentum, float[] runningMean, float[] runningVar,
                          float[] xhat, float[] rstd, float[] y, int rows, int n, int j0, int j1, float[] lanes, double[] wide) {
        for (int j = j0; j < j1; j += L) {
            int width = Math.min(L, j1 - j);
            stripSums(x, null, rows, n, j, width, lanes, wide);
            for (int k = 0; k < L; k++) {
                wide[k] /= rows;                   // μ in double
                lanes[L + k] = (float) wide[k];    // μ in float (0 in lanes past the strip)
            }
            stripSquares(x, rows, n, j, width, lanes, wide);
            for (int k = 0; k < width; k++) {
                double squares = wide[L + k];
                float r = (float) (1 / Math.sqrt(squares / rows + epsilon));
                lanes[2 * L + k] = r;
                rstd[j + k] = r;
                runningMean[j + k] = (float) ((1.0 - momentum) * runningMean[j + k] + (double) momentum * wide[k]);
                runningVar[j + k] = (float) ((1.0 - momentum) * runningVar[j + k] + (double) momentum * squares / (rows - 1));
            }
            stripNormalize(x, gamma, rows, n, j, width, lanes, xhat, y);
        }
    }

    /**
     * One strip of {@code width} ≤ L columns from j: wide[0..L) = Σ_i a, and with {@code b} given wide[L..2L) =
     * Σ_i a·b, in float lanes over {@link #CHUNK_ROWS} rows, then in double. Lanes past the strip sum to 0.
     */
    private static void stripSums(float[] a, float[] b, int rows, int n, int j, int width, float[] lanes, double[] wide) {
        VectorMask<Float> m = F.indexInRange(0, width);
        java.util.Arrays.fill(wide, 0, 2 * L, 0.0);
        for (int c0 = 0; c0 < rows; c0 += CHUNK_ROWS) {
            int c1 = Math.min(rows, c0 + CHUNK_ROWS);
            FloatVector s = FloatVector.zero(F), p = FloatVector.zero(F);
            for (int i = c0; i < c1; i++) {
                FloatVector v = FloatVector.fromArray(F, a, i * n + j, m);
                s = s.add(v);
                if (b != null) {
                    p = v.fma(FloatVector.fromArray(F, b, i * n + j, m), p);
                }
            }
            s.intoArray(lanes, 0);
            p.intoArray(lanes, 3 * L);
            for (int k = 0; k < L; k++) {
                wide[k] += lanes[k];
                wide[L + k] += lanes[3 * L + k];
            }
        }
    }

    /** One strip: wide[L..2L) = Σ_i (x − μ)² with μ in lanes[L..2L), summed as {@link #stripSums}. */
    private static void stripSquares(float[] x, int rows, int n, int j, int width, float[] lanes, double[] wide) {
        VectorMask<Float> m = F.indexInRange(0, width);
        FloatVector mu = FloatVector.fromArray(F, lanes, L);
        for (int c0 = 0; c0 < rows; c0 += CHUNK_ROWS) {
            int c1 = Math.min(rows, c0 + CHUNK_ROWS);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int i = c0;
            for (; i + 1 < c1; i += 2) { // two fma chains: the latency does not serialise the rows
                FloatVector d0 = FloatVector.fromArray(F, x, i * n + j, m).sub(mu);
                FloatVector d1 = FloatVector.fromArray(F, x, (i + 1) * n + j, m).sub(mu);
                s0 = d0.fma(d0, s0);
                s1 = d1.fma(d1, s1);
            }
            if (i < c1) {
                FloatVector d0 = FloatVector.fromArray(F, x, i * n + j, m).sub(mu);
                s0 = d0.fma(d0, s0);
            }
            s0.add(s1).intoArray(lanes, 0);
            for (int k = 0; k < L; k++) {
                wide[L + k] += lanes[k];
            }
        }
    }

    /** One strip: x̂ = (x − μ)·r, y = γ ⊙ x̂, with μ in lanes[L..2L) and r in lanes[2L..3L). */
    private static void stripNormalize(float[] x, float[] gamma, int rows, int n, int j, int width, float[] lanes,
                                       float[] xhat, float[] y) {
        VectorMask<Float> m = F.indexInRange(0, width);
        FloatVector mu = FloatVector.fromArray(F, lanes, L);
        FloatVector r = FloatVector.fromArray(F, lanes, 2 * L);
        FloatVector g = FloatVector.fromArray(F, gamma, j, m);
        for (int i = 0, o = j; i < rows; i++, o += n) {
            FloatVector h = FloatVector.fromArray(F, x, o, m).sub(mu).mul(r);
            h.intoArray(xhat, o, m);
            h.mul(g).intoArray(y, o, m);
        }
    }

    // backward: δ (N×n), x̂ (N×n), rstd (1×n), γ (1×n) → dx (N×n), dγ (1×n) = α Σ_i δ ⊙ x̂
    /**
     * Columns [j0, j1), one strip of L columns at a time: dx = γ_j rstd_j (δ − mean_i δ − x̂ · mean_i δ x̂) and
     * dγ_j = α Σ_i δ x̂. {@code dx} may be {@code dy}: a strip's sums are taken before its dx is written.
     */
    static void batchNormBackward(float[] dy, float[] xhat, float[] rstd, float[] gamma, float alpha, float[] dx,
                                  float[] dgamma, int rows, int n, int j0, int j1, float[] lanes, double[] wide) {
        for (int j = j0; j < j1; j += L) {
            int width = Math.min(L, j1 - j);
            stripSums(dy, xhat, rows, n, j, width, lanes, wide);
            for (int k = 0; k < L; k++) {
                boolean in = k < width;
                lanes[k] = (float) (wide[k] / rows);                                          // mean δ
                lanes[L + k] = (float) (-wide[L + k] / rows);                                 // −mean δ x̂
                lanes[2 * L + k] = in ? (float) ((double) gamma[j + k] * rstd[j + k]) : 0f;  // γ rstd
                if (in) {
                    dgamma[j + k] = (float) (alpha * wide[L + k]);
                }
            }
            stripGradient(dy, xhat, rows, n, j, width, lanes, dx);
        }
    }

    /** One strip: dx = s·(δ − mean δ + x̂·(−mean δ x̂)) with the three per-column values in lanes[0..3L). */
    private static void stripGradient(float[] dy, float[] xhat, int rows, int n, int j, int width, float[] lanes, float[] dx) {
        VectorMask<Float> m = F.indexInRange(0, width);
        FloatVector meanD = FloatVector.fromArray(F, lanes, 0);
        FloatVector minusMeanDH = FloatVector.fromArray(F, lanes, L);
        FloatVector scale = FloatVector.fromArray(F, lanes, 2 * L);
        for (int i = 0, o = j; i < rows; i++, o += n) {
            FloatVector d = FloatVector.fromArray(F, dy, o, m).sub(meanD);
            FloatVector.fromArray(F, xhat, o, m).fma(minusMeanDH, d).mul(scale).intoArray(dx, o, m);
        }
    }

    // prediction: Y (N×n) = (X (N×n) − runningMean (1×n)) ⊙ scale (1×n), scale = γ / √(runningVar + ε)
    /**
     * Rows [r0, r1): {@code y = (x − runningMean) ⊙ scale}, the scale computed once per call by {@link #inferenceScale}.
     * {@code y} may be {@code x}.
     */
    static void batchNormInference(float[] x, float[] runningMean, float[] scale, float[] y, int n, int r0, int r1) {
        for (int i = r0; i < r1; i++) {
            int off = i * n;
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector.fromArray(F, x, off + j, m).sub(FloatVector.fromArray(F, runningMean, j, m))
                        .mul(FloatVector.fromArray(F, scale, j, m)).intoArray(y, off + j, m);
            }
        }
    }

    /** {@code scale_j = γ_j / √(runningVar_j + ε)} in double, rounded once, for j in [0, n). */
    static void inferenceScale(float[] gamma, float[] runningVar, float epsilon, float[] scale, int n) {
        for (int j = 0; j < n; j++) {
            scale[j] = (float) (gamma[j] / Math.sqrt((double) runningVar[j] + epsilon));
        }
    }
}
