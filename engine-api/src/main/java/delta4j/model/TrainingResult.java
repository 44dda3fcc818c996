package delta4j.model;

import java.util.List;

/**
 * The outcome of {@link Trainer#fit}.
 *
 * @param history        one report per epoch run
 * @param stopReason     why training stopped
 * @param bestEpoch      the epoch whose weights the model holds (the last, or the best on validation
 *                       when early stopping restored them)
 * @param seconds        total wall time
 */
public record TrainingResult(List<EpochReport> history, StopReason stopReason, int bestEpoch, double seconds) {

    /** {@return the number of epochs run} */
    public int epochs() {
        return history.size();
    }

    /** {@return the last epoch's report} */
    public EpochReport last() {
        return history.get(history.size() - 1);
    }

    /** {@return the last epoch's mean training loss per sample} */
    public double finalTrainLoss() {
        return last().trainLoss();
    }

    /** {@return mean training throughput over all epochs} */
    public double samplesPerSecond() {
        long n = history.stream().mapToLong(EpochReport::samples).sum();
        double s = history.stream().mapToDouble(EpochReport::seconds).sum();
        return s > 0 ? n / s : Double.NaN;
    }
}
