package delta4j.model;

/** Hooks into training for progress and metrics. Called on the training thread; keep them quick. */
public interface TrainingListener {

    /** After each mini-batch step (1-based batch of {@code batches}); no loss here, to avoid a device sync. */
    default void onBatch(int epoch, int batch, int batches, long samplesSoFar) {
    }

    /** After each epoch, with its losses. */
    default void onEpoch(EpochReport report) {
    }
}
