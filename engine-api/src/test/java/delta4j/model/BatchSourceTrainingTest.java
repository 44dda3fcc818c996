package delta4j.model;

import delta4j.data.BatchSource;
import delta4j.data.BatchSource.Batch;
import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain batch source (here a seeded generator, as data from a database or a stream would come) with the trainer's
 * features: schedules, early stopping on a validation source, listeners, checkpoints and resuming.
 */
class BatchSourceTrainingTest {

    /** A source of this test's shape: 3 features and 2 targets a sample. */
    abstract static class ThreeToTwo implements BatchSource {
        @Override
        public int features() {
            return 3;
        }

        @Override
        public int targets() {
            return 2;
        }
    }

    /** {@return a source of 3 features and 2 targets whose pass of an epoch is {@code batches}' for that epoch} */
    static BatchSource threeToTwo(IntFunction<Iterator<Batch>> batches) {
        return new ThreeToTwo() {
            @Override
            public Iterator<Batch> batches(int epoch) {
                return batches.apply(epoch);
            }
        };
    }

    /**
     * y = sin(2a) + bc, cos(a + b) − c²/2 of random points, {@code batches} batches of varying size per epoch; the same
     * batches for the same epoch (seeded by it), so a resumed run sees what an uninterrupted one saw. Counts the
     * passes it gives and closes.
     */
    static final class Generator extends ThreeToTwo {
        final long seed;
        final int batches;
        final List<Integer> passes = new ArrayList<>();
        int closed;

        Generator(long seed, int batches) {
            this.seed = seed;
            this.batches = batches;
        }

