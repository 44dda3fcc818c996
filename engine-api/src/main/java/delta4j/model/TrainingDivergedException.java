package delta4j.model;

/**
 * The loss became NaN, infinite or exploded during training. The message names the epoch and suggests
 * a remedy: a smaller learning rate when the loss grew as the parameters moved, the data's scale when it
 * was already beyond the bound before any update. The model keeps the weights it had before
 * {@link Trainer#fit} started.
 */
public class TrainingDivergedException extends RuntimeException {

    /** The 1-based epoch in which divergence was detected. */
    private final int epoch;
    /** The first batch's mean loss before any update when it alone was beyond the bound, else NaN. */
    private final double lossBeforeUpdates;
    /** The largest |t| of the training targets when their scale is to blame, else NaN. */
    private final double targetScale;

    /**
     * Divergence that the parameters' moves caused (the usual remedy: a smaller learning rate).
     *
     * @param epoch the 1-based epoch in which divergence was detected
     * @param message what happened and what to do, in one line
     */
    public TrainingDivergedException(int epoch, String message) {
        this(epoch, message, Double.NaN, Double.NaN);
    }

    /**
     * Divergence, with what is known of the data's part in it.
     *
     * @param epoch             the 1-based epoch in which divergence was detected
     * @param message           what happened and what to do, in one line
     * @param lossBeforeUpdates the mean loss of the first batch with the initial parameters, when it alone
     *                          was beyond the bound; else NaN
     * @param targetScale       the largest |t| of the training targets, in their own units, when their scale
     *                          is to blame; else NaN
     */
    public TrainingDivergedException(int epoch, String message, double lossBeforeUpdates, double targetScale) {
        super(message);
        this.epoch = epoch;
        this.lossBeforeUpdates = lossBeforeUpdates;
        this.targetScale = targetScale;
    }

    /** {@return the 1-based epoch in which divergence was detected} */
    public int epoch() {
        return epoch;
    }

    /**
     * {@return the loss before any update when it alone was beyond the divergence bound (the data's scale is to blame), else NaN}
     */
    public double lossBeforeUpdates() {
        return lossBeforeUpdates;
    }

    /** {@return the largest |t| of the training targets, in their own units, when their scale is to blame; else NaN} */
    public double targetScale() {
        return targetScale;
    }
}
