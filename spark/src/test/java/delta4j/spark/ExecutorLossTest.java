package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.model.TrainingFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An executor JVM killed in the middle of a {@code sync} fit (SIGKILL, from outside, as when a machine or container
 * dies): Spark loses the executor and its task, reruns the barrier stage once the standalone master has started a new
 * executor, the rerun continues from partition 0's last checkpoint, and the fit ends at the weights of an uninterrupted
 * one, bit for bit. Only on separate executor JVMs ({@code spark-cluster} profile, {@link LocalSpark#multiJvm()}); the
 * normal run's {@link TaskFailureTest} fails a task inside a shared JVM instead.
 */
@EnabledIf("delta4j.spark.LocalSpark#multiJvm")
class ExecutorLossTest {

    private static final int EPOCHS = 8;

    @Test
    void anExecutorJvmKilledMidFitIsReplacedAndTheFitResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        Dataset data = TrainingFixtures.smoothRegression(4000, 6);
        // Four partitions fill the cluster's four task slots, two in each executor JVM: whichever JVM is killed, it
        // held two of the fit's tasks.
        var frame = TestData.frame(data, 4, false);
        MlpRegressor est = new MlpRegressor().setLayers(3, 64, 64, 2).setActivations("tanh").setOptimizer("adam")
                .setLearningRate(0.003).setBatchSize(32).setEpochs(EPOCHS).setSeed(9).setValidationFraction(0).setPatience(0)
                .setMode("sync").setEngine("cpu").setEngineThreads(1)
                .setCheckpointDir(dir.toUri().toString()).setCheckpointInterval(1);
        MlpRegressionModel plain = est.fit(frame);
        assertEquals(0, plain.summary().stageAttempt());

        CompletableFuture<MlpRegressionModel> fit = CompletableFuture.supplyAsync(() -> est.fit(frame));
        int seen = awaitCheckpoint(dir, 2, fit);
        List<ProcessHandle> executors = executors();
        assertEquals(2, executors.size(), "two executor JVMs, one per worker: " + executors);
        assertTrue(executors.getFirst().destroyForcibly(), "SIGKILL sent to executor JVM " + executors.getFirst().pid());
        MlpRegressionModel retried = fit.get(5, TimeUnit.MINUTES);

        FitSummary s = retried.summary();
        assertTrue(s.stageAttempt() >= 1, "a later attempt of the training stage finished, not the first: " + s.stageAttempt());
        assertTrue(s.resumedFromEpoch() >= seen, "resumed from the checkpoint after epoch " + seen + " or a later one, got "
                + s.resumedFromEpoch());
        assertTrue(s.resumedFromEpoch() < EPOCHS);
        assertEquals(EPOCHS, s.history().size(), "the checkpoint's epochs and the rerun's");
        assertEquals(plain.summary().steps(), s.steps());
        assertArrayEquals(TrainingFixtures.flatParameters(plain.network()), TrainingFixtures.flatParameters(retried.network()),
                "the resumed fit's weights are the uninterrupted fit's");
        for (int e = 0; e < EPOCHS; e++) {
            assertEquals(plain.summary().history().get(e).trainLoss(), s.history().get(e).trainLoss(), "epoch " + (e + 1) + "'s loss");
        }
        assertEquals(2, executors().size(), "the master started a new executor in place of the killed one");
        assertFalse(executors().contains(executors.getFirst()));
    }

    /**
     * The executor JVMs the workers of this test JVM's local cluster started: its child processes that run java (the
     * master and the workers are threads of this JVM). Their class name is not matched: the JDK reads at most 4 KiB of
     * a process's command line, which the executors' class path fills.
     */
    private static List<ProcessHandle> executors() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().orElse("").endsWith("/java")).toList();
    }

    /** Waits for the checkpoint after epoch {@code epoch} (or a later one) and returns the latest epoch checkpointed. */
    private static int awaitCheckpoint(Path dir, int epoch, CompletableFuture<?> fit) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            int latest = latestCheckpoint(dir);
            if (latest >= epoch) {
                return latest;
            }
            assertFalse(fit.isDone(), "the fit ended before a checkpoint of epoch " + epoch + " was seen");
            Thread.sleep(5);
        }
        throw new AssertionError("no checkpoint of epoch " + epoch + " within 2 minutes");
    }

    private static int latestCheckpoint(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("epoch-\\d{6}\\.d4c"))
                    .mapToInt(n -> Integer.parseInt(n.substring(6, 12))).max().orElse(0);
        } catch (IOException | UncheckedIOException e) {
            return 0; // a checkpoint replaced during the walk
        }
    }
}
