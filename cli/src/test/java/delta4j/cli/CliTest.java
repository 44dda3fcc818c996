package delta4j.cli;

import delta4j.cli.io.IdxTestFiles;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes, messages and the commands' behaviour, run in-process. */
class CliTest {

    @TempDir
    Path dir;

    static void assertUsageError(Cli.Result r) {
        assertEquals(Main.USAGE_ERROR, r.exit(), r::toString);
        assertTrue(r.err().startsWith("delta4j: "), r::toString);
        assertTrue(r.err().contains("--help' for usage"), r::toString);
        assertEquals(1, r.err().strip().lines().count(), () -> "one line: " + r);
        assertNoStackTrace(r);
    }

    static void assertRuntimeError(Cli.Result r, String fragment) {
        assertEquals(Main.RUNTIME_ERROR, r.exit(), r::toString);
        assertTrue(r.err().startsWith("delta4j: "), r::toString);
        assertTrue(r.err().contains(fragment), r::toString);
        assertEquals(1, r.err().strip().lines().count(), () -> "one line: " + r);
        assertNoStackTrace(r);
    }

    static void assertNoStackTrace(Cli.Result r) {
        assertFalse(r.err().contains("\tat "), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
    }

    /** y = x1 + 2·x2 − x3 with a header: quick to learn. */
    Path regressionCsv(String name, int rows) throws IOException {
        StringBuilder sb = new StringBuilder("x1,x2,x3,y\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(rows);
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1), c = rnd.nextDouble(-1, 1);
            sb.append(a).append(',').append(b).append(',').append(c).append(',').append(a + 2 * b - c).append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, sb);
        return p;
    }

