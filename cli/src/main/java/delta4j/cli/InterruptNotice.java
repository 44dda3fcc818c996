package delta4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code delta4j train} says when it is stopped (Ctrl-C, SIGTERM) while training: where the last
 * checkpoint is and the exact command that resumes from it, or that nothing was saved. A JVM shutdown hook
 * says it: hooks run on SIGINT and SIGTERM, and the JVM then exits with 130 or 143 as before. The hook is
 * removed when training and its outputs are done, so a normal exit prints nothing.
 */
final class InterruptNotice implements AutoCloseable {

    /** How long a notice waits for a checkpoint that is being written. */
    private static final long SAVE_WAIT_NANOS = 30_000_000_000L;

    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=,+@%^-]+");

    private final PrintWriter err;
    private final List<String> args;
    private final Path checkpoint;
    private final Path resumedFrom;
    private final int resumedEpochs;
    private final int maxEpochs;
    private final Thread hook;
    private volatile int epochsDone;
    private volatile int checkpointEpoch = -1;
    private boolean saving;
    private volatile boolean training = true;

    /**
     * @param err           where the notice goes
     * @param args          the command line as given, after {@code delta4j}
     * @param checkpoint    where checkpoints are written, or null without {@code --checkpoint-every}
     * @param resumedFrom   the {@code --resume} checkpoint, or null
     * @param resumedEpochs the epochs that checkpoint holds (0 without one)
     * @param maxEpochs     {@code --epochs}
     */
    InterruptNotice(PrintWriter err, List<String> args, Path checkpoint, Path resumedFrom, int resumedEpochs, int maxEpochs) {
        this.err = err;
        this.args = List.copyOf(args);
        this.checkpoint = checkpoint;
        this.resumedFrom = resumedFrom;
        this.resumedEpochs = resumedEpochs;
        this.maxEpochs = maxEpochs;
        this.epochsDone = resumedEpochs;
        this.hook = new Thread(this::print, "delta4j-interrupt-notice");
    }

    /** Installs the shutdown hook. */
    InterruptNotice install() {
        Runtime.getRuntime().addShutdownHook(hook);
        return this;
    }

    /** An epoch finished. */
    void epochDone(int epoch) {
        epochsDone = epoch;
    }

    /** A checkpoint is being written: a notice now waits for it, to say truly whether it is there. */
    synchronized void checkpointStarting() {
        saving = true;
    }

    /** A checkpoint holding {@code epoch} epochs is complete on disk. */
    synchronized void checkpointWritten(int epoch) {
        checkpointEpoch = epoch;
        saving = false;
        notifyAll();
    }

    /** The checkpoint being written failed; the previous one (if any) stands. */
    synchronized void checkpointFailed() {
        saving = false;
        notifyAll();
    }

    /** Training is over; the outputs are being written. */
    void trainingDone() {
        training = false;
    }

    private void print() {
        // Training goes on while shutdown hooks run: a checkpoint being written completes (or fails) in moments.
        synchronized (this) {
            long deadline = System.nanoTime() + SAVE_WAIT_NANOS;
            while (saving && System.nanoTime() < deadline) {
                try {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        err.println(message());
        err.flush();
    }

    /** The notice, one line. */
    String message() {
        String where = training ? "interrupted during epoch " + (epochsDone + 1) + " of " + maxEpochs
                : "interrupted after training, while writing the outputs (each is complete or absent, never half-written)";
        Path from = checkpointEpoch >= 0 ? checkpoint : resumedFrom;
        int holds = checkpointEpoch >= 0 ? checkpointEpoch : resumedEpochs;
        if (from == null) {
            return "delta4j: " + where + ": nothing was saved (no checkpoints were written; add --checkpoint-every N"
                    + " to be able to resume an interrupted run)";
        }
        String state = checkpointEpoch >= 0 ? "the last checkpoint is " + from + " (after epoch " + holds + ")"
                : "no checkpoint was written by this run; " + from + " still holds epoch " + holds;
        return "delta4j: " + where + "; " + state + "; continue with: " + resumeCommand(args, from);
    }

    /** The command line that resumes from {@code checkpoint}: the same arguments with {@code --resume} set, quoted for a POSIX shell. */
    static String resumeCommand(List<String> args, Path checkpoint) {
        List<String> a = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (s.equals("--resume")) {
                i++; // and its value
            } else if (!s.startsWith("--resume=")) {
                a.add(s);
            }
        }
        a.add("--resume");
        a.add(checkpoint.toString());
        StringBuilder sb = new StringBuilder("delta4j");
        for (String s : a) {
            sb.append(' ').append(quote(s));
        }
        return sb.toString();
    }

    static String quote(String s) {
        return SHELL_SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** Removes the hook: the run ended on its own. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // The JVM is already shutting down (the hook is running), or it was never installed.
        }
    }
}
