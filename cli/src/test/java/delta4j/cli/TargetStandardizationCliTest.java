package delta4j.cli;

import delta4j.io.CheckpointFile;
import delta4j.io.ModelFile;
import delta4j.data.Metrics;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code delta4j train --standardize-targets}: house prices in dollars train, predict and score in dollars. */
class TargetStandardizationCliTest {

    @TempDir
    Path dir;

    /** price = 3e5·x1 + 2e3·area + 2e6 + noise (σ ≈ 1e4): targets from 2e6 to 2.8e6 dollars. */
    Path prices(String name, int rows, long seed) throws IOException {
        return SyntheticCsv.write(dir.resolve(name), "quality,area,price\n", rows, seed, rnd -> {
            double q = rnd.nextDouble(-1, 1), area = rnd.nextDouble(50, 250);
            double noise = 2e4 * (rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 1.5);
            return String.format(Locale.ROOT, "%.4f,%.1f,%.0f%n", q, area, 3e5 * q + 2e3 * area + 2e6 + noise);
        });
    }

    /** y = 2·x1 − x2 + 0.5 on a 10 × 6 grid: 60 rows of small targets. */
    Path small() throws IOException {
        StringBuilder sb = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < 60; i++) {
            double x1 = (i % 10) / 5.0 - 1, x2 = (i / 10) / 3.0;
            sb.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f\n", x1, x2, 2 * x1 - x2 + 0.5));
        }
        Path csv = dir.resolve("small.csv");
        Files.writeString(csv, sb);
        return csv;
    }

    static float[] column(Path csv, int col) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        float[] v = new float[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) {
            v[i - 1] = Float.parseFloat(lines.get(i).split(",")[col]);
        }
        return v;
    }

    @Test
    void pricesInDollarsTrainPredictAndScoreInDollarsByDefault() throws IOException {
        Path train = prices("train.csv", 600, 1), test = prices("test.csv", 150, 2);
        Path model = dir.resolve("houses.d4j"), preds = dir.resolve("p.csv");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--test", test.toString(), "--layers", "2,16,1", "--lr", "0.01",
                "--epochs", "40", "--batch", "32", "--validation", "0.1", "--engine", "reference", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("inputs standardised, targets standardised"), r::toString);
        String loss = r.out().lines().filter(l -> l.startsWith("loss:")).findFirst().orElseThrow();
        assertTrue(loss.matches("loss: +train [0-9.e+-]+, validation [0-9.e+-]+ on standardised targets.*"), loss);
        String testLine = r.out().lines().filter(l -> l.startsWith("test:      R²")).findFirst().orElseThrow();
        double r2 = Double.parseDouble(testLine.replaceAll("test: +R² ([-0-9.]+),.*", "$1"));
        assertTrue(r2 >= 0.97, testLine);

        Mlp m = ModelFile.load(model);
        assertNotNull(m.targetStandardizer(), "the model file keeps the target standardizer");
        assertEquals(2, ByteBuffer.wrap(Files.readAllBytes(model)).order(ByteOrder.LITTLE_ENDIAN).getInt(8), "format version 2");

        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", test.toString(), "--out", preds.toString());
        assertEquals(0, p.exit(), p::toString);
        float[] y = column(preds, 0), t = column(test, 2);
        double predictedR2 = Metrics.r2(y, t, 1);
        assertTrue(predictedR2 >= 0.97, "R² of the predictions in dollars: " + predictedR2);
        assertTrue(Math.sqrt(Metrics.mse(y, t)) < 4e4, "RMSE in dollars: " + Math.sqrt(Metrics.mse(y, t)));

        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--data", test.toString());
        assertEquals(0, e.exit(), e::toString);
        assertTrue(e.out().contains(String.format(Locale.ROOT, "R² %.4f", predictedR2)), e::toString);
        assertTrue(e.out().contains("(on standardised targets)"), e::toString);
    }

    @Test
    void withoutStandardisationTheDivergenceNamesTheTargetScale() throws IOException {
        Path train = prices("train.csv", 200, 3);
        Path model = dir.resolve("kept.d4j");
        Cli.Result r = Cli.run("train", "--data", train.toString(), "--layers", "2,16,1", "--epochs", "5", "--engine", "reference",
                "--standardize-targets", "false", "--out", model.toString());
        CliTest.assertRuntimeError(r, "before any update");
        String err = r.err().strip();
        assertTrue(err.matches("delta4j: training diverged in epoch 1: .*targets reach 2\\.[0-9]+e\\+06; standardise them"
                + " \\(--standardize-targets true\\) or scale them"), err);
        assertFalse(err.contains("smaller learning rate"), err);
        assertFalse(Files.exists(model), "nothing saved");
    }

    /**
     * With the option off, training is what it was before the option existed: the same model file, byte for
     * byte (its CRC-32 and length were taken from a model written by delta4j before target standardisation).
     */
    @Test
    void turnedOffTheModelFileIsByteForByteWhatItWasBefore() throws IOException {
        Path csv = small(), model = dir.resolve("off.d4j");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "2,5,1", "--epochs", "8", "--batch", "8",
                "--engine", "reference", "--quiet", "--standardize-targets", "false", "--out", model.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("loss:      train 0.422547\n"), r::toString);
        byte[] b = Files.readAllBytes(model);
        CRC32 crc = new CRC32();
        crc.update(b);
        assertEquals(140, b.length);
        assertEquals(0x2144df1cL, crc.getValue());
        assertNull(ModelFile.load(model).targetStandardizer());
    }

    @Test
    void classificationRefusesTheOptionAndBadValuesAreUsageErrors() throws IOException {
        Path csv = dir.resolve("c.csv");
        Files.writeString(csv, "1,2,a\n3,4,b\n5,6,a\n");
        Cli.Result c = Cli.run("train", "--data", csv.toString(), "--task", "classification", "--layers", "2,2",
                "--standardize-targets", "true");
        CliTest.assertUsageError(c);
        assertTrue(c.err().contains("--standardize-targets applies to regression only"), c::toString);
        assertEquals(1, c.err().strip().lines().count(), "one line, the --help hint in it: " + c);
        Path reg = prices("r.csv", 20, 4);
        CliTest.assertUsageError(Cli.run("train", "--data", reg.toString(), "--layers", "2,1", "--standardize-targets", "maybe"));
        CliTest.assertUsageError(Cli.run("train", "--data", reg.toString(), "--layers", "2,1", "--standardize-targets"));
    }

    /** A checkpoint from before the option has no such setting: its run trained on the raw targets. */
    @Test
    void aCheckpointWithoutTheSettingResumesOnlyWithTheOptionOff() throws IOException {
        Path csv = small(), ckpt = dir.resolve("run.ckpt");
        Cli.Result first = Cli.run("train", "--data", csv.toString(), "--layers", "2,4,1", "--epochs", "2", "--engine", "reference",
                "--quiet", "--standardize-targets", "false", "--checkpoint-every", "1", "--checkpoint", ckpt.toString());
        assertEquals(0, first.exit(), first::toString);
        CheckpointFile.Checkpoint c = CheckpointFile.load(ckpt);
        assertEquals("false", c.settings().get("standardize-targets"));
        Map<String, String> old = new LinkedHashMap<>(c.settings());
        old.remove("standardize-targets");
        Files.write(ckpt, CheckpointFile.toBytes(c.state(), old));

        Cli.Result refused = Cli.run("train", "--data", csv.toString(), "--layers", "2,4,1", "--epochs", "3", "--engine", "reference",
                "--quiet", "--checkpoint-every", "1", "--checkpoint", ckpt.toString(), "--resume", ckpt.toString());
        CliTest.assertUsageError(refused);
        assertTrue(refused.err().contains("standardize-targets false in the checkpoint, true now"), refused::toString);

        Cli.Result resumed = Cli.run("train", "--data", csv.toString(), "--layers", "2,4,1", "--epochs", "3", "--engine", "reference",
                "--quiet", "--standardize-targets", "false", "--checkpoint-every", "1", "--checkpoint", ckpt.toString(),
                "--resume", ckpt.toString());
        assertEquals(0, resumed.exit(), resumed::toString);
    }
}
