package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.io.CheckpointFile;
import delta4j.io.ModelFile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training and prediction with normalised and dropout layers and the new losses, through the Trainer. */
class LayersTrainingTest {

    /** 3 → 24 (tanh, batch norm, dropout 0.2) → 16 (relu, layer norm, dropout 0.1) → 2. */
    static Mlp layeredRegression(long seed) {
        return Mlp.builder(3).dense(24, Activation.TANH).batchNorm().dropout(0.2).dense(16, Activation.RELU).layerNorm().dropout(0.1)
                .dense(2, Activation.IDENTITY).seed(seed).build();
    }

    static void assertSameState(Mlp a, Mlp b, String what) {
        for (int l = 0; l < a.depth(); l++) {
            assertArrayEquals(a.weights(l), b.weights(l), what + ": W[" + l + "]");
            assertArrayEquals(a.biases(l), b.biases(l), what + ": b[" + l + "]");
            if (a.normalization(l) != Normalization.NONE) {
                assertArrayEquals(a.gains(l), b.gains(l), what + ": γ[" + l + "]");
            }
            if (a.normalization(l) == Normalization.BATCH) {
                assertArrayEquals(a.runningMean(l), b.runningMean(l), what + ": running mean[" + l + "]");
                assertArrayEquals(a.runningVariance(l), b.runningVariance(l), what + ": running variance[" + l + "]");
            }
        }
    }

    @Test
    void resumingWithDropoutAndBatchNormGivesTheSameWeightsAndStatisticsAsAnUninterruptedRun() throws Exception {
        Dataset data = TrainingFixtures.smoothRegression(300, 8);
        for (Optimizer opt : new Optimizer[] {Optimizer.adam(0.01f), Optimizer.sgd(0.05f)}) {
            List<TrainingState> saved = new ArrayList<>();
            TrainingConfig cfg = TrainingConfig.builder().optimizer(opt).batchSize(32).maxEpochs(5).validationFraction(0.2).patience(10)
                    .restoreBestWeights(true).gradientTolerance(1e-9).checkpointEvery(2, saved::add).build();
            Mlp whole = layeredRegression(3);
            try (Engine e = new ReferenceEngine()) {
                new Trainer(e, cfg).fit(whole, data);
            }
            assertEquals(2, saved.get(0).epochsDone());
            // Through the file format: γ and running statistics in the model file, γ's optimizer state in the list.
            TrainingState fromFile = CheckpointFile.read(CheckpointFile.toBytes(saved.get(0), Map.of()), "run.ckpt").state();
            Mlp resumed = layeredRegression(99);
            try (Engine e = new ReferenceEngine()) {
                new Trainer(e, cfg).resume(resumed, data, fromFile);
            }
            assertSameState(whole, resumed, opt + ", resumed after epoch 2");
        }
    }

