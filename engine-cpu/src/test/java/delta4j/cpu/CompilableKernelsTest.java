package delta4j.cpu;

import delta4j.engine.Precision;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The JIT compiles every kernel at every tier it tries. A kernel that C1 cannot compile for on-stack replacement at tier
 * 3 ("COMPILE SKIPPED: out of virtual registers in linear scan") can be left in tier 2's code, whose vector operations
 * run the Vector API's Java fallbacks, for the rest of the run: the narrow forward product's 4 × 5 kernel did so
 * wherever its loop over k got hot before a normal compilation (k = 256 and more, no warm-up), many times slower
 * (engine-cpu/README.md, the narrow products, has the times). A child JVM runs the narrow and blocked products of an
 * output layer and a hidden layer cold, on one and two threads, with {@code -XX:+PrintCompilation}; no compilation may
 * be skipped.
 */
class CompilableKernelsTest {

    /** Runs the products cold: the shapes where the skipped compilation showed, then the blocked kernels' tile shapes. */
    public static void main(String[] args) {
        int[][] shapes = {{128, 256, 10}, {256, 512, 10}, {128, 784, 256}, {128, 128, 10}, {100, 300, 16}};
        for (int threads = 1; threads <= 2; threads++) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                Gemm gemm = new Gemm(pool, Precision.FP32);
                for (int[] s : shapes) {
                    int m = s[0], k = s[1], n = s[2];
                    float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], d = new float[m * n];
                    float[] w = new float[k * n];
                    Arrays.fill(a, 0.5f);
                    Arrays.fill(b, 0.25f);
                    Arrays.fill(d, 0.125f);
                    long calls = Math.max(300, 1_000_000_000L / (4L * m * n * k)); // about half a second per shape
                    for (long i = 0; i < calls; i++) {
                        gemm.gemm(false, false, m, n, k, 1f, a, b, 0f, c);   // forward
                        gemm.gemm(true, false, k, n, m, 1f, a, d, 0f, w);    // weight gradient
                    }
                }
            }
        }
        System.out.println("done");
    }

    @Test
    void noCompilationOfTheEnginesIsSkipped() throws Exception {
        // The compiler's lines on stderr (its own threads print them), the child's "done" alone on stdout.
        List<String> cmd = ChildJvm.command(CompilableKernelsTest.class, "-XX:+UnlockDiagnosticVMOptions",
                "-XX:+DisplayVMOutputToStderr", "-XX:+PrintCompilation");
        Path log = Files.createTempFile("delta4j-compilation", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            String compilations = Files.readString(log);
            assertEquals(0, status, out + compilations);
            assertEquals("done", out.strip(), compilations);
            check(compilations);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void check(String out) {
        // Any skipped compilation counts but the benign retry after concurrent class loading: the compiler threads'
        // lines can interleave, so a skipped one may have lost its method's name.
        List<String> skipped = out.lines()
                .filter(l -> l.contains("COMPILE SKIPPED") && !l.contains("concurrent class loading")).toList();
        assertEquals(List.of(), skipped, "compilations that the JIT skipped");
    }
}
