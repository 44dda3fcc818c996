package delta4j.spark;

import delta4j.model.EpochReport;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What a distributed fit brings back to the driver: the final parameters (flat, {@link delta4j.model.Replica}'s
 * order), the epoch history, how it stopped, and where the time went. A failure that every replica meets
 * alike (divergence) comes back as {@code error} instead of failing the stage, which Spark would retry.
 */
final class Outcome implements Serializable {

    private static final long serialVersionUID = 1L;

    int partition;
    float[] parameters;
    /** Batch normalisation's running statistics ({@link delta4j.model.Replica#runningStatistics()}; empty without). */
    float[] statistics;
    final List<double[]> epochs = new ArrayList<>(); // epoch, train loss, validation loss, learning rate, seconds, samples
    String stopReason = "MAX_EPOCHS";
    String error;
    int steps;
    /** The stage attempt that produced this outcome (0: the first). */
    int stageAttempt;
    /** The epoch of the checkpoint this attempt resumed from (0: it trained from the first epoch). */
    int resumedFromEpoch;
    /** Checkpoints written by this task (partition 0's only). */
    int checkpoints;
    double seconds;
    double commSeconds;
    long bytesSent;

    void epoch(int epoch, double trainLoss, double validationLoss, float lr, double seconds, int samples) {
        epochs.add(new double[]{epoch, trainLoss, validationLoss, lr, seconds, samples});
    }

    List<EpochReport> history() {
        List<EpochReport> h = new ArrayList<>();
        for (double[] e : epochs) {
            h.add(new EpochReport((int) e[0], e[1], e[2], (float) e[3], Double.NaN, e[4], (int) e[5]));
        }
        return h;
    }
}
