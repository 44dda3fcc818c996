package delta4j.reliability;

import delta4j.cli.Main;
import delta4j.io.ModelFile;
import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numerical trouble end to end: divergence through the CLI is one line naming the epoch and a remedy
 * (exit 1) and never replaces a saved model; softmax and cross-entropy stay finite for logits of ±1e4
 * through whole networks on every engine.
 */
class NumericalTest {

    /** Run the CLI in-process. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err;
        }
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** y = sum of features with large targets: plain SGD at a large rate blows up within an epoch or two. */
    static Path regressionCsv(Path dir, int rows) throws IOException {
        SplittableRandom rnd = new SplittableRandom(4);
        StringBuilder sb = new StringBuilder("a,b,c,y\n");
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextGaussian(), b = rnd.nextGaussian(), c = rnd.nextGaussian();
            sb.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%.5f%n", a, b, c, 100 * (a + 2 * b - c)));
        }
        Path f = dir.resolve("data.csv");
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void divergenceThroughTheCliIsOneLineWithTheEpochAndASuggestionAndKeepsTheSavedModel(String engine, @TempDir Path dir) throws IOException {
        Path data = regressionCsv(dir, 400);
        Path model = dir.resolve("model.d4j");
        Run good = cli("train", "--data", data.toString(), "--layers", "3,16,1", "--epochs", "2", "--engine", engine, "--quiet",
                "--out", model.toString());
        assertEquals(0, good.exit(), good.toString());
        byte[] saved = Files.readAllBytes(model);

        Run wild = cli("train", "--data", data.toString(), "--layers", "3,16,1", "--optimizer", "sgd", "--lr", "50",
                "--epochs", "20", "--engine", engine, "--quiet", "--out", model.toString());
        assertEquals(Main.RUNTIME_ERROR, wild.exit(), wild.toString());
        String[] lines = wild.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line: " + wild.err());
        assertTrue(lines[0].matches("delta4j: training diverged in epoch [12]: .*"), lines[0]);
        assertTrue(lines[0].contains("smaller learning rate") && lines[0].contains("clipping"), lines[0]);
        assertArrayEquals(saved, Files.readAllBytes(model), "a diverged run must not touch the saved model");
    }

    /** The same wild run with {@code --clip-norm}: every step is bounded, the run finishes with a finite loss. */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void gradientClippingThroughTheCliTamesTheSameRun(String engine, @TempDir Path dir) throws IOException {
        Path data = regressionCsv(dir, 400);
        Path model = dir.resolve("clipped.d4j");
        Run tamed = cli("train", "--data", data.toString(), "--layers", "3,16,1", "--optimizer", "sgd", "--lr", "50",
                "--clip-norm", "0.01", "--epochs", "5", "--engine", engine, "--out", model.toString());
        assertEquals(0, tamed.exit(), tamed.toString());
        assertTrue(tamed.out().contains("clip"), "the summary mentions clipping: " + tamed.out());
        for (float v : ModelFile.load(model).weights(0)) {
            assertTrue(Float.isFinite(v), "finite weights");
        }
        Run bad = cli("train", "--data", data.toString(), "--layers", "3,16,1", "--clip-norm", "-1", "--engine", engine);
        assertEquals(Main.USAGE_ERROR, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("--clip-norm"), bad.err());
    }

    /** Logits of ±1e4: the output layer's weights are scaled so the pre-softmax values reach that size. */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void softmaxAndCrossEntropyStayFiniteForLogitsOfTenThousand(String engine) {
        if (engine.equals("opencl")) {
            OpenCl.require();
        }
        int classes = 5;
        float[] w = new float[2 * classes];
        for (int k = 0; k < classes; k++) {
            w[k] = (k % 2 == 0 ? 1e4f : -1e4f);           // feature 0 drives the logits to ±1e4
            w[classes + k] = k == 3 ? 1e4f : -1e4f;       // feature 1 makes class 3 win by 2e4
        }
        Mlp mlp = Mlp.of(new int[] {2, classes}, new Activation[] {Activation.SOFTMAX}, Loss.SOFTMAX_CROSS_ENTROPY,
                new float[][] {w}, new float[][] {new float[classes]});
        float[][] x = {{1, 0}, {-1, 0}, {0, 1}, {1, 1}, {-1, -1}};
        try (Engine e = Engines.create(engine)) {
            float[][] p = mlp.predict(e, x);
            for (float[] row : p) {
                double sum = 0;
                for (float v : row) {
                    assertTrue(Float.isFinite(v) && v >= 0 && v <= 1, engine + ": probability " + v);
                    sum += v;
                }
                assertEquals(1, sum, 1e-5, engine + ": probabilities sum to 1");
            }
            assertEquals(1f, p[2][3], 1e-6f, engine + ": the ±1e4 logit wins outright");
            // Cross-entropy with the wrong class at a margin of 2e4: huge but finite, and training goes on.
            float[][] y = new float[x.length][classes];
            for (int i = 0; i < x.length; i++) {
                y[i][(i + 1) % classes] = 1;
            }
            TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(1e-6f)).batchSize(5).maxEpochs(2)
                    .shuffle(false).divergenceBound(1e30).build()).fit(mlp, Dataset.of(x, y));
            assertTrue(Double.isFinite(r.finalTrainLoss()), engine + ": loss " + r.finalTrainLoss());
            assertTrue(r.finalTrainLoss() > 1e3, engine + ": a margin of 1e4 costs about 1e4 nats: " + r.finalTrainLoss());
        }
    }

    @Test
    void aDivergedLibraryRunNamesItsEpoch() {
        Dataset data = SoakTest.data(200, 4, 2);
        float[] big = new float[200 * 2];
        java.util.Arrays.fill(big, 1e30f);
        Dataset exploding = new Dataset(200, 4, 2, data.featureMatrix(), big);
        Mlp mlp = Mlp.builder(4).dense(8, Activation.TANH).dense(2, Activation.IDENTITY).build();
        try (Engine e = Engines.create("cpu")) {
            // On the raw targets (standardised, the constant 1e30 would become 0): the loss overflows before any update.
            var ex = org.junit.jupiter.api.Assertions.assertThrows(delta4j.model.TrainingDivergedException.class,
                    () -> new Trainer(e, TrainingConfig.builder().maxEpochs(5).standardizeTargets(false).build()).fit(mlp, exploding));
            assertEquals(1, ex.epoch(), "detected within the first epoch");
            assertTrue(ex.getMessage().contains("epoch 1"), ex.getMessage());
            assertTrue(ex.getMessage().contains("the targets reach 1.00e+30"), ex.getMessage());
        }
    }
}
