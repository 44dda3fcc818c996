package delta4j.cpu;

import delta4j.engine.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The vector rounding of the packed operands gives {@link Precision#round} bit for bit (NaN: a NaN): on every
 * mantissa of [1, 2) and of the negative subnormals, on random bit patterns of every exponent with the special values
 * among them, and on runs that start and end off a vector boundary (the scalar tail).
 */
class RoundingTest {

    private static void compare(Precision p, float[] x, int from, int to) {
        float[] got = x.clone();
        Rounding.round(p, got, from, to);
        for (int i = 0; i < x.length; i++) {
            float want = i >= from && i < to ? p.round(x[i]) : x[i];
            boolean same = Float.isNaN(want) ? Float.isNaN(got[i])
                    : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got[i]);
            if (!same) {
                fail(p + ": element " + i + " = " + x[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ") rounded to "
                        + got[i] + ", Precision.round gives " + want + (i < from || i >= to ? " (outside the run: must be untouched)" : ""));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyMantissaOfABinade(Precision p) {
        float[] x = new float[1 << 16];
        for (int hi = 0; hi < 1 << 7; hi++) {
            for (int lo = 0; lo < x.length; lo++) {
                x[lo] = Float.intBitsToFloat(0x3F800000 | hi << 16 | lo);
            }
            compare(p, x, 0, x.length);
            for (int lo = 0; lo < x.length; lo++) {
                x[lo] = Float.intBitsToFloat(0x80000000 | hi << 16 | lo);
            }
            compare(p, x, 0, x.length);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void randomBitsAndSpecialValuesOnRaggedRuns(Precision p) {
        SplittableRandom rnd = new SplittableRandom(p.ordinal() + 1);
        int[] special = {0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0xFFFFFFFF,
                0xFF800001, 0x7F7FF000, 0x7F7F8000, 0x00000001, 0x80000000, 0};
        for (int round = 0; round < 200; round++) {
            float[] x = new float[1 + rnd.nextInt(300)];
            for (int i = 0; i < x.length; i++) {
                x[i] = Float.intBitsToFloat(rnd.nextInt(4) == 0 ? special[rnd.nextInt(special.length)] : rnd.nextInt());
            }
            int from = rnd.nextInt(x.length), to = from + rnd.nextInt(x.length - from + 1);
            compare(p, x, from, to);
        }
    }
}
