package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Column sums (bias gradients), sums of squares and scaling (gradient norms and clipping), vectorised. */
final class Reductions {

    private Reductions() {
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /**
     * Columns [j0, j1) of {@code out_j = α Σ_i X_ij}, X rows × n. Four column vectors are summed at once
     * (four independent add chains, so the 4-cycle add latency does not serialise the row loop); the
     * last, partial vector is masked.
     */
    static void columnSum(float alpha, float[] x, int rows, int n, float[] out, int j0, int j1) {
        int j = j0;
        for (; j + 4 * L <= j1; j += 4 * L) {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            for (int i = 0, o = j; i < rows; i++, o += n) {
                s0 = s0.add(FloatVector.fromArray(F, x, o));
                s1 = s1.add(FloatVector.fromArray(F, x, o + L));
                s2 = s2.add(FloatVector.fromArray(F, x, o + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, o + 3 * L));
            }
            s0.mul(alpha).intoArray(out, j);
            s1.mul(alpha).intoArray(out, j + L);
            s2.mul(alpha).intoArray(out, j + 2 * L);
            s3.mul(alpha).intoArray(out, j + 3 * L);
        }
        for (; j < j1; j += L) {
            VectorMask<Float> m = F.indexInRange(j, j1);
            FloatVector s = FloatVector.zero(F);
            for (int i = 0, o = j; i < rows; i++, o += n) {
                s = s.add(FloatVector.fromArray(F, x, o, m));
            }
            s.mul(alpha).intoArray(out, j, m);
        }
    }

    /**
     * {@code Σ x²} over flat elements [e0, e1): float FMAs into two accumulators per chunk of
     * {@link Elementwise#CHUNK} elements, chunk sums added in double.
     */
    static double sumOfSquares(float[] x, int e0, int e1, float[] lanes) {
        double sum = 0;
        for (int c0 = e0; c0 < e1; c0 += Elementwise.CHUNK) {
            int c1 = Math.min(e1, c0 + Elementwise.CHUNK);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int e = c0;
            for (int bound = c0 + ((c1 - c0) & -(2 * L)); e < bound; e += 2 * L) {
                FloatVector v0 = FloatVector.fromArray(F, x, e), v1 = FloatVector.fromArray(F, x, e + L);
                s0 = v0.fma(v0, s0);
                s1 = v1.fma(v1, s1);
            }
            for (; e < c1; e += L) {
                VectorMask<Float> m = F.indexInRange(e, c1);
                FloatVector v = FloatVector.fromArray(F, x, e, m);
                s0 = v.fma(v, s0);
            }
            s0.add(s1).intoArray(lanes, 0);
            sum += Simd.sum(lanes, 0);
        }
        return sum;
    }

    /** {@code x ← α·x} on flat elements [e0, e1) (gradient-norm clipping). */
    static void scale(float[] x, float alpha, int e0, int e1) {
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            FloatVector.fromArray(F, x, e).mul(alpha).intoArray(x, e);
        }
        if (e < e1) {
            VectorMask<Float> m = F.indexInRange(e, e1);
            FloatVector.fromArray(F, x, e, m).mul(alpha).intoArray(x, e, m);
        }
    }
}
