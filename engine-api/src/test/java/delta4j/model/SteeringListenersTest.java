package delta4j.model;

import delta4j.data.Dataset;
import delta4j.data.Metrics;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Listeners that steer: stop after a condition, report their own validation metrics per epoch, drive early stopping
 * by a custom metric; and what becomes of a run whose listener throws.
 */
class SteeringListenersTest {

    /** Three classes of points in the plane, separable by angle, with some noise: accuracy rises over epochs. */
    static Dataset classes(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * 2], y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            double a = rnd.nextDouble() * 2 * Math.PI, r = 0.5 + rnd.nextDouble();
            x[i * 2] = (float) (r * Math.cos(a));
            x[i * 2 + 1] = (float) (r * Math.sin(a));
            int k = (int) (a / (2 * Math.PI / 3));
            if (rnd.nextDouble() < 0.05) {
                k = rnd.nextInt(3);
            }
            y[i * 3 + Math.min(k, 2)] = 1;
        }
        return new Dataset(n, 2, 3, x, y);
    }

    static Mlp classifier(long seed) {
        return Mlp.builder(2).dense(16, Activation.TANH).dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(seed).build();
    }

    /** Reports the validation accuracy of every epoch (argmax of the predictions against the one-hot targets). */
    static final class Accuracy implements TrainingListener {
        final List<Integer> epochs = new ArrayList<>();

        @Override
        public void onEpochEnd(EpochContext c) {
            epochs.add(c.epoch());
            c.metric("accuracy", Metrics.accuracy(c.validationPredictions(), c.validationTargets(), 3));
        }

        @Override
        public String toString() {
            return "Accuracy";
        }
    }

    @Test
    void aListenerReportsItsAccuracyEveryEpochAndTheReportsCarryIt() {
        Dataset train = classes(300, 1), val = classes(200, 2);
        Accuracy accuracy = new Accuracy();
        List<Double> seenInOnEpoch = new ArrayList<>();
        Mlp mlp = classifier(1);
        TrainingResult r;
        try (Engine e = new ReferenceEngine()) {
            r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.02f)).batchSize(20).maxEpochs(8).listener(accuracy)
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpoch(EpochReport report) {
                            seenInOnEpoch.add(report.metric("accuracy"));
                        }
                    }).build()).fit(mlp, train, val);
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), accuracy.epochs);
            List<Double> reported = r.history().stream().map(h -> h.metrics().get("accuracy")).toList();
            assertEquals(reported, seenInOnEpoch, "onEpoch sees the metrics of onEpochEnd");
            // The last epoch's accuracy is the model's accuracy on the validation set, computed independently.
            double direct = Metrics.accuracy(mlp.predict(e, val.featureMatrix()), val.targetMatrix(), 3);
            assertEquals(direct, r.last().metric("accuracy"));
            assertTrue(r.last().metric("accuracy") > r.history().get(0).metric("accuracy"), "accuracy rises: " + reported);
            assertTrue(r.last().metric("accuracy") > 0.8, "accuracy " + r.last().metric("accuracy"));
        }
    }

    @Test
    void aListenerStopsTrainingWhenItsConditionHoldsAndTheResultSaysWhy() {
        Dataset train = classes(300, 3), val = classes(200, 4);
        Mlp mlp = classifier(2);
        Mlp[] atStop = new Mlp[1];
        TrainingResult r;
        try (Engine e = new ReferenceEngine()) {
            r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.002f)).batchSize(20).maxEpochs(200).listener(new Accuracy())
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(EpochContext c) {
                            if (c.metric("accuracy") >= 0.85) { // reported by the listener added before this one
                                atStop[0] = c.model();
                                assertSame(atStop[0], c.model(), "the model is downloaded once per epoch");
                                c.stop("validation accuracy reached 85 % in epoch " + c.epoch());
                            }
                        }
                    }).build()).fit(mlp, train, val);
        }
        assertEquals(StopReason.LISTENER, r.stopReason());
        assertTrue(r.epochs() > 1 && r.epochs() < 200, "stopped early, after " + r.epochs());
        assertEquals("validation accuracy reached 85 % in epoch " + r.epochs(), r.stopMessage());
        assertTrue(r.last().metric("accuracy") >= 0.85);
        assertTrue(r.history().get(r.epochs() - 2).metric("accuracy") < 0.85, "the condition first held in the last epoch");
        assertEquals(r.epochs(), r.bestEpoch(), "without early stopping the model keeps the last weights");
        MappedTrainingTest.assertSameWeights(atStop[0], mlp, "the model the listener saw is the model kept");
    }

    @Test
    void earlyStoppingFollowsACustomMetricAndRestoresItsBestEpoch() {
        Dataset train = classes(120, 5), val = classes(400, 6);
        Mlp mlp = Mlp.builder(2).dense(128, Activation.TANH).dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(3).build();
        List<Mlp> models = new ArrayList<>();
        TrainingResult r;
        try (Engine e = new ReferenceEngine()) {
            // F1 of class 0 (precision and recall from the confusion matrix) as the metric to maximise.
            r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.03f)).batchSize(10).maxEpochs(300)
                    .monitor("f1", TrainingConfig.Goal.MAXIMIZE).patience(4)
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(EpochContext c) {
                            var m = Metrics.confusion(c.validationPredictions(), c.validationTargets(), 3);
                            double p = m.precision(0), q = m.recall(0);
                            c.metric("f1", p + q == 0 ? 0 : 2 * p * q / (p + q));
                            models.add(c.model());
                        }
                    }).build()).fit(mlp, train, val);
        }
        assertEquals(StopReason.EARLY_STOPPING, r.stopReason());
        assertEquals(r.bestEpoch() + 4, r.epochs(), "stops patience epochs after the best F1");
        double bestF1 = r.history().stream().mapToDouble(h -> h.metric("f1")).max().orElseThrow();
        assertEquals(bestF1, r.history().get(r.bestEpoch() - 1).metric("f1"), "the best epoch is the one of the highest F1");
        for (int i = 0; i < r.bestEpoch() - 1; i++) {
            assertTrue(r.history().get(i).metric("f1") < bestF1, "the first epoch reaching the best F1 counts");
        }
        assertTrue(r.stopMessage().contains("metric 'f1' did not improve for 4 epochs"), r.stopMessage());
        MappedTrainingTest.assertSameWeights(models.get(r.bestEpoch() - 1), mlp, "the best F1 epoch's weights are restored");
    }

    @Test
    void aMonitoredMetricNeedsNoValidationSetButMustBeReported() {
        Dataset train = classes(100, 7);
        try (Engine e = new ReferenceEngine()) {
            TrainingResult r = new Trainer(e, TrainingConfig.builder().maxEpochs(6).monitor("score", TrainingConfig.Goal.MINIMIZE).patience(2)
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(EpochContext c) {
                            c.metric("score", c.epoch() == 2 ? -1 : c.epoch()); // best at epoch 2
                        }
                    }).build()).fit(classifier(4), train);
            assertEquals(StopReason.EARLY_STOPPING, r.stopReason());
            assertEquals(4, r.epochs());
            assertEquals(2, r.bestEpoch());
            IllegalStateException x = assertThrows(IllegalStateException.class,
                    () -> new Trainer(e, TrainingConfig.builder().maxEpochs(3).monitor("f1", TrainingConfig.Goal.MAXIMIZE).patience(1).build())
                            .fit(classifier(4), train));
            assertTrue(x.getMessage().contains("'f1' was not reported in epoch 1"), x.getMessage());
        }
    }

    @Test
    void bestOrLastWeightsAreKeptAsConfiguredWhenAListenerStops() {
        Dataset train = classes(100, 8), val = classes(100, 9);
        Mlp best = classifier(5), last = classifier(5), reference = classifier(5);
        List<Mlp> seen = new ArrayList<>();
        TrainingListener stopAt5 = new TrainingListener() {
            @Override
            public void onEpochEnd(EpochContext c) {
                if (c.epoch() == 5) {
                    c.stop("five epochs are enough");
                }
            }
        };
        TrainingResult rb, rl;
        try (Engine e = new ReferenceEngine()) {
            // Huge steps make the validation loss jump about, so the best epoch is rarely the last.
            TrainingConfig.Builder b = TrainingConfig.builder().optimizer(Optimizer.sgd(3f)).batchSize(5).maxEpochs(50).listener(stopAt5);
            rb = new Trainer(e, b.restoreBestWeights(true).build()).fit(best, train, val);
            rl = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(3f)).batchSize(5).maxEpochs(50).listener(stopAt5)
                    .restoreBestWeights(false).build()).fit(last, train, val);
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(3f)).batchSize(5).maxEpochs(50).listener(stopAt5)
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(EpochContext c) {
                            seen.add(c.model());
                        }
                    }).build()).fit(reference, train, val);
        }
        assertEquals(StopReason.LISTENER, rb.stopReason());
        assertEquals("five epochs are enough", rb.stopMessage());
        assertEquals(5, rb.epochs());
        int bestEpoch = 1;
        for (int i = 1; i < 5; i++) {
            if (rb.history().get(i).validationLoss() < rb.history().get(bestEpoch - 1).validationLoss()) {
                bestEpoch = i + 1;
            }
        }
        assertEquals(bestEpoch, rb.bestEpoch());
        MappedTrainingTest.assertSameWeights(seen.get(bestEpoch - 1), best, "restoreBestWeights(true): the best epoch's weights");
        assertEquals(5, rl.bestEpoch());
        MappedTrainingTest.assertSameWeights(seen.get(4), last, "restoreBestWeights(false): the last epoch's weights");
        assertThrows(IllegalArgumentException.class, () -> {
            try (Engine e = new ReferenceEngine()) {
                new Trainer(e, TrainingConfig.builder().restoreBestWeights(true).build()).fit(classifier(1), train);
            }
        }, "best weights need something to judge them by");
    }

    @Test
    void aThrowingListenerStopsTheRunGracefullyAndKeepsEverything() {
        Dataset train = classes(100, 10), val = classes(60, 11);
        Mlp mlp = classifier(6);
        Mlp before = mlp.copy();
        List<TrainingState> checkpoints = new ArrayList<>();
        List<Integer> laterListener = new ArrayList<>();
        int[] batchCalls = {0};
        TrainingListener broken = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batches, long samples) {
                batchCalls[0]++;
                if (epoch == 3 && batch == 2) {
                    throw new IllegalStateException("metrics server unreachable");
                }
            }

            @Override
            public String toString() {
                return "MetricsPusher";
            }
        };
        TrainingListenerException x;
        try (Engine e = new ReferenceEngine()) {
            x = assertThrows(TrainingListenerException.class, () -> new Trainer(e, TrainingConfig.builder().batchSize(10).maxEpochs(20)
                    .listener(broken).listener(new TrainingListener() {
                        @Override
                        public void onEpoch(EpochReport r) {
                            laterListener.add(r.epoch());
                        }
                    }).checkpointEvery(10, checkpoints::add).build()).fit(mlp, train, val));
        }
        assertEquals("metrics server unreachable", x.getCause().getMessage());
        assertTrue(x.getMessage().startsWith("the training listener MetricsPusher threw IllegalStateException (metrics server unreachable)"
                + " in onBatch of epoch 3; training stopped after epoch 3"), x.getMessage());
        TrainingResult r = x.result();
        assertNotNull(r);
        assertEquals(StopReason.LISTENER_FAILED, r.stopReason());
        assertEquals(3, r.epochs(), "the epoch is completed, then training stops");
        assertEquals(3, r.bestEpoch());
        assertEquals(List.of(1, 2, 3), laterListener, "the other listeners are still called for that epoch");
        assertEquals(10 + 10 + 2, batchCalls[0], "the failed listener is not called again");
        assertEquals(1, checkpoints.size(), "a checkpoint is written at the stop");
        assertEquals(3, checkpoints.get(0).epochsDone());
        // The model holds the weights of epoch 3, the ones in the checkpoint, not its initial ones.
        MappedTrainingTest.assertSameWeights(checkpoints.get(0).model(), mlp, "the model keeps the trained weights");
        assertTrue(!java.util.Arrays.equals(before.weights(0), mlp.weights(0)));
    }

    @Test
    void aContextCannotBeUsedAfterItsCall() {
        EpochContext[] kept = new EpochContext[1];
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().maxEpochs(1).listener(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochContext c) {
                    kept[0] = c;
                    assertEquals(null, c.validation(), "no validation set, no validation samples");
                    assertEquals(null, c.validationPredictions());
                    float[] y = c.predict(new float[] {0.5f, -0.5f});
                    assertEquals(3, y.length);
                }
            }).build()).fit(classifier(1), classes(30, 1));
        }
        assertThrows(IllegalStateException.class, () -> kept[0].epoch());
        assertThrows(IllegalStateException.class, () -> kept[0].stop("late"));
    }

    @Test
    void doubleOverloadsConvertOnceAndAgreeWithTheFloatPath() {
        double[][] x = {{0.1, 0.2}, {-1.5, 2.25}, {3, -4}};
        double[][] y = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        Dataset d = Dataset.of(x, y);
        assertArrayEquals(new float[] {0.1f, 0.2f, -1.5f, 2.25f, 3f, -4f}, d.featureMatrix());
        Mlp m = classifier(2);
        try (Engine e = new ReferenceEngine(); Predictor p = m.predictor(e)) {
            float[] f = m.predict(e, d.featureMatrix());
            double[] flat = m.predict(e, new double[] {0.1, 0.2, -1.5, 2.25, 3, -4});
            double[][] rows = m.predict(e, x);
            double[][] served = p.predict(x);
            for (int i = 0; i < f.length; i++) {
                assertEquals(f[i], flat[i]);
                assertEquals(f[i], rows[i / 3][i % 3]);
                assertEquals(f[i], served[i / 3][i % 3]);
            }
            assertArrayEquals(flat, p.predict(new double[] {0.1, 0.2, -1.5, 2.25, 3, -4}));
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> m.predict(e, new double[][] {{1, 2}, {1e39, 0}}));
            assertTrue(big.getMessage().contains("sample 1, column 0") && big.getMessage().contains("float's range"), big.getMessage());
        }
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> Dataset.of(new double[][] {{Double.NaN}}, new double[][] {{1}}));
        assertTrue(nan.getMessage().contains("not finite"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new double[][] {{1, 2}, {3}}, new double[][] {{1}, {2}}));
    }
}
