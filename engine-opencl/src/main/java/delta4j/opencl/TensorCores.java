package delta4j.opencl;

import delta4j.engine.Precision;
import delta4j.engine.Tensor;

import java.util.SplittableRandom;

/**
 * Whether an engine's tf32 and bf16 products can run on tensor cores (gemm_mma.cl), decided once per engine, on its
 * first tf32 or bf16 product. All three must hold:
 * <ol>
 * <li>the device is NVIDIA's with compute capability 8.0 or more (cl_nv_device_attribute_query), where
 *     {@code mma.sync} has its tf32 and bf16 forms, and {@code cp.async} and {@code ldmatrix} exist;</li>
 * <li>gemm_mma.cl builds there: the driver's OpenCL compiler accepts its inline PTX (the test compile);</li>
 * <li>the built kernels compute a small product in every transpose variant, with ragged edges in m, n and k, two
 *     work-groups along m and several k-steps, as {@link Precision} defines it (operands rounded, sums in double
 *     here, the conformance kit's tolerance): a fragment layout or address convention that the device reads
 *     differently from this file's reading of the PTX ISA shows here, not in a user's training.</li>
 * </ol>
 * Otherwise the engine's products round their operands in gemm.cl instead (the same numbers at fp32 speed), and the
 * reason is logged once, as a WARNING of the {@code delta4j.opencl.OpenClEngine} logger.
 */
final class TensorCores {

    /** The outcome: {@code available}, or the reason not. */
    record Verdict(boolean available, String reason) {

        static Verdict yes() {
            return new Verdict(true, "");
        }

        static Verdict no(String reason) {
            return new Verdict(false, reason);
        }
    }

    /** Self-test product: two groups of 128 rows along m, a partial group along n, 3½ k-steps of 16; all rows 16-byte aligned. */
    static final int TEST_M = 136, TEST_N = 40, TEST_K = 56;

    private TensorCores() {
    }

    /** Runs the three checks on an engine (whose precision is tf32 or bf16) with the tiles it would use. */
    static Verdict probe(OpenClEngine engine, MmaConfig config, boolean emulated) {
        OpenClDevice d = engine.openClDevice();
        if (!emulated) {
            if (!d.isNvidia()) {
                return Verdict.no(d.name() + " is not an NVIDIA GPU");
            }
            if (d.computeCapability() < 80) {
                return Verdict.no(d.name() + " has compute capability " + (d.computeCapability() == 0 ? "unknown (no cl_nv_device_attribute_query)"
                        : d.computeCapability() / 10 + "." + d.computeCapability() % 10) + "; tf32 and bf16 mma.sync need 8.0");
            }
        }
        if (!config.fits(d, emulated)) {
            return Verdict.no("tensor-core tiles " + config + " need " + config.workGroupSize() + " work-items and "
                    + config.localMemBytes(emulated) + " bytes of local memory; " + d.name() + " allows " + d.maxWorkGroupSize()
                    + " and " + d.localMemBytes());
        }
        try {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    String wrong = selfTest(engine, config, ta, tb);
                    if (wrong != null) {
                        return Verdict.no("the self-test product " + variant(ta, tb) + " " + TEST_M + "×" + TEST_N + "×" + TEST_K
                                + " with tiles " + config + " is wrong: " + wrong);
                    }
                }
            }
        } catch (OpenClException e) {
            String first = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            return Verdict.no("gemm_mma.cl does not build or run: " + first);
        }
        return Verdict.yes();
    }

    private static String variant(boolean ta, boolean tb) {
        return "gemm_mma_" + (ta ? "t" : "n") + (tb ? "t" : "n");
    }

    /** One variant against the definition; the first wrong element, or null. */
    private static String selfTest(OpenClEngine engine, MmaConfig config, boolean ta, boolean tb) {
        int m = TEST_M, n = TEST_N, k = TEST_K;
        SplittableRandom rnd = new SplittableRandom(7 + (ta ? 1 : 0) + (tb ? 2 : 0));
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        float[] c;
        try (Tensor A = engine.tensor(ar, ac, a); Tensor B = engine.tensor(br, bc, b); Tensor C = engine.allocate(m, n)) {
            engine.fill(C, Float.NaN); // β = 0: never read
            engine.gemmMma(config, ta, tb, 1f, A, B, 0f, C);
            c = engine.download(C);
        }
        Precision p = engine.precision();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, scale = 0;
                for (int q = 0; q < k; q++) {
                    double x = (double) p.round(ta ? a[q * ac + i] : a[i * ac + q]) * p.round(tb ? b[j * bc + q] : b[q * bc + j]);
                    sum += x;
                    scale += Math.abs(x);
                }
                double tol = 1e-5 * (1 + Math.sqrt(k)) * scale + 1e-30;
                float got = c[i * n + j];
                if (!(Math.abs(got - sum) <= tol)) {
                    return "C[" + i + "][" + j + "] = " + got + ", expected " + (float) sum;
                }
            }
        }
        return null;
    }
}
