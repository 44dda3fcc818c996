package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping rules, schedules, listeners, standardisation and moving models between engines. */
class TrainerFeaturesTest {

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresTheBestWeights() {
        // A wide net on few noisy points over-fits: validation loss turns up and training must stop.
        Dataset train = TrainingFixtures.smoothRegression(40, 1), val = TrainingFixtures.smoothRegression(200, 2);
        Mlp mlp = Mlp.builder(3).dense(128, Activation.TANH).dense(2, Activation.IDENTITY).seed(1).build();
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.02f)).batchSize(8)
                    .maxEpochs(400).patience(5).build()).fit(mlp, train, val);
            assertEquals(StopReason.EARLY_STOPPING, r.stopReason());
            assertEquals(r.bestEpoch() + 5, r.epochs(), "stops exactly patience epochs after the best");
            double bestVal = r.history().stream().mapToDouble(EpochReport::validationLoss).min().orElseThrow();
            assertEquals(bestVal, r.history().get(r.bestEpoch() - 1).validationLoss());
            // The model holds the best epoch's weights: its validation loss (on the standardised targets the
            // network trains on, ½‖(y − t)/σ‖²) is the best one seen.
            float[] y = mlp.predict(e, val.featureMatrix());
            double loss = 0;
            float[] t = val.targetMatrix(), sigma = mlp.targetStandardizer().scale();
            for (int i = 0; i < y.length; i++) {
                double d = (y[i] - t[i]) / sigma[i % 2];
                loss += 0.5 * d * d;
            }
            assertEquals(bestVal, loss / val.size(), 1e-5 * bestVal);
        }
    }

    @Test
    void learningRateIsPlainSgdAsDocumented() {
        assertEquals(Optimizer.sgd(0.05f), TrainingConfig.builder().learningRate(0.05f).build().optimizer());
        assertEquals(Optimizer.sgd(0.05f), TrainingConfig.builder().optimizer(Optimizer.adam(0.5f)).learningRate(0.05f).build().optimizer());
        // and it trains as θ ← θ − η∇E does: to the weights of optimizer(sgd(η)), bit for bit
        Dataset train = TrainingFixtures.smoothRegression(64, 5);
        Mlp shorthand = LearningTest.regressionNet(4), sgd = LearningTest.regressionNet(4);
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().learningRate(0.05f).batchSize(16).maxEpochs(3).build()).fit(shorthand, train);
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(0.05f)).batchSize(16).maxEpochs(3).build()).fit(sgd, train);
        }
        for (int l = 0; l < sgd.depth(); l++) {
            assertArrayEquals(sgd.weights(l), shorthand.weights(l));
            assertArrayEquals(sgd.biases(l), shorthand.biases(l));
        }
    }

    @Test
    void lossToleranceStopsWhenTheLossStopsMoving() {
        Dataset train = TrainingFixtures.smoothRegression(100, 3);
        Mlp mlp = LearningTest.regressionNet(2);
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(0.05f)).batchSize(100)
                    .maxEpochs(100000).lossTolerance(1e-6).build()).fit(mlp, train);
            assertEquals(StopReason.LOSS_TOLERANCE, r.stopReason());
            int n = r.epochs();
            assertTrue(Math.abs(r.history().get(n - 1).trainLoss() - r.history().get(n - 2).trainLoss()) < 1e-6);
            assertTrue(n < 100000);
        }
    }

    @Test
    void gradientToleranceStopsWhenTheFullGradientIsSmall() {
        Dataset train = TrainingFixtures.smoothRegression(64, 4);
        Mlp mlp = Mlp.builder(3).dense(2, Activation.IDENTITY).seed(3).build();
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(0.3f)).batchSize(16)
                    .schedule(LearningRateSchedule.step(20, 0.7f)) // decaying steps: mini-batch SGD then converges
                    .maxEpochs(5000).gradientTolerance(1e-3).build()).fit(mlp, train);
            assertEquals(StopReason.GRADIENT_TOLERANCE, r.stopReason());
            assertTrue(r.last().gradientNorm() < 1e-3);
            assertTrue(r.history().get(0).gradientNorm() > 1e-2, "the first epoch's gradient is not yet small");
        }
    }

    @Test
    void schedulesFollowTheirFormulas() {
        assertEquals(0.1f, LearningRateSchedule.constant().rate(0.1f, 7, 10));
        LearningRateSchedule step = LearningRateSchedule.step(3, 0.5f);
        assertEquals(0.1f, step.rate(0.1f, 2, 10), 1e-7);
        assertEquals(0.05f, step.rate(0.1f, 3, 10), 1e-7);
        assertEquals(0.025f, step.rate(0.1f, 6, 10), 1e-7);
        LearningRateSchedule cos = LearningRateSchedule.cosine(0f);
        assertEquals(0.1f, cos.rate(0.1f, 0, 11), 1e-7);
        assertEquals(0.05f, cos.rate(0.1f, 5, 11), 1e-7);
        assertEquals(0f, cos.rate(0.1f, 10, 11), 1e-7);
    }

    @Test
    void listenersSeeEveryBatchAndEpoch() {
        Dataset train = TrainingFixtures.smoothRegression(50, 5);
        List<EpochReport> epochs = new ArrayList<>();
        int[] batches = {0};
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().batchSize(16).maxEpochs(3).schedule(LearningRateSchedule.step(1, 0.5f))
                    .listener(new TrainingListener() {
                        @Override
                        public void onBatch(int epoch, int batch, int of, long samples) {
                            batches[0]++;
                            assertEquals(4, of);
                        }

                        @Override
                        public void onEpoch(EpochReport r) {
                            epochs.add(r);
                        }
                    }).build()).fit(LearningTest.regressionNet(1), train);
        }
        assertEquals(12, batches[0], "4 batches (16+16+16+2) × 3 epochs");
        assertEquals(3, epochs.size());
        assertEquals(0.00025f, epochs.get(2).learningRate(), 1e-9);
        assertEquals(50, epochs.get(0).samples());
    }

    @Test
    void standardisationIsFittedOnTrainingDataAndStoredWithTheModel() {
        float[][] x = new float[200][], t = new float[200][];
        for (int i = 0; i < 200; i++) {
            x[i] = new float[]{1000 + i, -0.001f * i};
            t[i] = new float[]{i / 200f};
        }
        Mlp mlp = Mlp.builder(2).dense(1, Activation.IDENTITY).build();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(0.1f)).batchSize(200).maxEpochs(500)
                    .standardize(true).build()).fit(mlp, Dataset.of(x, t));
            assertEquals(1099.5f, mlp.standardizer().mean()[0], 1e-2);
            // Predictions take raw features: the stored standardizer is applied inside.
            assertEquals(0.5f, mlp.predict(e, new float[][]{{1100, -0.1f}})[0][0], 0.01);
        }
    }

    @Test
    void aTrainedModelMovesToAnotherEngine() {
        Dataset train = TrainingFixtures.smoothRegression(100, 6);
        Mlp mlp = Mlp.builder(3).dense(10, Activation.RELU).dense(4, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        float[] onFirst;
        float[][] t = new float[100][];
        for (int i = 0; i < 100; i++) {
            t[i] = new float[4];
            t[i][train.featureRow(i)[0] > 0 ? (train.featureRow(i)[1] > 0 ? 0 : 1) : 2] = 1;
        }
        float[][] x = new float[100][];
        for (int i = 0; i < 100; i++) {
            x[i] = train.featureRow(i);
        }
        try (Engine first = new ReferenceEngine()) {
            new Trainer(first, TrainingConfig.builder().maxEpochs(3).build()).fit(mlp, Dataset.of(x, t));
            onFirst = mlp.predict(first, train.featureMatrix());
        }
        try (Engine second = new ReferenceEngine()) {
            assertArrayEquals(onFirst, mlp.predict(second, train.featureMatrix()));
        }
    }
}
