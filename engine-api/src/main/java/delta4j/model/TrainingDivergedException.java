package delta4j.model;

/**
 * The loss became NaN, infinite or exploded during training. The message names the epoch and suggests
 * a remedy; the model keeps the weights it had before {@link Trainer#fit} started.
 */
public class TrainingDivergedException extends RuntimeException {

    private final int epoch;

    public TrainingDivergedException(int epoch, String message) {
        super(message);
        this.epoch = epoch;
    }

    /** The 1-based epoch in which divergence was detected. */
    public int epoch() {
        return epoch;
    }
}
