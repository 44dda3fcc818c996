package delta4j.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How long does the forward pass of one batch take? Per layer a gemm and the fused bias + activation
 * (ReLU hidden layers, softmax output), read back as the output layer's activations.
 */
public class ForwardBenchmark extends NetState {

    @Benchmark
    public void forward(Blackhole bh) {
        model.forward();
        bh.consume(model.probe());
    }
}
