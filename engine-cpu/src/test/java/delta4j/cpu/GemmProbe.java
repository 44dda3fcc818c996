package delta4j.cpu;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.EngineConfig;
import delta4j.engine.Tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A quick GEMM timing probe for tuning the blocking constants (not a unit test, and not the benchmark suite,
 * which is JMH in benchmarks/). Prints GFLOP/s for square sgemm and for the products of a 784-512-512-10 MLP
 * at batch 256, on 1 and 2 threads. Best of 15 short timed rounds (about 1 GFLOP each) after a warm-up long enough for C2.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-api/target/classes:engine-cpu/target/classes:engine-cpu/target/test-classes \
 *      delta4j.cpu.GemmProbe [threads...]
 * </pre>
 */
public final class GemmProbe {

    private GemmProbe() {
    }

    public static void main(String[] args) {
        int[] threadCounts = args.length == 0 ? new int[]{1, 2} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int threads : threadCounts) {
            try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(threads))) {
                System.out.println("== " + e.device());
                warmUp(e);
                for (int s : new int[]{256, 512, 1024, 2048}) {
                    report(e, "sgemm " + s, s, s, s, false, false);
                }
                report(e, "fwd   A·W   256×512 = 256×784·784×512 ", 256, 512, 784, false, false);
                report(e, "bwd   Δ·Wᵀ  256×784 = 256×512·(784×512)ᵀ", 256, 784, 512, false, true);
                report(e, "grad  Aᵀ·Δ  784×512 = (256×784)ᵀ·256×512", 784, 512, 256, true, false);
                report(e, "fwd   A·W   256×512 = 256×512·512×512 ", 256, 512, 512, false, false);
                report(e, "bwd   Δ·Wᵀ  256×512 = 256×512·(512×512)ᵀ", 256, 512, 512, false, true);
                report(e, "grad  Aᵀ·Δ  512×512 = (256×512)ᵀ·256×512", 512, 512, 256, true, false);
                report(e, "out   A·W   256×10  = 256×512·512×10  ", 256, 10, 512, false, false);
                report(e, "out   Δ·Wᵀ  256×512 = 256×10·(512×10)ᵀ", 256, 512, 10, false, true);
                report(e, "out   Aᵀ·Δ  512×10  = (256×512)ᵀ·256×10", 512, 10, 256, true, false);
                allocation(e);
            }
        }
    }

    /** Compiles every path (all transposes, edges, narrow) with C2 before anything is timed. */
    private static void warmUp(Engine e) {
        int[][] shapes = {{256, 256, 256}, {100, 70, 300}, {256, 10, 512}, {256, 512, 10}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                time(e, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 500); // C2 needs ~500 calls
            }
        }
    }

    private static void report(Engine e, String label, int m, int n, int k, boolean ta, boolean tb) {
        double flops = 2.0 * m * n * k;
        // Many short rounds, best kept: on a shared machine the best round is the one least disturbed.
        int reps = (int) Math.max(1, Math.min(2000, 1e9 / flops));
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 15; round++) {
            best = Math.min(best, time(e, m, n, k, ta, tb, reps));
        }
        System.out.printf(Locale.ROOT, "%-44s %7.1f GFLOP/s%n", label, flops / best / 1e9);
    }

    /**
     * Bytes the calling thread allocates per kernel call over a steady-state training step of a 512-512-10
     * layer pair at batch 256 (forward, softmax cross-entropy, backward, Adam). Should print 0.
     */
    private static void allocation(Engine e) {
        SplittableRandom rnd = new SplittableRandom(1);
        try (Tensor x = e.tensor(256, 512, random(rnd, 256 * 512)); Tensor w = e.tensor(512, 512, random(rnd, 512 * 512));
             Tensor b = e.allocate(1, 512); Tensor z = e.allocate(256, 512); Tensor h = e.allocate(256, 512);
             Tensor w3 = e.tensor(512, 10, random(rnd, 5120)); Tensor b3 = e.allocate(1, 10);
             Tensor z3 = e.allocate(256, 10); Tensor y = e.allocate(256, 10); Tensor t = e.allocate(256, 10);
             Tensor d3 = e.allocate(256, 10); Tensor loss = e.allocate(1, 1); Tensor g = e.allocate(256, 512);
             Tensor dw = e.allocate(512, 512); Tensor dw3 = e.allocate(512, 10); Tensor db = e.allocate(1, 512);
             Tensor m = e.allocate(512, 512); Tensor v = e.allocate(512, 512)) {
            long before = 0;
            int calls = 0;
            for (int step = 1; step <= 600; step++) {
                if (step == 501) {
                    before = allocatedBytes();
                    calls = 0;
                }
                e.gemm(false, false, 1f, x, w, 0f, z);                           // 256×512 = 256×512·512×512
                e.biasActivation(z, b, Activation.RELU, h);
                e.gemm(false, false, 1f, h, w3, 0f, z3);                         // 256×10  = 256×512·512×10
                e.biasActivation(z3, b3, Activation.SOFTMAX, y);
                e.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, z3, y, t, d3, loss, 0);
                e.gemm(true, false, 1f / 256, h, d3, 0f, dw3);                   // 512×10  = (256×512)ᵀ·256×10
                e.gemm(false, true, 1f, d3, w3, 0f, g);                          // 256×512 = 256×10·(512×10)ᵀ
                e.activationBackward(g, z, h, Activation.RELU, g);
                e.gemm(true, false, 1f / 256, x, g, 0f, dw);                     // 512×512 = (256×512)ᵀ·256×512
                e.columnSum(1f / 256, g, db);
                e.adamStep(w, dw, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, step);
                calls += 11;
            }
            long bytes = allocatedBytes() - before;
            System.out.printf(Locale.ROOT, "allocated per kernel call, steady-state training step: %.1f bytes%n",
                    (double) bytes / calls);
        }
    }

    /**
     * The calling thread's allocated bytes (com.sun.management.ThreadMXBean), by reflection: the test
     * sources compile inside the delta4j.cpu module, which does not read jdk.management.
     */
    private static long allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes").invoke(bean);
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("this JVM does not report allocated bytes per thread", ex);
        }
    }

    /** Seconds per call, averaged over {@code reps} calls. */
    private static double time(Engine e, int m, int n, int k, boolean ta, boolean tb, int reps) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
        try (Tensor a = e.tensor(ta ? k : m, ta ? m : k, random(rnd, m * k));
             Tensor b = e.tensor(tb ? n : k, tb ? k : n, random(rnd, k * n));
             Tensor c = e.allocate(m, n)) {
            e.gemm(ta, tb, 1f, a, b, 0f, c);
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                e.gemm(ta, tb, 1f, a, b, 0f, c);
            }
            e.finish();
            return (System.nanoTime() - t0) / 1e9 / reps;
        }
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }
}
