package delta4j.model;

/**
 * A {@link TrainingListener} threw. Training stopped gracefully at the end of that epoch (see
 * {@link TrainingListener}): the model holds the weights kept, and {@link #result()} is the run up to there, with
 * {@link StopReason#LISTENER_FAILED}. The cause is the listener's exception.
 */
public class TrainingListenerException extends RuntimeException {

    /** The run up to the failure (not serialised). */
    private final transient TrainingResult result;

    /**
     * A listener's failure.
     *
     * @param message what failed, when training stopped and which weights the model holds
     * @param cause   the listener's exception
     * @param result  the run up to the failing epoch
     */
    public TrainingListenerException(String message, Throwable cause, TrainingResult result) {
        super(message, cause);
        this.result = result;
    }

    /** {@return the training run up to the epoch in which the listener failed} */
    public TrainingResult result() {
        return result;
    }
}
