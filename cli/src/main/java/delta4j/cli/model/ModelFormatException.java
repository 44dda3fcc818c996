package delta4j.cli.model;

import java.io.IOException;

/** A file is not a valid delta4j model file; the message names the file and what is wrong with it. */
public class ModelFormatException extends IOException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
