package delta4j.spark;

import delta4j.data.Dataset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A task lost in the middle of a {@code sync} fit: Spark reruns the whole barrier stage, training starts
 * over, and the fit reaches the weights of an uninterrupted run (sync is deterministic for a seed).
 */
class TaskFailureTest {

    @AfterEach
    void noFaults() {
        BarrierTraining.fault = null;
    }

    @Test
    void aTaskLostInEpochTwoIsRetriedWithTheStageAndEndsAtTheSameWeights() {
        Dataset data = TestData.regression(160, 4);
        var frame = TestData.frame(data, 2, false);
        MlpRegressor est = SyncEquivalenceTest.regressor("sync").setEpochs(3).setPatience(0).setValidationFraction(0);
        float[] uninterrupted = TestData.flat(est.fit(frame).network());

        AtomicInteger failures = new AtomicInteger();
        BarrierTraining.fault = (attempt, partition, epoch) -> {
            if (attempt == 0 && partition == 1 && epoch == 2) {
                failures.incrementAndGet();
                throw new IllegalStateException("task killed by the test in epoch 2");
            }
        };
        float[] retried = TestData.flat(est.fit(frame).network());
        assertEquals(1, failures.get(), "the first attempt lost partition 1's task");
        assertArrayEquals(uninterrupted, retried, "the rerun stage trains to the same weights");
    }
}
