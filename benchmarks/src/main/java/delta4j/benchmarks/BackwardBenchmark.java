package delta4j.benchmarks;

import delta4j.engine.Engine;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * How long does the backward pass of one batch take? The fused softmax + cross-entropy output δ, then per
 * layer the weight gradient Aᵀ·Δ, the bias gradient, and (below the top) δ propagation Δ·Wᵀ with ReLU'.
 * The forward pass it needs runs once in the set-up; the loss is read back, so queued work must finish.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP})
@State(Scope.Benchmark)
public class BackwardBenchmark {

    @Param({"cpu"})
    public String engine;

    /** Engine threads; 0 = the engine's default. */
    @Param({"1"})
    public int threads;

    /** Layer sizes and batch, as {@link NetShape#parse} reads them. */
    @Param({NetShape.FASHION})
    public String net;

    private Engine e;
    private KernelNet model;

    @Setup(Level.Trial)
    public void setUp() {
        e = BenchEngines.open(engine, threads);
        model = NetFixtures.withRandomBatch(e, NetShape.parse(net));
        model.forward();
    }

    @Benchmark
    public void backward(Blackhole bh) {
        model.backward(0);
        e.finish();
        bh.consume(model.lossSum(1));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        e.close();
    }
}
