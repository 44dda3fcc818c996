package delta4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import delta4j.engine.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static delta4j.cli.CliTest.assertUsageError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Command lines that were silently accepted and did something else than asked: each is now a one-line usage
 * error, or trains with a one-line warning.
 */
class RefusalsAndWarningsTest {

    @TempDir
    Path dir;

    Path regression() throws IOException {
        return ChildCli.regressionCsv(dir, "r.csv", 60);
    }

    Path twoClasses(String name, int rows) throws IOException {
        StringBuilder sb = new StringBuilder("x1,x2,kind\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(2);
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1);
            sb.append(a).append(',').append(b).append(',').append(a + b > 0 ? "up" : "down").append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    static void assertUsageErrorSaying(Cli.Result r, String... fragments) {
        assertUsageError(r);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), () -> "'" + f + "' missing: " + r);
        }
    }

    static String warnings(Cli.Result r) {
        return String.join("\n", r.err().lines().filter(l -> l.startsWith("delta4j: warning: ")).toList());
    }

    @Test
    void threadsAboveTheBoundAreRefused() throws IOException {
        int max = EngineOptions.MAX_THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
        assertUsageErrorSaying(Cli.run("train", "--data", regression().toString(), "--layers", "3,4,1", "--threads", Integer.toString(max + 1)),
                "--threads " + (max + 1), "at most " + max);
        assertUsageErrorSaying(Cli.run("bench", "gemm", "--threads", "100000"), "--threads 100000");
    }

    @Test
    void aDeviceForAnEngineWithoutDevicesIsRefused() throws IOException {
        String csv = regression().toString();
        assertUsageErrorSaying(Cli.run("train", "--data", csv, "--layers", "3,4,1", "--engine", "cpu", "--device", "0"),
                "--device 0", "cpu engine", "no devices");
        assertUsageErrorSaying(Cli.run("eval", "--model", "m.d4j", "--data", csv, "--engine", "reference", "--device", "gpu"), "--device gpu");
    }

    /** Without a GPU, "--device gpu" used to train on the cpu engine without a word. */
    @Test
    void aGpuThatIsNotThereIsAnError() throws IOException {
        assumeFalse(Engines.list().stream().anyMatch(f -> f.availability().available() && f.availability().gpu()), "this machine has a GPU");
        Cli.Result r = Cli.run("train", "--data", regression().toString(), "--layers", "3,4,1", "--epochs", "1", "--device", "gpu");
        CliTest.assertRuntimeError(r, "gpu");
        assertFalse(r.out().contains("epoch"), r::toString);
    }

    /** An unavailable device is reported before the data is read: here the data is bad, and the device error comes first. */
    @Test
    void theEngineAndDeviceAreResolvedBeforeTheDataIsRead() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "a,b,y\n1,2,3\n4,x,6\n");
        Cli.Result r = Cli.run("train", "--data", bad.toString(), "--layers", "2,3,1", "--engine", "opencl", "--device", "99");
        assertEquals(Main.RUNTIME_ERROR, r.exit(), r::toString);
        assertTrue(r.err().contains("opencl") || r.err().contains("OpenCL"), r::toString);
        assertFalse(r.err().contains("line 3"), "the data was not read: " + r);
    }

    @Test
    void schedulesThatGrowTheLearningRateAreRefused() throws IOException {
        String csv = regression().toString();
        assertUsageErrorSaying(Cli.run("train", "--data", csv, "--layers", "3,4,1", "--schedule", "cosine:2"), "--schedule cosine:2", "grow");
        assertUsageErrorSaying(Cli.run("train", "--data", csv, "--layers", "3,4,1", "--schedule", "cosine:-1"), "negative");
        assertUsageErrorSaying(Cli.run("train", "--data", csv, "--layers", "3,4,1", "--schedule", "step:1:5"), "--schedule step:1:5",
                "multiply the learning rate by 5 every epoch");
        Cli.Result ok = Cli.run("train", "--data", csv, "--layers", "3,4,1", "--epochs", "2", "--engine", "reference", "--schedule", "step:1:0.5", "--quiet");
        assertEquals(0, ok.exit(), ok::toString);
    }

    @Test
    void clipNormZeroIsRefusedAndLeavingItOutIsNoClipping() throws IOException {
        String csv = regression().toString();
        assertUsageErrorSaying(Cli.run("train", "--data", csv, "--layers", "3,4,1", "--clip-norm", "0"), "--clip-norm 0", "leave the option out");
        Cli.Result ok = Cli.run("train", "--data", csv, "--layers", "3,4,1", "--epochs", "1", "--engine", "reference");
        assertEquals(0, ok.exit(), ok::toString);
        assertFalse(ok.out().contains("clipped"), ok::toString);
    }

    @Test
    void resumingWithFewerEpochsThanDoneIsRefused() throws IOException {
        String csv = regression().toString();
        Path ckpt = dir.resolve("run.ckpt"), model = dir.resolve("m.d4j");
        String[] common = {"train", "--data", csv, "--layers", "3,4,1", "--engine", "reference", "--quiet"};
        Cli.Result a = Cli.run(PathCollisionsTest.concat(common, "--epochs", "4", "--checkpoint-every", "2", "--checkpoint", ckpt.toString()));
        assertEquals(0, a.exit(), a::toString);
        assertUsageErrorSaying(Cli.run(PathCollisionsTest.concat(common, "--epochs", "2", "--resume", ckpt.toString(), "--out", model.toString())),
                "--epochs 2", "already holds 4 epochs", "--epochs 4 or more");
        assertFalse(Files.exists(model));
        // As many epochs as done: nothing to train, the checkpoint's model is saved.
        Cli.Result same = Cli.run(PathCollisionsTest.concat(common, "--epochs", "4", "--resume", ckpt.toString(), "--out", model.toString()));
        assertEquals(0, same.exit(), same::toString);
        assertTrue(Files.exists(model));
    }

    @Test
    void aLossFarAboveChanceIsWarnedAbout() throws IOException {
        Path csv = twoClasses("c.csv", 200);
        String[] common = {"train", "--data", csv.toString(), "--task", "classification", "--layers", "2,16,2", "--epochs", "3",
                "--engine", "reference", "--quiet"};
        Cli.Result wild = Cli.run(PathCollisionsTest.concat(common, "--lr", "1000"));
        assertEquals(0, wild.exit(), wild::toString);
        String w = warnings(wild);
        assertTrue(w.contains("far above chance level") && w.contains("ln 2") && w.contains("learning rate 1000"), wild::toString);
        assertEquals(1, w.lines().count(), wild::toString);
        Cli.Result fine = Cli.run(PathCollisionsTest.concat(common, "--lr", "0.01"));
        assertEquals(0, fine.exit(), fine::toString);
        assertEquals("", warnings(fine), fine::toString);
    }

    @Test
    void aRegressionLossFarAboveThatOfPredictingTheMeanIsWarnedAbout() throws IOException {
        StringBuilder sb = new StringBuilder();
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 200; i++) {
            double x = rnd.nextDouble() * 2 - 1;
            sb.append(x).append(',').append(2 * x + 0.1 * rnd.nextGaussian()).append('\n');
        }
        Path csv = Files.writeString(dir.resolve("r.csv"), sb);
        String[] common = {"train", "--data", csv.toString(), "--layers", "1,16,1", "--epochs", "3", "--engine", "reference", "--quiet"};
        Cli.Result wild = Cli.run(PathCollisionsTest.concat(common, "--lr", "10"));
        assertEquals(0, wild.exit(), wild::toString);
        String w = warnings(wild);
        assertTrue(w.contains("far above chance level") && w.contains("predicting each target's mean on standardised targets")
                && w.contains("learning rate 10 "), wild::toString);
        Cli.Result fine = Cli.run(PathCollisionsTest.concat(common, "--lr", "0.01"));
        assertEquals(0, fine.exit(), fine::toString);
        assertEquals("", warnings(fine), fine::toString);
    }

    @Test
    void mseClassifierOutputsAreScoresNotProbabilities() throws IOException {
        Path csv = twoClasses("c.csv", 100), model = dir.resolve("c.d4j");
        Cli.Result t = Cli.run("train", "--data", csv.toString(), "--task", "classification", "--loss", "mse", "--layers", "2,4,2",
                "--epochs", "2", "--engine", "reference", "--out", model.toString(), "--quiet");
        assertEquals(0, t.exit(), t::toString);
        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", csv.toString());
        assertEquals(0, p.exit(), p::toString);
        assertEquals("class,label,score_down,score_up", p.out().lines().findFirst().orElseThrow());
    }

    @Test
    void theValidationSplitIsShownAsCounts() throws IOException {
        Path three = Files.writeString(dir.resolve("three.csv"), "1,2,3\n4,5,6\n7,8,9\n");
        Cli.Result r = Cli.run("train", "--data", three.toString(), "--layers", "2,2,1", "--validation", "0.1", "--epochs", "1", "--engine", "reference");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("3 samples, 2 features, 1 target (1 of 3 held out for validation, 2 for training)"), r::toString);
        Path one = Files.writeString(dir.resolve("one.csv"), "1,2,3\n");
        assertUsageErrorSaying(Cli.run("train", "--data", one.toString(), "--layers", "2,2,1", "--validation", "0.5"), "1 sample;", "at least 2");
    }

    @Test
    void aGuessedHeaderIsSaid() throws IOException {
        StringBuilder sb = new StringBuilder("n/a,0.5,1.5\n");
        for (int i = 0; i < 20; i++) {
            sb.append(i).append(',').append(i * 0.5).append(',').append(i * 2).append('\n');
        }
        Path csv = Files.writeString(dir.resolve("h.csv"), sb);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "2,2,1", "--epochs", "1", "--engine", "reference", "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(warnings(r).contains("treated row 1 as a header because 'n/a' in column 1 is not a number"), r::toString);
        // A real header says nothing.
        Cli.Result clean = Cli.run("train", "--data", regression().toString(), "--layers", "3,2,1", "--epochs", "1", "--engine", "reference", "--quiet");
        assertEquals("", warnings(clean), clean::toString);
    }

    @Test
    void aTabSeparatedFileGetsAHint() throws IOException {
        Path tsv = Files.writeString(dir.resolve("t.tsv"), "a\tb\ty\n1\t2\t3\n");
        Cli.Result r = Cli.run("train", "--data", tsv.toString(), "--layers", "2,2,1");
        CliTest.assertRuntimeError(r, "the row has 1 column,");
        assertTrue(r.err().contains("tabs") && r.err().contains("comma- or semicolon-separated"), r::toString);
    }

    @Test
    void aSingleClassIsWarnedAbout() throws IOException {
        Path csv = Files.writeString(dir.resolve("one-class.csv"), "1,2,yes\n3,4,yes\n5,6,yes\n");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--task", "classification", "--layers", "2,2,1", "--epochs", "1",
                "--engine", "reference", "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(warnings(r).contains("holds a single class ('yes')"), r::toString);
    }

    @Test
    void wording() throws IOException {
        Path csv = regression(), model = dir.resolve("m.d4j");
        Cli.Result t = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--epochs", "1", "--lr", "0.0001", "--engine", "reference",
                "--out", model.toString());
        assertEquals(0, t.exit(), t::toString);
        assertTrue(t.out().contains("adam (lr 0.0001, constant schedule)"), t::toString);
        assertTrue(t.out().contains("up to 1 epoch,") && t.out().contains("done:      1 epoch (max epochs)"), t::toString);

        Path one = Files.writeString(dir.resolve("one.csv"), "0.1,0.2,0.3,0.4\n");
        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", one.toString(), "--engine", "reference");
        assertEquals(0, e.exit(), e::toString);
        assertTrue(e.out().contains("one.csv: 1 sample, 3 features, 1 target") && e.out().contains("on 1 sample ("), e::toString);

        Path wide = Files.writeString(dir.resolve("wide.csv"), "1,2,3,4,5\n");
        Cli.Result w = Cli.run("eval", "--model", model.toString(), "--data", wide.toString());
        CliTest.assertRuntimeError(w, "the model expects 3 features (followed by 1 target column)");

        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "1,2,3\n4\n");
        CliTest.assertRuntimeError(Cli.run("train", "--data", ragged.toString(), "--layers", "2,2,1"), "ragged row: it has 1 column, the first row has 3");

        // One line, with the suggestion, for a mistyped option.
        Cli.Result typo = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--epoch", "3");
        assertUsageErrorSaying(typo, "--epoch", "did you mean --epochs");
    }

    /** The trainer suggests lr / 10 computed in float: 0.3f / 10 is 0.030000001, said as 0.03. */
    @Test
    void aDivergenceSuggestsAPlainLearningRate() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            sb.append(i).append(',').append(i * 3).append('\n');
        }
        // Ordinary targets and a learning rate far too large: a divergence the learning rate causes.
        Path csv = Files.writeString(dir.resolve("wild.csv"), sb);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "1,8,1", "--optimizer", "sgd", "--lr", "50", "--epochs", "20",
                "--engine", "reference");
        CliTest.assertRuntimeError(r, "diverged");
        assertTrue(r.err().contains("at learning rate 50;") && r.err().contains("(e.g. 5)"), r::toString);
        assertEquals("try a smaller learning rate (e.g. 0.0001) or at learning rate 0.001",
                Main.plainLearningRates("try a smaller learning rate (e.g. 1.00000005E-4) or at learning rate 0.001"));
    }

    @Test
    void benchJsonReportsTheThreadsTheEngineRunsOn() throws Exception {
        Path g = dir.resolve("g.json");
        Cli.Result r = Cli.run("bench", "gemm", "--engine", "reference", "--size", "8", "--warmup", "0", "--runs", "1", "--json", g.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals(1, new ObjectMapper().readTree(g.toFile()).get("threads").asInt(), "the reference engine runs on one thread");
    }
}
