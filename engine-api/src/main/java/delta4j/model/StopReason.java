package delta4j.model;

/** Why training ended. */
public enum StopReason {
    /** The maximum number of epochs was reached. */
    MAX_EPOCHS,
    /** The training loss changed by less than the loss tolerance between two epochs. */
    LOSS_TOLERANCE,
    /** The full-data gradient norm fell below the gradient tolerance. */
    GRADIENT_TOLERANCE,
    /** The validation loss did not improve for {@code patience} epochs. */
    EARLY_STOPPING
}
