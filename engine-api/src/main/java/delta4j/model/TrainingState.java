package delta4j.model;

import delta4j.io.CheckpointFile;
import delta4j.io.ModelFormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue training exactly where it stopped: a checkpoint. With the same data,
 * configuration and engine, {@link Trainer#resume} from a state saved after epoch e gives the same
 * weights as an uninterrupted run (shuffling is seeded per epoch, so no random-number state is kept).
 *
 * @param model              the network with the parameters after {@code epochsDone} epochs (gains and running
 *                           statistics included, and its standardizer and labels)
 * @param epochsDone         completed epochs
 * @param step               optimizer steps taken so far (Adam's t)
 * @param optimizerState     the optimizer's tensors, for each parameter of {@link Network#parameters()} (W[l], b[l],
 *                           and γ[l] of a normalised layer) its states s = 0..k−1 (k = {@link Optimizer#stateTensors()})
 * @param history            the epoch reports so far
 * @param previousLoss       the last epoch's training loss (for the loss tolerance), NaN before any
 * @param bestValidationLoss early stopping: best validation loss so far (+∞ before any)
 * @param sinceBest          early stopping: epochs since the best
 * @param bestEpoch          early stopping: the best epoch (0 before any)
 * @param bestParameters     early stopping: the parameters of {@link Network#parameters()} at the best epoch, then
 *                           the running statistics of {@link Network#runningStatistics()}, or null
 */
public record TrainingState(Mlp model, int epochsDone, int step, List<float[]> optimizerState,
                            List<EpochReport> history, double previousLoss, double bestValidationLoss,
                            int sinceBest, int bestEpoch, List<float[]> bestParameters) {

    /**
     * Saves this state to a delta4j checkpoint file (docs/MODEL_FORMAT.md), atomically, with no settings;
     * {@link CheckpointFile#save} keeps settings beside it. As the trainer's {@link Sink}:
     * {@code checkpointEvery(1, state -> state.save(file))}.
     *
     * @param file the file to create or replace; its folder must exist
     * @throws IOException naming the file when it cannot be written (the file is then left as it was)
     * @throws IllegalArgumentException when the state is too large for one file (2 GiB)
     */
    public void save(Path file) throws IOException {
        CheckpointFile.save(this, Map.of(), file);
    }

    /**
     * Loads a checkpoint saved by {@link #save(Path)}, {@link CheckpointFile#save} or {@code delta4j train
     * --checkpoint}, to continue with {@link Trainer#resume}; settings saved with it are not returned
     * ({@link CheckpointFile#load} returns them).
     *
     * @param file a delta4j checkpoint file
     * @return the training state
     * @throws ModelFormatException naming the file and what is wrong when it is missing or not a valid checkpoint
     * @throws IOException          when the file cannot be read
     */
    public static TrainingState load(Path file) throws IOException {
        return CheckpointFile.load(file).state();
    }

    /** Receives checkpoints during training (e.g. writes them to a file atomically). */
    @FunctionalInterface
    public interface Sink {
        /**
         * Receives one checkpoint, after the epoch it holds.
         *
         * @param state the training state after {@code state.epochsDone()} epochs (its own copies: it may be kept)
         * @throws IOException when it cannot be stored; training stops with an {@link java.io.UncheckedIOException}
         */
        void save(TrainingState state) throws IOException;
    }
}
