package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.engine.Engines;
import delta4j.model.Mlp;
import delta4j.model.Trainer;
import delta4j.model.TrainingFixtures;
import delta4j.model.TrainingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sync} and its {@code aggregate} baseline are single-process training: with a fixed seed, a fit on
 * two partitions reaches the weights {@link Trainer} reaches on the same rows (the same initial network,
 * per-epoch order, validation split, global batches and optimizer steps), up to float summation order.
 */
class SyncEquivalenceTest {

    static MlpRegressor regressor(String mode) {
        return new MlpRegressor().setLayers(3, 16, 16, 2).setActivations("tanh").setOptimizer("adam").setLearningRate(0.01)
                .setSchedule("cosine:0.1").setBatchSize(32).setEpochs(4).setSeed(5).setValidationFraction(0.2).setPatience(10)
                .setMode(mode).setEngine("cpu").setBalancedBatches(false); // the trainer's batches, to compare with Trainer.fit
    }

    /** The fit with every task exchanging over the transport, even with tasks of its own JVM. */
    static MlpRegressionModel fitOverTheTransport(MlpRegressor est, org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame) {
        return LocalSpark.withExchange("transport", () -> est.fit(frame));
    }

    static float[] trainerWeights(MlpRegressor est, Dataset data) {
        Mlp single = est.initialModel();
        try (Engine e = Engines.create("cpu", new delta4j.engine.EngineConfig(1, null))) {
            TrainingResult r = new Trainer(e, est.settings().config()).fit(single, data);
            assertEquals(4, r.epochs());
        }
        return TrainingFixtures.flatParameters(single);
    }

    @Test
    void syncOnTwoPartitionsReachesTheTrainersWeights() {
        Dataset data = TrainingFixtures.smoothRegression(203, 1); // 203: uneven partitions and a partial last batch
        MlpRegressor est = regressor("sync");
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        double diff = TestData.relativeDifference(trainerWeights(est, data), TrainingFixtures.flatParameters(m.network()));
        assertTrue(diff < 1e-4, "sync vs Trainer: largest relative difference " + diff);

        FitSummary s = m.summary();
        assertEquals(TrainingMode.SYNC, s.mode());
        assertEquals(2, s.partitions());
        assertEquals(4 * 6, s.steps(), "162 training rows in batches of 32: 6 steps per epoch");
        assertEquals(4, s.history().size());
        assertTrue(s.history().get(3).hasValidation());
        assertTrue(s.communicationSeconds() > 0);
        if (!LocalSpark.multiJvm()) {
            assertEquals(0, s.bytesSent(), "tasks in one JVM exchange in memory");
        }
    }

    /**
     * With {@code balancedBatches} the fit is single-process training on the rearranged batches: one replica stepping
     * through the same epochs' orders ({@link Settings#epochOrder}) on all rows reaches the weights that two partitions
     * of 101 and 102 rows reach, and they are not the weights of the trainer's batches.
     */
    @Test
    void balancedBatchesAreOneReplicaSteppingThroughThem() {
        Dataset data = TrainingFixtures.smoothRegression(203, 1);
        MlpRegressor est = regressor("sync").setValidationFraction(0).setPatience(0).setStandardizeTargets(false)
                .setNormalization("batch").setDropout(0.1);
        MlpRegressionModel balanced = est.setBalancedBatches(true).fit(TestData.frame(data, 2, false));
        float[] fit = TrainingFixtures.flatParameters(balanced.network());
        // Spark slices a parallelized list of n rows into P contiguous parts at ⌊i·n/P⌋.
        float[] reference = oneReplicaThroughTheBatches(est, data, new int[]{101, 102});
        double diff = TestData.relativeDifference(reference, fit);
        assertTrue(diff < 1e-4, "balanced sync vs one replica on the same batches: largest relative difference " + diff);
        assertEquals(4 * 7, balanced.summary().steps(), "203 rows in batches of 32: 7 steps per epoch");

        MlpRegressionModel trainers = est.setBalancedBatches(false).fit(TestData.frame(data, 2, false));
        assertTrue(TestData.relativeDifference(TrainingFixtures.flatParameters(trainers.network()), fit) > 1e-3,
                "the balanced batches are other batches than the trainer's");
    }

