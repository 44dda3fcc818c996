package delta4j.cli;

/**
 * The command line asks for something that cannot work (a bad option value, options that contradict
 * each other or the data): reported in one line with a usage hint, exit code 2.
 */
public class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
