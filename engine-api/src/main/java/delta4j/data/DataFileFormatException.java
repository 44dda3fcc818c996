package delta4j.data;

import java.io.IOException;

/** A binary data file (docs/DATA_FORMAT.md) that cannot be read as one: the message names the file and what is wrong. */
public class DataFileFormatException extends IOException {

    /** The file as it was named. */
    private final String file;

    /**
     * A problem with a data file.
     *
     * @param file    the file as it was named
     * @param problem what is wrong, and what to do about it
     */
    public DataFileFormatException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** {@return the file as it was named} */
    public String file() {
        return file;
    }
}
