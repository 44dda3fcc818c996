package delta4j.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How long does the backward pass of one batch take? The fused softmax + cross-entropy output δ, then per
 * layer the weight gradient Aᵀ·Δ, the bias gradient, and (below the top) δ propagation Δ·Wᵀ with ReLU'.
 * The forward pass it needs runs once in the set-up; the loss is read back, so queued work must finish.
 */
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
