package delta4j.model;

import java.util.List;

/**
 * The outcome of {@link Trainer#fit}.
 *
 * @param history     one report per epoch run
 * @param stopReason  why training stopped
 * @param bestEpoch   the epoch whose weights the model holds (the last, or the best by the monitored quantity when
 *                    {@link TrainingConfig.Builder#restoreBestWeights best weights} were restored)
 * @param seconds     total wall time
 * @param stopMessage why training stopped, in words: e.g. "the validation loss did not improve for 5 epochs after
 *                    epoch 12", or the reason a listener gave
 */
public record TrainingResult(List<EpochReport> history, StopReason stopReason, int bestEpoch, double seconds, String stopMessage) {

    /** Copies the history; an absent stop message is empty. */
    public TrainingResult {
        history = List.copyOf(history);
        stopMessage = stopMessage == null ? "" : stopMessage;
    }

    /**
     * A result without a stop message.
     *
     * @param history    one report per epoch run
     * @param stopReason why training stopped
     * @param bestEpoch  the epoch whose weights the model holds
     * @param seconds    total wall time
     */
    public TrainingResult(List<EpochReport> history, StopReason stopReason, int bestEpoch, double seconds) {
        this(history, stopReason, bestEpoch, seconds, "");
    }

    /** {@return the number of epochs in the history} */
    public int epochs() {
        return history.size();
    }

    /** {@return the last epoch's report} */
    public EpochReport last() {
        return history.get(history.size() - 1);
    }

    /** {@return the last epoch's training loss} */
    public double finalTrainLoss() {
        return last().trainLoss();
    }

    /** {@return the mean training throughput over all epochs, samples per second} */
    public double samplesPerSecond() {
        long n = history.stream().mapToLong(EpochReport::samples).sum();
        double s = history.stream().mapToDouble(EpochReport::seconds).sum();
        return s > 0 ? n / s : Double.NaN;
    }
}
