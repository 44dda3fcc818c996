package delta4j.cli;

import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.io.ModelFile;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static delta4j.cli.CliTest.assertNoStackTrace;
import static delta4j.cli.CliTest.assertRuntimeError;
import static delta4j.cli.CliTest.assertUsageError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --norm}, {@code --dropout}, {@code --loss l1|huber[:δ]|bce} and {@code --task multilabel} from the command line. */
class LayersAndLossesCliTest {

    @TempDir
    Path dir;

    /** y = x1 + 2·x2 − x3 with a header. */
    Path regression(String name, int rows, long seed) throws IOException {
        return SyntheticCsv.write(dir.resolve(name), "x1,x2,x3,y\n", rows, seed, rnd -> {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1), c = rnd.nextDouble(-1, 1);
            return String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%.5f%n", a, b, c, a + 2 * b - c);
        });
    }

    /** Three labels of three features: "right" x1 > 0, "up" x2 > 0, "far" x1 + x2 > 0.5; any number may be present. */
    Path multiLabel(String name, int rows, long seed, boolean header) throws IOException {
        return SyntheticCsv.write(dir.resolve(name), header ? "x1,x2,x3,right,up,far\n" : "", rows, seed, rnd -> {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1), c = rnd.nextDouble(-1, 1);
            return String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%d,%d,%d%n", a, b, c, a > 0 ? 1 : 0, b > 0 ? 1 : 0, a + b > 0.5 ? 1 : 0);
        });
    }

    Path write(String name, CharSequence text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static String line(Cli.Result r, String prefix) {
        return r.out().lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' line: " + r));
    }

    static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " in " + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void helpListsTheNormalisationsAndLosses() {
        Cli.Result r = Cli.run("train", "--help");
        assertEquals(0, r.exit(), r::toString);
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--norm=N"), help);
        assertTrue(help.contains("none, layer, batch"), help);
        assertTrue(help.contains("--dropout=P"), help);
        assertTrue(help.contains("mse, ce, l1, huber, bce"), help);
        assertTrue(help.contains("multilabel"), help);
    }

    @Test
    void normDropoutAndLossParameterShowInTheRunsDescription() throws IOException {
        Path csv = regression("r.csv", 64, 1);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "3,8,8,1", "--norm", "layer", "--dropout", "0.2",
                "--loss", "huber:0.5", "--epochs", "2", "--batch", "16", "--engine", "reference");
        assertEquals(0, r.exit(), r::toString);
        String model = line(r, "model:");
        assertEquals(2, model.split("layernorm-relu-dropout 0.2->", -1).length - 1, model);
        assertTrue(model.contains("huber:0.5"), model);
        assertTrue(line(r, "training:").contains("huber (δ 0.5) loss"), r::toString);
        assertFalse(line(r, "training:").contains("targets standardised"), "huber trains on the targets' own units: " + r);
    }

    /** Needs the model file that stores normalisation, dropout and the loss's parameter (format version 3). */
    @Test
    void normDropoutAndLossParameterReachTheSavedModel() throws IOException {
        Path csv = regression("r.csv", 64, 1), model = dir.resolve("m.d4j");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "3,8,6,1", "--norm", "batch", "--dropout", "0.25",
                "--loss", "huber:0.5", "--epochs", "2", "--batch", "16", "--engine", "reference", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        Mlp m = ModelFile.load(model);
        for (int l = 0; l < 2; l++) {
            assertEquals(Normalization.BATCH, m.normalization(l), "hidden layer " + l);
            assertEquals(0.25f, m.dropout(l), "hidden layer " + l);
        }
        assertEquals(Normalization.NONE, m.normalization(2));
        assertEquals(0f, m.dropout(2));
        assertEquals(Loss.HUBER, m.loss());
        assertEquals(0.5f, m.lossParameter());
        assertEquals(Activation.IDENTITY, m.activation(2));
    }

    @Test
    void badValuesAreOneLineUsageErrorsNamingTheOption() throws IOException {
        Path csv = regression("r.csv", 40, 2), ml = multiLabel("m.csv", 40, 3, true);
        String[] base = {"train", "--data", csv.toString(), "--layers", "3,4,1"};
        String[] mlBase = {"train", "--data", ml.toString(), "--layers", "3,4,3", "--targets", "3"};
        Object[][] cases = {
                {base, new String[] {"--dropout", "1"}, "--dropout"},
                {base, new String[] {"--dropout", "-0.1"}, "--dropout"},
                {base, new String[] {"--dropout", "lots"}, "--dropout"},
                {base, new String[] {"--norm", "group"}, "--norm group: use one of none, layer, batch"},
                {base, new String[] {"--norm", "batch", "--batch", "1"}, "--norm batch"},
                {new String[] {"train", "--data", csv.toString(), "--layers", "3,1"}, new String[] {"--norm", "layer"}, "no hidden layer"},
                {new String[] {"train", "--data", csv.toString(), "--layers", "3,1"}, new String[] {"--dropout", "0.5"}, "no hidden layer"},
                {base, new String[] {"--loss", "huber:0"}, "--loss huber:0"},
                {base, new String[] {"--loss", "huber:wide"}, "--loss huber:wide"},
                {base, new String[] {"--loss", "l1:2"}, "--loss l1:2"},
                {base, new String[] {"--loss", "hinge"}, "--loss hinge: use one of"},
                {base, new String[] {"--loss", "bce"}, "--task multilabel"},
                {base, new String[] {"--loss", "l1", "--standardize-targets", "true"}, "--standardize-targets true"},
                {mlBase, new String[] {"--task", "multilabel", "--loss", "mse"}, "--loss bce"},
                {mlBase, new String[] {"--task", "multilabel", "--loss", "ce"}, "--loss ce"},
                {mlBase, new String[] {"--task", "multilabel", "--standardize-targets", "false"}, "--standardize-targets"},
                {mlBase, new String[] {"--task", "classification", "--loss", "bce"}, "--targets 3"},
                {new String[] {"train", "--data", ml.toString(), "--layers", "3,4,3"}, new String[] {"--task", "classification", "--loss", "bce"},
                        "--loss bce"},
        };
        for (Object[] c : cases) {
            String[] args = concat((String[]) c[0], (String[]) c[1]);
            Cli.Result r = Cli.run(args);
            assertUsageError(r);
            assertTrue(r.err().contains((String) c[2]), () -> String.join(" ", args) + " → " + r);
        }
    }

    @Test
    void batchNormWithALastMiniBatchOfOneSampleIsRefusedBeforeTraining() throws IOException {
        Path csv = regression("r.csv", 65, 4);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--norm", "batch", "--batch", "32", "--engine", "reference");
        assertUsageError(r);
        assertTrue(r.err().contains("last mini-batch of 1 sample"), r::toString);
        assertTrue(r.err().contains("--batch 33"), r::toString);
        assertFalse(r.out().contains("done:"), r::toString);
    }

    @Test
    void regressionWithL1AndHuberReportsMaeAndATestLossInTheirOwnTerms() throws IOException {
        Path train = regression("train.csv", 300, 5), test = regression("test.csv", 100, 6);
        for (String loss : List.of("l1", "huber:0.25", "mse")) {
            Cli.Result r = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--layers", "3,16,1", "--loss", loss,
                    "--lr", "0.01", "--epochs", "30", "--batch", "16", "--engine", "reference");
            assertEquals(0, r.exit(), r::toString);
            String t = line(r, "test:      R²");
            double mae = number(t, "MAE ([0-9.e+-]+)"), testLoss = number(t, "loss ([0-9.e+-]+)");
            assertTrue(mae > 0 && mae < 0.3, loss + ": " + t);
            if (loss.equals("l1")) {
                // One target column, trained on its own units: the L1 loss per sample is the MAE.
                assertEquals(mae, testLoss, 1e-4 * mae, t);
            } else if (loss.startsWith("huber")) {
                // ½r² below δ, δ(|r| − ½δ) above: never above δ·|r| nor ½r², so at most δ·MAE.
                assertTrue(testLoss > 0 && testLoss <= 0.25 * mae * (1 + 1e-4), t);
            }
            assertFalse(r.err().contains("chance level"), r::toString);
        }
    }

    @Test
    void aMultiLabelCsvTrainsAndPredictReportsEachLabelsProbability() throws IOException {
        Path train = multiLabel("train.csv", 400, 7, true), test = multiLabel("test.csv", 200, 8, true);
        Path model = dir.resolve("tags.d4j"), preds = dir.resolve("p.csv");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--task", "multilabel", "--targets", "3",
                "--layers", "3,16,3", "--lr", "0.01", "--epochs", "40", "--batch", "16", "--engine", "reference", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(line(r, "data:").contains("3 labels"), r::toString);
        assertTrue(line(r, "model:").contains("sigmoid-> 3, bce"), r::toString);
        assertTrue(line(r, "training:").contains("binary cross-entropy loss"), r::toString);
        String t = line(r, "test:      micro-F1");
        assertTrue(number(t, "micro-F1 ([0-9.]+)") >= 0.85, t);
        assertTrue(number(t, "macro-F1 ([0-9.]+)") >= 0.8, t);
        for (String label : List.of("right", "up", "far")) {
            String l = r.out().lines().filter(s -> s.matches("\\s+" + label + "\\s+accuracy.*")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
            assertTrue(number(l, "accuracy +([0-9.]+)%") >= 85, l);
        }

        Mlp m = ModelFile.load(model);
        assertEquals(Loss.BINARY_CROSS_ENTROPY, m.loss());
        assertEquals(List.of("right", "up", "far"), m.labels().names(), "the labels are the header's target columns");

        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", test.toString(), "--out", preds.toString());
        assertEquals(0, p.exit(), p::toString);
        List<String> rows = Files.readAllLines(preds);
        assertEquals("p_right,p_up,p_far", rows.get(0));
        assertEquals(201, rows.size());
        List<String> testRows = Files.readAllLines(test);
        int right = 0;
        for (int i = 1; i < rows.size(); i++) {
            String[] c = rows.get(i).split(","), truth = testRows.get(i).split(",");
            assertEquals(3, c.length, rows.get(i));
            for (int j = 0; j < 3; j++) {
                float prob = Float.parseFloat(c[j]);
                assertTrue(prob >= 0 && prob <= 1, rows.get(i));
                right += (prob >= 0.5f) == truth[3 + j].equals("1") ? 1 : 0;
            }
        }
        assertTrue(right >= 0.85 * 600, right + " of 600 label decisions right");

        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", test.toString(), "--metrics-json", dir.resolve("e.json").toString());
        assertEquals(0, e.exit(), e::toString);
        assertTrue(e.out().contains("result: micro-F1 " + t.replaceAll(".*micro-F1 ([0-9.]+),.*", "$1")), "eval agrees with train's test: " + e);
        assertTrue(e.out().lines().anyMatch(s -> s.matches("\\s+far\\s+accuracy.*")), e::toString);
        assertTrue(Files.readString(dir.resolve("e.json")).contains("\"micro_f1\""));

        // A CSV without targets predicts as well.
        StringBuilder features = new StringBuilder();
        testRows.stream().skip(1).limit(5).forEach(s -> features.append(s, 0, s.lastIndexOf(',', s.lastIndexOf(',', s.lastIndexOf(',') - 1) - 1)).append('\n'));
        Cli.Result f = Cli.run("predict", "--model", model.toString(), "--data", write("x.csv", features).toString());
        assertEquals(0, f.exit(), f::toString);
        assertEquals(6, f.out().strip().lines().count(), f::toString);
    }

    @Test
    void aConvertedMultiLabelFileTrainsWithTheHeadersLabelNames() throws IOException {
        Path csv = multiLabel("m.csv", 120, 11, true), data = dir.resolve("m.d4jdata"), model = dir.resolve("m.d4j");
        Cli.Result c = Cli.run("convert", "--data", csv.toString(), "--task", "multilabel", "--targets", "3", "--out", data.toString());
        assertEquals(0, c.exit(), c::toString);
        Cli.Result r = Cli.run("train", "--data", data.toString(), "--task", "multilabel", "--layers", "3,8,3", "--epochs", "2",
                "--batch", "16", "--engine", "reference", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("right", "up", "far"), ModelFile.load(model).labels().names());
        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", data.toString());
        assertEquals(0, e.exit(), e::toString);
        assertTrue(e.out().contains("result: micro-F1"), e::toString);

        Path bad = write("bad.csv", "x1,a,b\n0.1,0,1\n0.2,1,3\n");
        Cli.Result b = Cli.run("convert", "--data", bad.toString(), "--task", "multilabel", "--targets", "2", "--out", dir.resolve("b.d4jdata").toString());
        assertRuntimeError(b, "line 3, column 3: multi-label target '3' is not 0 or 1");
    }

    @Test
    void aCheckpointRecordsNormDropoutAndTheLossParameter() throws IOException {
        Path csv = regression("r.csv", 64, 12), ckpt = dir.resolve("c.ckpt");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--loss", "huber:0.5", "--epochs", "1", "--batch", "16",
                "--engine", "reference", "--checkpoint-every", "1", "--checkpoint", ckpt.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        Cli.Result other = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--loss", "huber:2", "--norm", "layer", "--dropout", "0.2",
                "--epochs", "2", "--batch", "16", "--engine", "reference", "--resume", ckpt.toString());
        assertUsageError(other);
        assertTrue(other.err().contains("norm none in the checkpoint, layer now"), other::toString);
        assertTrue(other.err().contains("dropout 0.0 in the checkpoint, 0.2 now"), other::toString);
        assertTrue(other.err().contains("loss huber:0.5 in the checkpoint, huber:2.0 now"), other::toString);
    }

    @Test
    void multiLabelWithoutAHeaderNamesItsLabelsByNumber() throws IOException {
        Path train = multiLabel("train.csv", 100, 9, false), model = dir.resolve("m.d4j");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--task", "multilabel", "--targets", "3", "--layers", "3,8,3",
                "--epochs", "2", "--batch", "16", "--engine", "reference", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", train.toString());
        assertEquals(0, p.exit(), p::toString);
        assertEquals("p_label_1,p_label_2,p_label_3", p.out().lines().findFirst().orElseThrow());
    }

    @Test
    void aMultiLabelTargetThatIsNotZeroOrOneIsRefusedNamingFileLineAndColumn() throws IOException {
        Path csv = write("bad.csv", "x1,x2,a,b\n0.1,0.2,0,1\n0.3,0.4,1,0.5\n");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--task", "multilabel", "--targets", "2", "--layers", "2,4,2",
                "--engine", "reference");
        assertRuntimeError(r, csv + ", line 3, column 4: multi-label target '0.5' is not 0 or 1");
        assertNoStackTrace(r);
        Cli.Result v = Cli.run("train", "--data", csv.toString(), "--task", "multilabel", "--targets", "2", "--layers", "2,4,2",
                "--engine", "reference", "--verbose");
        assertTrue(v.err().contains("\tat "), "--verbose adds the stack trace: " + v);
    }

    @Test
    void multiLabelLayersMustEndWithOneOutputPerLabel() throws IOException {
        Path csv = multiLabel("m.csv", 30, 10, true);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--task", "multilabel", "--targets", "3", "--layers", "3,4,2");
        assertUsageError(r);
        assertTrue(r.err().contains("has 3 labels: end it with 3"), r::toString);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