    @Test
    void measuringTheFullGradientNormLeavesTheRunningStatisticsAndMasksAlone() {
        Dataset data = TrainingFixtures.smoothRegression(120, 6);
        TrainingConfig.Builder cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(20).maxEpochs(3);
        Mlp plain = layeredRegression(8), measured = layeredRegression(8);
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, cfg.build()).fit(plain, data);
            TrainingResult r = new Trainer(e, cfg.gradientTolerance(1e-12).build()).fit(measured, data);
            assertTrue(Double.isFinite(r.history().get(0).gradientNorm()), "the norm was measured");
        }
        assertSameState(plain, measured, "with and without the gradient norm");
    }

    @Test
    void trainingMovesTheRunningStatisticsAndGainsAndTheModelFileKeepsThem() throws Exception {
        Dataset data = TrainingFixtures.smoothRegression(200, 4);
        Mlp m = layeredRegression(5);
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(25).maxEpochs(3).build()).fit(m, data);
        }
        assertFalse(java.util.Arrays.equals(new float[24], m.runningMean(0)), "running mean moved");
        float[] ones = new float[16];
        java.util.Arrays.fill(ones, 1f);
        assertFalse(java.util.Arrays.equals(ones, m.gains(1)), "γ trained");
        Mlp back = ModelFile.read(ModelFile.toBytes(m), "m.d4j");
        assertSameState(m, back, "model file");
        float[][] x = {{0.1f, 0.2f, 0.3f}, {-1f, 0.5f, 2f}};
        try (Engine e = new ReferenceEngine()) {
            float[][] p = m.predict(e, x), q = back.predict(e, x);
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(p[i], q[i]);
            }
        }
    }

    @Test
    void batchNormRefusesTrainingBatchesOfOneUpFront() {
        Dataset nine = TrainingFixtures.smoothRegression(9, 1);
        Mlp m = Mlp.builder(3).dense(4, Activation.TANH).batchNorm().dense(2, Activation.IDENTITY).build();
        try (Engine e = new ReferenceEngine()) {
            for (int batch : new int[] {1, 4, 8}) { // 9 = 2·4 + 1 and 9 = 8 + 1 leave a last batch of one sample
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                        () -> new Trainer(e, TrainingConfig.builder().batchSize(batch).maxEpochs(1).build()).fit(m, nine));
                assertTrue(ex.getMessage().contains("batch size " + batch) && ex.getMessage().contains("change the batch size"),
                        ex.getMessage());
                assertFalse(ex.getMessage().contains("\n"), "one line");
            }
            new Trainer(e, TrainingConfig.builder().batchSize(3).maxEpochs(1).build()).fit(m, nine); // 3 + 3 + 3
        }
        Mlp layerNormed = Mlp.builder(3).dense(4, Activation.TANH).layerNorm().dense(2, Activation.IDENTITY).build();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().batchSize(1).maxEpochs(1).build()).fit(layerNormed, nine); // per sample: fine
        }
    }

    @Test
    void binaryCrossEntropyRefusesTargetsOutsideZeroToOne() {
        float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        float[][] y = {{0}, {1}, {1.5f}, {0}};
        Mlp m = Mlp.builder(2).dense(4, Activation.TANH).dense(1, Activation.SIGMOID).loss(Loss.BINARY_CROSS_ENTROPY).build();
        try (Engine e = new ReferenceEngine()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(e, TrainingConfig.builder().maxEpochs(1).build()).fit(m, Dataset.of(x, y)));
            assertTrue(ex.getMessage().contains("sample 2") && ex.getMessage().contains("[0, 1]"), ex.getMessage());
        }
    }

    @Test
    void predictionIgnoresDropoutAndNormalisesWithTheRunningStatistics() {
        // 2 → 3 (identity, batch norm, dropout 0.5) → 1 (identity): prediction is an affine map computable by hand.
        Mlp m = Mlp.builder(2).dense(3, Activation.IDENTITY).batchNorm().dropout(0.5).dense(1, Activation.IDENTITY).seed(4).build();
        float[] mean = {0.5f, -1f, 2f}, var = {4f, 0.25f, 1f}, gamma = {1.5f, 0.5f, -1f};
        m.setRunningStatistics(0, mean, var);
        m.setGains(0, gamma);
        float[][] x = {{1f, 2f}, {-3f, 0.5f}, {0f, 0f}};
        float[] w0 = m.weights(0), b0 = m.biases(0), w1 = m.weights(1), b1 = m.biases(1);
        try (Engine e = new ReferenceEngine()) {
            float[][] p = m.predict(e, x);
            for (int i = 0; i < x.length; i++) {
                double out = b1[0];
                for (int k = 0; k < 3; k++) {
                    double z = x[i][0] * w0[k] + x[i][1] * w0[3 + k];
                    double a = gamma[k] * (z - mean[k]) / Math.sqrt(var[k] + Normalization.EPSILON) + b0[k];
                    out += a * w1[k];
                }
                assertEquals(out, p[i][0], 1e-5 * (1 + Math.abs(out)), "row " + i);
            }
            // The same rows again, and one at a time (batch statistics would depend on the batch): the same outputs.
            assertArrayEquals(p[1], m.predict(e, new float[][] {x[1]})[0]);
            assertArrayEquals(p[0], m.predict(e, x)[0]);
        }
    }

    @Test
    void trainingPassDropsWithTheKeyAndPredictionPassDoesNot() {
        Mlp m = Mlp.builder(2).dense(64, Activation.IDENTITY).dropout(0.5).dense(1, Activation.IDENTITY).seed(4).build();
        try (Engine e = new ReferenceEngine(); Network net = m.bind(e)) {
            Network.Workspace ws = net.workspace(4);
            java.util.Arrays.fill(ws.hostInput(), 1f);
            net.upload(ws, false);
            net.forward(ws);
            float[] plain = e.download(ws.output());
            net.trainingForward(ws, 1, 1, 0);
            float[] dropped = e.download(ws.output());
            net.trainingForward(ws, 1, 1, 0);
            assertArrayEquals(dropped, e.download(ws.output()), "the same key draws the same mask");
            net.trainingForward(ws, 1, 1, 1);
            assertFalse(java.util.Arrays.equals(dropped, e.download(ws.output())), "another step, another mask");
            assertFalse(java.util.Arrays.equals(plain, dropped), "training drops");
            net.forward(ws);
            assertArrayEquals(plain, e.download(ws.output()), "prediction does not");
            assertThrows(IllegalStateException.class, () -> net.backward(ws, net.allocate(1, 1), 0, 1f),
                    "backward needs the training pass on a model with dropout");
        }
    }

    @Test
    void aSmallNetWithBatchNormAndDropoutLearnsXorWithBinaryCrossEntropy() {
        float[][] x = new float[64][], y = new float[64][];
        for (int i = 0; i < 64; i++) { // XOR's four corners, 16 times each
            int a = i & 1, b = (i >> 1) & 1;
            x[i] = new float[] {a, b};
            y[i] = new float[] {a ^ b};
        }
        Mlp m = Mlp.builder(2).dense(16, Activation.TANH).batchNorm().dropout(0.1).dense(1, Activation.SIGMOID)
                .loss(Loss.BINARY_CROSS_ENTROPY).seed(7).build();
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.02f)).batchSize(16).maxEpochs(150)
                    .standardize(false).build()).fit(m, Dataset.of(x, y));
            assertTrue(r.finalTrainLoss() < 0.3, "BCE after training: " + r.finalTrainLoss());
            float[][] p = m.predict(e, new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
            assertTrue(p[0][0] < 0.2 && p[1][0] > 0.8 && p[2][0] > 0.8 && p[3][0] < 0.2,
                    "XOR: " + p[0][0] + " " + p[1][0] + " " + p[2][0] + " " + p[3][0]);
        }
    }

    @Test
    void replicaTrainsGainsAsParametersAndKeepsItsRunningStatistics() {
        Mlp m = Mlp.builder(3).dense(6, Activation.TANH).batchNorm().dropout(0.2).dense(2, Activation.IDENTITY).seed(2).build();
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.sgd(0.1f)).build();
        Dataset d = TrainingFixtures.smoothRegression(8, 3);
        float[] x = new float[8 * 3], y = new float[8 * 2];
        d.gatherFeatures(null, 0, 8, x);
        d.gatherTargets(null, 0, 8, y);
        try (Engine e = new ReferenceEngine(); Replica r = new Replica(e, m.copy(), cfg)) {
            assertEquals(m.parameterCount(), r.parameterCount(), "W, b and γ");
            float[] g = new float[r.parameterCount()];
            r.gradient(x, y, 8, 1f / 8, g);
            r.apply(g, 0.1f);
            Mlp after = r.model();
            assertFalse(java.util.Arrays.equals(m.runningMean(0), after.runningMean(0)), "the training pass moved the running mean");
            assertFalse(java.util.Arrays.equals(m.gains(0), after.gains(0)), "γ stepped");
        }
    }
}
