package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every user mistake is an IllegalArgumentException whose message names the offending value. */
class BadInputTest {

    static void rejects(Executable call, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String m : mustMention) {
            assertTrue(e.getMessage().contains(m), "message '" + e.getMessage() + "' should mention '" + m + "'");
        }
    }

    @Test
    void mismatchedDimensions() {
        rejects(() -> Dataset.of(new float[][]{{1, 2}, {3}}, new float[][]{{1}, {2}}), "row 1", "1 values", "2");
        rejects(() -> Dataset.of(new float[][]{{1, 2}}, new float[][]{{1}, {2}}), "1 feature rows", "2 target rows");
        Mlp mlp = Mlp.builder(3).dense(2, Activation.IDENTITY).build();
        Dataset wrong = Dataset.of(new float[][]{{1, 2}}, new float[][]{{1, 2}});
        try (Engine e = new ReferenceEngine()) {
            rejects(() -> new Trainer(e, TrainingConfig.builder().build()).fit(mlp, wrong), "2 features", "3 inputs");
            rejects(() -> mlp.predict(e, new float[][]{{1, 2}}), "2 features", "3");
        }
    }

    @Test
    void nanOrInfiniteFeatures() {
        rejects(() -> Dataset.of(new float[][]{{1, Float.NaN}}, new float[][]{{1}}), "NaN", "sample 0", "column 1");
        rejects(() -> Dataset.of(new float[][]{{1, 2}, {Float.POSITIVE_INFINITY, 0}}, new float[][]{{1}, {2}}), "Infinity", "sample 1");
        rejects(() -> Dataset.of(new float[][]{{1}}, new float[][]{{Float.NaN}}), "target", "NaN");
        Mlp mlp = Mlp.builder(2).dense(1, Activation.IDENTITY).build();
        try (Engine e = new ReferenceEngine()) {
            rejects(() -> mlp.predict(e, new float[]{1, Float.NaN}), "NaN", "column 1");
        }
    }

    @Test
    void emptyDataset() {
        rejects(() -> Dataset.of(new float[0][], new float[0][]), "empty");
        rejects(() -> new Dataset(0, 2, 1, new float[0], new float[0]), "empty", "0 samples");
    }

    @Test
    void nonPositiveLearningRateOrBatchSize() {
        rejects(() -> Optimizer.sgd(0f), "learning rate", "0.0");
        rejects(() -> Optimizer.adam(-1e-3f), "learning rate", "-0.001");
        rejects(() -> TrainingConfig.builder().learningRate(-2f), "-2.0");
        rejects(() -> TrainingConfig.builder().batchSize(0), "batch size", "0");
        rejects(() -> TrainingConfig.builder().batchSize(-5), "batch size", "-5");
        rejects(() -> TrainingConfig.builder().maxEpochs(0), "epochs", "0");
    }

    @Test
    void layerOfWidthZero() {
        rejects(() -> Mlp.builder(3).dense(0, Activation.RELU).dense(2, Activation.IDENTITY).build(), "layer 0 width", "0");
        rejects(() -> Mlp.builder(0).dense(2, Activation.IDENTITY).build(), "input width", "0");
    }

    @Test
    void softmaxOnlyOnTheOutputWithCrossEntropy() {
        rejects(() -> Mlp.builder(3).dense(4, Activation.SOFTMAX).dense(2, Activation.IDENTITY).build(), "softmax");
        rejects(() -> Mlp.builder(3).dense(2, Activation.SOFTMAX).loss(Loss.MSE).build(), "cross-entropy");
        rejects(() -> Mlp.builder(3).dense(2, Activation.SIGMOID).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), "softmax");
    }

    @Test
    void crossEntropyTargetRowsMustSumToOne() {
        // With zero weights p = [½, ½]: t = [1, 1] would train on δ = p − t = [−½, −½], while the gradient of
        // −Σ t log p is 0 in the biases. Such rows are rejected, naming the caller's sample and the tolerance.
        Mlp mlp = Mlp.builder(2).dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        float[][] x = {{1, 0}, {0, 1}, {1, 1}, {0, 0}};
        float[][] good = {{1, 0}, {0, 1}, {0.95f, 0.05f}, {1 / 3f, 2 / 3f}};
        float[][] bad = {{1, 0}, {0, 1}, {1, 1}, {0, 1}};
        float[][] slightlyOff = {{1, 0}, {0, 1}, {0.5f, 0.49f}, {0, 1}};
        float[] before = mlp.biases(0);
        try (Engine e = new ReferenceEngine()) {
            Trainer trainer = new Trainer(e, TrainingConfig.builder().maxEpochs(1).build());
            rejects(() -> trainer.fit(mlp, Dataset.of(x, bad)), "training data's sample 2", "summing to 2.0", "tolerance 0.001", "mse");
            rejects(() -> trainer.fit(mlp, Dataset.of(x, slightlyOff)), "sample 2", "0.99");
            rejects(() -> trainer.fit(mlp, Dataset.of(x, good), Dataset.of(x, bad)), "validation data's sample 2");
            rejects(() -> new Trainer(e, TrainingConfig.builder().validationFraction(0.5).maxEpochs(1).build())
                    .fit(mlp, Dataset.of(x, bad)), "training data's sample 2");
            assertArrayEquals(before, mlp.biases(0), "a rejected run leaves the model as it was");
            trainer.fit(mlp, Dataset.of(x, good)); // one-hot and probability rows (float-rounded) train
            Mlp regression = Mlp.builder(2).dense(2, Activation.IDENTITY).build();
            trainer.fit(regression, Dataset.of(x, bad)); // mse takes any targets
        }
    }

    @Test
    void aLossThatBecomesNanStopsTrainingNamingTheEpochAndSuggestingASmallerRate() {
        Dataset data = TrainingFixtures.smoothRegression(200, 3);
        Mlp mlp = Mlp.builder(3).dense(16, Activation.RELU).dense(2, Activation.IDENTITY).seed(2).build();
        float[] before = mlp.weights(0);
        try (Engine e = new ReferenceEngine()) {
            TrainingDivergedException ex = assertThrows(TrainingDivergedException.class, () ->
                    new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(1e4f)).batchSize(8).maxEpochs(50).build())
                            .fit(mlp, data));
            assertTrue(ex.getMessage().contains("epoch " + ex.epoch()), ex.getMessage());
            assertTrue(ex.getMessage().contains("smaller learning rate"), ex.getMessage());
            assertTrue(ex.epoch() >= 1 && ex.epoch() <= 2, "detected within the epoch it happened: " + ex.epoch());
        }
        assertArrayEquals(before, mlp.weights(0), "a diverged run leaves the model's weights as they were");
    }

    @Test
    void badTrainingSettings() {
        rejects(() -> TrainingConfig.builder().validationFraction(1.5), "1.5");
        rejects(() -> TrainingConfig.builder().patience(-1), "-1");
        rejects(() -> TrainingConfig.builder().weightDecay(Float.NaN), "NaN");
        rejects(() -> Optimizer.parse("rmsprop", 0.1f), "rmsprop");
        rejects(() -> LearningRateSchedule.parse("linear"), "linear");
        Dataset data = TrainingFixtures.smoothRegression(20, 1);
        try (Engine e = new ReferenceEngine()) {
            rejects(() -> new Trainer(e, TrainingConfig.builder().patience(3).build()).fit(LearningTest.regressionNet(1), data),
                    "patience 3", "validation");
        }
        assertEquals(Activation.LEAKY_RELU, Activation.parse("leaky-relu"));
        rejects(() -> Activation.parse("swish"), "swish");
    }

    @Test
    void divergenceMessagesGiveLearningRatesAsPlainDecimals() {
        assertEquals("0.001", Trainer.plain(0.001f));
        assertEquals("0.0001", Trainer.tenth(0.001f));
        assertEquals("5", Trainer.tenth(50f));
        assertEquals("0.00003", Trainer.tenth(3e-4f));
    }
}
