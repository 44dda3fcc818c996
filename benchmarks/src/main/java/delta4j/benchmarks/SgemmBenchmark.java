package delta4j.benchmarks;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;
import dev.ludovic.netlib.blas.JavaBLAS;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How fast is {@code C = op(A)·op(B)}? Square products and the three backprop products of real layer shapes,
 * on each engine and on netlib's VectorBLAS (the pure-Java BLAS peer, single-threaded, column-major).
 * The score is time per product; the report turns it into GFLOP/s with 2·m·k·n FLOPs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP, ForkArgs.HUGE_PAGES})
@State(Scope.Benchmark)
public class SgemmBenchmark {

    /** The peer that runs inside JMH: netlib's JavaBLAS, which is VectorBLAS when the Vector API is present. */
    public static final String VECTORBLAS = "vectorblas";

    /** An engine name ("cpu", "opencl", "reference") or {@value #VECTORBLAS}. */
    @Param({"cpu"})
    public String engine;

    /** Engine threads; 0 = the engine's default (all cores, or the OpenCL device's own parallelism). */
    @Param({"1"})
    public int threads;

    /** The product, as {@link GemmShape#parse} reads it. */
    @Param({"nn:1024x1024x1024"})
    public String shape;

    private Runnable product;
    private AutoCloseable resources;

    @Setup(Level.Trial)
    public void setUp() {
        GemmShape s = GemmShape.parse(shape);
        SplittableRandom rnd = new SplittableRandom(42);
        float[] a = random(rnd, s.aRows() * s.aCols());
        float[] b = random(rnd, s.bRows() * s.bCols());
        if (engine.equals(VECTORBLAS)) {
            if (threads > 1) {
                throw new IllegalArgumentException("VectorBLAS is single-threaded: run it with threads=1, not " + threads);
            }
            product = netlib(s, a, b, new float[s.m() * s.n()]);
            resources = () -> { };
            return;
        }
        Engine e = BenchEngines.open(engine, threads);
        Tensor ta = e.tensor(s.aRows(), s.aCols(), a);
        Tensor tb = e.tensor(s.bRows(), s.bCols(), b);
        Tensor tc = e.allocate(s.m(), s.n());
        boolean transA = s.transA(), transB = s.transB();
        product = () -> {
            e.gemm(transA, transB, 1f, ta, tb, 0f, tc);
            e.finish();
        };
        resources = e;
    }

    /**
     * The row-major product through a column-major BLAS: a row-major X is the column-major Xᵀ, so
     * {@code C = op(A)·op(B)} is computed as {@code Cᵀ = op(B)ᵀ·op(A)ᵀ} with the operands swapped and each
     * keeping its own transpose flag, leading dimensions being the stored column counts.
     */
    static Runnable netlib(GemmShape s, float[] a, float[] b, float[] c) {
        JavaBLAS blas = JavaBLAS.getInstance();
        String opA = s.transA() ? "T" : "N", opB = s.transB() ? "T" : "N";
        int m = s.m(), n = s.n(), k = s.k(), lda = s.aCols(), ldb = s.bCols();
        return () -> blas.sgemm(opB, opA, n, m, k, 1f, b, ldb, a, lda, 0f, c, n);
    }

    static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Benchmark
    public void sgemm() {
        product.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (resources != null) {
            resources.close();
        }
    }
}
