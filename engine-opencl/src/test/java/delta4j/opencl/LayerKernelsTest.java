package delta4j.opencl;

import delta4j.engine.Activation;
import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static delta4j.conformance.EngineConformanceKit.ELEMENT_TOL;
import static delta4j.conformance.EngineConformanceKit.assertClose;
import static delta4j.conformance.EngineConformanceKit.outputDeltaOn;
import static delta4j.conformance.EngineConformanceKit.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL kernels of the regularisation and normalisation layers and of the L1, Huber and binary cross-entropy
 * losses against the reference engine on random inputs: dropout masks bit for bit, everything else within the
 * conformance kit's element tolerance, in-place forms included. One engine serves every case (kernel builds are slow
 * on CPU OpenCL).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayerKernelsTest {

    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    private OpenClEngine engine;
    private ReferenceEngine ref;

    @BeforeAll
    void open() {
        engine = OpenClTestSupport.engine();
        ref = new ReferenceEngine();
    }

    @AfterAll
    void close() {
        if (engine != null) {
            engine.close();
        }
        if (ref != null) {
            ref.close();
        }
    }

    static List<int[]> shapes() {
        return List.of(new int[]{1, 1}, new int[]{2, 3}, new int[]{7, 17}, new int[]{33, 64}, new int[]{255, 33},
                new int[]{1025, 7}, new int[]{3, 1025});
    }

    private static Stream<Arguments> shapeCases() {
        return shapes().stream().map(s -> Arguments.of(s[0], s[1]));
    }

    // ---------------------------------------------------------------- losses

    static Stream<Arguments> lossCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes()) {
            for (Activation act : new Activation[]{Activation.IDENTITY, Activation.TANH, Activation.RELU}) {
                out.add(Arguments.of(s[0], s[1], Loss.L1, 0f, act, 3f));
                for (float delta : new float[]{0.1f, 1f, 3f}) {
                    out.add(Arguments.of(s[0], s[1], Loss.HUBER, delta, act, 3f));
                }
            }
            for (float scale : new float[]{3f, 30f, 1e4f}) {
                out.add(Arguments.of(s[0], s[1], Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, scale));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "outputDelta {0}×{1} {2}({3}) {4} z±{5}")
    @MethodSource("lossCases")
    void outputDeltaMatchesReference(int rows, int cols, Loss loss, float parameter, Activation act, float scale) {
        SplittableRandom rnd = new SplittableRandom(rows * 7919L + cols * 31L + loss.code());
        float[] z = random(rnd, rows * cols, scale);
        float[] t = loss == Loss.BINARY_CROSS_ENTROPY ? unit(rnd, rows * cols) : random(rnd, rows * cols, 2f);
        if (rows * cols > 1) {
            t[1] = z[1]; // A − T = 0 somewhere for identity: sign(0) = 0
        }
        float[] a = activate(ref, rows, cols, z, act);
        float[][] want = outputDeltaOn(ref, rows, cols, loss, parameter, act, z, a, t);
        float[][] got = outputDeltaOn(engine, rows, cols, loss, parameter, act, z, a, t);
        assertClose(want[0], got[0], ELEMENT_TOL, "output Δ");
        assertTrue(Float.isFinite(got[1][2]), "loss sum must be finite, got " + got[1][2]);
        assertEquals(want[1][2], got[1][2], 1e-5 * Math.abs(want[1][2]) + 1e-6, "loss sum");
        assertEquals(-7f, got[1][0], "lossOut elements other than lossIndex must be left alone");
    }

    private static float[] unit(SplittableRandom rnd, int n) {
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = i % 3 == 0 ? (float) rnd.nextDouble() : rnd.nextInt(2);
        }
        return t;
    }

    private static float[] activate(Engine e, int rows, int cols, float[] z, Activation act) {
        try (Tensor Z = e.tensor(rows, cols, z); Tensor b = e.allocate(1, cols); Tensor A = e.allocate(rows, cols)) {
            e.biasActivation(Z, b, act, A);
            return e.download(A);
        }
    }

    // ---------------------------------------------------------------- dropout

    static Stream<Arguments> dropoutCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes()) {
            for (float p : new float[]{0f, 0.2f, 0.5f, 0.9f}) {
                out.add(Arguments.of(s[0], s[1], p));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "dropout {0}×{1} p={2}")
    @MethodSource("dropoutCases")
    void dropoutMasksAreTheReferencesBitForBit(int rows, int cols, float p) {
        SplittableRandom rnd = new SplittableRandom(rows * 131L + cols + Float.floatToIntBits(p));
        float[] x = random(rnd, rows * cols, 5f);
        long key = DropoutMask.key(rnd.nextLong(), 3, rows, cols); // arbitrary 64-bit keys, negative ones included
        for (boolean inPlace : new boolean[]{false, true}) {
            float[] want = dropout(ref, rows, cols, x, p, key, inPlace);
            float[] got = dropout(engine, rows, cols, x, p, key, inPlace);
            assertArrayEquals(want, got, "dropout " + (inPlace ? "in place" : "into Y") + ", key " + Long.toHexString(key));
        }
    }

    @Test
    void dropoutKeepsAnElementWhoseBitsEqualTheThreshold() {
        // p = bits / 2²⁴ is exact in float, so threshold(p) equals that element's bits: keep(e) is bits ≥ threshold.
        int rows = 7, cols = 17;
        float[] x = random(new SplittableRandom(11), rows * cols, 1f);
        for (long seed = 0; seed < 4; seed++) {
            long key = DropoutMask.key(seed, 0, 0, 0);
            int e = (int) (seed * 29 % (rows * cols));
            float p = DropoutMask.bits(key, e) / (float) (1 << DropoutMask.BITS);
            assertEquals(DropoutMask.bits(key, e), DropoutMask.threshold(p), "test setup: threshold at element " + e);
            float[] got = dropout(engine, rows, cols, x, p, key, false);
            assertEquals(x[e] * DropoutMask.scale(p), got[e], "element " + e + " sits on the threshold and is kept");
            assertArrayEquals(dropout(ref, rows, cols, x, p, key, false), got, "mask at p = " + p);
        }
    }

    @Test
    void dropoutDropsAboutTheRequestedShare() {
        int rows = 255, cols = 64;
        float[] x = new float[rows * cols];
        java.util.Arrays.fill(x, 1f);
        float[] y = dropout(engine, rows, cols, x, 0.5f, DropoutMask.key(42, 1, 2, 3), false);
        int kept = 0;
        for (float v : y) {
            kept += v != 0f ? 1 : 0;
            assertTrue(v == 0f || v == 2f, "kept elements are scaled by 1/(1 − p): " + v);
        }
        assertEquals(0.5, kept / (double) y.length, 0.03, "share kept at p = 0.5");
    }

    private static float[] dropout(Engine e, int rows, int cols, float[] x, float p, long key, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor Y = e.allocate(rows, cols)) {
            Tensor out = inPlace ? X : Y;
            e.dropout(X, p, key, out);
            return e.download(out);
        }
    }

    // ---------------------------------------------------------------- layer normalisation

    @ParameterizedTest(name = "layerNorm {0}×{1}")
    @MethodSource("shapeCases")
    void layerNormMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 17L + cols);
        float[] x = offset(random(rnd, rows * cols, 3f), 5f);
        float[] gamma = random(rnd, cols, 2f);
        for (boolean inPlace : new boolean[]{false, true}) {
            float[][] want = layerNorm(ref, rows, cols, x, gamma, inPlace);
            float[][] got = layerNorm(engine, rows, cols, x, gamma, inPlace);
            String how = inPlace ? " (y = x)" : "";
            assertClose(want[0], got[0], ELEMENT_TOL, "x̂" + how);
            assertClose(want[1], got[1], ELEMENT_TOL, "rstd" + how);
            assertClose(want[2], got[2], ELEMENT_TOL, "y" + how);
        }
    }

    private static float[][] layerNorm(Engine e, int rows, int cols, float[] x, float[] gamma, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor H = e.allocate(rows, cols);
             Tensor R = e.allocate(rows, 1); Tensor Y = e.allocate(rows, cols)) {
            Tensor out = inPlace ? X : Y;
            e.layerNorm(X, G, EPS, H, R, out);
            return new float[][]{e.download(H), e.download(R), e.download(out)};
        }
    }

    @ParameterizedTest(name = "layerNormBackward {0}×{1}")
    @MethodSource("shapeCases")
    void layerNormBackwardMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 19L + cols);
        float[] x = offset(random(rnd, rows * cols, 3f), -2f);
        float[] gamma = random(rnd, cols, 2f);
        float[] dy = random(rnd, rows * cols, 1f);
        // x̂ and rstd from the reference's forward pass, so both engines differentiate the same point.
        float[][] fwd = layerNorm(ref, rows, cols, x, gamma, false);
        for (boolean inPlace : new boolean[]{false, true}) {
            float[][] want = normBackward(ref, false, rows, cols, dy, fwd[0], fwd[1], gamma, inPlace);
            float[][] got = normBackward(engine, false, rows, cols, dy, fwd[0], fwd[1], gamma, inPlace);
            String how = inPlace ? " (dx = δ)" : "";
            assertClose(want[0], got[0], ELEMENT_TOL, "dx" + how);
            assertClose(want[1], got[1], ELEMENT_TOL * Math.sqrt(rows), "dγ" + how);
        }
    }

    private static float[][] normBackward(Engine e, boolean batch, int rows, int cols, float[] dy, float[] xhat, float[] rstd,
                                          float[] gamma, boolean inPlace) {
        try (Tensor DY = e.tensor(rows, cols, dy); Tensor H = e.tensor(rows, cols, xhat);
             Tensor R = batch ? e.tensor(1, cols, rstd) : e.tensor(rows, 1, rstd); Tensor G = e.tensor(1, cols, gamma);
             Tensor DX = e.allocate(rows, cols); Tensor DG = e.allocate(1, cols)) {
            Tensor dx = inPlace ? DY : DX;
            float alpha = 1f / rows;
            if (batch) {
                e.batchNormBackward(DY, H, R, G, alpha, dx, DG);
            } else {
                e.layerNormBackward(DY, H, R, G, alpha, dx, DG);
            }
            return new float[][]{e.download(dx), e.download(DG)};
        }
    }

    // ---------------------------------------------------------------- batch normalisation

    private static Stream<Arguments> batchShapeCases() {
        return shapes().stream().filter(s -> s[0] >= 2).map(s -> Arguments.of(s[0], s[1]));
    }

    @ParameterizedTest(name = "batchNorm {0}×{1}")
    @MethodSource("batchShapeCases")
    void batchNormMatchesReferenceWithRunningStatistics(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 23L + cols);
        float[] x1 = offset(random(rnd, rows * cols, 3f), 4f);
        float[] x2 = random(rnd, rows * cols, 0.5f);
        float[] gamma = random(rnd, cols, 2f);
        float[] rm = random(rnd, cols, 1f);
        float[] rv = offset(random(rnd, cols, 0.5f), 1f);
        for (boolean inPlace : new boolean[]{false, true}) {
            // Two steps, so the second updates running statistics the first wrote on the device.
            float[][] want = batchNorm(ref, rows, cols, x1, x2, gamma, rm, rv, inPlace);
            float[][] got = batchNorm(engine, rows, cols, x1, x2, gamma, rm, rv, inPlace);
            String how = inPlace ? " (y = x)" : "";
            String[] names = {"x̂", "rstd", "y", "running mean", "running variance"};
            for (int i = 0; i < names.length; i++) {
                assertClose(want[i], got[i], ELEMENT_TOL, names[i] + how);
            }
        }
    }

    private static float[][] batchNorm(Engine e, int rows, int cols, float[] x1, float[] x2, float[] gamma, float[] rm, float[] rv,
                                       boolean inPlace) {
        try (Tensor X1 = e.tensor(rows, cols, x1); Tensor X2 = e.tensor(rows, cols, x2); Tensor G = e.tensor(1, cols, gamma);
             Tensor RM = e.tensor(1, cols, rm); Tensor RV = e.tensor(1, cols, rv); Tensor H = e.allocate(rows, cols);
             Tensor R = e.allocate(1, cols); Tensor Y = e.allocate(rows, cols)) {
            e.batchNorm(X1, G, EPS, MOMENTUM, RM, RV, H, R, inPlace ? X1 : Y);
            Tensor out = inPlace ? X2 : Y;
            e.batchNorm(X2, G, EPS, MOMENTUM, RM, RV, H, R, out);
            return new float[][]{e.download(H), e.download(R), e.download(out), e.download(RM), e.download(RV)};
        }
    }

    @ParameterizedTest(name = "batchNormBackward {0}×{1}")
    @MethodSource("batchShapeCases")
    void batchNormBackwardMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 29L + cols);
        float[] x = offset(random(rnd, rows * cols, 3f), 1f);
        float[] gamma = random(rnd, cols, 2f);
        float[] dy = random(rnd, rows * cols, 1f);
        float[][] fwd = batchNorm(ref, rows, cols, x, x, gamma, new float[cols], ones(cols), false);
        for (boolean inPlace : new boolean[]{false, true}) {
            float[][] want = normBackward(ref, true, rows, cols, dy, fwd[0], fwd[1], gamma, inPlace);
            float[][] got = normBackward(engine, true, rows, cols, dy, fwd[0], fwd[1], gamma, inPlace);
            String how = inPlace ? " (dx = δ)" : "";
            assertClose(want[0], got[0], ELEMENT_TOL, "dx" + how);
            assertClose(want[1], got[1], ELEMENT_TOL * Math.sqrt(rows), "dγ" + how);
        }
    }

    @ParameterizedTest(name = "batchNormInference {0}×{1}")
    @MethodSource("shapeCases")
    void batchNormInferenceMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 37L + cols);
        float[] x = random(rnd, rows * cols, 3f);
        float[] gamma = random(rnd, cols, 2f);
        float[] rm = random(rnd, cols, 1f);
        float[] rv = offset(random(rnd, cols, 0.5f), 1f);
        for (boolean inPlace : new boolean[]{false, true}) {
            float[] want = batchNormInference(ref, rows, cols, x, gamma, rm, rv, inPlace);
            float[] got = batchNormInference(engine, rows, cols, x, gamma, rm, rv, inPlace);
            assertClose(want, got, ELEMENT_TOL, "y" + (inPlace ? " (y = x)" : ""));
        }
    }

    private static float[] batchNormInference(Engine e, int rows, int cols, float[] x, float[] gamma, float[] rm, float[] rv,
                                              boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor RM = e.tensor(1, cols, rm);
             Tensor RV = e.tensor(1, cols, rv); Tensor Y = e.allocate(rows, cols)) {
            Tensor out = inPlace ? X : Y;
            e.batchNormInference(X, G, EPS, RM, RV, out);
            return e.download(out);
        }
    }

    // ---------------------------------------------------------------- determinism

    @Test
    void reductionsGiveTheSameBitsEveryRun() {
        int rows = 1025, cols = 33;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = random(rnd, rows * cols, 3f);
        float[] gamma = random(rnd, cols, 2f);
        float[] dy = random(rnd, rows * cols, 1f);
        float[][] first = null;
        for (int run = 0; run < 3; run++) {
            float[][] ln = layerNorm(engine, rows, cols, x, gamma, false);
            float[][] lnb = normBackward(engine, false, rows, cols, dy, ln[0], ln[1], gamma, false);
            float[][] bn = batchNorm(engine, rows, cols, x, x, gamma, new float[cols], ones(cols), false);
            float[][] bnb = normBackward(engine, true, rows, cols, dy, bn[0], bn[1], gamma, false);
            float[][] all = {ln[0], ln[1], ln[2], lnb[0], lnb[1], bn[0], bn[1], bn[3], bn[4], bnb[0], bnb[1]};
            if (first == null) {
                first = all;
            } else {
                for (int i = 0; i < all.length; i++) {
                    assertArrayEquals(first[i], all[i], "result " + i + " of run " + run);
                }
            }
        }
    }

    private static float[] offset(float[] x, float by) {
        for (int i = 0; i < x.length; i++) {
            x[i] += by;
        }
        return x;
    }

    private static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }
}
