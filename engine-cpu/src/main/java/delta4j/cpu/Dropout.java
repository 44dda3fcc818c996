package delta4j.cpu;

import delta4j.engine.DropoutMask;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inverted dropout with {@link DropoutMask}'s counter-based masks, bit for bit: the 64-bit mixing runs on the long
 * species of the engine's vector shape ({@link Simd#F}'s), whose lanes are half as many as the float species', so each
 * float vector takes its keep bits from two long vectors, gathered through a bit mask ({@code toLong}) and spread back
 * over the float lanes by an int compare. Forward and backward are the same kernel with the same key.
 *
 * <p>The constraint: the floats stay on {@link Simd#F}, never a narrower float species with one lane per long lane
 * (as this kernel once did). The Vector API's shared methods then meet two float vector classes at the same bytecodes;
 * C2's code speculates one and deoptimises on the other, and after a few such traps at a bytecode
 * ({@code PerBytecodeTrapLimit}) C2 stops speculating there for the rest of the JVM's life. Every kernel compiled after
 * that boxed its vectors (SteadyStateAllocationTest failed in some runs with GELU's kernels at one box per vector).
 * {@code SpeciesTest} holds every species of the engine to one vector shape.
 */
final class Dropout {

    private Dropout() {
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    /** Longs of the same shape as the floats: half as many lanes. */
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, F.vectorShape());
    private static final int LL = LS.length();
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, F.vectorShape());
    /** Lane k holds 1 << k: a lane's bit in a float vector's keep bits. */
    private static final IntVector LANE_BITS = IntVector.broadcast(IS, 1).lanewise(VectorOperators.LSHL, IntVector.zero(IS).addIndex(1));

    /** DropoutMask's per-element increment of the counter (the golden ratio in 64 bits). */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long M1 = 0xBF58476D1CE4E5B9L;
    private static final long M2 = 0x94D049BB133111EBL;
    /** Lane k holds k·GOLDEN: the counters of LL consecutive elements from a broadcast base. */
    private static final LongVector LANE_STEPS = LongVector.zero(LS).addIndex(1).mul(GOLDEN);

    // forward:  Y (N×n) = X (N×n) ⊙ M / (1 − p); backward: G ← G ⊙ M / (1 − p), the same call with the same key
    /**
     * Flat elements [e0, e1): {@code y_e = keep(e) ? x_e·scale : 0} with keep(e) = bits(key, e) ≥ threshold as
     * {@link DropoutMask} defines them; {@code y} may be {@code x}. The counter of element e is
     * key + (e + 1)·GOLDEN modulo 2⁶⁴, advanced by LL·GOLDEN per long vector instead of multiplied out per element.
     */
    static void dropout(float[] x, long key, int threshold, float scale, float[] y, int e0, int e1) {
        LongVector counter = LANE_STEPS.add(key + (e0 + 1L) * GOLDEN);
        long stride = LL * GOLDEN;
        FloatVector zero = FloatVector.zero(F);
        // One masked loop, the mixing written once: a vector passed to a helper C2 does not inline is boxed.
        for (int e = e0; e < e1; e += L) {
            long bits = 0;
            for (int half = 0; half < L / LL; half++) {
                LongVector z = counter;
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
                bits |= z.lanewise(VectorOperators.LSHR, 64 - DropoutMask.BITS).compare(VectorOperators.GE, threshold)
                        .toLong() << (half * LL);
                counter = counter.add(stride);
            }
            // Up to 32 lanes (1024-bit vectors) the bits spread by an int compare, which every vector ISA has; wider
            // shapes (no hardware has them yet) take fromLong, a constant branch that C2 folds away.
            VectorMask<Float> keep = L <= 32
                    ? IntVector.broadcast(IS, (int) bits).and(LANE_BITS).compare(VectorOperators.NE, 0).cast(F)
                    : VectorMask.fromLong(F, bits);
            VectorMask<Float> m = F.indexInRange(e, e1);
            zero.blend(FloatVector.fromArray(F, x, e, m).mul(scale), keep).intoArray(y, e, m);
        }
    }

    /** The same in scalar code, for comparison with the vector loop. */
    static void dropoutScalar(float[] x, long key, int threshold, float scale, float[] y, int e0, int e1) {
        long c = key + (e0 + 1L) * GOLDEN;
        for (int e = e0; e < e1; e++, c += GOLDEN) {
            long z = (c ^ (c >>> 30)) * M1;
            z = (z ^ (z >>> 27)) * M2;
            z ^= z >>> 31;
            y[e] = (int) (z >>> (64 - DropoutMask.BITS)) >= threshold ? x[e] * scale : 0f;
        }
    }
}
