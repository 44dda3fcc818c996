package delta4j.cli;

import delta4j.cli.report.LossPlot;
import delta4j.cli.report.TestMetrics;
import delta4j.cli.report.TrainingProgress;
import delta4j.cli.report.Words;
import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.model.LearningRateSchedule;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code delta4j demo}: the lecture's network (3 inputs, a hidden layer, 2 outputs) learns a smooth
 * nonlinear function from noisy samples generated in memory; no files needed.
 */
@Command(usageHelpAutoWidth = true, name = "demo", sortOptions = false,
        description = {"Train the lecture's network shape (3 inputs, one hidden layer, 2 outputs) on a built-in synthetic"
                + " regression problem, print the loss per epoch and the R² on held-out samples. Needs no files.", ""})
final class DemoCommand extends Common implements Callable<Integer> {

    static final int TRAIN = 2000, TEST = 500, HIDDEN = 32;
    static final double NOISE = 0.02;

    @Mixin
    EngineOptions engineOptions;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "60", description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "7", description = "Seed of the data and the initial weights. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--plot", paramLabel = "PNG", description = "Also write a PNG chart of the loss per epoch.")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if (epochs < 1) {
            throw new UsageException("--epochs " + epochs + ": train for at least 1 epoch");
        }
        Options.checkOutput(plot, "--plot");
        engineOptions.config();
        SplittableRandom rnd = new SplittableRandom(seed);
        Dataset train = sample(TRAIN, rnd), test = sample(TEST, rnd);
        Mlp mlp = Mlp.builder(3).dense(HIDDEN, Activation.TANH).dense(2, Activation.IDENTITY).loss(Loss.MSE).seed(seed).build();
        var out = out();
        try (Engine engine = engineOptions.create()) {
            out.println("delta4j demo: a 3-input, 2-output regression learnt by backpropagation");
            out.println("  targets:  y1 = sin(π·x1)·x2 + x3²/2,  y2 = tanh(x1 − 2·x2·x3),  x ~ U(−1, 1)³, noise σ = " + NOISE);
            out.println("  data:     " + TRAIN + " training samples (10% held out for validation), " + TEST + " test samples, generated in memory");
            out.println("  network:  " + mlp);
            out.println("  training: adam (lr 0.01, cosine schedule), mini-batches of 32, " + Words.count(epochs, "epoch") + ", mean ½‖t − y‖² loss on standardised targets");
            out.println("  engine:   " + EngineOptions.describe(engine));
            out.println();
            TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).schedule(LearningRateSchedule.cosine(0.05f))
                    .batchSize(32).maxEpochs(epochs).validationFraction(0.1).seed(seed)
                    .listener(new TrainingProgress(TrainingProgress.Mode.LINES, out, System.out, epochs, TRAIN)).build();
            TrainingResult r = new Trainer(engine, cfg).fit(mlp, train);
            TestMetrics t = TestMetrics.evaluate(mlp, engine, test.featureMatrix(), test.targetMatrix(), false);
            out.println();
            out.printf(Locale.ROOT, "held-out R² = %.4f on %d test samples (MSE %.5f; noise alone gives about %.5f)%n",
                    t.r2(), t.samples(), t.mse(), NOISE * NOISE);
            out.printf(Locale.ROOT, "trained in %.2f s, %.0f samples/s on %s%n", r.seconds(), r.samplesPerSecond(), engine.name());
            out.println();
            out.println("a few test samples:      x1      x2      x3  |  y1 (true)  y1 (net)  |  y2 (true)  y2 (net)");
            float[][] p = mlp.predict(engine, new float[][] {test.featureRow(0), test.featureRow(1), test.featureRow(2)});
            for (int i = 0; i < 3; i++) {
                float[] x = test.featureRow(i), y = test.targetRow(i);
                out.printf(Locale.ROOT, "                     %7.3f %7.3f %7.3f  |  %9.4f %9.4f  |  %9.4f %9.4f%n",
                        x[0], x[1], x[2], y[0], p[i][0], y[1], p[i][1]);
            }
            Outputs outputs = Outputs.standard();
            if (plot != null) {
                outputs.write("plot:", "--plot", plot, LossPlot.png(r.history(), "delta4j demo: " + mlp));
                outputs.printSummary(out);
            }
            out.println();
            out.println("next: 'delta4j train --help' to train on your own CSV, or 'delta4j train --data fashion-mnist ...' (see README)");
            return outputs.finish(err());
        }
    }

    /** n samples of the demo function with Gaussian noise. */
    static Dataset sample(int n, SplittableRandom rnd) {
        float[] x = new float[3 * n], y = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double x1 = rnd.nextDouble(-1, 1), x2 = rnd.nextDouble(-1, 1), x3 = rnd.nextDouble(-1, 1);
            x[3 * i] = (float) x1;
            x[3 * i + 1] = (float) x2;
            x[3 * i + 2] = (float) x3;
            y[2 * i] = (float) (Math.sin(Math.PI * x1) * x2 + 0.5 * x3 * x3 + NOISE * gaussian(rnd));
            y[2 * i + 1] = (float) (Math.tanh(x1 - 2 * x2 * x3) + NOISE * gaussian(rnd));
        }
        return new Dataset(n, 3, 2, x, y);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
