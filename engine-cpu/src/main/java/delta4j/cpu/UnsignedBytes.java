package delta4j.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unsigned bytes to floats, {@code (b & 0xff) / divisor}: the conversion of the byte mini-batch gather
 * ({@code uploadRows} of bytes). Zero extension and the int-to-float conversion are exact, and the vector division is
 * IEEE division as Java's float {@code /} is, so every tier and the scalar tail give the same bits as the reference.
 * A scalar loop (which C2 did not vectorise) and a table of the 256 quotients were both slower than the floats' plain
 * copy (engine-cpu/README.md, The first epoch).
 */
final class UnsignedBytes {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /**
     * Bytes in the engine's one vector shape (SpeciesTest says why): four times L lanes, of which each step converts the
     * first L and the next step loads again L bytes on, from L1.
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, F.vectorShape());
    private static final int L = Simd.L;

    private UnsignedBytes() {
    }

    // upload of bytes:  dst[to..to+n) = (src[at..at+n) & 0xff) / divisor
    static void toFloats(byte[] src, int at, float divisor, float[] dst, int to, int n) {
        FloatVector d = FloatVector.broadcast(F, divisor);
        int j = 0;
        // Each load reads B.length() bytes from at + j: it must stay inside src, though not inside the row.
        for (int bound = Math.min(n - L, src.length - B.length() - at); j <= bound; j += L) {
            IntVector w = (IntVector) ByteVector.fromArray(B, src, at + j).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            ((FloatVector) w.convert(VectorOperators.I2F, 0)).div(d).intoArray(dst, to + j);
        }
        for (; j < n; j++) {
            dst[to + j] = (src[at + j] & 0xff) / divisor;
        }
    }
}
