package delta4j.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The scan finds the first NaN or infinity inside its range, whatever kind, and counts every finite float as finite. */
class FiniteValuesTest {

    @Test
    void findsTheFirstNonFiniteValueOfTheRange() {
        float[] v = {0f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE, Float.NaN, 1f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00001)};
        assertEquals(5, FiniteValues.firstNonFinite(v, 0, v.length));
        assertEquals(-1, FiniteValues.firstNonFinite(v, 0, 5), "subnormals, zeros of both signs and ±MAX_VALUE are finite");
        assertEquals(7, FiniteValues.firstNonFinite(v, 6, v.length), "+∞");
        assertEquals(8, FiniteValues.firstNonFinite(v, 8, v.length), "−∞");
        assertEquals(9, FiniteValues.firstNonFinite(v, 9, v.length), "a NaN with another payload");
        assertEquals(-1, FiniteValues.firstNonFinite(v, 6, 7));
        assertEquals(-1, FiniteValues.firstNonFinite(v, 3, 3), "an empty range");
    }

    @Test
    void scansLongArraysToTheEnd() {
        float[] v = new float[1 << 20];
        assertEquals(-1, FiniteValues.firstNonFinite(v, 0, v.length));
        v[v.length - 1] = Float.NaN;
        assertEquals(v.length - 1, FiniteValues.firstNonFinite(v, 0, v.length));
        assertEquals(-1, FiniteValues.firstNonFinite(v, 0, v.length - 1));
    }
}