    /** The single-process computation on the balanced batches: every row of a batch in one replica, in batch order. */
    static float[] oneReplicaThroughTheBatches(MlpRegressor est, Dataset data, int[] counts) {
        Settings s = est.settings();
        delta4j.model.TrainingConfig cfg = s.config();
        Layout layout = new Layout(counts, 0, s.seed());
        Mlp mlp = est.initialModel();
        try (Engine e = Engines.create("cpu", new delta4j.engine.EngineConfig(1, null));
             delta4j.model.Replica r = new delta4j.model.Replica(e, mlp, cfg)) {
            int n = layout.trainSize(), batch = Math.min(s.batchSize(), n);
            float[] x = new float[batch * data.features()], y = new float[batch * data.targets()], g = new float[r.parameterCount()];
            for (int epoch = 1; epoch <= s.epochs(); epoch++) {
                int[] order = s.epochOrder(layout, cfg, epoch);
                float lr = r.learningRate(epoch);
                for (int step = 0, from = 0; from < n; step++, from += batch) {
                    int rows = Math.min(batch, n - from);
                    int[] positions = new int[rows];
                    for (int i = 0; i < rows; i++) {
                        int row = layout.trainIndex()[order[from + i]];
                        System.arraycopy(data.featureRow(row), 0, x, i * data.features(), data.features());
                        System.arraycopy(data.targetRow(row), 0, y, i * data.targets(), data.targets());
                        positions[i] = i;
                    }
                    r.gradient(x, y, rows, 1f / rows, g, epoch, step, new delta4j.model.BatchPart(rows, positions, v -> v));
                    r.apply(g, lr);
                }
            }
            return TrainingFixtures.flatParameters(r.model());
        }
    }

    /**
     * The in-memory exchange of tasks in one JVM and the transport add the parts in the same order: the same fit over
     * either ends at the same bits (with batch normalisation, whose statistics are all-reduced too).
     */
    @Test
    void theInMemoryExchangeAndTheTransportGiveTheSameBits() {
        MlpRegressor est = regressor("sync").setEpochs(2).setNormalization("batch").setBalancedBatches(true);
        var frame = TestData.frame(TrainingFixtures.smoothRegression(203, 1), 2, false);
        MlpRegressionModel inMemory = est.fit(frame);
        MlpRegressionModel overTransport = fitOverTheTransport(est, frame);
        assertTrue(overTransport.summary().bytesSent() > 0, "the property made the tasks use the transport");
        assertArrayEquals(TrainingFixtures.flatParameters(inMemory.network()), TrainingFixtures.flatParameters(overTransport.network()));
        assertArrayEquals(inMemory.network().runningMean(0), overTransport.network().runningMean(0));
    }

    /**
     * Four tasks on two executor JVMs, two in each: each JVM's tasks add in memory beside the parts their leader received
     * from the other JVM, which each task sent once (to that leader). The same bits as with every task exchanging over the
     * transport with every other, and a third of the bytes.
     */
    @Test
    @EnabledIf("delta4j.spark.LocalSpark#multiJvm")
    void fourTasksInTwoJvmsGiveTheTransportsBitsWithAThirdOfTheBytes() {
        MlpRegressor est = regressor("sync").setEpochs(2).setNormalization("batch");
        var frame = TestData.frame(TrainingFixtures.smoothRegression(203, 1), 4, false);
        MlpRegressionModel grouped = est.fit(frame);
        MlpRegressionModel apart = fitOverTheTransport(est, frame);
        assertEquals(4, grouped.summary().partitions());
        assertEquals(3 * grouped.summary().bytesSent(), apart.summary().bytesSent(),
                "partition 0 sends each vector to the other JVM's leader only, not to its 3 peers");
        assertArrayEquals(TrainingFixtures.flatParameters(apart.network()), TrainingFixtures.flatParameters(grouped.network()));
        assertArrayEquals(apart.network().runningVariance(1), grouped.network().runningVariance(1));
    }

    @Test
    void theTreeAggregateBaselineIsTheSameComputation() {
        Dataset data = TrainingFixtures.smoothRegression(120, 2);
        MlpRegressor est = regressor("aggregate").setEpochs(2).setPatience(0);
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        Mlp single = est.initialModel();
        try (Engine e = Engines.create("cpu", new delta4j.engine.EngineConfig(1, null))) {
            new Trainer(e, est.settings().config()).fit(single, data);
        }
        double diff = TestData.relativeDifference(TrainingFixtures.flatParameters(single), TrainingFixtures.flatParameters(m.network()));
        assertTrue(diff < 1e-4, "aggregate vs Trainer: largest relative difference " + diff);
        assertEquals(TrainingMode.AGGREGATE, m.summary().mode());
    }
}
