package delta4j.cpu;

import delta4j.engine.Engine;
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
