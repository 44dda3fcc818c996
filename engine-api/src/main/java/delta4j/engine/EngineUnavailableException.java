package delta4j.engine;

/** An engine cannot be created on this machine; the message says why and what would fix it. */
public class EngineUnavailableException extends RuntimeException {

    /**
     * An engine cannot be created.
     *
     * @param message why, and what would fix it
     */
    public EngineUnavailableException(String message) {
        super(message);
    }

    /**
     * An engine cannot be created because of an underlying failure.
     *
     * @param message why, and what would fix it
     * @param cause the failure that made it unavailable (a native library that did not load, a driver error)
     */
    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
