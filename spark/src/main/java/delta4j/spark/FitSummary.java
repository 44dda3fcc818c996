package delta4j.spark;

import delta4j.model.EpochReport;

import java.util.List;

/**
 * How a Spark fit went: the epoch history (train and validation loss, learning rate, seconds), why it
 * stopped, and where the time went. {@code communicationSeconds} is partition 0's time inside the
 * all-reduces ({@code sync}, {@code average}), or the driver's time in the per-step jobs ({@code aggregate},
 * which includes the partitions' compute); {@code bytesSent} is what partition 0 sent. {@code stageAttempt} is the
 * attempt of the training stage that finished (0: the first; {@code aggregate}: 0), {@code resumedFromEpoch} the epoch of
 * the checkpoint it continued from (0: it trained from the first epoch; the history then holds the checkpoint's
 * epochs first), {@code checkpoints} how many checkpoints that attempt wrote ({@code checkpointDir}), and
 * {@code checkpointFolder} the folder that keeps them all ({@code keepCheckpoints}; null otherwise).
 */
public record FitSummary(List<EpochReport> history, String stopReason, TrainingMode mode, int partitions, int steps,
                         double seconds, double communicationSeconds, long bytesSent, int stageAttempt, int resumedFromEpoch,
                         int checkpoints, String checkpointFolder) {

    public FitSummary {
        history = List.copyOf(history);
    }

    /** The fraction of partition 0's training time spent communicating. */
    public double communicationFraction() {
        return seconds > 0 ? communicationSeconds / seconds : Double.NaN;
    }

    /** Training samples per second over the whole fit (every epoch's training samples). */
    public double samplesPerSecond() {
        long samples = 0;
        for (EpochReport e : history) {
            samples += e.samples();
        }
        return seconds > 0 ? samples / seconds : Double.NaN;
    }
}
