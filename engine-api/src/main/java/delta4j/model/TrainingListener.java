package delta4j.model;

/** Hooks into training for progress and metrics. Called on the training thread; keep them quick. */
public interface TrainingListener {

    /**
     * After each mini-batch step; no loss here, to avoid a device sync.
     *
     * @param epoch the epoch, 1-based
     * @param batch the batch just stepped, 1-based
     * @param batches the number of batches in the epoch
     * @param samplesSoFar the training samples processed in this epoch so far
     */
    default void onBatch(int epoch, int batch, int batches, long samplesSoFar) {
    }

    /**
     * After each epoch, with its losses.
     *
     * @param report the epoch's number, losses, learning rate and timing
     */
    default void onEpoch(EpochReport report) {
    }
}