        @Override
        public Iterator<Batch> batches(int epoch) {
            passes.add(epoch);
            SplittableRandom rnd = new SplittableRandom(seed * 1000 + epoch);
            return new CloseableIterator() {
                int given;

                @Override
                public boolean hasNext() {
                    return given < batches;
                }

                @Override
                public Batch next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    given++;
                    int rows = 8 + rnd.nextInt(9);
                    float[] x = new float[rows * 3], y = new float[rows * 2];
                    TrainingFixtures.smoothRegression(rnd, rows, x, y);
                    return new Batch(rows, x, y);
                }

                @Override
                public void close() {
                    closed++;
                }
            };
        }
    }

    interface CloseableIterator extends Iterator<BatchSource.Batch>, AutoCloseable {
        @Override
        void close();
    }

    static Mlp net() {
        return Mlp.builder(3).dense(24, Activation.TANH).dense(2, Activation.IDENTITY).seed(4).build();
    }

    @Test
    void trainsWithScheduleListenersAndStandardisersAndClosesEveryPass() {
        Generator train = new Generator(1, 12), val = new Generator(2, 3);
        List<EpochReport> reports = new ArrayList<>();
        int[] batches = {0};
        Mlp mlp = net();
        TrainingResult r;
        try (Engine e = new ReferenceEngine()) {
            r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.02f)).maxEpochs(30)
                    .schedule(LearningRateSchedule.step(10, 0.5f)).standardize(true)
                    .listener(new TrainingListener() {
                        @Override
                        public void onBatch(int epoch, int batch, int of, long samples) {
                            batches[0]++;
                            assertEquals(0, of, "a batch source does not say how many batches come");
                        }

                        @Override
                        public void onEpoch(EpochReport report) {
                            reports.add(report);
                        }
                    }).build()).fit(mlp, train, val);
        }
        assertEquals(30, r.epochs());
        assertEquals(30 * 12, batches[0]);
        assertEquals(0.005f, reports.get(25).learningRate(), 1e-9, "the step schedule: 0.02 × 0.5² after 20 epochs");
        assertTrue(reports.get(0).samples() >= 12 * 8 && reports.get(0).samples() <= 12 * 16);
        assertTrue(r.last().validationLoss() < reports.get(0).validationLoss() / 3, "it learns: " + reports.get(0).validationLoss()
                + " -> " + r.last().validationLoss());
        assertTrue(mlp.standardizer() != null && mlp.targetStandardizer() != null);
        // Passes 0: the input standardiser's, then the target standardiser's two; then one per epoch.
        assertEquals(List.of(0, 0, 0), train.passes.subList(0, 3));
        assertEquals(3 + 30, train.passes.size());
        assertEquals(train.passes.size(), train.closed, "every pass's iterator is closed");
        assertEquals(30, val.passes.size());
        assertEquals(val.passes.size(), val.closed);
    }

    @Test
    void earlyStoppingOnAValidationSourceRestoresTheBestEpoch() {
        Generator train = new Generator(3, 2), val = new Generator(4, 10);
        Mlp mlp = Mlp.builder(3).dense(96, Activation.TANH).dense(2, Activation.IDENTITY).seed(1).build();
        TrainingResult r;
        try (Engine e = new ReferenceEngine()) {
            // Two fixed batches a pass would be hard to over-fit; a fresh pass every epoch is new data. Over-fit one pass:
            BatchSource sameEveryEpoch = threeToTwo(epoch -> train.batches(1));
            r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.03f)).maxEpochs(500).patience(5).build())
                    .fit(mlp, sameEveryEpoch, val);
        }
        assertEquals(StopReason.EARLY_STOPPING, r.stopReason());
        assertEquals(r.bestEpoch() + 5, r.epochs());
        double best = r.history().stream().mapToDouble(EpochReport::validationLoss).min().orElseThrow();
        assertEquals(best, r.history().get(r.bestEpoch() - 1).validationLoss());
        assertTrue(r.stopMessage().contains("validation loss did not improve for 5 epochs"), r.stopMessage());
    }

    @Test
    void resumingFromACheckpointReachesTheUninterruptedWeights() {
        List<TrainingState> states = new ArrayList<>();
        TrainingConfig.Builder b = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).maxEpochs(6).standardize(true);
        Mlp whole = net(), firstHalf = net();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, b.build()).fit(whole, new Generator(5, 6), null);
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).maxEpochs(3).standardize(true)
                    .checkpointEvery(1, states::add).build()).fit(firstHalf, new Generator(5, 6), null);
            assertEquals(3, states.size());
            Mlp resumed = net();
            TrainingResult r = new Trainer(e, b.build()).resume(resumed, new Generator(5, 6), null, states.get(2));
            assertEquals(6, r.epochs());
            MappedTrainingTest.assertSameWeights(whole, resumed, "resumed vs uninterrupted");
        }
    }

    @Test
    void badBatchesAndSettingsAreNamed() {
        BatchSource nan = threeToTwo(epoch -> List.of(new Batch(1, new float[] {1, 2, 3}, new float[] {0, 1}),
                new Batch(2, new float[] {1, 2, 3, 4, Float.NaN, 6}, new float[] {0, 1, 2, 3})).iterator());
        try (Engine e = new ReferenceEngine()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(e, TrainingConfig.builder().maxEpochs(1).build()).fit(net(), nan, null));
            assertTrue(x.getMessage().contains("feature value NaN at row 1, column 1 of batch 2 of the training source in epoch 1"), x.getMessage());
            x = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(e, TrainingConfig.builder().validationFraction(0.1).build()).fit(net(), new Generator(1, 1), null));
            assertTrue(x.getMessage().contains("give a validation source"), x.getMessage());
            x = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(e, TrainingConfig.builder().patience(2).build()).fit(net(), new Generator(1, 1), null));
            assertTrue(x.getMessage().contains("needs a validation set"), x.getMessage());
            Mlp softmax = Mlp.builder(3).dense(2, Activation.SOFTMAX).loss(delta4j.engine.Loss.SOFTMAX_CROSS_ENTROPY).build();
            x = assertThrows(IllegalArgumentException.class, () -> new Trainer(e, TrainingConfig.builder().build()).fit(softmax, new Generator(1, 1), null));
            assertTrue(x.getMessage().contains("row 0 of batch 1 of the training source in epoch 1 has targets summing to"), x.getMessage());
            BatchSource wrongShape = BatchSource.of(new Dataset(2, 2, 2, new float[4], new float[4]), 1);
            x = assertThrows(IllegalArgumentException.class, () -> new Trainer(e, TrainingConfig.builder().build()).fit(net(), wrongShape, null));
            assertTrue(x.getMessage().contains("has 2 features but the network has 3 inputs"), x.getMessage());
        }
        float[] rows = BatchSource.Batch.of(new double[][] {{1.5, 2}}, new double[][] {{3}}).features();
        assertArrayEquals(new float[] {1.5f, 2f}, rows);
    }
}
