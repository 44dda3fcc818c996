package delta4j.model;

import delta4j.data.Dataset;
import delta4j.data.Metrics;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression targets in the units of the world (house prices in dollars) train as well as targets of 1:
 * they are standardised by default, fitted on the training part only, and predictions come back in dollars.
 */
class TargetStandardizationTest {

    /** y = 3e5·x1 − 1e5·x2 + offset + noise(σ = 1e4), x ~ U(−1, 1)²: prices around the offset. */
    static Dataset prices(int n, long seed, double offset) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[2 * n], y = new float[n];
        for (int i = 0; i < n; i++) {
            double a = rnd.nextDouble(-1, 1), b = rnd.nextDouble(-1, 1);
            x[2 * i] = (float) a;
            x[2 * i + 1] = (float) b;
            y[i] = (float) (3e5 * a - 1e5 * b + offset + 1e4 * (rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 1.5) * 2);
        }
        return new Dataset(n, 2, 1, x, y);
    }

    static Mlp priceNet() {
        return Mlp.builder(2).dense(16, Activation.TANH).dense(1, Activation.IDENTITY).seed(3).build();
    }

    static TrainingConfig.Builder priceConfig() {
        return TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(60).seed(2);
    }

    @Test
    void targetsOfAMillionTrainToAGoodFitByDefaultAndPredictInTheirOwnUnits() {
        Dataset train = prices(800, 1, 1e6), test = prices(200, 2, 1e6);
        Mlp mlp = priceNet();
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, priceConfig().build()).fit(mlp, train);
            assertNotNull(mlp.targetStandardizer(), "a regression model carries its target standardizer");
            float[] p = mlp.predict(e, test.featureMatrix());
            double r2 = Metrics.r2(p, test.targetMatrix(), 1);
            assertTrue(r2 >= 0.98, "held-out R² in dollars = " + r2);
            double meanPrediction = 0;
            for (float v : p) {
                meanPrediction += v / p.length;
            }
            assertEquals(1e6, meanPrediction, 5e4, "predictions are in dollars, not in standard deviations");
            double rmse = Math.sqrt(Metrics.mse(p, test.targetMatrix()));
            assertTrue(rmse < 3e4, "RMSE in dollars (noise alone 1e4): " + rmse);
            // The history is the objective on standardised targets: about ½ for a model predicting the mean, then far less.
            assertTrue(r.history().getFirst().trainLoss() < 1, "first epoch loss " + r.history().getFirst().trainLoss());
            assertTrue(r.finalTrainLoss() < 0.01, "final loss on standardised targets " + r.finalTrainLoss());
        }
    }

    @Test
    void theStandardizerIsFittedOnTheTrainingPartOnly() {
        Dataset all = prices(300, 4, 2e6);
        // Validation rows with a very different mean: they must not move μ.
        Dataset validation = prices(100, 5, 9e6);
        Mlp mlp = priceNet();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, priceConfig().maxEpochs(1).build()).fit(mlp, all, validation);
            assertEquals(Standardizer.fitTargets(all).mean()[0], mlp.targetStandardizer().mean()[0]);

            Mlp split = priceNet();
            new Trainer(e, priceConfig().maxEpochs(1).validationFraction(0.25).build()).fit(split, all);
            Dataset trainPart = all.split(0.25, 2).train();
            assertEquals(Standardizer.fitTargets(trainPart).mean()[0], split.targetStandardizer().mean()[0]);
            assertEquals(Standardizer.fitTargets(trainPart).scale()[0], split.targetStandardizer().scale()[0]);
            assertFalse(Standardizer.fitTargets(all).mean()[0] == split.targetStandardizer().mean()[0], "the held-out quarter is left out");
        }
    }

    /** Weights and loss of this run as the trainer computed them before target standardisation existed (reference engine). */
    static final int[][] RAW_TARGET_WEIGHTS = {
            {0x3fc45f0f, 0xbfeb8987, 0x3dfa58fd, 0xbeb44459, 0xbea078d1, 0x3edbee6d, 0x3fd6c663, 0xc001132e},
            {0x3fa54885, 0xbdbe12ca, 0x3ecaadf5, 0x3f11aeea},
            {0x3ff0d024, 0xbe7a90e2, 0x3f55399f, 0x3f76d35f},
            {0x3fa5745c}};
    static final long RAW_TARGET_LOSS = 0x3fb974e820000000L;

    @Test
    void turnedOffTrainingIsBitForBitWhatItWasBefore() {
        int n = 24;
        float[] x = new float[n * 2], y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (i % 6) / 3f - 1f;
            x[2 * i + 1] = (i / 6) / 2f - 0.75f;
            y[i] = 3 * x[2 * i] - x[2 * i + 1] + 5;
        }
        Mlp m = Mlp.builder(2).dense(4, Activation.RELU).dense(1, Activation.IDENTITY).seed(7).build();
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(0.05f)).batchSize(8).maxEpochs(10).seed(5)
                    .standardizeTargets(false).build()).fit(m, new Dataset(n, 2, 1, x, y));
            assertNull(m.targetStandardizer());
            assertArrayEquals(RAW_TARGET_WEIGHTS[0], bits(m.weights(0)), "W[0]");
            assertArrayEquals(RAW_TARGET_WEIGHTS[1], bits(m.biases(0)), "b[0]");
            assertArrayEquals(RAW_TARGET_WEIGHTS[2], bits(m.weights(1)), "W[1]");
            assertArrayEquals(RAW_TARGET_WEIGHTS[3], bits(m.biases(1)), "b[1]");
            assertEquals(RAW_TARGET_LOSS, Double.doubleToRawLongBits(r.finalTrainLoss()), "loss " + r.finalTrainLoss());
        }
    }

    static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    @Test
    void aLossBeyondTheBoundBeforeAnyUpdateNamesTheTargetScaleNotTheLearningRate() {
        Dataset train = prices(200, 6, 2.5e6);
        Mlp mlp = priceNet();
        float[] before = mlp.weights(0);
        try (Engine e = new ReferenceEngine()) {
            TrainingDivergedException ex = assertThrows(TrainingDivergedException.class,
                    () -> new Trainer(e, priceConfig().standardizeTargets(false).build()).fit(mlp, train));
            String m = ex.getMessage();
            assertEquals(1, ex.epoch(), m);
            assertTrue(m.contains("before any update"), m);
            double max = 0;
            for (float t : train.targetMatrix()) {
                max = Math.max(max, Math.abs(t));
            }
            assertTrue(max > 2.5e6, "targets up to " + max);
            assertTrue(m.contains("the targets reach " + String.format(java.util.Locale.ROOT, "%.3g", max)), m);
            assertTrue(m.contains("standardizeTargets(true)"), m);
            assertTrue(m.contains("the learning rate is not the cause"), m);
            assertFalse(m.contains("smaller learning rate"), m);
            assertEquals(max, ex.targetScale());
            assertTrue(ex.lossBeforeUpdates() > 1e12, "loss before updates " + ex.lossBeforeUpdates());
        }
        assertArrayEquals(before, mlp.weights(0), "the model keeps its weights");
    }

    @Test
    void hugeInputsBeforeAnyUpdateAreNamedWhenTheTargetsAreSmall() {
        SplittableRandom rnd = new SplittableRandom(8);
        float[] x = new float[64], y = new float[64];
        for (int i = 0; i < 64; i++) {
            x[i] = (float) rnd.nextDouble(-3e7, 3e7);
            y[i] = (float) rnd.nextDouble();
        }
        Mlp mlp = Mlp.builder(1).dense(4, Activation.IDENTITY).dense(1, Activation.IDENTITY).seed(1).build();
        try (Engine e = new ReferenceEngine()) {
            TrainingDivergedException ex = assertThrows(TrainingDivergedException.class,
                    () -> new Trainer(e, priceConfig().build()).fit(mlp, new Dataset(64, 1, 1, x, y)));
            assertTrue(ex.getMessage().contains("the inputs reach"), ex.getMessage());
            assertTrue(ex.getMessage().contains("standardize(true)"), ex.getMessage());
            assertTrue(Double.isNaN(ex.targetScale()), "the targets are not to blame");
        }
    }

    @Test
    void aLossThatGrowsAsTheWeightsMoveStillBlamesTheLearningRate() {
        Dataset train = prices(200, 6, 1e6);
        try (Engine e = new ReferenceEngine()) {
            TrainingDivergedException ex = assertThrows(TrainingDivergedException.class,
                    () -> new Trainer(e, priceConfig().optimizer(Optimizer.sgd(50f)).build()).fit(priceNet(), train));
            assertTrue(ex.getMessage().contains("smaller learning rate"), ex.getMessage());
            assertTrue(Double.isNaN(ex.targetScale()));
        }
    }

    @Test
    void modelsWhoseOutputCannotTakeStandardisedTargetsKeepTheirTargets() {
        float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        float[][] t = {{0}, {1}, {1}, {0}};
        try (Engine e = new ReferenceEngine()) {
            for (Activation out : new Activation[] {Activation.SIGMOID, Activation.TANH, Activation.RELU, Activation.LEAKY_RELU}) {
                Mlp mlp = Mlp.builder(2).dense(4, Activation.TANH).dense(1, out).seed(3).build();
                assertFalse(mlp.canStandardizeTargets(), out.id());
                new Trainer(e, TrainingConfig.builder().maxEpochs(2).batchSize(4).build()).fit(mlp, Dataset.of(x, t));
                assertNull(mlp.targetStandardizer(), out.id() + " output: targets must stay in the activation's range");
            }
            Mlp ce = Mlp.builder(2).dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
            new Trainer(e, TrainingConfig.builder().maxEpochs(1).build()).fit(ce, Dataset.of(x, new float[][] {{1, 0}, {0, 1}, {0, 1}, {1, 0}}));
            assertNull(ce.targetStandardizer(), "classification targets are classes");
        }
    }

    @Test
    void aResumedRunKeepsTheCheckpointsStandardizerAndEndsBitIdentical() {
        Dataset train = prices(120, 9, 1e6);
        List<TrainingState> states = new ArrayList<>();
        Mlp whole = priceNet();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, priceConfig().maxEpochs(4).checkpointEvery(2, states::add).build()).fit(whole, train);
            Mlp resumed = priceNet();
            // The standardizer comes from the checkpoint, even where the resumed run's setting says otherwise.
            new Trainer(e, priceConfig().maxEpochs(4).standardizeTargets(false).build()).resume(resumed, train, states.getFirst());
            assertArrayEquals(whole.targetStandardizer().mean(), resumed.targetStandardizer().mean());
            assertArrayEquals(whole.targetStandardizer().scale(), resumed.targetStandardizer().scale());
            for (int l = 0; l < whole.depth(); l++) {
                assertArrayEquals(bits(whole.weights(l)), bits(resumed.weights(l)), "W[" + l + "]");
                assertArrayEquals(bits(whole.biases(l)), bits(resumed.biases(l)), "b[" + l + "]");
            }
        }
    }

    @Test
    void theRawNetworkOutputIsStandardisedAndPredictUndoesIt() {
        Mlp mlp = Mlp.builder(1).dense(1, Activation.IDENTITY).build();
        mlp.setParameters(0, new float[] {2}, new float[] {0.5f});
        mlp.setTargetStandardizer(new Standardizer(new float[] {1e6f}, new float[] {3e5f}));
        try (Engine e = new ReferenceEngine()) {
            float[] p = mlp.predict(e, new float[] {1, -1});
            assertEquals(1e6 + 2.5 * 3e5, p[0], 0.5);
            assertEquals(1e6 - 1.5 * 3e5, p[1], 0.5);
        }
        assertThrows(IllegalArgumentException.class, () -> mlp.setTargetStandardizer(new Standardizer(new float[2], new float[] {1, 1})));
        assertNotNull(mlp.copy().targetStandardizer(), "copies keep it");
    }
}
