package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints resume to exactly the weights of an uninterrupted run; clipping tames an exploding step. */
class CheckpointTest {

    @Test
    void resumingFromACheckpointGivesTheSameWeightsAsAnUninterruptedRun() {
        Dataset data = TrainingFixtures.smoothRegression(300, 8);
        for (Optimizer opt : new Optimizer[]{Optimizer.adam(0.01f), Optimizer.nesterov(0.05f, 0.9f), Optimizer.sgd(0.1f)}) {
            List<TrainingState> saved = new ArrayList<>();
            TrainingConfig cfg = TrainingConfig.builder().optimizer(opt).batchSize(32).maxEpochs(6)
                    .validationFraction(0.2).patience(10).schedule(LearningRateSchedule.cosine(0.1f))
                    .checkpointEvery(2, saved::add).build();
            Mlp whole = LearningTest.regressionNet(3);
            try (Engine e = new ReferenceEngine()) {
                new Trainer(e, cfg).fit(whole, data);
            }
            assertEquals(3, saved.size(), "checkpoints after epochs 2, 4, 6");
            assertEquals(2, saved.get(0).epochsDone());

            Mlp resumed = LearningTest.regressionNet(99); // different initial weights: the checkpoint must win
            TrainingResult r;
            try (Engine e = new ReferenceEngine()) {
                r = new Trainer(e, cfg).resume(resumed, data, saved.get(0));
            }
            assertEquals(6, r.epochs(), "history continues from the checkpoint");
            for (int l = 0; l < whole.depth(); l++) {
                assertArrayEquals(whole.weights(l), resumed.weights(l), opt + ": W[" + l + "] after resume");
                assertArrayEquals(whole.biases(l), resumed.biases(l), opt + ": b[" + l + "] after resume");
            }
        }
    }

    @Test
    void aCheckpointOfAnotherArchitectureIsRejected() {
        Dataset data = TrainingFixtures.smoothRegression(50, 8);
        List<TrainingState> saved = new ArrayList<>();
        TrainingConfig cfg = TrainingConfig.builder().maxEpochs(1).checkpointEvery(1, saved::add).build();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, cfg).fit(LearningTest.regressionNet(1), data);
            Mlp other = Mlp.builder(3).dense(5, Activation.RELU).dense(2, Activation.IDENTITY).build();
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(e, cfg).resume(other, data, saved.get(0)));
            assertTrue(ex.getMessage().contains("checkpoint"), ex.getMessage());
        }
    }

    @Test
    void gradientClippingKeepsAnOtherwiseDivergingRunFinite() {
        Dataset data = TrainingFixtures.smoothRegression(200, 3);
        TrainingConfig.Builder base = TrainingConfig.builder().optimizer(Optimizer.sgd(3f)).batchSize(8).maxEpochs(5);
        try (Engine e = new ReferenceEngine()) {
            Mlp wild = Mlp.builder(3).dense(16, Activation.RELU).dense(2, Activation.IDENTITY).seed(2).build();
            assertThrows(TrainingDivergedException.class, () -> new Trainer(e, base.build()).fit(wild, data));
            Mlp tamed = Mlp.builder(3).dense(16, Activation.RELU).dense(2, Activation.IDENTITY).seed(2).build();
            TrainingResult r = new Trainer(e, base.clipGradientNorm(0.05f).build()).fit(tamed, data);
            assertTrue(Double.isFinite(r.finalTrainLoss()), "clipped training stays finite");
            // With clipping each step moves θ by at most η·maxNorm.
            float[] before = Mlp.builder(3).dense(16, Activation.RELU).dense(2, Activation.IDENTITY).seed(2).build().weights(0);
            double moved = 0;
            for (int i = 0; i < before.length; i++) {
                moved += Math.pow(tamed.weights(0)[i] - before[i], 2);
            }
            assertTrue(Math.sqrt(moved) <= 3f * 0.05f * 5 * 25 + 1e-3, "bounded movement: " + Math.sqrt(moved));
        }
    }
}
