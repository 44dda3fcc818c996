package delta4j.cpu;

import delta4j.engine.Precision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The operand rounding of {@link Precision} on runs of a float array, in vector code on the float bits: tf32
 * adds 2^12 and clears the low 13 bits (round to nearest, ties away from zero), bf16 adds 2^15 − 1 plus bit 16
 * and clears the low 16 bits (ties to even); NaN lanes are quieted and masked instead, so their carry cannot
 * reach the sign or clear every mantissa bit. It must give {@link Precision#round} bit for bit
 * ({@code RoundingTest} compares them on every mantissa of a binade and on random bit patterns).
 *
 * <p>The gemm routines apply it to the packed copies of op(A) and op(B), never to the caller's tensors; each
 * packed element is rounded once, in L1 or L2 right after it was packed.
 */
final class Rounding {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = Simd.L;

    private Rounding() {
    }

    /** Rounds {@code x[from..to)} in place to precision p (nothing for fp32). */
    static void round(Precision p, float[] x, int from, int to) {
        switch (p) {
            case FP32 -> { }
            case TF32 -> roundBits(p, x, from, to, 0x1000, 0xFFFFE000, false);
            case BF16 -> roundBits(p, x, from, to, 0x7FFF, 0xFFFF0000, true);
        }
    }

    /**
     * (bits + half [+ bit 16 when toEven]) & keep, with NaN lanes (magnitude above 0x7F800000) as (bits | quiet) & keep.
     * A separate method per rounding would read better; one with constant arguments gives C2 one loop to compile.
     */
    private static void roundBits(Precision p, float[] x, int from, int to, int half, int keep, boolean toEven) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            IntVector b = FloatVector.fromArray(F, x, i).reinterpretAsInts();
            IntVector add = toEven ? b.lanewise(VectorOperators.LSHR, 16).and(1).add(half) : IntVector.broadcast(I, half);
            IntVector r = b.add(add).and(keep);
            VectorMask<Integer> nan = b.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            r = r.blend(b.or(0x00400000).and(keep), nan);
            r.reinterpretAsFloats().intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] = p.round(x[i]);
        }
    }
}
