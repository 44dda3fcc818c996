package delta4j.cpu;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * With a fixed seed, training on the cpu engine is bit-for-bit repeatable at a given thread count: the
 * work split depends only on the shapes, never on timing, so no race can change a sum's order.
 */
class CpuDeterminismTest {

    @Test
    void twoRunsGiveBitIdenticalWeights() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 1000, f = 784, k = 10;
        float[] x = new float[n * f], t = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        for (int i = 0; i < n; i++) {
            t[i * k + rnd.nextInt(k)] = 1;
        }
        Dataset data = new Dataset(n, f, k, x, t);
        for (int threads : new int[]{1, 2}) {
            Mlp a = net(), b = net();
            TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(1e-3f)).batchSize(128).maxEpochs(2).build();
            try (Engine e1 = Engines.create("cpu", new EngineConfig(threads, null))) {
                new Trainer(e1, cfg).fit(a, data);
            }
            try (Engine e2 = Engines.create("cpu", new EngineConfig(threads, null))) {
                new Trainer(e2, cfg).fit(b, data);
            }
            for (int l = 0; l < a.depth(); l++) {
                assertArrayEquals(a.weights(l), b.weights(l), threads + " threads: W[" + l + "]");
                assertArrayEquals(a.biases(l), b.biases(l), threads + " threads: b[" + l + "]");
            }
        }
    }

    static Mlp net() {
        return Mlp.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
    }
}