    /** Two string classes separated by x1 + x2 > 0, semicolon-separated. */
    Path classificationCsv(String name, int rows) throws IOException {
        StringBuilder sb = new StringBuilder("x1;x2;kind\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(rows + 1);
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1);
            sb.append(a).append(';').append(b).append(';').append(a + b > 0 ? "up" : "down").append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, sb);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "demo", "train", "eval", "predict", "devices", "bench", "bench gemm", "bench train"})
    void everyCommandHasHelp(String command) {
        String[] args = (command + " --help").trim().split(" ");
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("Usage: delta4j"), r::toString);
    }

    /** A command line that names its command builds that command alone (Main.commandLine): the same usage as among all. */
    @ParameterizedTest
    @ValueSource(strings = {"demo", "train", "eval", "predict", "convert", "devices", "bench", "bench gemm", "bench train"})
    void aCommandBuiltAloneHasTheUsageItHasAmongAll(String command) {
        String[] args = (command + " --help").split(" ");
        StringWriter among = new StringWriter();
        CommandLine all = Main.commandLine(new String[0], false);
        all.setOut(new PrintWriter(among, true));
        assertEquals(0, all.execute(args));
        Cli.Result alone = Cli.run(args);
        assertEquals(0, alone.exit(), alone::toString);
        assertEquals(among.toString(), alone.out());
        assertEquals(Main.COMMANDS.size(), all.getSubcommands().size());
        assertEquals(1, Main.commandLine(args, false).getSubcommands().size());
    }

    @Test
    void helpAndAMistypedCommandSeeEveryCommand() {
        Cli.Result help = Cli.run("help", "predict");
        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.out().contains("Usage: delta4j predict"), help::toString);
        Cli.Result typo = Cli.run("trian", "--epochs", "3");
        assertUsageError(typo);
        assertTrue(typo.err().contains("did you mean train"), typo::toString);
    }

    @Test
    void noCommandIsAUsageError() {
        assertUsageError(Cli.run());
        assertUsageError(Cli.run("bench"));
    }

    @Test
    void unknownOptionsAndBadValuesAreUsageErrors() throws IOException {
        Path csv = regressionCsv("r.csv", 20);
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--bogus"));
        assertUsageError(Cli.run("train", "--data", csv.toString()));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,four,1"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--epochs", "x"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--epochs", "0"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--optimizer", "lbfgs"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--activation", "softmax"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--loss", "ce"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--patience", "3"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--schedule", "wavy"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--validation", "1.5"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--engine", "quantum"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--threads", "-2"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--out", dir.resolve("no/dir/m.d4j").toString()));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--task", "clustering"));
        assertUsageError(Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--precision", "fp16"));
    }

    @Test
    void layersThatDoNotFitTheDataAreUsageErrors() throws IOException {
        Path csv = regressionCsv("r.csv", 20);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "5,4,1");
        assertUsageError(r);
        assertTrue(r.err().contains("start it with 3"), r::toString);
        Cli.Result out = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,2");
        assertUsageError(out);
        assertTrue(out.err().contains("end it with 1"), out::toString);
    }

    @Test
    void badDataIsARuntimeErrorNamingFileLineAndColumn() throws IOException {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "a,b,y\n1,2,3\n4,x,6\n");
        assertRuntimeError(Cli.run("train", "--data", csv.toString(), "--layers", "2,3,1"), "bad.csv, line 3, column 2: 'x' is not a number");
        assertRuntimeError(Cli.run("train", "--data", dir.resolve("missing.csv").toString(), "--layers", "2,3,1"), "no such file");
    }

    @Test
    void verbosePrintsTheStackTrace() throws IOException {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "1,2,3\n4,5\n");
        Cli.Result r = Cli.run("train", "--verbose", "--data", csv.toString(), "--layers", "2,3,1");
        assertEquals(Main.RUNTIME_ERROR, r.exit(), r::toString);
        assertTrue(r.err().contains("DataFileException"), r::toString);
        assertTrue(r.err().contains("\tat "), r::toString);
    }

    @Test
    void divergenceIsARuntimeErrorWithItsOneLineMessage() throws IOException {
        Path csv = dir.resolve("huge.csv");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            sb.append(i).append(',').append(i * 1e30).append('\n');
        }
        Files.writeString(csv, sb);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "1,8,1", "--optimizer", "sgd", "--lr", "10", "--epochs", "5");
        assertRuntimeError(r, "diverged");
        assertTrue(r.err().contains("learning rate"), r::toString);
    }

    @Test
    void badModelFileIsARuntimeError() throws IOException {
        Path model = dir.resolve("m.d4j");
        Files.writeString(model, "not a model");
        Path csv = regressionCsv("r.csv", 10);
        assertRuntimeError(Cli.run("eval", "--model", model.toString(), "--data", csv.toString()), "wrong magic");
        assertRuntimeError(Cli.run("predict", "--model", dir.resolve("none.d4j").toString(), "--data", csv.toString()), "no such model file");
    }

    @Test
    void demoRunsAndReportsR2() {
        Cli.Result r = Cli.run("demo", "--epochs", "3", "--engine", "reference");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("epoch 1/3"), r::toString);
        assertTrue(r.out().contains("epoch 3/3"), r::toString);
        assertTrue(r.out().contains("held-out R²"), r::toString);
        assertTrue(r.out().contains("Mlp[3 -tanh-> 32 -identity-> 2"), r::toString);
    }

    /** --precision reaches the engine of every computing command, and the engine line says it. */
    @Test
    void precisionIsTheEnginesAndIsReported() {
        Cli.Result r = Cli.run("demo", "--epochs", "2", "--engine", "reference", "--precision", "bf16");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("engine:   reference (plain Java, 1 thread), bf16 products"), r::toString);
        Cli.Result fp32 = Cli.run("demo", "--epochs", "1", "--engine", "reference");
        assertTrue(fp32.out().contains("engine:   reference (plain Java, 1 thread)\n")
                || fp32.out().contains("engine:   reference (plain Java, 1 thread)" + System.lineSeparator()), fp32::toString);
        Cli.Result bad = Cli.run("demo", "--precision", "FP8");
        assertUsageError(bad);
        assertTrue(bad.err().contains("--precision FP8: use fp32, tf32 or bf16"), bad::toString);
    }

    @Test
    void demoLearnsWithTheDefaults() {
        Cli.Result r = Cli.run("demo");
        assertEquals(0, r.exit(), r::toString);
        String line = r.out().lines().filter(l -> l.startsWith("held-out R²")).findFirst().orElseThrow();
        double r2 = Double.parseDouble(line.replaceAll("held-out R² = ([-0-9.]+).*", "$1"));
        assertTrue(r2 > 0.9, line);
    }

    @Test
    void devicesListsTheReferenceEngine() {
        Cli.Result r = Cli.run("devices");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("reference"), r::toString);
        assertTrue(r.out().contains("available"), r::toString);
        assertTrue(r.out().contains("<- auto"), r::toString);
    }

    @Test
    void trainEvalPredictRegression() throws IOException {
        Path train = regressionCsv("train.csv", 300), test = regressionCsv("test.csv", 50);
        Path model = dir.resolve("r.d4j"), plot = dir.resolve("loss.png"), json = dir.resolve("m.json");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--layers", "3,16,1", "--lr", "0.01",
                "--epochs", "30", "--batch", "16", "--validation", "0.2", "--patience", "50", "--engine", "reference",
                "--out", model.toString(), "--plot", plot.toString(), "--metrics-json", json.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("epoch 30/30"), r::toString);
        assertTrue(r.out().contains("test:      R²"), r::toString);
        assertTrue(Files.size(model) > 0);
        byte[] png = Files.readAllBytes(plot);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);

        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", test.toString());
        assertEquals(0, e.exit(), e::toString);
        assertTrue(e.out().contains("R²"), e::toString);

        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", test.toString());
        assertEquals(0, p.exit(), p::toString);
        assertEquals(51, p.out().lines().count(), p::toString);
        assertEquals("prediction", p.out().lines().findFirst().orElseThrow());

        // Features only (no target column) work for predict, not for eval.
        Path features = dir.resolve("features.csv");
        Files.writeString(features, "0.1,0.2,0.3\n-0.5,0.5,0\n");
        Cli.Result pf = Cli.run("predict", "--model", model.toString(), "--data", features.toString());
        assertEquals(0, pf.exit(), pf::toString);
        assertEquals(3, pf.out().lines().count(), pf::toString);
        assertRuntimeError(Cli.run("eval", "--model", model.toString(), "--data", features.toString()), "missing target column");
        // A feature count that does not match the model.
        Path wide = dir.resolve("wide.csv");
        Files.writeString(wide, "1,2,3,4,5\n");
        assertRuntimeError(Cli.run("predict", "--model", model.toString(), "--data", wide.toString()), "does not match the model");
    }

    @Test
    void classificationWithStringLabels() throws IOException {
        Path train = classificationCsv("c.csv", 400);
        Path model = dir.resolve("c.d4j"), preds = dir.resolve("p.csv");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--test", train.toString(), "--task", "classification",
                "--layers", "2,8,2", "--lr", "0.05", "--epochs", "15", "--batch", "16", "--out", model.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.out().contains("epoch 1/"), r::toString);
        String acc = r.out().lines().filter(l -> l.startsWith("test:")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(acc.replaceAll(".*accuracy ([0-9.]+)%.*", "$1")) > 85, acc);

        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", train.toString(), "--out", preds.toString());
        assertEquals(0, p.exit(), p::toString);
        var lines = Files.readAllLines(preds);
        assertEquals("class,label,p_down,p_up", lines.get(0));
        assertEquals(401, lines.size());
        String[] row = lines.get(1).split(",");
        assertEquals(row[1], row[0].equals("0") ? "down" : "up");
        assertEquals(1.0, Float.parseFloat(row[2]) + Float.parseFloat(row[3]), 1e-5);

        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", train.toString());
        assertEquals(0, e.exit(), e::toString);
        assertTrue(e.out().contains("true\\pred"), e::toString);
    }

    @Test
    void idxFolderTrainsWithItsT10kFilesAsTheTestSet() throws IOException {
        IdxTestFiles.folder(dir, 300, 100, 4, 4, 4, true);
        Path model = dir.resolve("idx.d4j");
        Cli.Result r = Cli.run("train", "--data", dir.toString(), "--layers", "16,12,4", "--epochs", "8", "--lr", "0.01",
                "--batch", "16", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("test:      " + dir + ": 100 samples, 16 features, 4 classes"), r::toString);
        String acc = r.out().lines().filter(l -> l.startsWith("test:      accuracy")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(acc.replaceAll(".*accuracy ([0-9.]+)%.*", "$1")) > 90, acc);
        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", dir.toString());
        assertEquals(0, e.exit(), e::toString);
        Cli.Result reg = Cli.run("train", "--data", dir.toString(), "--task", "regression", "--layers", "16,4");
        assertRuntimeError(reg, "classification task");
    }

    @Test
    void benchGemmAndTrain() throws IOException {
        Path g = dir.resolve("g.json"), t = dir.resolve("t.json");
        Cli.Result r = Cli.run("bench", "gemm", "--engine", "reference", "--size", "48", "--warmup", "1", "--runs", "3", "--json", g.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("GFLOP/s"), r::toString);
        Cli.Result s = Cli.run("bench", "train", "--engine", "reference", "--layers", "20,16,4", "--batch", "8", "--steps", "2",
                "--warmup", "1", "--runs", "1", "--json", t.toString());
        assertEquals(0, s.exit(), s::toString);
        assertTrue(s.out().contains("samples/s"), s::toString);
        assertTrue(Files.exists(g) && Files.exists(t));
        assertUsageError(Cli.run("bench", "gemm", "--size", "0"));
    }
}
