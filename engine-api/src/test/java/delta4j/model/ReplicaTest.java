package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data parallelism without a cluster: N replicas that each hold a contiguous shard, compute their part of
 * every global batch, sum the parts and apply the same step reach the weights of single-process
 * {@link Trainer} training on the same data (the same per-epoch order, so the same global batches).
 */
class ReplicaTest {

    /** Trains like {@link Trainer#fit} on {@code data} split into {@code n} shards; returns every replica's final parameters. */
    static float[][] dataParallel(Mlp init, Dataset data, TrainingConfig cfg, int n) {
        int size = data.size(), batch = Math.min(cfg.batchSize, size), steps = (size + batch - 1) / batch;
        int[] start = new int[n + 1];
        for (int p = 0; p <= n; p++) {
            start[p] = (int) ((long) size * p / n);
        }
        Engine[] engines = new Engine[n];
        Replica[] replicas = new Replica[n];
        try {
            for (int p = 0; p < n; p++) {
                engines[p] = new ReferenceEngine();
                replicas[p] = new Replica(engines[p], init.copy(), cfg);
            }
            int in = data.features(), out = data.targets();
            float[] x = new float[batch * in], y = new float[batch * out];
            for (int epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
                int[] order = Replica.epochOrder(size, cfg, epoch);
                float lr = replicas[0].learningRate(epoch);
                for (int s = 0; s < steps; s++) {
                    int from = s * batch, rows = Math.min(batch, size - from);
                    float[] sum = new float[replicas[0].parameterCount()];
                    for (int p = 0; p < n; p++) {
                        // The part of this global batch that shard p owns, in batch order.
                        int[] mine = new int[rows];
                        int m = 0;
                        for (int r = 0; r < rows; r++) {
                            int i = order[from + r];
                            if (i >= start[p] && i < start[p + 1]) {
                                mine[m++] = i;
                            }
                        }
                        if (m == 0) {
                            continue; // an empty part adds nothing to the sum
                        }
                        data.gatherFeatures(mine, 0, m, x);
                        data.gatherTargets(mine, 0, m, y);
                        float[] g = new float[sum.length];
                        replicas[p].gradient(x, y, m, 1f / rows, g);
                        for (int j = 0; j < g.length; j++) {
                            sum[j] += g[j];
                        }
                    }
                    for (Replica r : replicas) {
                        r.apply(sum, lr);
                    }
                }
            }
            float[][] params = new float[n][];
            for (int p = 0; p < n; p++) {
                params[p] = replicas[p].parameters();
            }
            return params;
        } finally {
            for (int p = 0; p < n; p++) {
                if (replicas[p] != null) {
                    replicas[p].close();
                }
                if (engines[p] != null) {
                    engines[p].close();
                }
            }
        }
    }

    @Test
    void replicasSummingTheirPartsTrainAsTheTrainerDoesOnTheWholeBatch() {
        Dataset data = TrainingFixtures.smoothRegression(203, 5); // 203: the last batch of each epoch is partial
        // Replica trains on the data as given (its Javadoc), so the trainer here fits no target standardiser.
        TrainingConfig[] configs = {
                TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(4)
                        .schedule(LearningRateSchedule.cosine(0.1f)).seed(3).standardizeTargets(false).build(),
                TrainingConfig.builder().optimizer(Optimizer.nesterov(0.05f, 0.9f)).batchSize(40).maxEpochs(3)
                        .weightDecay(1e-3f).clipGradientNorm(0.5f).seed(4).standardizeTargets(false).build(),
                TrainingConfig.builder().optimizer(Optimizer.adamW(0.01f)).batchSize(25).maxEpochs(3).weightDecay(1e-2f).standardizeTargets(false).build(),
                TrainingConfig.builder().optimizer(Optimizer.sgd(0.1f)).batchSize(203).maxEpochs(5).shuffle(false).standardizeTargets(false).build(),
        };
        for (TrainingConfig cfg : configs) {
            Mlp single = LearningTest.regressionNet(11);
            Mlp init = single.copy();
            try (Engine e = new ReferenceEngine()) {
                new Trainer(e, cfg).fit(single, data);
            }
            float[] expected = TrainingFixtures.flatParameters(single);
            // One replica gathers every batch in the trainer's own order: the very same float operations.
            assertArrayEquals(expected, dataParallel(init, data, cfg, 1)[0], cfg.optimizer + ", 1 replica");
            for (int n : new int[]{2, 3}) {
                float[][] got = dataParallel(init, data, cfg, n);
                for (int p = 1; p < n; p++) {
                    assertArrayEquals(got[0], got[p], "replicas apply the same summed gradient, so stay identical");
                }
                assertClose(expected, got[0], cfg.optimizer + ", " + n + " replicas");
            }
        }
    }

