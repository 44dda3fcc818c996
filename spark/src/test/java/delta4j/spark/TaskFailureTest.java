package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.model.TrainingFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task lost in the middle of a fit: Spark reruns the whole barrier stage. Without checkpoints training starts
 * over; with {@code checkpointDir} the rerun continues from partition 0's last checkpoint. Either way the fit
 * reaches the weights of an uninterrupted run bit for bit (sync is deterministic for a seed, and a checkpoint
 * holds the replicas' own floats: parameters, optimizer state, step count, running statistics).
 *
 * <p>The failures come from {@link BarrierTraining#fault}, a hook in the JVM that runs the tasks, so these run on
 * {@code local[2]} only; on separate executor JVMs {@link ExecutorLossTest} kills a whole executor instead.
 */
@DisabledIf("delta4j.spark.LocalSpark#multiJvm")
class TaskFailureTest {

    @AfterEach
    void noFaults() {
        BarrierTraining.fault = null;
    }

    @Test
    void aTaskLostInEpochTwoIsRetriedWithTheStageAndEndsAtTheSameWeights() {
        Dataset data = TrainingFixtures.smoothRegression(160, 4);
        var frame = TestData.frame(data, 2, false);
        MlpRegressor est = SyncEquivalenceTest.regressor("sync").setEpochs(3).setPatience(0).setValidationFraction(0);
        float[] uninterrupted = TrainingFixtures.flatParameters(est.fit(frame).network());

        AtomicInteger failures = new AtomicInteger();
        BarrierTraining.fault = (attempt, partition, epoch) -> {
            if (attempt == 0 && partition == 1 && epoch == 2) {
                failures.incrementAndGet();
                throw new IllegalStateException("task killed by the test in epoch 2");
            }
        };
        float[] retried = TrainingFixtures.flatParameters(est.fit(frame).network());
        assertEquals(1, failures.get(), "the first attempt lost partition 1's task");
        assertArrayEquals(uninterrupted, retried, "the rerun stage trains to the same weights");
    }

    @Test
    void aSyncFitWithBatchNormAndDropoutResumesFromTheLastCheckpointAndEndsAtTheSameWeights(@TempDir Path dir) {
        Dataset data = TrainingFixtures.smoothRegression(203, 4);
        var frame = TestData.frame(data, 2, false);
        MlpRegressor est = SyncEquivalenceTest.regressor("sync").setNormalization("batch").setDropout(0.2).setEpochs(5)
                .setValidationFraction(0.2).setPatience(10).setCheckpointDir(dir.toUri().toString()).setCheckpointInterval(1);
        resumesAtTheSameWeights(est, frame, dir);
    }

    @Test
    void anAverageFitResumesFromTheLastCheckpointAndEndsAtTheSameWeights(@TempDir Path dir) {
        Dataset data = TrainingFixtures.smoothRegression(203, 4);
        var frame = TestData.frame(data, 2, false);
        MlpRegressor est = SyncEquivalenceTest.regressor("average").setAverageEvery(3).setDropout(0.1).setEpochs(5)
                .setValidationFraction(0).setPatience(0).setCheckpointDir(dir.toString()).setCheckpointInterval(2);
        resumesAtTheSameWeights(est, frame, dir);
    }

    @Test
    void keptCheckpointsHoldEveryEpochAndTheLastOneIsTheModel(@TempDir Path dir) throws IOException {
        Dataset data = TrainingFixtures.smoothRegression(160, 4);
        MlpRegressor est = SyncEquivalenceTest.regressor("sync").setEpochs(3).setPatience(0).setValidationFraction(0)
                .setCheckpointDir(dir.toString()).setKeepCheckpoints(true);
        MlpRegressionModel m = est.fit(TestData.frame(data, 2, false));
        assertEquals(3, m.summary().checkpoints());
        assertEquals(3, checkpointFiles(dir), "one per epoch, the last one's too, kept after the fit");
        Path last = Path.of(java.net.URI.create(m.summary().checkpointFolder() + "/epoch-000003.d4c").getPath());
        delta4j.model.TrainingState state = delta4j.model.TrainingState.load(last);
        assertEquals(3, state.epochsDone());
        assertEquals(m.summary().steps(), state.step());
        assertArrayEquals(TrainingFixtures.flatParameters(m.network()), TrainingFixtures.flatParameters(state.model()), "the last checkpoint holds the fitted weights");
    }

    /**
     * Kills partition 1's task at the start of epoch 4 of the first attempt, once partition 0 has written the checkpoint
     * after epoch 2 (interval 2) or 3 (interval 1), and checks that the rerun resumed from it and ends bit for bit where
     * an uninterrupted run ends.
     */
    private static void resumesAtTheSameWeights(MlpRegressor est, org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame, Path dir) {
        MlpRegressionModel plain = est.fit(frame);
        assertEquals(0, plain.summary().resumedFromEpoch());
        int interval = (Integer) est.getOrDefault(est.checkpointInterval());
        int expected = interval == 1 ? 3 : 2;
        assertEquals(4 / interval, plain.summary().checkpoints(), "checkpoints after every interval but the last epoch's");
        assertEquals(0, checkpointFiles(dir), "a successful fit deletes its checkpoints");

        AtomicInteger failures = new AtomicInteger();
        BarrierTraining.fault = (attempt, partition, epoch) -> {
            if (attempt == 0 && partition == 1 && epoch == 4) {
                // Partition 0 writes the checkpoint after the epoch's last all-reduce, which this task has passed too.
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!hasCheckpoint(dir, expected) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                failures.incrementAndGet();
                throw new IllegalStateException("task killed by the test in epoch 4");
            }
        };
        MlpRegressionModel retried = est.fit(frame);
        assertEquals(1, failures.get(), "the first attempt lost partition 1's task");
        FitSummary s = retried.summary();
        assertEquals(1, s.stageAttempt(), "the second attempt of the training stage finished");
        assertEquals(expected, s.resumedFromEpoch(), "the rerun resumed from the checkpoint after epoch " + expected + ", not from scratch");
        assertEquals(5, s.history().size(), "the checkpoint's epochs and the rerun's");
        assertEquals(plain.summary().steps(), s.steps());
        assertArrayEquals(TrainingFixtures.flatParameters(plain.network()), TrainingFixtures.flatParameters(retried.network()), "the resumed fit's weights are the uninterrupted fit's");
        for (int l = 0; l < plain.network().depth(); l++) {
            if (plain.network().normalization(l).hasRunningStatistics()) {
                assertArrayEquals(plain.network().runningMean(l), retried.network().runningMean(l));
                assertArrayEquals(plain.network().runningVariance(l), retried.network().runningVariance(l));
            }
        }
        for (int e = 0; e < 5; e++) {
            assertEquals(plain.summary().history().get(e).trainLoss(), s.history().get(e).trainLoss(), "epoch " + (e + 1) + "'s loss");
        }
        assertEquals(0, checkpointFiles(dir), "a successful fit deletes its checkpoints");
    }

    private static boolean hasCheckpoint(Path dir, int epoch) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().equals(String.format("epoch-%06d.d4c", epoch)));
        } catch (IOException | UncheckedIOException e) {
            return false; // an older checkpoint deleted during the walk
        }
    }

    private static long checkpointFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".d4c")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
