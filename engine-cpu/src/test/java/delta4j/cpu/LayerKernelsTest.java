package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cpu engine's kernels for the L1, Huber and binary cross-entropy losses, dropout, layer and batch
 * normalisation against the reference engine, on one thread and on two (the split paths), over shapes with
 * partial vectors, single rows and columns and rows wider than a vector, in place and not. Dropout masks must be
 * bit-identical, the rest within the conformance kit's element-wise tolerance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayerKernelsTest {

    private static final int[][] SHAPES = {{1, 1}, {2, 3}, {7, 17}, {33, 64}, {255, 33}, {1025, 7}, {3, 1025}};
    private static final float EPSILON = 1e-5f;

    private ReferenceEngine ref;
    private CpuEngine one, two;

    @BeforeAll
    void create() {
        ref = new ReferenceEngine();
        one = new CpuEngine(EngineConfig.defaults().withThreads(1));
        two = new CpuEngine(EngineConfig.defaults().withThreads(2));
    }

    @AfterAll
    void close() {
        ref.close();
        one.close();
        two.close();
    }

    private Engine engine(int threads) {
        return threads == 1 ? one : two;
    }

    private static float[] random(SplittableRandom rnd, int n, float offset, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = offset + (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    // ------------------------------------------------------------------ losses

    Stream<Arguments> lossCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int threads : new int[]{1, 2}) {
                for (Activation act : new Activation[]{Activation.IDENTITY, Activation.SIGMOID, Activation.TANH, Activation.RELU}) {
                    out.add(Arguments.of(s[0], s[1], threads, Loss.L1, 0f, act, 3f));
                    for (float delta : new float[]{0.1f, 1f, 3f}) {
                        out.add(Arguments.of(s[0], s[1], threads, Loss.HUBER, delta, act, 3f));
                    }
                }
                for (float logits : new float[]{3f, 30f, 1e4f}) {
                    out.add(Arguments.of(s[0], s[1], threads, Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, logits));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{3}({4}) {5} {0}×{1} on {2} thread(s), logits ±{6}")
    @MethodSource("lossCases")
    void outputDeltaMatchesReference(int rows, int cols, int threads, Loss loss, float parameter, Activation act, float logits) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
        int size = rows * cols;
        float[] z = random(rnd, size, 0f, logits);
        float[] t = loss == Loss.BINARY_CROSS_ENTROPY ? random(rnd, size, 0.5f, 0.5f) : random(rnd, size, 0f, 1f);
        if (loss == Loss.BINARY_CROSS_ENTROPY) {
            for (int e = 0; e < size; e += 3) {
                t[e] = e % 2; // hard labels as well as soft ones
            }
        }
        float[] a;
        try (Tensor Z = ref.tensor(rows, cols, z); Tensor B = ref.allocate(1, cols); Tensor A = ref.allocate(rows, cols)) {
            ref.biasActivation(Z, B, act, A);
            a = ref.download(A);
        }
        float[][] want = outputDeltaOn(ref, rows, cols, loss, parameter, act, z, a, t);
        float[][] got = outputDeltaOn(engine(threads), rows, cols, loss, parameter, act, z, a, t);
        assertClose(want[0], got[0], ELEMENT_TOL, "output Δ");
        assertTrue(Float.isFinite(got[1][2]), "loss sum must be finite, got " + got[1][2]);
        assertEquals(want[1][2], got[1][2], 1e-4 * Math.abs(want[1][2]) + 1e-5, "loss sum");
        assertEquals(-7f, got[1][0], "other lossOut elements are left alone");
        assertEquals(-7f, got[1][3], "other lossOut elements are left alone");
    }

    // ------------------------------------------------------------------ dropout

    Stream<Arguments> dropoutCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int threads : new int[]{1, 2}) {
                for (float p : new float[]{0f, 0.2f, 0.5f, 0.9f}) {
                    out.add(Arguments.of(s[0], s[1], threads, p));
                }
            }
        }
        out.add(Arguments.of(256, 512, 2, 0.2f)); // split over both threads
        return out.stream();
    }

    @ParameterizedTest(name = "dropout p={3} {0}×{1} on {2} thread(s)")
    @MethodSource("dropoutCases")
    void dropoutIsBitIdenticalToTheReference(int rows, int cols, int threads, float p) {
        SplittableRandom rnd = new SplittableRandom(rows * 7L + cols);
        float[] x = random(rnd, rows * cols, 0f, 2f);
        for (long key : new long[]{DropoutMask.key(1, 0, 0, 0), DropoutMask.key(42, 3, 17, 2), -1L}) {
            float[] want = dropout(ref, rows, cols, x, p, key, false);
            assertArrayEquals(want, dropout(engine(threads), rows, cols, x, p, key, false), "Y = X ⊙ M / (1 − p)");
            assertArrayEquals(want, dropout(engine(threads), rows, cols, x, p, key, true), "in place");
            float[] scalar = new float[x.length];
            Dropout.dropoutScalar(x, key, DropoutMask.threshold(p), DropoutMask.scale(p), scalar, 0, x.length);
            assertArrayEquals(want, scalar, "the scalar loop");
        }
    }

    private static float[] dropout(Engine e, int rows, int cols, float[] x, float p, long key, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor Y = e.allocate(rows, cols)) {
            e.dropout(X, p, key, inPlace ? X : Y);
            return e.download(inPlace ? X : Y);
        }
    }

    // ------------------------------------------------------------------ layer normalisation

    Stream<Arguments> normCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int threads : new int[]{1, 2}) {
                out.add(Arguments.of(s[0], s[1], threads, false));
                out.add(Arguments.of(s[0], s[1], threads, true));
            }
        }
        out.add(Arguments.of(256, 512, 2, true)); // split over both threads
        return out.stream();
    }

    @ParameterizedTest(name = "layerNorm {0}×{1} on {2} thread(s), in place {3}")
    @MethodSource("normCases")
    void layerNormMatchesReference(int rows, int cols, int threads, boolean inPlace) {
        SplittableRandom rnd = new SplittableRandom(rows * 13L + cols);
        float[] x = random(rnd, rows * cols, 3f, 2f); // |μ| > σ: a one-pass variance would cancel
        float[] gamma = random(rnd, cols, 1f, 0.5f);
        float[][] want = layerNorm(ref, rows, cols, x, gamma, false);
        float[][] got = layerNorm(engine(threads), rows, cols, x, gamma, inPlace);
        assertClose(want[0], got[0], ELEMENT_TOL, "x̂");
        assertClose(want[1], got[1], ELEMENT_TOL, "rstd");
        assertClose(want[2], got[2], ELEMENT_TOL, "Y = γ ⊙ x̂");
    }

    private static float[][] layerNorm(Engine e, int rows, int cols, float[] x, float[] gamma, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor H = e.allocate(rows, cols);
             Tensor R = e.allocate(rows, 1); Tensor Y = e.allocate(rows, cols)) {
            e.layerNorm(X, G, EPSILON, H, R, inPlace ? X : Y);
            return new float[][]{e.download(H), e.download(R), e.download(inPlace ? X : Y)};
        }
    }

    @ParameterizedTest(name = "layerNormBackward {0}×{1} on {2} thread(s), in place {3}")
    @MethodSource("normCases")
    void layerNormBackwardMatchesReference(int rows, int cols, int threads, boolean inPlace) {
        SplittableRandom rnd = new SplittableRandom(rows * 17L + cols);
        float[] x = random(rnd, rows * cols, 1f, 2f), dy = random(rnd, rows * cols, 0f, 1f);
        float[] gamma = random(rnd, cols, 1f, 0.5f);
        float[][] forward = layerNorm(ref, rows, cols, x, gamma, false);
        float alpha = 1f / rows;
        float[][] want = normBackward(ref, false, rows, cols, dy, forward[0], forward[1], gamma, alpha, false);
        float[][] got = normBackward(engine(threads), false, rows, cols, dy, forward[0], forward[1], gamma, alpha, inPlace);
        assertCloseAtScale(want[0], got[0], termScale(dy, forward[1], gamma, rows, cols, false), "dx");
        assertClose(want[1], got[1], ELEMENT_TOL * Math.sqrt(rows), "dγ = α Σ δ ⊙ x̂");
    }

    /**
     * max |rstd γ δ|: the size of the terms whose difference dx is. dx can be far smaller than its terms (with
     * N = 2 batch normalisation leaves only what ε adds, δ·ε/(σ² + ε)), so float arithmetic is held to the terms'
     * scale, as the kit holds a row's elements to the row's scale.
     */
    private static double termScale(float[] dy, float[] rstd, float[] gamma, int rows, int cols, boolean batch) {
        double max = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Math.abs((double) dy[i * cols + j] * gamma[j] * rstd[batch ? j : i]));
            }
        }
        return max;
    }

    private static void assertCloseAtScale(float[] want, float[] got, double scale, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int e = 0; e < want.length; e++) {
            double allowed = ELEMENT_TOL * (Math.abs(want[e]) + scale);
            assertTrue(Math.abs(want[e] - got[e]) <= allowed,
                    what + ": element " + e + " is " + got[e] + ", reference " + want[e] + " (allowed ±" + allowed + ")");
        }
    }

    private static float[][] normBackward(Engine e, boolean batch, int rows, int cols, float[] dy, float[] xhat, float[] rstd,
                                          float[] gamma, float alpha, boolean inPlace) {
        try (Tensor D = e.tensor(rows, cols, dy); Tensor H = e.tensor(rows, cols, xhat);
             Tensor R = batch ? e.tensor(1, cols, rstd) : e.tensor(rows, 1, rstd); Tensor G = e.tensor(1, cols, gamma);
             Tensor DX = e.allocate(rows, cols); Tensor DG = e.allocate(1, cols)) {
            e.fill(DG, Float.NaN); // overwritten, never accumulated into
            if (batch) {
                e.batchNormBackward(D, H, R, G, alpha, inPlace ? D : DX, DG);
            } else {
                e.layerNormBackward(D, H, R, G, alpha, inPlace ? D : DX, DG);
            }
            return new float[][]{e.download(inPlace ? D : DX), e.download(DG)};
        }
    }

    // ------------------------------------------------------------------ batch normalisation

    Stream<Arguments> batchCases() {
        return normCases().filter(a -> (int) a.get()[0] >= 2); // training needs N ≥ 2
    }

    @ParameterizedTest(name = "batchNorm {0}×{1} on {2} thread(s), in place {3}")
    @MethodSource("batchCases")
    void batchNormMatchesReference(int rows, int cols, int threads, boolean inPlace) {
        SplittableRandom rnd = new SplittableRandom(rows * 19L + cols);
        float[] x = random(rnd, rows * cols, -4f, 2f);
        float[] gamma = random(rnd, cols, 1f, 0.5f);
        float[] mean = random(rnd, cols, 0f, 1f), var = random(rnd, cols, 1.5f, 0.5f);
        float[][] want = batchNorm(ref, rows, cols, x, gamma, mean, var, false);
        float[][] got = batchNorm(engine(threads), rows, cols, x, gamma, mean, var, inPlace);
        assertClose(want[0], got[0], ELEMENT_TOL, "x̂");
        assertClose(want[1], got[1], ELEMENT_TOL, "rstd");
        assertClose(want[2], got[2], ELEMENT_TOL, "Y = γ ⊙ x̂");
        assertClose(want[3], got[3], ELEMENT_TOL, "running mean");
        assertClose(want[4], got[4], ELEMENT_TOL, "running variance");
    }

    private static float[][] batchNorm(Engine e, int rows, int cols, float[] x, float[] gamma, float[] mean, float[] var,
                                       boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor M = e.tensor(1, cols, mean);
             Tensor V = e.tensor(1, cols, var); Tensor H = e.allocate(rows, cols); Tensor R = e.allocate(1, cols);
             Tensor Y = e.allocate(rows, cols)) {
            e.batchNorm(X, G, EPSILON, 0.1f, M, V, H, R, inPlace ? X : Y);
            return new float[][]{e.download(H), e.download(R), e.download(inPlace ? X : Y), e.download(M), e.download(V)};
        }
    }

    @ParameterizedTest(name = "batchNormBackward {0}×{1} on {2} thread(s), in place {3}")
    @MethodSource("batchCases")
    void batchNormBackwardMatchesReference(int rows, int cols, int threads, boolean inPlace) {
        SplittableRandom rnd = new SplittableRandom(rows * 23L + cols);
        float[] x = random(rnd, rows * cols, 1f, 2f), dy = random(rnd, rows * cols, 0f, 1f);
        float[] gamma = random(rnd, cols, 1f, 0.5f);
        float[][] forward = batchNorm(ref, rows, cols, x, gamma, new float[cols], new float[cols], false);
        float alpha = 1f / rows;
        float[][] want = normBackward(ref, true, rows, cols, dy, forward[0], forward[1], gamma, alpha, false);
        float[][] got = normBackward(engine(threads), true, rows, cols, dy, forward[0], forward[1], gamma, alpha, inPlace);
        assertCloseAtScale(want[0], got[0], termScale(dy, forward[1], gamma, rows, cols, true), "dx");
        assertClose(want[1], got[1], ELEMENT_TOL * Math.sqrt(rows), "dγ = α Σ δ ⊙ x̂");
    }

    @ParameterizedTest(name = "batchNormInference {0}×{1} on {2} thread(s), in place {3}")
    @MethodSource("normCases")
    void batchNormInferenceMatchesReference(int rows, int cols, int threads, boolean inPlace) {
        SplittableRandom rnd = new SplittableRandom(rows * 29L + cols);
        float[] x = random(rnd, rows * cols, 2f, 2f);
        float[] gamma = random(rnd, cols, 1f, 0.5f);
        float[] mean = random(rnd, cols, 2f, 1f), var = random(rnd, cols, 1.5f, 1f);
        float[] want = batchNormInference(ref, rows, cols, x, gamma, mean, var, false);
        assertClose(want, batchNormInference(engine(threads), rows, cols, x, gamma, mean, var, inPlace), ELEMENT_TOL,
                "Y = γ (X − μ) / √(σ² + ε)");
    }

    private static float[] batchNormInference(Engine e, int rows, int cols, float[] x, float[] gamma, float[] mean, float[] var,
                                              boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor M = e.tensor(1, cols, mean);
             Tensor V = e.tensor(1, cols, var); Tensor Y = e.allocate(rows, cols)) {
            e.batchNormInference(X, G, EPSILON, M, V, inPlace ? X : Y);
            return e.download(inPlace ? X : Y);
        }
    }
}