    @Test
    void softmaxClassifierReplicasMatchTheTrainerToo() {
        Dataset data = TrainingFixtures.threeClasses(150, 9, 0.5);
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.02f)).batchSize(32).maxEpochs(3).seed(8).build();
        Mlp single = Mlp.builder(4).dense(16, Activation.RELU).dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build();
        Mlp init = single.copy();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, cfg).fit(single, data);
        }
        assertClose(TrainingFixtures.flatParameters(single), dataParallel(init, data, cfg, 2)[0], "softmax + cross-entropy, 2 replicas");
    }

    /** Float sums in another order: a few ulps per step, grown a little by training. */
    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / (1e-3 + Math.abs(expected[i])));
        }
        assertTrue(worst < 1e-4, what + ": largest relative difference " + worst);
    }

    @Test
    void parametersAndOptimizerStateMoveBetweenReplicas() {
        Dataset data = TrainingFixtures.smoothRegression(64, 2);
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(64).build();
        try (Engine e = new ReferenceEngine();
             Replica a = new Replica(e, LearningTest.regressionNet(1), cfg);
             Replica b = new Replica(e, LearningTest.regressionNet(2), cfg)) {
            float[] x = data.featureMatrix(), y = data.targetMatrix(), g = new float[a.parameterCount()];
            for (int s = 0; s < 3; s++) {
                a.gradient(x, y, 64, 1f / 64, g);
                a.apply(g, 0.01f);
            }
            assertEquals(3, a.step());
            assertEquals(2 * a.parameterCount(), a.stateLength(), "Adam keeps m and v");
            b.setParameters(a.parameters());
            b.setOptimizerState(a.optimizerState(), a.step());
            for (Replica r : new Replica[]{a, b}) {
                r.gradient(x, y, 64, 1f / 64, g);
                r.apply(g, 0.01f);
            }
            assertArrayEquals(a.parameters(), b.parameters(), "a replica given another's parameters and state continues as it would");
            assertArrayEquals(a.optimizerState(), b.optimizerState());
            assertArrayEquals(a.parameters(), TrainingFixtures.flatParameters(a.model()), "model() pulls the parameters into the Mlp");

            assertThrows(IllegalArgumentException.class, () -> a.setParameters(new float[3]));
            assertThrows(IllegalArgumentException.class, () -> a.apply(new float[3], 0.1f));
            assertThrows(IllegalArgumentException.class, () -> a.setOptimizerState(new float[3], 1));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> a.gradient(x, y, 65, 1f, g));
            assertTrue(ex.getMessage().contains("65 rows"), ex.getMessage());
        }
    }

    @Test
    void theLossSumIsTheForwardPassAlone() {
        Dataset data = TrainingFixtures.smoothRegression(10, 2);
        TrainingConfig cfg = TrainingConfig.builder().build();
        try (Engine e = new ReferenceEngine(); Replica r = new Replica(e, LearningTest.regressionNet(1), cfg)) {
            float[] before = r.parameters();
            float[] g = new float[r.parameterCount()];
            double viaGradient = r.gradient(data.featureMatrix(), data.targetMatrix(), 10, 0.1f, g);
            assertEquals(viaGradient, r.lossSum(data.featureMatrix(), data.targetMatrix(), 10), 0);
            assertArrayEquals(before, r.parameters(), "neither call changes the parameters");
        }
    }
}
