package delta4j.model;

/**
 * A {@link TrainingListener} threw. Training stopped gracefully at the end of that epoch (see
 * {@link TrainingListener}): the model holds the weights kept, and {@link #result()} is the run up to there, with
 * {@link StopReason#LISTENER_FAILED}. The cause is the listener's exception.
 */
public class TrainingListenerException extends RuntimeException {

    private final transient TrainingResult result;

    public TrainingListenerException(String message, Throwable cause, TrainingResult result) {
        super(message, cause);
        this.result = result;
    }

    /** The training run up to the epoch in which the listener failed. */
    public TrainingResult result() {
        return result;
    }
}
