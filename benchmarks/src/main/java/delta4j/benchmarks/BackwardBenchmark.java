package delta4j.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
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
@Fork(value = 1, jvmArgsAppend = {ForkArgs.VECTOR, ForkArgs.NATIVE, ForkArgs.HEAP, ForkArgs.HUGE_PAGES})
@State(Scope.Benchmark)
public class BackwardBenchmark extends NetState {

    @Override
    protected void prepare() {
        model.forward();
    }

    @Benchmark
    public void backward(Blackhole bh) {
        model.backward(0);
        e.finish();
        bh.consume(model.lossSum(1));
    }
}
