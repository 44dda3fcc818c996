package delta4j.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Precision#round} against the definition written as arithmetic on the value (nearest multiple of the format's
 * spacing, ties away from zero for tf32 and to even for bf16), on every mantissa of one binade, on random bit patterns
 * of every exponent, and on the special values; and the names.
 */
class PrecisionTest {

    /** The rounding from the definition: the nearest multiple of 2^(e − (bits − 1)), e the exponent (−126 for subnormals). */
    static float byArithmetic(Precision p, float x) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0f) {
            return x;
        }
        int e = Math.max(Math.getExponent(x), Float.MIN_EXPONENT);
        double q = Math.scalb(1.0, e - (p.significantBits() - 1));
        double a = Math.abs((double) x);
        double lo = Math.floor(a / q) * q, r = a - lo, up = lo + q;
        double rounded;
        if (r != q / 2) {
            rounded = r < q / 2 ? lo : up;
        } else {
            rounded = switch (p) {
                case FP32 -> throw new AssertionError("fp32 values are multiples of their own spacing");
                case TF32 -> up;                                            // ties away from zero
                case BF16 -> ((long) (lo / q)) % 2 == 0 ? lo : up;          // ties to even
            };
        }
        return (float) Math.copySign(rounded, x); // past Float.MAX_VALUE's rounding range: ±∞
    }

    private static void check(Precision p, int bits) {
        float x = Float.intBitsToFloat(bits);
        float want = byArithmetic(p, x), got = p.round(x);
        boolean same = Float.isNaN(want) ? Float.isNaN(got) : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
        if (!same) {
            fail(p + ": round(" + x + " = 0x" + Integer.toHexString(bits) + ") = " + got + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(got)) + "), the definition gives " + want);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyMantissaOfABinadeAndOfTheSubnormals(Precision p) {
        for (int m = 0; m < 1 << 23; m++) {
            check(p, 0x3F800000 | m);          // [1, 2)
            check(p, 0x80000000 | m);          // −subnormals
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void randomBitPatternsOfEveryExponent(Precision p) {
        SplittableRandom rnd = new SplittableRandom(p.ordinal());
        for (int i = 0; i < 2_000_000; i++) {
            check(p, rnd.nextInt());
        }
        for (int e = 0; e < 255; e++) { // the largest mantissas of each exponent carry into the next
            for (int m = (1 << 23) - 70_000; m < 1 << 23; m += 7) {
                check(p, (e << 23) | m);
                check(p, 0x80000000 | (e << 23) | m);
            }
        }
    }

    @Test
    void tiesAndKnownValues() {
        assertEquals(1f + 0x1p-10f, Precision.TF32.round(1f + 0x1p-11f), "tf32 tie away from zero");
        assertEquals(-(1f + 0x1p-10f), Precision.TF32.round(-(1f + 0x1p-11f)), "tf32 tie away from zero, negative");
        assertEquals(1f, Precision.TF32.round(Math.nextDown(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, Precision.TF32.round(1f + 3 * 0x1p-11f), "tf32 tie away from zero, odd below");
        assertEquals(1f, Precision.BF16.round(1f + 0x1p-8f), "bf16 tie to even (down)");
        assertEquals(1f + 0x1p-6f, Precision.BF16.round(1f + 3 * 0x1p-8f), "bf16 tie to even (up)");
        assertEquals(1f + 0x1p-7f, Precision.BF16.round(Math.nextUp(1f + 0x1p-8f)));
        assertEquals(2f, Precision.TF32.round(2f - 0x1p-23f), "the carry reaches the exponent");
        assertEquals(2f, Precision.BF16.round(2f - 0x1p-23f), "the carry reaches the exponent");
        assertEquals(0.1f, Precision.FP32.round(0.1f));
        assertEquals(0.0999755859375f, Precision.TF32.round(0.1f));
        assertEquals(0.10009765625f, Precision.BF16.round(0.1f), "PyTorch: torch.tensor(0.1).bfloat16() == 0.10009765625");
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void specialValues(Precision p) {
        boolean reduced = p != Precision.FP32;
        assertEquals(reduced ? Float.POSITIVE_INFINITY : Float.MAX_VALUE, p.round(Float.MAX_VALUE), "largest float");
        assertEquals(reduced ? Float.NEGATIVE_INFINITY : -Float.MAX_VALUE, p.round(-Float.MAX_VALUE), "−largest float");
        assertEquals(Float.POSITIVE_INFINITY, p.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, p.round(Float.NEGATIVE_INFINITY));
        for (int nan : new int[]{0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0xFF800001, 0xFFFFFFFF, 0x7F802000, 0x7F810000}) {
            float r = p.round(Float.intBitsToFloat(nan));
            assertTrue(Float.isNaN(r), p + ": NaN 0x" + Integer.toHexString(nan) + " became " + r);
            assertEquals(nan >>> 31, Float.floatToRawIntBits(r) >>> 31, "NaN keeps its sign");
        }
        assertEquals(0x80000000, Float.floatToRawIntBits(p.round(-0f)), "−0 stays −0");
        assertEquals(0, Float.floatToRawIntBits(p.round(0f)));
        assertEquals(reduced ? 0f : Float.MIN_VALUE, p.round(Float.MIN_VALUE), "fp32's smallest subnormal is below the formats' last place");
        float smallest = Float.intBitsToFloat(1 << (24 - p.significantBits())); // the format's own smallest subnormal
        assertEquals(smallest, p.round(smallest));
        assertEquals(reduced ? smallest : Math.nextUp(smallest), p.round(Math.nextUp(smallest)));
    }

    @Test
    void namesAndUnits() {
        for (Precision p : Precision.values()) {
            assertEquals(p, Precision.parse(p.cliName()));
            assertEquals(p, Precision.parse(" " + p.cliName().toUpperCase(java.util.Locale.ROOT) + " "));
            assertEquals(Math.scalb(1.0, -p.significantBits()), p.unitRoundoff());
        }
        assertEquals(0x1p-11, Precision.TF32.unitRoundoff());
        assertEquals(0x1p-8, Precision.BF16.unitRoundoff());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertEquals("unknown precision 'fp16': use one of fp32, tf32, bf16", e.getMessage());
    }

    @Test
    void configDefaultsToFp32() {
        assertEquals(Precision.FP32, EngineConfig.defaults().precision());
        assertEquals(Precision.FP32, new EngineConfig(2, "gpu").precision());
        assertEquals(Precision.BF16, EngineConfig.defaults().withThreads(3).withPrecision(Precision.BF16).withDevice("x").precision());
        assertThrows(IllegalArgumentException.class, () -> new EngineConfig(0, null, null));
        try (Engine e = Engines.create("reference", EngineConfig.defaults().withPrecision(Precision.TF32))) {
            assertEquals(Precision.TF32, e.precision());
        }
        try (Engine e = Engines.reference()) {
            assertEquals(Precision.FP32, e.precision());
        }
    }
}
