package delta4j.cpu;

import delta4j.conformance.EngineConformanceKit;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GEMM on shapes where the blocking, packing and thread splits of {@link Gemm} all come into play (several
 * k blocks, m and n blocks with ragged edges, 2-D thread grids), and on the narrow shapes of
 * {@link GemmNarrow}, against the reference engine. The conformance kit's shapes are mostly below one block.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuGemmTest {

    private final ReferenceEngine ref = new ReferenceEngine();
    private Engine one, two, three;

    @BeforeAll
    void open() {
        one = new CpuEngine(EngineConfig.defaults().withThreads(1));
        two = new CpuEngine(EngineConfig.defaults().withThreads(2));
        three = new CpuEngine(EngineConfig.defaults().withThreads(3)); // more threads than this machine may have cores
    }

    @AfterAll
    void close() {
        one.close();
        two.close();
        three.close();
        ref.close();
    }

    /** m × n × k with both transposes: k spans several KC blocks, m and n several MC/NR blocks plus edges. */
    @ParameterizedTest(name = "gemm {0}×{1}×{2} transA={3} transB={4}")
    @CsvSource({
            "300, 520, 700, false, false", "300, 520, 700, false, true",
            "300, 520, 700, true, false", "300, 520, 700, true, true",
            "1100, 37, 513, false, false", "37, 1100, 513, true, true",    // tall and wide C: the split follows the long side
            "256, 784, 512, false, true", "784, 512, 256, true, false",   // backprop products of a 784-512 layer
            "256, 512, 10, false, true",                                   // δ through an output layer: tiny k, wide n
            "13, 2100, 300, false, false"                                  // several NC blocks
    })
    void blockedProductsMatchReference(int m, int n, int k, boolean ta, boolean tb) {
        SplittableRandom rnd = new SplittableRandom(m * 7919L + n * 31L + k + (ta ? 1 : 0) + (tb ? 2 : 0));
        float[] a = EngineConformanceKit.random(rnd, m * k, 1f);
        float[] b = EngineConformanceKit.random(rnd, k * n, 1f);
        float[] c = EngineConformanceKit.random(rnd, m * n, 1f);
        float[] nan = new float[m * n];
        Arrays.fill(nan, Float.NaN);
        float[] want0 = product(ref, m, n, k, ta, tb, 1f, a, b, 0f, c);
        float[] want1 = product(ref, m, n, k, ta, tb, -0.5f, a, b, 1.5f, c);
        double[] abs = absProduct(a, b, m, n, k, ta, tb);
        for (Engine e : new Engine[]{one, two, three}) {
            // β = 0 over NaN garbage: C must not be read.
            assertGemmClose(want0, product(e, m, n, k, ta, tb, 1f, a, b, 0f, nan), abs, k, 1f, 0f, c, e);
            assertGemmClose(want1, product(e, m, n, k, ta, tb, -0.5f, a, b, 1.5f, c), abs, k, -0.5f, 1.5f, c, e);
        }
    }

    /** The narrow kernel (n ≤ one vector) with every transpose, ragged m, and k past one block. */
    @ParameterizedTest(name = "narrow gemm {0}×{1}×{2} transA={3} transB={4}")
    @CsvSource({
            "256, 10, 512, false, false", "512, 10, 256, true, false",
            "257, 10, 513, false, true", "515, 3, 255, true, true",
            "9, 1, 1000, false, false", "1000, 16, 9, true, false"
    })
    void narrowProductsMatchReference(int m, int n, int k, boolean ta, boolean tb) {
        blockedProductsMatchReference(m, n, k, ta, tb);
    }

    /**
     * Every row count up to two row blocks: each remainder below the last whole MR-row tile (the 4-row kernel
     * straight into C, and the 1 to 3 rows left over through the scratch tile), in blocks of MC rows and in the
     * shorter last block, with a partial column panel and two k blocks (β = 1 on the second). Run with
     * {@code -XX:UseAVX=2} as well (engine-cpu's pom does), where MR is 6.
     */
    @Test
    void everyRowCountBelowTheBlockMatchesReference() {
        int n = 2 * GemmLoopNest.NR + 5, k = GemmLoopNest.KC + 44;
        for (int m = 1; m <= GemmLoopNest.MC + 2 * GemmLoopNest.MR + 1; m++) {
            boolean ta = (m & 1) == 1;
            SplittableRandom rnd = new SplittableRandom(m);
            float[] a = EngineConformanceKit.random(rnd, m * k, 1f);
            float[] b = EngineConformanceKit.random(rnd, k * n, 1f);
            float[] c = EngineConformanceKit.random(rnd, m * n, 1f);
            float[] want = product(ref, m, n, k, ta, false, 0.5f, a, b, -1f, c);
            double[] abs = absProduct(a, b, m, n, k, ta, false);
            for (Engine e : new Engine[]{one, two}) {
                assertGemmClose(want, product(e, m, n, k, ta, false, 0.5f, a, b, -1f, c), abs, k, 0.5f, -1f, c, e);
            }
        }
    }

    @Test
    void repeatedCallsReuseBuffersAndStayCorrect() {
        // Alternating shapes exercise buffer reuse (a stale packed panel would show here).
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 3; round++) {
            for (int[] s : new int[][]{{70, 90, 300}, {200, 10, 40}, {5, 700, 260}}) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = EngineConformanceKit.random(rnd, m * k, 1f), b = EngineConformanceKit.random(rnd, k * n, 1f);
                float[] want = product(ref, m, n, k, false, false, 1f, a, b, 0f, new float[m * n]);
                assertGemmClose(want, product(two, m, n, k, false, false, 1f, a, b, 0f, new float[m * n]),
                        absProduct(a, b, m, n, k, false, false), k, 1f, 0f, new float[m * n], two);
            }
        }
    }

    /**
     * Every thread count computes each tile of C with the same sums in the same order, so the products must be
     * bit-identical to one thread's. On shapes that go through the shared task schedule (several phases, so both
     * packed B buffers are reused; row blocks waiting on the previous k block), repeated: a missing wait there
     * reads a half-packed B block or adds a k block to a stale C, which shows up as different bits.
     */
    @ParameterizedTest(name = "gemm {0}×{1}×{2} transA={3} transB={4} on 2 and 3 threads = 1 thread, bit for bit")
    @CsvSource({
            "1100, 37, 513, false, false", "700, 2100, 600, false, false", "784, 512, 256, true, false",
            "2000, 100, 1300, false, false", "600, 300, 900, true, true", "300, 520, 700, false, true",
            "128, 256, 256, false, false", "37, 300, 200, false, false", "511, 130, 300, false, false", // a batch's rows cut
            "128, 128, 10, false, true", "100, 200, 10, false, true", // below PARALLEL_MIN_FLOPS, cut at the batch's rows
            "128, 10, 128, false, false", "100, 10, 300, false, false", "64, 16, 200, false, true" // narrow, cut at the rows
    })
    void productsDoNotDependOnTheThreadCount(int m, int n, int k, boolean ta, boolean tb) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 17L + k);
        float[] a = EngineConformanceKit.random(rnd, m * k, 1f);
        float[] b = EngineConformanceKit.random(rnd, k * n, 1f);
        float[] c = EngineConformanceKit.random(rnd, m * n, 1f);
        float[] want = product(one, m, n, k, ta, tb, 0.5f, a, b, 2f, c);
        for (int round = 0; round < 5; round++) {
            for (Engine e : new Engine[]{two, three}) {
                EngineConformanceKit.assertSameBits(want, product(e, m, n, k, ta, tb, 0.5f, a, b, 2f, c),
                        e.device() + ", round " + round + ": C against one thread's product");
            }
        }
    }

    /**
     * On two threads a forward product of two k blocks (α = 1, β = 0) runs split by k (each thread one k block, stored
     * into the other thread's rows of C, then added onto its own): it gives one thread's bits, as do the other schedules
     * that the same shape takes with β ≠ 0 and on 3 threads.
     */
    @Test
    void theSplitByKIsTheOneThreadProduct() {
        int kc = GemmLoopNest.KC, depth = 2 * kc - 40, batch = 128, units = 256;
        assertEquals(2, GemmLoopNest.kBlocks(depth), "two k blocks");
        SplittableRandom rnd = new SplittableRandom(depth);
        float[] x = EngineConformanceKit.random(rnd, batch * depth, 1f), w = EngineConformanceKit.random(rnd, depth * units, 1f);
        float[] c = EngineConformanceKit.random(rnd, batch * units, 1f);
        for (float beta : new float[]{0f, 2f}) {
            float[] want = product(one, batch, units, depth, false, false, 1f, x, w, beta, c);
            for (Engine e : new Engine[]{two, three}) {
                for (int round = 0; round < 3; round++) {
                    EngineConformanceKit.assertSameBits(want, product(e, batch, units, depth, false, false, 1f, x, w, beta, c),
                            e.device() + ", β " + beta + ", round " + round + ": against one thread");
                }
            }
        }
    }

    /** k blocks: KC for a depth that fits one, else the fewest blocks of at most KC, equal and a multiple of 16. */
    @Test
    void kBlocksAreEqualMultiplesOf16OfAtMostKc() {
        int kc = GemmLoopNest.KC;
        assertEquals(kc, GemmLoopNest.kBlock(1));
        assertEquals(kc, GemmLoopNest.kBlock(kc));
        assertEquals(1, GemmLoopNest.kBlocks(kc));
        for (int k = kc + 1; k <= 5 * kc; k += 7) {
            int kb = GemmLoopNest.kBlock(k), blocks = GemmLoopNest.kBlocks(k);
            assertTrue(kb <= kc && kb % 16 == 0, k + ": block " + kb);
            assertEquals((k + kc - 1) / kc, blocks, k + ": blocks");
            assertTrue(k - (blocks - 1) * kb > 0, k + ": the last block is not empty");
            assertEquals(blocks == 2 ? kb : -1, GemmLoopNest.depthStart(k, 1, 2), k + ": part 1's first row of W on 2 threads");
        }
    }

    /**
     * A layer's two backward products at once ({@link Gemm#backwardProducts}: on two threads, one product per thread)
     * give the bits of the two products on one thread, also at the reduced precisions, on the shapes that pair and on
     * those that do not (a narrow output layer, products below {@link Gemm#PAIR_MIN_FLOPS}).
     */
    @ParameterizedTest(name = "backward products rows={0} in={1} out={2}")
    @CsvSource({
            "128, 256, 128", "256, 784, 512", "37, 300, 70", "5, 700, 260",   // paired on two threads
            "128, 128, 10", "20, 64, 32", "128, 10, 128"                       // narrow or small: one after the other
    })
    void backwardProductsAreTheOneThreadProducts(int rows, int in, int out) {
        for (Precision p : Precision.values()) {
            try (Engine single = new CpuEngine(EngineConfig.defaults().withThreads(1).withPrecision(p));
                 Engine pair = new CpuEngine(EngineConfig.defaults().withThreads(2).withPrecision(p));
                 Engine trio = new CpuEngine(EngineConfig.defaults().withThreads(3).withPrecision(p))) {
                SplittableRandom rnd = new SplittableRandom(rows * 131L + in * 7L + out);
                float[] x = EngineConformanceKit.random(rnd, rows * in, 1f), delta = EngineConformanceKit.random(rnd, rows * out, 1f);
                float[] w = EngineConformanceKit.random(rnd, in * out, 1f);
                float[] dwWant = product(single, in, out, rows, true, false, 1f / rows, x, delta, 0f, new float[in * out]);
                float[] gWant = product(single, rows, in, out, false, true, 1f, delta, w, 0f, new float[rows * in]);
                for (Engine e : new Engine[]{single, pair, trio}) {
                    for (int round = 0; round < 3; round++) {
                        try (Tensor X = e.tensor(rows, in, x); Tensor D = e.tensor(rows, out, delta); Tensor W = e.tensor(in, out, w);
                             Tensor dW = e.allocate(in, out); Tensor G = e.allocate(rows, in)) {
                            e.backwardProducts(1f / rows, X, D, W, dW, G);
                            EngineConformanceKit.assertSameBits(dwWant, e.download(dW), p + ", " + e.device() + ", round " + round
                                    + ": dW against one thread's product");
                            EngineConformanceKit.assertSameBits(gWant, e.download(G), p + ", " + e.device() + ", round " + round
                                    + ": G against one thread's product");
                        }
                    }
                }
            }
        }
    }

    /** Every row block exactly once, far-apart ranges alternating, and the short last block of C claimed last. */
    @Test
    void rowBlocksAreClaimedOnceEachFromAlternatingRanges() {
        int[] order = new int[29];
        GemmTasks.orderRowBlocks(order, 29, 2);
        assertEquals(0, order[0]);
        assertEquals(14, order[1]);
        assertEquals(28, order[28]);
        for (int q = 0; q + 1 < 28; q += 2) {
            assertTrue(order[q + 1] - order[q] >= 13, "claims " + q + " and " + (q + 1) + " are neighbours: "
                    + Arrays.toString(order));
        }
        for (int blocks = 1; blocks <= 40; blocks++) {
            for (int threads = 1; threads <= 5; threads++) {
                int[] o = new int[blocks];
                GemmTasks.orderRowBlocks(o, blocks, threads);
                int[] sorted = o.clone();
                Arrays.sort(sorted);
                for (int b = 0; b < blocks; b++) {
                    assertEquals(b, sorted[b], blocks + " blocks on " + threads + " threads: " + Arrays.toString(o));
                }
                assertEquals(blocks - 1, o[blocks - 1], "the last block of C is claimed last: " + Arrays.toString(o));
            }
        }
    }

    /**
     * Row blocks: never taller than MC, and shorter only where that balances the threads: 784 rows on 2 threads
     * (66 panels) in MC-tall blocks leave one thread 36 panels and the other 30, which shorter blocks even out;
     * 2048 rows are balanced at MC already and keep it.
     */
    @Test
    void rowBlocksAreShorterThanMcOnlyToBalanceTheThreads() {
        int most = GemmLoopNest.MC / GemmLoopNest.MR;
        for (int panels = 1; panels <= 200; panels++) {
            for (int threads = 1; threads <= 4; threads++) {
                int p = GemmTasks.rowBlockPanels(panels, threads);
                assertTrue(p >= 1 && p <= most, panels + " panels on " + threads + " threads: " + p);
                for (int q = 1; q <= most && q <= Math.max(1, panels / (4 * threads)); q++) {
                    assertTrue(20L * GemmTasks.busiestThreadPanels(panels, p, threads)
                                    <= 21L * GemmTasks.busiestThreadPanels(panels, q, threads),
                            panels + " panels on " + threads + " threads: height " + p + " against " + q);
                }
            }
        }
        if (GemmLoopNest.MR == 12 && GemmLoopNest.MC == 72) {
            assertEquals(4, GemmTasks.rowBlockPanels(66, 2), "784 rows on 2 threads");
            assertEquals(36, GemmTasks.busiestThreadPanels(66, 6, 2));
            assertEquals(34, GemmTasks.busiestThreadPanels(66, 4, 2));
        }
        assertEquals(most, GemmTasks.rowBlockPanels((2048 + GemmLoopNest.MR - 1) / GemmLoopNest.MR, 2));
    }

    @Test
    void deviceNamesThreadsAndVectorShape() {
        assertEquals("cpu", two.name());
        assertTrue(two.device().startsWith("2 threads, "), two.device());
        assertTrue(two.device().contains(Simd.L + " float lanes"), two.device());
        assertTrue(two.device().endsWith(GemmBlocking.MACHINE.describe()), two.device()); // the GEMM's per-CPU choice
        assertTrue(one.device().startsWith("1 thread, "), one.device());
    }

    private static float[] product(Engine e, int m, int n, int k, boolean ta, boolean tb, float alpha,
                                   float[] a, float[] b, float beta, float[] c) {
        try (Tensor A = e.tensor(ta ? k : m, ta ? m : k, a); Tensor B = e.tensor(tb ? n : k, tb ? k : n, b);
             Tensor C = e.tensor(m, n, c)) {
            e.gemm(ta, tb, alpha, A, B, beta, C);
            return e.download(C);
        }
    }

    /** Σ_p |op(A)_ip · op(B)_pj|, the scale of each element's round-off. */
    private static double[] absProduct(float[] a, float[] b, int m, int n, int k, boolean ta, boolean tb) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        double[] s = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double aip = Math.abs(ta ? a[p * lda + i] : a[i * lda + p]);
                for (int j = 0; j < n; j++) {
                    s[i * n + j] += aip * Math.abs(tb ? b[j * ldb + p] : b[p * ldb + j]);
                }
            }
        }
        return s;
    }

    /** The conformance kit's bound: GEMM_TOL·(1 + √k)·(|α|·Σ|a·b| + |β·c|). */
    private static void assertGemmClose(float[] want, float[] got, double[] abs, int k, float alpha, float beta,
                                        float[] c, Engine e) {
        for (int i = 0; i < want.length; i++) { // flat, row-major index
            double scale = Math.abs(alpha) * abs[i] + (beta == 0f ? 0 : Math.abs(beta * c[i]));
            double tol = EngineConformanceKit.GEMM_TOL * (1 + Math.sqrt(k)) * scale + 1e-30;
            if (!(Math.abs(want[i] - got[i]) <= tol)) {
                fail(e.device() + ": C element " + i + " = " + got[i] + ", reference " + want[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
