package delta4j.model;

import java.util.List;

/**
 * Everything needed to continue training exactly where it stopped: a checkpoint. With the same data,
 * configuration and engine, {@link Trainer#resume} from a state saved after epoch e gives the same
 * weights as an uninterrupted run (shuffling is seeded per epoch, so no random-number state is kept).
 *
 * @param model              the network with the parameters after {@code epochsDone} epochs (and its
 *                           standardizer and labels)
 * @param epochsDone         completed epochs
 * @param step               optimizer steps taken so far (Adam's t)
 * @param optimizerState     the optimizer's tensors, for each layer l: the weight states s = 0..k−1,
 *                           then the bias states s = 0..k−1 (k = {@link Optimizer#stateTensors()})
 * @param history            the epoch reports so far
 * @param previousLoss       the last epoch's training loss (for the loss tolerance), NaN before any
 * @param bestValidationLoss early stopping: best validation loss so far (+∞ before any)
 * @param sinceBest          early stopping: epochs since the best
 * @param bestEpoch          early stopping: the best epoch (0 before any)
 * @param bestParameters     early stopping: W[0], b[0], W[1], b[1], ... at the best epoch, or null
 */
public record TrainingState(Mlp model, int epochsDone, int step, List<float[]> optimizerState,
                            List<EpochReport> history, double previousLoss, double bestValidationLoss,
                            int sinceBest, int bestEpoch, List<float[]> bestParameters) {

    /** Receives checkpoints during training (e.g. writes them to a file atomically). */
    @FunctionalInterface
    public interface Sink {
        /**
         * Stores one checkpoint; training waits for it.
         *
         * @param state the state after the last completed epoch
         * @throws java.io.IOException if it cannot be stored; training then stops with an {@link java.io.UncheckedIOException}
         */
        void save(TrainingState state) throws java.io.IOException;
    }
}
