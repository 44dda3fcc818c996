package delta4j.io;

import java.io.IOException;

/**
 * A file is not a valid delta4j model or checkpoint file; the message names the file and what is wrong with it.
 */
public class ModelFormatException extends IOException {

    /**
     * A format error.
     *
     * @param message names the file and what is wrong with it
     */
    public ModelFormatException(String message) {
        super(message);
    }

    /**
     * A format error with its underlying cause.
     *
     * @param message names the file and what is wrong with it
     * @param cause   what was thrown while decoding the part named in the message
     */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
