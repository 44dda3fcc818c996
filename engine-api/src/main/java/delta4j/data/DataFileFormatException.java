package delta4j.data;

import java.io.IOException;

/** A binary data file (docs/DATA_FORMAT.md) that cannot be read as one: the message names the file and what is wrong. */
public class DataFileFormatException extends IOException {

    private final String file;

    public DataFileFormatException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The file as it was named. */
    public String file() {
        return file;
    }
}
