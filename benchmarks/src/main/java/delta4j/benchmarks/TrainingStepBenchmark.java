package delta4j.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How long does one training step on one batch take? Forward, backward and an Adam update of every weight
 * and bias, with the batch already on the engine (the epoch benchmark adds the batch upload); the loss is
 * read back, so queued work must finish.
 */
public class TrainingStepBenchmark extends NetState {

    @Benchmark
    public void trainingStep(Blackhole bh) {
        model.step(0);
        e.finish();
        bh.consume(model.lossSum(1));
    }
}
