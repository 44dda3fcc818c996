package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cpu engine's tanh ({@link Simd#tanh}, through {@code biasActivation}) against tanh in double: within
 * {@value #MAX_ULP} ulp of the correctly rounded float and {@value #MAX_ABS} absolutely, odd bit for bit,
 * exactly ±1 from {@link Simd#TANH_SATURATES_AT} on, and ±0, ±∞ and NaN handled. The sweep takes every
 * {@value #STRIDE}th float from 0 to the saturation point, both signs; the measured figures are printed
 * (an exhaustive sweep of every float is in engine-cpu/README.md).
 */
class TanhAccuracyTest {

    /** The bound held, in ulps of the correctly rounded float result. */
    static final double MAX_ULP = 1.0;
    /** The bound held on |tanh − tanh in double|: one ulp of a float in [0.5, 1). */
    static final double MAX_ABS = 6e-8;
    static final int STRIDE = 251;

    @Test
    void withinOneUlpOfTanhInDoubleAndOdd() {
        int count = Float.floatToRawIntBits(Simd.TANH_SATURATES_AT) / STRIDE + 1;
        float[] z = new float[2 * count];
        for (int i = 0; i < count; i++) {
            z[2 * i] = Float.intBitsToFloat(i * STRIDE);
            z[2 * i + 1] = -z[2 * i];
        }
        float[] a = tanhOnEngine(z);
        double maxUlp = 0, maxAbs = 0;
        float atUlp = 0, atAbs = 0;
        for (int i = 0; i < z.length; i++) {
            double want = Math.tanh(z[i]);
            double err = Math.abs(a[i] - want);
            double ulps = err / Math.ulp((float) want);
            if (ulps > maxUlp) {
                maxUlp = ulps;
                atUlp = z[i];
            }
            if (err > maxAbs) {
                maxAbs = err;
                atAbs = z[i];
            }
            if (i % 2 == 1 && Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(-a[i - 1])) {
                fail("tanh(" + z[i] + ") = " + a[i] + " is not −tanh(" + z[i - 1] + ") = " + (-a[i - 1]));
            }
        }
        System.out.printf("TanhAccuracyTest: %d inputs in ±[0, %s], max %.3f ulp (at %s), max abs error %.3g (at %s)%n",
                z.length, Simd.TANH_SATURATES_AT, maxUlp, atUlp, maxAbs, atAbs);
        assertTrue(maxUlp <= MAX_ULP, "tanh is " + maxUlp + " ulp off at " + atUlp + " (bound " + MAX_ULP + ")");
        assertTrue(maxAbs <= MAX_ABS, "tanh is " + maxAbs + " off at " + atAbs + " (bound " + MAX_ABS + ")");
    }

    @Test
    void specialValues() {
        float t = Simd.TANH_SATURATES_AT;
        float[] z = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f, Math.nextDown(t),
                t, -t, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        float[] want = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f, 0.99999994f,
                1f, -1f, 1f, -1f, 1f, -1f, Float.NaN};
        float[] a = tanhOnEngine(z);
        for (int i = 0; i < z.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(a[i]), "tanh(" + z[i] + ") = " + a[i] + ", want " + want[i]);
        }
    }

    /** tanh of every element through the engine's biasActivation with a bias of −0 (z + (−0) = z, −0 included), on one thread. */
    static float[] tanhOnEngine(float[] z) {
        float[] minusZero = new float[z.length];
        java.util.Arrays.fill(minusZero, -0f);
        try (Engine e = Engines.create("cpu", new EngineConfig(1, null));
             Tensor Z = e.tensor(1, z.length, z); Tensor B = e.tensor(1, z.length, minusZero); Tensor A = e.allocate(1, z.length)) {
            e.biasActivation(Z, B, Activation.TANH, A);
            return e.download(A);
        }
    }
}
