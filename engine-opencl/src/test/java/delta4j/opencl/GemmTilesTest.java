package delta4j.opencl;

import delta4j.engine.Tensor;
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

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The gemm tile configurations the engine picks by default (the GPU ones included: they run, slowly, on
 * a CPU device too) and two odd shapes, in all four transpose variants, on shapes that hit the aligned fast path, the ragged edges
 * in m, n and k, operands whose rows are not 16-byte aligned, and a multi-step k loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GemmTilesTest {

    private OpenClEngine engine;

    @BeforeAll
    void open() {
        engine = OpenClTestSupport.engine();
    }

    @AfterAll
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    /**
     * The defaults, plus shapes that exercise the other code paths: a non-square block (one float4 column
     * block per work-item) and the smallest tile without padding. Each is compiled four times (one program per
     * transpose variant), which costs seconds per program on PoCL, so the list stays short; the remaining
     * tuning candidates are spot-checked by GpuCheck on the device that would use them.
     */
    static List<GemmConfig> configs() {
        return List.of(GemmConfig.GPU_DEFAULT, GemmConfig.GPU_SMALL, GemmConfig.parse("128x64x16/16x16"),
                GemmConfig.CPU_DEFAULT, GemmConfig.parse("16x16x4/4x4/pad0"));
    }

    Stream<Arguments> cases() {
        int[][] shapes = {
                {1, 1, 1},
                {128, 128, 16},     // exactly one tile of the GPU default, one k-step
                {256, 256, 64},     // aligned fast path, several groups and k-steps
                {130, 129, 33},     // ragged in m, n and k
                {64, 64, 30},       // rows of A (NN) not 16-byte aligned
                {3, 300, 7},        // short-wide
                {257, 5, 40},       // tall-skinny
        };
        List<Arguments> out = new ArrayList<>();
        for (GemmConfig c : configs()) {
            for (int[] s : shapes) {
                for (int v = 0; v < 4; v++) {
                    out.add(Arguments.of(c.toString(), s[0], s[1], s[2], (v & 2) != 0, (v & 1) != 0));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "tiles {0}: m={1} n={2} k={3} transA={4} transB={5}")
    @MethodSource("cases")
    void gemmMatchesDoublePrecision(String tiles, int m, int n, int k, boolean ta, boolean tb) {
        GemmConfig cfg = GemmConfig.parse(tiles);
        SplittableRandom rnd = new SplittableRandom(m * 131L + n * 17L + k);
        float[] a = random(rnd, m * k), b = random(rnd, k * n), c0 = random(rnd, m * n);
        int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        float alpha = 0.75f, beta = m % 2 == 0 ? 0f : -0.5f;
        float[] got;
        try (Tensor A = engine.tensor(ar, ac, a); Tensor B = engine.tensor(br, bc, b); Tensor C = engine.tensor(m, n, c0)) {
            engine.gemm(cfg, ta, tb, alpha, A, B, beta, C);
            got = engine.download(C);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[p * ac + i] : a[i * ac + p];
                    double y = tb ? b[j * bc + p] : b[p * bc + j];
                    sum += x * y;
                    scale += Math.abs(x * y);
                }
                double want = alpha * sum + (beta == 0f ? 0 : beta * c0[i * n + j]);
                double tol = 1e-5 * (1 + Math.sqrt(k)) * (Math.abs(alpha) * scale + Math.abs(beta * c0[i * n + j])) + 1e-30;
                if (!(Math.abs(got[i * n + j] - want) <= tol)) {
                    fail("tiles " + tiles + ": C[" + i + "][" + j + "] = " + got[i * n + j] + ", want " + want + " (±" + tol + ")");
                }
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }
}
