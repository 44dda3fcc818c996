package delta4j.model;

/** Why training ended; {@link TrainingResult#stopMessage()} says it in words. */
public enum StopReason {
    /** The maximum number of epochs was reached. */
    MAX_EPOCHS,
    /** The training loss changed by less than the loss tolerance between two epochs. */
    LOSS_TOLERANCE,
    /** The full-data gradient norm fell below the gradient tolerance. */
    GRADIENT_TOLERANCE,
    /** The monitored quantity (the validation loss, or a listener's metric) did not improve for {@code patience} epochs. */
    EARLY_STOPPING,
    /** A listener asked to stop ({@link EpochContext#stop}); the stop message is the reason it gave. */
    LISTENER,
    /**
     * A listener threw: training stopped at the end of that epoch, kept its weights as configured and threw a
     * {@link TrainingListenerException} holding this result.
     */
    LISTENER_FAILED
}
