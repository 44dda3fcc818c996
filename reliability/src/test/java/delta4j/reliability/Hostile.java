package delta4j.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * What the fuzz targets share: the rule that a documented error carries a message, and a watchdog that
 * turns a hang into a failure.
 *
 * <p>Jazzer's JUnit integration maps a JUnit timeout onto the whole fuzzing run rather than onto one
 * input, so each input is timed here instead: a daemon thread checks the input in progress twice a
 * second; one that runs longer than {@link #INPUT_LIMIT_SECONDS} has its bytes and the stack of the
 * fuzzing thread written to {@code target/fuzz-hangs/} and the JVM is halted, which fails the build.
 */
final class Hostile {

    /** Longest time one input may take. Parsing 4 KiB takes microseconds; seconds mean a hang. */
    static final long INPUT_LIMIT_SECONDS = 10;

    private static volatile long started;   // nanoTime when the current input began, 0 when idle
    private static volatile byte[] current;
    private static volatile Thread fuzzing;

    static {
        Thread dog = new Thread(Hostile::watch, "fuzz-watchdog");
        dog.setDaemon(true);
        dog.start();
    }

    private Hostile() {
    }

    /** An input that may only fail with a documented error. */
    @FunctionalInterface
    interface Target {
        void run() throws Exception;
    }

    /** Runs one input under the watchdog. */
    static void guard(byte[] input, Target target) throws Exception {
        current = input;
        fuzzing = Thread.currentThread();
        started = System.nanoTime();
        try {
            target.run();
        } finally {
            started = 0;
        }
    }

    /** A documented error must still say what is wrong: a blank message is a finding. */
    static void requireMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("an error without a message: " + e.getClass().getName(), e);
        }
    }

    /** A copy of a model file with its trailing CRC-32 recomputed, so mutations get past the checksum. */
    static byte[] withValidCrc(byte[] bytes) {
        byte[] b = bytes.clone();
        if (b.length >= 4) {
            CRC32 crc = new CRC32();
            crc.update(b, 0, b.length - 4);
            int v = (int) crc.getValue();
            b[b.length - 4] = (byte) v;
            b[b.length - 3] = (byte) (v >>> 8);
            b[b.length - 2] = (byte) (v >>> 16);
            b[b.length - 1] = (byte) (v >>> 24);
        }
        return b;
    }

    /**
     * A scratch file the file-reading targets write each input to (one per JVM, overwritten, deleted at
     * exit). In memory where Linux offers it: rewriting a file on a disk file system costs milliseconds
     * (the truncation flushes), which would cut the inputs tried per second tenfold.
     */
    static Path scratch(String name) {
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        Path file = dir.resolve("delta4j-fuzz-" + ProcessHandle.current().pid() + "-" + name);
        file.toFile().deleteOnExit();
        return file;
    }

    private static void watch() {
        while (true) {
            try {
                TimeUnit.MILLISECONDS.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            long s = started;
            if (s != 0 && System.nanoTime() - s > TimeUnit.SECONDS.toNanos(INPUT_LIMIT_SECONDS)) {
                report();
                Runtime.getRuntime().halt(77);
            }
        }
    }

    private static void report() {
        StringBuilder sb = new StringBuilder("fuzz input ran longer than " + INPUT_LIMIT_SECONDS + " s (a hang):\n");
        Thread t = fuzzing;
        if (t != null) {
            for (StackTraceElement e : t.getStackTrace()) {
                sb.append("    at ").append(e).append('\n');
            }
        }
        byte[] in = current;
        try {
            Path dir = Path.of("target", "fuzz-hangs");
            Files.createDirectories(dir);
            Path file = dir.resolve("hang-" + System.currentTimeMillis());
            Files.write(file, in == null ? new byte[0] : in);
            sb.append("input saved to ").append(file.toAbsolutePath()).append('\n');
        } catch (IOException e) {
            sb.append("input (hex): ").append(in == null ? "?" : HexFormat.of().formatHex(in)).append('\n');
        }
        System.err.print(sb);
        System.err.flush();
    }
}
