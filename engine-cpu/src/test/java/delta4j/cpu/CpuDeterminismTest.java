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

    /**
     * The weights do not depend on the thread count either: gemm computes every tile with the same sums in the same
     * order on any number of threads (CpuGemmTest), the element-wise kernels work element by element and column
     * sums column by column. Batches of 256 rows, so the element-wise kernels of the 256-unit layer split too. Only
     * the reported loss (partial sums per thread) may differ in its last bits, and so would a gradient norm, so
     * runs with gradient clipping or a gradient-norm tolerance are not covered.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Activation.class, names = {"RELU", "TANH", "SIGMOID"})
    void weightsDoNotDependOnTheThreadCount(Activation hidden) {
        weightsDoNotDependOnTheThreadCount(hidden, Optimizer.adam(1e-3f));
    }

    /** The same with momentum in Nesterov's form, whose step keeps a velocity as Adam keeps its moments. */
    @Test
    void momentumWeightsDoNotDependOnTheThreadCount() {
        weightsDoNotDependOnTheThreadCount(Activation.RELU, Optimizer.nesterov(0.01f, 0.9f));
    }

    private static void weightsDoNotDependOnTheThreadCount(Activation hidden, Optimizer optimizer) {
        SplittableRandom rnd = new SplittableRandom(4);
        int n = 600, f = 64, k = 10;
        float[] x = new float[n * f], t = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            t[i * k + rnd.nextInt(k)] = 1;
        }
        Dataset data = new Dataset(n, f, k, x, t);
        for (int batch : new int[]{256, 128}) { // 128: the README's batch, with the output layer's kernels split at 64 rows
            weightsDoNotDependOnTheThreadCount(hidden, optimizer, data, batch);
        }
    }

    private static void weightsDoNotDependOnTheThreadCount(Activation hidden, Optimizer optimizer, Dataset data, int batch) {
        int f = data.features(), k = data.targets();
        TrainingConfig cfg = TrainingConfig.builder().optimizer(optimizer).batchSize(batch).maxEpochs(2).build();
        Mlp one = null;
        for (int threads : new int[]{1, 2, 3}) {
            Mlp m = Mlp.builder(f).dense(256, hidden).dense(128, hidden).dense(k, Activation.SOFTMAX)
                    .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
            try (Engine e = Engines.create("cpu", new EngineConfig(threads, null))) {
                new Trainer(e, cfg).fit(m, data);
            }
            if (one == null) {
                one = m;
                continue;
            }
            for (int l = 0; l < m.depth(); l++) {
                assertArrayEquals(one.weights(l), m.weights(l), hidden + ", batch " + batch + ", " + threads + " threads against 1: W[" + l + "]");
                assertArrayEquals(one.biases(l), m.biases(l), hidden + ", batch " + batch + ", " + threads + " threads against 1: b[" + l + "]");
            }
        }
    }

    static Mlp net() {
        return Mlp.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
    }
}
