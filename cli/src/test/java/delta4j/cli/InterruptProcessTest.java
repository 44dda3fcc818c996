package delta4j.cli;

import delta4j.io.CheckpointFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Ctrl-C during training (SIGINT, sent with kill as a terminal would): the process says where the last
 * checkpoint is and the exact command that resumes from it, or that nothing was saved; and the command it
 * prints does resume.
 */
class InterruptProcessTest {

    @TempDir
    Path dir;

    /**
     * A process started with SIGINT ignored (a background job of a non-interactive shell) passes that on,
     * and the JVM then leaves SIGINT alone: there is nothing to test.
     */
    @BeforeAll
    static void sigintReachesChildren() throws IOException {
        Path status = Path.of("/proc/self/status");
        assumeFalse(!Files.exists(status), "needs Linux's /proc");
        String ignored = Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:")).findFirst().orElse("SigIgn: 0")
                .substring(7).trim();
        assumeFalse((Long.parseLong(ignored, 16) & (1L << 1)) != 0, "SIGINT is ignored in this process, so children ignore it too");
    }

    static void sigint(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    static String noticeLine(String log) {
        return log.lines().filter(l -> l.startsWith("delta4j: interrupted")).findFirst()
                .orElseThrow(() -> new AssertionError("no interrupt notice:\n" + log));
    }

    @Test
    void ctrlCNamesTheLastCheckpointAndTheResumeCommandThatWorks() throws Exception {
        Path csv = ChildCli.regressionCsv(dir, "d.csv", 3000);
        Path ckpt = dir.resolve("run.ckpt"), model = dir.resolve("m.d4j"), log = dir.resolve("child.log");
        List<String> args = List.of("train", "--data", csv.toString(), "--layers", "3,64,64,1", "--epochs", "30", "--engine", "reference",
                "--seed", "3", "--checkpoint-every", "1", "--checkpoint", ckpt.toString(), "--out", model.toString());
        Process p = ChildCli.start(ChildCli.command(List.of(), args), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(ckpt) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(Files.exists(ckpt), ChildCli.read(log));
        sigint(p);
        int exit = ChildCli.exit(p, log);
        String out = ChildCli.read(log);
        assertEquals(130, exit, out);
        int holds = CheckpointFile.load(ckpt).state().epochsDone();
        String notice = noticeLine(out);
        assertTrue(notice.contains("the last checkpoint is " + ckpt + " (after epoch " + holds + ")"), notice);
        String prefix = "continue with: delta4j ";
        assertTrue(notice.contains(prefix), notice);
        List<String> resume = Arrays.asList(notice.substring(notice.indexOf(prefix) + prefix.length()).split(" "));
        List<String> expected = new ArrayList<>(args);
        expected.addAll(List.of("--resume", ckpt.toString()));
        assertEquals(expected, resume, notice);

        Cli.Result r = Cli.run(resume.toArray(String[]::new));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("resumed:   " + ckpt + " after epoch " + holds), r::toString);
        assertTrue(r.out().contains("epoch 30/30"), r::toString);
    }

    @Test
    void ctrlCWithoutCheckpointsSaysNothingWasSaved() throws Exception {
        Path csv = ChildCli.regressionCsv(dir, "d.csv", 3000);
        Path model = dir.resolve("m.d4j"), log = dir.resolve("child.log");
        Process p = ChildCli.start(ChildCli.command(List.of(), List.of("train", "--data", csv.toString(), "--layers", "3,64,64,1",
                "--epochs", "1000", "--engine", "reference", "--out", model.toString())), log);
        ChildCli.awaitOutput(p, log, "epoch    1/1000");
        sigint(p);
        int exit = ChildCli.exit(p, log);
        String out = ChildCli.read(log);
        assertEquals(130, exit, out);
        String notice = noticeLine(out);
        assertTrue(notice.matches("delta4j: interrupted during epoch \\d+ of 1000: nothing was saved .*--checkpoint-every.*"), notice);
        assertTrue(!Files.exists(model));
    }

    @Test
    void theResumeCommandIsQuotedForTheShellAndReplacesAnEarlierResume() {
        assertEquals("delta4j train --data 'my data.csv' --epochs 9 --resume r.ckpt",
                InterruptNotice.resumeCommand(List.of("train", "--data", "my data.csv", "--resume", "old.ckpt", "--epochs", "9"), Path.of("r.ckpt")));
        assertEquals("'it'\\''s'", InterruptNotice.quote("it's"));
    }
}
