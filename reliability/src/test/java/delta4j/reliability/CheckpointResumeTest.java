package delta4j.reliability;

import delta4j.cli.Main;
import delta4j.io.CheckpointFile;
import delta4j.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code delta4j train --checkpoint-every N} and {@code --resume FILE}: a run that is stopped (or killed)
 * and resumed ends with a model file byte-identical to the one an uninterrupted run writes, with a fixed
 * seed, on the reference and cpu engines, and on every engine when the resumed run is a new process; a checkpoint is refused, with the reason, when the settings or
 * the data differ or the file is not a checkpoint.
 */
class CheckpointResumeTest {

    static Path data(Path dir, int rows, int features) throws IOException {
        SplittableRandom rnd = new SplittableRandom(9);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            double y = 0;
            for (int j = 0; j < features; j++) {
                double v = rnd.nextGaussian();
                y += Math.sin(v * (j + 1));
                sb.append(String.format(Locale.ROOT, "%.6f,", v));
            }
            sb.append(String.format(Locale.ROOT, "%.6f%n", y));
        }
        Path f = dir.resolve("data.csv");
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        return f;
    }

    static List<String> args(String engine, Path data, String layers, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--layers", layers, "--engine", engine,
                "--threads", "2", "--optimizer", "adam", "--lr", "0.01", "--batch", "16", "--seed", "7", "--validation", "0.2",
                "--patience", "50", "--quiet"));
        a.addAll(List.of(more));
        return a;
    }

    static NumericalTest.Run cli(List<String> args) {
        return NumericalTest.cli(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void stoppingAndResumingGivesTheSameModelAsAnUninterruptedRun(String engine, @TempDir Path dir) throws IOException {
        Path data = data(dir, 300, 3);
        Path straight = dir.resolve("straight.d4j"), partial = dir.resolve("partial.d4j"), resumed = dir.resolve("resumed.d4j");
        Path ckpt = dir.resolve("run.ckpt");
        NumericalTest.Run a = cli(args(engine, data, "3,12,8,1", "--epochs", "6", "--out", straight.toString()));
        assertEquals(0, a.exit(), a.toString());

        NumericalTest.Run b = cli(args(engine, data, "3,12,8,1", "--epochs", "3", "--checkpoint-every", "1",
                "--checkpoint", ckpt.toString(), "--out", partial.toString()));
        assertEquals(0, b.exit(), b.toString());
        assertEquals(3, CheckpointFile.load(ckpt).state().epochsDone());
        NumericalTest.Run c = cli(args(engine, data, "3,12,8,1", "--epochs", "6", "--resume", ckpt.toString(),
                "--out", resumed.toString()));
        assertEquals(0, c.exit(), c.toString());

        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed), engine + ": resumed model differs from the uninterrupted one");
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(partial), Files.readAllBytes(resumed)), "the resumed run trained further");
    }

    /**
     * A tanh network resumed in a new process ends with the model file of the uninterrupted run, byte for byte.
     * The uninterrupted run and the run that stops after 2 epochs with a checkpoint are "warm" JVMs: C2 compiles
     * delta4j's methods within the first epoch, as it has in any process that trained for a while (and with
     * {@code -Xbatch}, so at the same call in every run). The resumed run is a cold JVM with default settings,
     * whose kernels run interpreted or from C1 for its first epochs. The files are equal only if every kernel
     * gives the same bits in every JIT tier: the cpu engine's {@code lanewise(TANH)} did not (1 ulp apart on
     * about 0.4 % of inputs), and four runs of the README's tanh example gave two different sets of weights.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void aTanhNetworkResumedInANewProcessEndsWithTheUninterruptedRunsModel(String engine, @TempDir Path dir) throws Exception {
        if (engine.equals("opencl")) {
            OpenCl.require();
        }
        Path data = data(dir, 3000, 8);
        Path straight = dir.resolve("straight.d4j"), resumed = dir.resolve("resumed.d4j"), ckpt = dir.resolve("run.ckpt");
        List<String> common = List.of("train", "--data", data.toString(), "--layers", "8,64,32,1", "--activation", "tanh",
                "--engine", engine, "--threads", "2", "--optimizer", "adam", "--lr", "0.01", "--batch", "16", "--seed", "7",
                "--quiet");
        NumericalTest.Run a = child(dir, WARM, common, "--epochs", "4", "--out", straight.toString());
        assertEquals(0, a.exit(), a.toString());
        NumericalTest.Run b = child(dir, WARM, common, "--epochs", "2", "--checkpoint-every", "1", "--checkpoint", ckpt.toString());
        assertEquals(0, b.exit(), b.toString());
        assertEquals(2, CheckpointFile.load(ckpt).state().epochsDone());
        NumericalTest.Run c = child(dir, List.of(), common, "--epochs", "4", "--resume", ckpt.toString(), "--out", resumed.toString());
        assertEquals(0, c.exit(), c.toString());
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed),
                engine + ": the tanh network resumed in a new (cold) process differs from the uninterrupted (warm) run");
    }

    /** JVM options under which C2 compiles delta4j's methods after a hundredth of the usual calls, in the foreground. */
    static final List<String> WARM = List.of("-Xbatch", "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=CompileThresholdScaling,delta4j.*::*,0.01");

    /** Runs the CLI in a JVM of its own (the test JVM's class path, the vector module, jvmOptions) and waits for it. */
    static NumericalTest.Run child(Path dir, List<String> jvmOptions, List<String> args, String... more)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        cmd.addAll(List.of(more));
        Path out = Files.createTempFile(dir, "child", ".out"), err = Files.createTempFile(dir, "child", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish within 120 s: " + cmd);
        }
        return new NumericalTest.Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * The real thing: a training process is killed with SIGKILL after it wrote a checkpoint, and resuming
     * ends where an uninterrupted run ends (cosine schedule, so the learning rate depends on the epoch too).
     */
    @Test
    void aKilledTrainingProcessResumesToTheSameModel(@TempDir Path dir) throws Exception {
        Path data = data(dir, 3000, 8);
        Path straight = dir.resolve("straight.d4j"), resumed = dir.resolve("resumed.d4j"), ckpt = dir.resolve("run.ckpt");
        String layers = "8,64,32,1";
        String[] common = {"--epochs", "8", "--schedule", "cosine"};
        NumericalTest.Run a = cli(args("cpu", data, layers, concat(common, "--out", straight.toString())));
        assertEquals(0, a.exit(), a.toString());

        List<String> child = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        child.addAll(args("cpu", data, layers, concat(common, "--checkpoint-every", "1", "--checkpoint", ckpt.toString())));
        Process p = new ProcessBuilder(child).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        int killedAfter = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && System.nanoTime() < deadline) {
            if (Files.exists(ckpt)) {
                try {
                    killedAfter = CheckpointFile.load(ckpt).state().epochsDone();
                } catch (IOException e) {
                    throw new AssertionError("a checkpoint on disk did not load: " + e.getMessage(), e);
                }
                if (killedAfter >= 2) {
                    p.destroyForcibly();
                    break;
                }
            }
            Thread.sleep(5);
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the training process did not end");
        int atResume = CheckpointFile.load(ckpt).state().epochsDone();
        System.out.println("CheckpointResumeTest: training killed with a checkpoint after epoch " + atResume + " of 8");

        NumericalTest.Run c = cli(args("cpu", data, layers, concat(common, "--resume", ckpt.toString(), "--out", resumed.toString())));
        assertEquals(0, c.exit(), c.toString());
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed), "resumed after kill -9 differs from the uninterrupted run");
    }

    @Test
    void aCheckpointIsRefusedWithTheReasonWhenItDoesNotFit(@TempDir Path dir) throws IOException {
        Path data = data(dir, 120, 3);
        Path ckpt = dir.resolve("run.ckpt"), model = dir.resolve("m.d4j");
        NumericalTest.Run b = cli(args("reference", data, "3,8,1", "--epochs", "2", "--checkpoint-every", "1",
                "--checkpoint", ckpt.toString(), "--out", model.toString()));
        assertEquals(0, b.exit(), b.toString());

        List<String> otherRate = args("reference", data, "3,8,1", "--epochs", "4", "--resume", ckpt.toString());
        otherRate.set(otherRate.indexOf("--lr") + 1, "0.1");
        NumericalTest.Run lr = cli(otherRate);
        assertEquals(Main.USAGE_ERROR, lr.exit(), lr.toString());
        assertTrue(lr.err().contains("lr") && lr.err().contains("0.01") && lr.err().contains("0.1"), lr.err());

        Path other = data(Files.createDirectories(dir.resolve("other")), 121, 3);
        NumericalTest.Run d = cli(args("reference", other, "3,8,1", "--epochs", "4", "--resume", ckpt.toString()));
        assertEquals(Main.USAGE_ERROR, d.exit(), d.toString());
        assertTrue(d.err().contains("data"), d.err());

        NumericalTest.Run notCkpt = cli(args("reference", data, "3,8,1", "--epochs", "4", "--resume", model.toString()));
        assertEquals(Main.RUNTIME_ERROR, notCkpt.exit(), notCkpt.toString());
        assertTrue(notCkpt.err().contains("model file"), notCkpt.err());

        byte[] bytes = Files.readAllBytes(ckpt);
        bytes[bytes.length / 2] ^= 0x10;
        Path corrupt = dir.resolve("corrupt.ckpt");
        Files.write(corrupt, bytes);
        NumericalTest.Run bad = cli(args("reference", data, "3,8,1", "--epochs", "4", "--resume", corrupt.toString()));
        assertEquals(Main.RUNTIME_ERROR, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("checksum"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());

        NumericalTest.Run noWhere = cli(args("reference", data, "3,8,1", "--epochs", "4", "--checkpoint-every", "1"));
        assertEquals(Main.USAGE_ERROR, noWhere.exit(), noWhere.toString());
        assertTrue(noWhere.err().contains("--checkpoint"), noWhere.err());
        ModelFile.load(model); // the finished run's model is intact
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
