package delta4j.cli.io;

/**
 * A data file cannot be used: the message names the file and, for text files, the line and column
 * (both 1-based) of the first problem, and says what to do about it.
 */
public class DataFileException extends RuntimeException {

    private final String file;
    private final long line;
    private final int column;

    /** A problem at a line and column of a text file (0 where one does not apply). */
    public DataFileException(String file, long line, int column, String problem) {
        super(format(file, line, column, problem));
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /** A problem with a file as a whole. */
    public DataFileException(String file, String problem) {
        this(file, 0, 0, problem);
    }

    public DataFileException(String file, String problem, Throwable cause) {
        super(format(file, 0, 0, problem), cause);
        this.file = file;
        this.line = 0;
        this.column = 0;
    }

    /** A file that exists but could not be read (an I/O error, permissions): names the file and the system's reason. */
    public static DataFileException unreadable(String file, java.io.IOException e) {
        String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getSimpleName();
        return new DataFileException(file, "cannot be read: " + reason, e);
    }

    private static String format(String file, long line, int column, String problem) {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(", line ").append(line);
            if (column > 0) {
                sb.append(", column ").append(column);
            }
        }
        return sb.append(": ").append(problem).toString();
    }

    /** The file, as the user named it. */
    public String file() {
        return file;
    }

    /** 1-based line of the problem, or 0. */
    public long line() {
        return line;
    }

    /** 1-based column of the problem, or 0. */
    public int column() {
        return column;
    }
}
