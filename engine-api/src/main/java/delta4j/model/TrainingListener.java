package delta4j.model;

/**
 * Hooks into training: progress, metrics of one's own, and steering. Called on the training thread, in the order
 * the listeners were added; keep them quick.
 *
 * <p>Per epoch, after its training pass (and validation and gradient norm, when configured), every listener's
 * {@link #onEpochEnd} runs first: it sees the model and the epoch number, can compute metrics on the model's
 * predictions and report them, and can ask training to stop. Then the epoch's report, with those metrics, goes to
 * every listener's {@link #onEpoch}. Then the stopping rules are applied (early stopping may monitor a reported
 * metric: {@link TrainingConfig.Builder#monitor}).
 *
 * <p><b>A listener that throws</b> does not discard the run. The exception is caught; that listener is not called
 * again; the epoch is completed (its remaining batches trained, the other listeners called), training stops at its
 * end as if a listener had asked to ({@link StopReason#LISTENER_FAILED}), a checkpoint is written when they are
 * configured, the model receives the weights it would keep on any other stop (the best or the last, as
 * {@link TrainingConfig.Builder#restoreBestWeights} says), and then {@link Trainer#fit} throws a
 * {@link TrainingListenerException} whose cause is the listener's exception and whose
 * {@link TrainingListenerException#result() result} is the run up to there. Errors ({@link OutOfMemoryError} and
 * the like) are not caught.
 */
public interface TrainingListener {

    /**
     * After each mini-batch step; no loss here, to avoid a device sync.
     *
     * @param epoch        the epoch, 1-based
     * @param batch        the batch just stepped, 1-based
     * @param batches      the number of batches in the epoch, or 0 when a batch source does not say
     * @param samplesSoFar the training samples processed in this epoch so far
     */
    default void onBatch(int epoch, int batch, int batches, long samplesSoFar) {
    }

    /**
     * After each epoch's passes, before its report is final: compute and report metrics, or stop.
     *
     * @param context the epoch, the model, its predictions; valid during this call only
     */
    default void onEpochEnd(EpochContext context) {
    }

    /**
     * After each epoch, with its losses and the metrics listeners reported.
     *
     * @param report the epoch's number, losses, learning rate, timing and metrics
     */
    default void onEpoch(EpochReport report) {
    }
}
