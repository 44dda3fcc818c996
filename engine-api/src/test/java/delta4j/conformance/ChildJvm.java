package delta4j.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM on this test's class path, for the checks that need a process of their own (a missing flag, a library
 * that must not load, what reaches standard output): its command, and a run to its end with both outputs captured.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** What a finished child left: its exit status, its standard output, and its standard error (empty when merged). */
    public record Result(int exit, String out, String err) {
        /** {@return both outputs, for an assertion's message} */
        public String both() {
            return out + err;
        }
    }

    /**
     * {@return the command that starts {@code main} in a JVM of this JVM's java home on this JVM's class path}
     *
     * @param main the class whose main method the child runs
     * @param options JVM options, before the class path
     */
    public static List<String> command(Class<?> main, List<String> options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        return cmd;
    }

    /**
     * Runs a child to its end, its standard error apart from its standard output unless the builder merges them, and
     * fails the test if it has not finished within {@code seconds}.
     *
     * @param pb the child, as {@link #command} and any environment make it
     * @param seconds how long it may run
     * @return its exit status and outputs
     * @throws IOException if the child cannot start or its output cannot be read
     * @throws InterruptedException if the wait is interrupted
     */
    public static Result run(ProcessBuilder pb, int seconds) throws IOException, InterruptedException {
        Path err = pb.redirectErrorStream() ? null : Files.createTempFile("delta4j-child-", ".err");
        try {
            if (err != null) {
                pb.redirectError(err.toFile());
            }
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "child JVM did not finish: " + out);
            return new Result(p.exitValue(), out, err == null ? "" : Files.readString(err));
        } finally {
            if (err != null) {
                Files.deleteIfExists(err);
            }
        }
    }
}
