package delta4j.cpu;

import delta4j.engine.DropoutMask;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inverted dropout with {@link DropoutMask}'s counter-based masks, bit for bit: the 64-bit mixing runs on the
 * preferred long species, and the floats it masks on the float species with as many lanes (half the preferred
 * float width), so a lane's keep bit and its element line up without a shuffle. Forward and backward are the same
 * kernel with the same key.
 */
final class Dropout {

    private Dropout() {
    }

    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    /** Floats with one lane per long lane: half the long species' width. */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, VectorShape.forBitSize(LS.vectorBitSize() / 2));
    private static final int LL = LS.length();

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
     * key + (e + 1)·GOLDEN modulo 2⁶⁴, advanced by LL·GOLDEN per vector instead of multiplied out per element.
     */
    static void dropout(float[] x, long key, int threshold, float scale, float[] y, int e0, int e1) {
        LongVector counter = LANE_STEPS.add(key + (e0 + 1L) * GOLDEN);
        long stride = LL * GOLDEN;
        FloatVector zero = FloatVector.zero(FS);
        // One masked loop, the mixing written once: a vector passed to a helper C2 does not inline is boxed.
        for (int e = e0; e < e1; e += LL) {
            VectorMask<Float> m = FS.indexInRange(e, e1);
            LongVector z = counter;
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
            VectorMask<Float> keep = z.lanewise(VectorOperators.LSHR, 64 - DropoutMask.BITS)
                    .compare(VectorOperators.GE, threshold).cast(FS);
            zero.blend(FloatVector.fromArray(FS, x, e, m).mul(scale), keep).intoArray(y, e, m);
            counter = counter.add(stride);
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
