package delta4j.opencl;

import delta4j.conformance.EngineConformanceKit;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tensor-core kernels (gemm_mma.cl) in every transpose variant, at tf32 and bf16, against the reference engine
 * emulating the precision (the conformance kit's gemm tolerance) and, on values at the rounding ties, bit for bit.
 *
 * <p>On any OpenCL device the kernels run with their PTX instructions emulated in OpenCL C ({@code MMA_EMULATE}: the
 * fragment exchange of mma.sync, the rows of ldmatrix, cp.async's zero fill), which checks this file's index
 * arithmetic, tile layouts, pipeline stages and bf16 k-renumbering on PoCL. On an NVIDIA GPU of compute capability 8.0
 * or more the same cases also run the real instructions, and the engine's probe must find the tensor cores
 * ({@link TensorCores}); the tiles are a small one that makes many groups and k-steps, the default, and
 * the three-stage candidate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MmaKernelTest {

    /** One warp row and two warp columns of 16 × 16 tiles: 128 work-items, many groups and k-steps on small shapes. */
    static final MmaConfig SMALL = MmaConfig.parse("32x32x16/2x2/s2");
    static final MmaConfig THREE_STAGES = MmaConfig.parse("128x64x16/2x2/s3");

    private static final String EMULATED = "emulated", PTX = "PTX";

    private static String mode(boolean emulate) {
        return emulate ? EMULATED : PTX;
    }

    private final Map<Precision, OpenClEngine> emulated = new EnumMap<>(Precision.class);
    private final Map<Precision, OpenClEngine> real = new EnumMap<>(Precision.class);

    private OpenClEngine engine(Precision p, boolean emulate) {
        Map<Precision, OpenClEngine> m = emulate ? emulated : real;
        return m.computeIfAbsent(p, q -> {
            OpenClEngine e = OpenClTestSupport.engine(q);
            if (emulate) {
                e.emulateTensorCores(MmaConfig.DEFAULT);
            }
            return e;
        });
    }

    /** The real instructions, or a skip on a device without them. */
    private OpenClEngine realEngine(Precision p) {
        OpenClEngine e = engine(p, false);
        OpenClDevice d = e.openClDevice();
        Assumptions.assumeTrue(d.isNvidia() && d.computeCapability() >= 80,
                "tensor-core kernels need an NVIDIA GPU of compute capability 8.0 or more; " + d.name() + " runs their emulation only");
        return e;
    }

    @AfterAll
    void close() {
        emulated.values().forEach(OpenClEngine::close);
        real.values().forEach(OpenClEngine::close);
    }

    Stream<Arguments> cases() {
        int[][] shapes = {
                {4, 4, 4},          // one partial tile, one partial k-step
                {36, 20, 44},       // ragged in m, n and k, three k-steps
                {64, 96, 128},      // whole tiles, eight k-steps (every stage buffer reused)
                {132, 8, 200},      // tall, narrow, long k
                {8, 132, 12},       // short, wide
        };
        List<Arguments> out = new ArrayList<>();
        for (boolean emulate : new boolean[]{true, false}) {
            for (Precision p : new Precision[]{Precision.TF32, Precision.BF16}) {
                for (boolean ta : new boolean[]{false, true}) {
                    for (boolean tb : new boolean[]{false, true}) {
                        for (int[] s : shapes) {
                            out.add(Arguments.of(mode(emulate), p, SMALL, ta, tb, s[0], s[1], s[2]));
                        }
                        out.add(Arguments.of(mode(emulate), p, MmaConfig.DEFAULT, ta, tb, 136, 140, 56));
                        out.add(Arguments.of(mode(emulate), p, THREE_STAGES, ta, tb, 132, 68, 100));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} transA={3} transB={4} {5}×{6}×{7}")
    @MethodSource("cases")
    void productsMatchTheReference(String mode, Precision p, MmaConfig tiles, boolean ta, boolean tb, int m, int n, int k) {
        OpenClEngine e = mode.equals(EMULATED) ? engine(p, true) : realEngine(p);
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k + (ta ? 1 : 0) + (tb ? 2 : 0));
        float[] a = EngineConformanceKit.random(rnd, m * k, 1f), b = EngineConformanceKit.random(rnd, k * n, 1f);
        float[] c = EngineConformanceKit.random(rnd, m * n, 1f);
        int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        for (float[] ab : new float[][]{{1f, 0f}, {-0.5f, 1.5f}}) {
            float alpha = ab[0], beta = ab[1];
            float[] want, got;
            try (ReferenceEngine ref = new ReferenceEngine(p); Tensor A = ref.tensor(ar, ac, a); Tensor B = ref.tensor(br, bc, b);
                 Tensor C = ref.tensor(m, n, c)) {
                ref.gemm(ta, tb, alpha, A, B, beta, C);
                want = ref.download(C);
            }
            try (Tensor A = e.tensor(ar, ac, a); Tensor B = e.tensor(br, bc, b); Tensor C = e.tensor(m, n, c)) {
                if (beta == 0f) {
                    e.fill(C, Float.NaN); // β = 0 must not read C
                }
                e.gemmMma(tiles, ta, tb, alpha, A, B, beta, C);
                got = e.download(C);
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double scale = beta == 0f ? 0 : Math.abs(beta * c[i * n + j]);
                    for (int q = 0; q < k; q++) {
                        scale += Math.abs(alpha * (double) p.round(ta ? a[q * ac + i] : a[i * ac + q]) * p.round(tb ? b[j * bc + q] : b[q * bc + j]));
                    }
                    double tol = EngineConformanceKit.GEMM_TOL * (1 + Math.sqrt(k)) * scale + 1e-30;
                    if (!(Math.abs(want[i * n + j] - got[i * n + j]) <= tol)) {
                        fail("α=" + alpha + " β=" + beta + ": C[" + i + "][" + j + "] = " + got[i * n + j] + ", reference " + want[i * n + j]
                                + " (tolerance " + tol + ")");
                    }
                }
            }
        }
    }

    Stream<Arguments> roundingCases() {
        List<Arguments> out = new ArrayList<>();
        for (boolean emulate : new boolean[]{true, false}) {
            for (Precision p : new Precision[]{Precision.TF32, Precision.BF16}) {
                for (boolean ta : new boolean[]{false, true}) {
                    out.add(Arguments.of(mode(emulate), p, ta));
                }
            }
        }
        return out.stream();
    }

    /** C = op(A)·I equals Precision.round of op(A) bit for bit: the kernels round as the definition says (ties included). */
    @ParameterizedTest(name = "{0} {1} operands rounded exactly, transA={2}")
    @MethodSource("roundingCases")
    void operandsAreRoundedExactly(String mode, Precision p, boolean ta) {
        OpenClEngine e = mode.equals(EMULATED) ? engine(p, true) : realEngine(p);
        int m = 36, k = 40;
        float[] x = EngineConformanceKit.roundingProbes(m * k, 3 + (ta ? 1 : 0));
        float[] stored = x;
        if (ta) {
            stored = new float[x.length];
            for (int i = 0; i < m; i++) {
                for (int q = 0; q < k; q++) {
                    stored[q * m + i] = x[i * k + q];
                }
            }
        }
        float[] identity = new float[k * k];
        for (int i = 0; i < k; i++) {
            identity[i * k + i] = 1f;
        }
        float[] got;
        try (Tensor A = e.tensor(ta ? k : m, ta ? m : k, stored); Tensor I = e.tensor(k, k, identity); Tensor C = e.allocate(m, k)) {
            e.gemmMma(SMALL, ta, false, 1f, A, I, 0f, C);
            got = e.download(C);
        }
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(p.round(x[i]))) {
                fail(p + ": element " + i + " = " + x[i] + " came out " + got[i] + ", exactly " + p.round(x[i]) + " expected");
            }
        }
    }

    /**
     * The engine routes tf32 and bf16 products to the tensor-core kernels where the probe passed and the rows are
     * aligned, and to gemm.cl otherwise; on an NVIDIA GPU of compute capability 8.0 or more the probe must pass.
     */
    @ParameterizedTest(name = "the probe, {0}")
    @EnumSource(value = Precision.class, names = {"TF32", "BF16"})
    void theProbeFindsTensorCoresExactlyWhereTheyAre(Precision p) {
        OpenClEngine e = engine(p, false);
        OpenClDevice d = e.openClDevice();
        String path = e.productPath();
        if (d.isNvidia() && d.computeCapability() >= 80) {
            assertTrue(path.startsWith(p.cliName() + " on tensor cores"), path);
        } else {
            assertTrue(path.startsWith(p.cliName() + " rounded in fp32 kernels: "), path);
        }
        OpenClEngine em = engine(p, true);
        assertTrue(em.productPath().startsWith(p.cliName() + " on tensor cores (emulated in OpenCL C)"), em.productPath());
    }

    @Test
    void fp32EnginesHaveNoTensorCorePath() {
        try (OpenClEngine e = OpenClTestSupport.engine(Precision.FP32)) {
            assertEquals("fp32", e.productPath());
        }
    }
}
