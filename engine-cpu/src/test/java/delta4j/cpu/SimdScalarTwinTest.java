package delta4j.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scalar code of the kernels gives the vector code's bits: {@link Simd#exp(float)} is each lane of
 * {@link Simd#exp(float[], int)}, {@link Simd#sum} sums in the order of the vector rotations it replaced, and the
 * softmax row and the softmax cross-entropy rows in scalar code are their vector forms, bit for bit, on every width
 * up to twice {@link Elementwise#NARROW_ROW}, so which form a width takes changes no result.
 */
class SimdScalarTwinTest {

    private static final int L = Simd.L;

    @Test
    void expIsEachLaneOfTheVectorExp() {
        float[] special = {0f, -0f, 1f, -1f, 88f, 88.7f, 89f, -87.3f, -88f, -100f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.5f, -0.34657359f};
        int stride = 65_537;
        int count = (int) ((1L << 32) / stride) + special.length;
        float[] x = new float[(count + L - 1) / L * L];
        System.arraycopy(special, 0, x, 0, special.length);
        for (int i = special.length; i < count; i++) {
            x[i] = Float.intBitsToFloat((int) ((long) (i - special.length) * stride));
        }
        float[] v = x.clone();
        for (int at = 0; at < v.length; at += L) {
            Simd.exp(v, at);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(Simd.exp(x[i])),
                    () -> "exp differs between the vector and the scalar form");
        }
    }

    @Test
    void sumIsTheVectorRotationsTree() {
        // The order the engine summed lanes in before sum() was scalar: the vector plus itself rotated by L/2 lanes
        // (lane i + lane (i + L/2) mod L), then by L/4, ..., 1; lane 0 of the result. Emulated lane by lane here (this
        // test class runs also where the Vector API's module is not resolved).
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 10_000; trial++) {
            float[] a = new float[L];
            for (int i = 0; i < L; i++) {
                a[i] = (float) (random.nextDouble(-1, 1) * Math.pow(2, random.nextInt(-20, 20)));
            }
            float[] v = a.clone();
            for (int h = L / 2; h >= 1; h /= 2) {
                float[] rotated = new float[L];
                for (int i = 0; i < L; i++) {
                    rotated[i] = v[i] + v[(i + h) % L];
                }
                v = rotated;
            }
            assertEquals(Float.floatToRawIntBits(v[0]), Float.floatToRawIntBits(Simd.sum(a, 0)));
            // the generic tree that other widths take, checked at this machine's width
            assertEquals(Float.floatToRawIntBits(v[0]), Float.floatToRawIntBits(Simd.tree(a, 0, 0, 1)));
        }
    }

    @Test
    void softmaxRowsAreTheVectorRows() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 1; n <= 2 * Elementwise.NARROW_ROW; n++) {
            for (int trial = 0; trial < 200; trial++) {
                float scale = trial % 3 == 0 ? 40f : 4f; // some rows whose exps underflow to 0
                float[] z = randoms(random, n, scale);
                float[] b = randoms(random, n, scale);
                float[] zv = z.clone(), av = new float[n], zs = z.clone(), as = new float[n];
                Elementwise.biasSoftmaxRow(zv, b, av, 0, n, new float[4 * L]);
                Elementwise.biasSoftmaxRowScalar(zs, b, as, 0, n, new float[4 * L]);
                assertBits(zv, zs, "softmax's z + b", n);
                assertBits(av, as, "softmax", n);
            }
        }
    }

    @Test
    void softmaxCrossEntropyRowsAreTheVectorRows() {
        SplittableRandom random = new SplittableRandom(13);
        int rows = 5;
        for (int n = 1; n <= 2 * Elementwise.NARROW_ROW; n++) {
            for (int trial = 0; trial < 100; trial++) {
                float[] z = randoms(random, rows * n, trial % 3 == 0 ? 40f : 4f);
                float[] a = randoms(random, rows * n, 1f);
                float[] t = new float[rows * n];
                for (int i = 0; i < rows; i++) {
                    if (trial % 2 == 0) {
                        t[i * n + random.nextInt(n)] = 1f; // one-hot
                    } else {
                        for (int j = 0; j < n; j++) { // soft targets, some exactly 0
                            t[i * n + j] = random.nextInt(4) == 0 ? 0f : (float) random.nextDouble();
                        }
                    }
                }
                float[] dv = new float[rows * n], ds = new float[rows * n];
                double lv = Elementwise.outputDeltaSoftmaxCrossEntropyVector(z, a, t, dv, n, 0, rows, new float[4 * L]);
                double ls = Elementwise.outputDeltaSoftmaxCrossEntropyScalar(z, a, t, ds, n, 0, rows, new float[4 * L]);
                assertBits(dv, ds, "softmax cross-entropy's Δ", n);
                assertEquals(Double.doubleToRawLongBits(lv), Double.doubleToRawLongBits(ls),
                        "softmax cross-entropy's loss differs at width " + n + ": " + lv + " against " + ls);
            }
        }
    }

    @Test
    void softmaxRowsWithInfinitiesAndNaNAreTheVectorRows() {
        float[] specials = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e30f, -1e30f, 0f, -0f};
        SplittableRandom random = new SplittableRandom(17);
        for (int n = 1; n <= 2 * Elementwise.NARROW_ROW; n++) {
            for (int trial = 0; trial < 50; trial++) {
                float[] z = randoms(random, n, 4f);
                z[random.nextInt(n)] = specials[random.nextInt(specials.length)];
                float[] b = new float[n];
                float[] zv = z.clone(), av = new float[n], zs = z.clone(), as = new float[n];
                Elementwise.biasSoftmaxRow(zv, b, av, 0, n, new float[4 * L]);
                Elementwise.biasSoftmaxRowScalar(zs, b, as, 0, n, new float[4 * L]);
                assertSameValues(av, as, "softmax with " + z[0] + "...", n);
                float[] t = new float[n];
                t[random.nextInt(n)] = 1f;
                float[] dv = new float[n], ds = new float[n];
                double lv = Elementwise.outputDeltaSoftmaxCrossEntropyVector(z, av, t, dv, n, 0, 1, new float[4 * L]);
                double ls = Elementwise.outputDeltaSoftmaxCrossEntropyScalar(z, av, t, ds, n, 0, 1, new float[4 * L]);
                assertSameValues(dv, ds, "softmax cross-entropy's Δ", n);
                assertEquals(Double.doubleToLongBits(lv), Double.doubleToLongBits(ls), "loss " + lv + " against " + ls);
            }
        }
    }

    /** Bit for bit, but any NaN equals any NaN (their payloads are the hardware's). */
    private static void assertSameValues(float[] want, float[] got, String what, int n) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                throw new AssertionError(what + " differs at width " + n + ", element " + i + ": vector " + want[i]
                        + ", scalar " + got[i]);
            }
        }
    }

    private static float[] randoms(SplittableRandom random, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(-scale, scale);
        }
        return x;
    }

    private static void assertBits(float[] want, float[] got, String what, int n) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + " differs at width " + n + ", element " + i + ": vector " + want[i]
                        + ", scalar " + got[i]);
            }
        }
    }
}
