package delta4j.reliability;

import delta4j.io.ModelFile;
import delta4j.conformance.ConcurrentPredictions;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * One engine shared by several threads through the model layer: {@link Mlp#predict} and
 * {@link Trainer#fit} take turns on the engine (they synchronise on it), so concurrent use gives exactly
 * the results of sequential use. The engine-level check (concurrent predicts on every engine) is the
 * conformance kit's; this one goes through a model file, as the CLI does, and mixes training with
 * predicting.
 */
class ConcurrencyTest {

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void concurrentPredictsFromAModelFileAgreeWithSequentialOnes(String engineName, @TempDir Path dir) throws Exception {
        if (engineName.equals("opencl")) {
            OpenCl.require();
        }
        Mlp trained = Mlp.builder(6).dense(48, Activation.TANH).dense(4, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        Path file = dir.resolve("m.d4j");
        ModelFile.save(trained, file);
        Mlp mlp = ModelFile.load(file);
        List<float[]> inputs = inputs(40, 6);
        try (Engine e = Engines.create(engineName, EngineConfig.defaults().withThreads(2))) {
            ConcurrentPredictions.assertAgreeWithSequential(mlp, e, inputs, 5, 8, engineName + ": ");
        }
    }

    /** Training one model while other threads predict with another, on the same engine: both as if alone. */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void trainingAndPredictingOnOneEngineTakeTurns(String engineName) throws Exception {
        Dataset data = SoakTest.data(600, 6, 3);
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(4).seed(3).build();
        Mlp alone = net(1);
        try (Engine e = Engines.create(engineName, EngineConfig.defaults().withThreads(2))) {
            new Trainer(e, cfg).fit(alone, data);
        }
        Mlp predictor = net(2);
        List<float[]> inputs = inputs(24, 6);
        List<float[]> expected = new ArrayList<>();
        try (Engine e = Engines.create(engineName, EngineConfig.defaults().withThreads(2))) {
            for (float[] x : inputs) {
                expected.add(predictor.predict(e, x));
            }
        }

        Mlp shared = net(1);
        try (Engine e = Engines.create(engineName, EngineConfig.defaults().withThreads(2))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Future<?> training = pool.submit(() -> new Trainer(e, cfg).fit(shared, data));
                List<Future<float[]>> predictions = new ArrayList<>();
                for (int round = 0; round < 20; round++) {
                    for (float[] x : inputs) {
                        predictions.add(pool.submit(() -> predictor.predict(e, x)));
                    }
                }
                training.get();
                for (int i = 0; i < predictions.size(); i++) {
                    assertArrayEquals(expected.get(i % inputs.size()), predictions.get(i).get(), engineName + ": prediction " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        for (int l = 0; l < alone.depth(); l++) {
            assertArrayEquals(alone.weights(l), shared.weights(l), engineName + ": W[" + l + "] trained beside predictions");
            assertArrayEquals(alone.biases(l), shared.biases(l), engineName + ": b[" + l + "] trained beside predictions");
        }
    }

    /** Several threads saving to one path while another loads it: every load is one complete save. */
    @org.junit.jupiter.api.Test
    void concurrentSavesToOnePathNeverMix(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shared.d4j");
        ModelFile.save(KillDuringSaveTest.generation(0, 128), file);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            Future<?> reader = pool.submit(() -> {
                while (!done.get()) {
                    KillDuringSaveTest.generationIn(file); // fails on a mixed or partial model
                    loads.incrementAndGet();
                }
                return null;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 1; t <= 4; t++) {
                int base = 100 * t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        ModelFile.save(KillDuringSaveTest.generation(base + i, 128), file);
                    }
                    return null;
                }));
            }
            for (Future<?> w : writers) {
                w.get();
            }
            done.set(true);
            reader.get();
        } finally {
            pool.shutdownNow();
        }
        int last = KillDuringSaveTest.generationIn(file);
        org.junit.jupiter.api.Assertions.assertTrue(last % 100 == 14, "the file holds the last save of one writer: " + last);
        org.junit.jupiter.api.Assertions.assertTrue(loads.get() > 0);
        org.junit.jupiter.api.Assertions.assertTrue(KillDuringSaveTest.debris(dir, file).isEmpty(), "no temporary files are left behind");
    }

    private static Mlp net(long seed) {
        return Mlp.builder(6).dense(24, Activation.RELU).dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(seed).build();
    }

    static List<float[]> inputs(int n, int features) {
        SplittableRandom rnd = new SplittableRandom(1);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[(1 + i % 9) * features];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextGaussian();
            }
            out.add(x);
        }
        return out;
    }
}
