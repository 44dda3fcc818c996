package delta4j.model;

import delta4j.data.BatchSource;
import delta4j.data.DataFileWriter;
import delta4j.data.Dataset;
import delta4j.data.Labels;
import delta4j.data.MappedDataset;
import delta4j.data.Samples;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer on a memory-mapped data file, and on the same values in memory: the same weights bit for bit, with
 * every feature that touches the data (per-epoch shuffling, the validation split, both standardisers fitted in
 * streaming passes, early stopping, the full-data gradient norm, checkpoints).
 */
class MappedTrainingTest {

    /** Features on scales far apart (so standardisation matters) and a smooth two-output target around 1e3. */
    static Dataset regression(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * 3], y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            double a = rnd.nextDouble() * 2 - 1, b = rnd.nextDouble() * 2 - 1, c = rnd.nextDouble() * 2 - 1;
            x[i * 3] = (float) (a * 1000 + 5);
            x[i * 3 + 1] = (float) b;
            x[i * 3 + 2] = (float) (c * 0.01);
            y[i * 2] = (float) (1000 + 50 * (Math.sin(2 * a) + b * c));
            y[i * 2 + 1] = (float) (Math.cos(a + b) - c * c / 2);
        }
        return new Dataset(n, 3, 2, x, y);
    }

    static Mlp net(long seed) {
        return Mlp.builder(3).dense(16, Activation.TANH).dense(2, Activation.IDENTITY).seed(seed).build();
    }

    static void assertSameWeights(Mlp expected, Mlp actual, String what) {
        for (int l = 0; l < expected.depth(); l++) {
            assertArrayEquals(expected.weights(l), actual.weights(l), what + ": weights of layer " + l);
            assertArrayEquals(expected.biases(l), actual.biases(l), what + ": biases of layer " + l);
        }
    }

    @Test
    void aMappedFileTrainsToTheWeightsOfTheSameValuesInMemoryBitForBit(@TempDir Path dir) throws IOException {
        Dataset data = regression(501, 1);
        Path file = dir.resolve("r.d4jdata");
        DataFileWriter.write(file, data, null);
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(12).seed(9)
                .validationFraction(0.2).patience(3).standardize(true).gradientTolerance(1e-9)
                .schedule(LearningRateSchedule.cosine(0.1f)).build();
        Mlp inMemory = net(3), mapped = net(3);
        TrainingResult a, b;
        try (Engine e = new ReferenceEngine(); MappedDataset m = MappedDataset.open(file)) {
            a = new Trainer(e, cfg).fit(inMemory, data);
            b = new Trainer(e, cfg).fit(mapped, m);
        }
        assertSameWeights(inMemory, mapped, "mapped vs in memory");
        assertArrayEquals(inMemory.standardizer().mean(), mapped.standardizer().mean());
        assertArrayEquals(inMemory.standardizer().scale(), mapped.standardizer().scale());
        assertArrayEquals(inMemory.targetStandardizer().mean(), mapped.targetStandardizer().mean());
        assertArrayEquals(inMemory.targetStandardizer().scale(), mapped.targetStandardizer().scale());
        assertEquals(a.epochs(), b.epochs());
        for (int i = 0; i < a.epochs(); i++) {
            EpochReport x = a.history().get(i), y = b.history().get(i);
            assertEquals(x.trainLoss(), y.trainLoss());
            assertEquals(x.validationLoss(), y.validationLoss());
            assertEquals(x.gradientNorm(), y.gradientNorm());
            assertEquals(x.samples(), y.samples());
        }
        assertEquals(a.bestEpoch(), b.bestEpoch());
    }

    @Test
    void aSubsetOfAMappedFileTrainsAsTheCopiedSubsetDoes(@TempDir Path dir) throws IOException {
        Dataset data = regression(400, 2);
        Path file = dir.resolve("s.d4jdata");
        DataFileWriter.write(file, data, null);
        int[] some = Dataset.permutation(400, new SplittableRandom(4));
        some = java.util.Arrays.copyOf(some, 150);
        TrainingConfig cfg = TrainingConfig.builder().batchSize(16).maxEpochs(3).standardize(true).build();
        Mlp copied = net(5), viewed = net(5);
        try (Engine e = new ReferenceEngine(); MappedDataset m = MappedDataset.open(file)) {
            new Trainer(e, cfg).fit(copied, data.subset(some));
            new Trainer(e, cfg).fit(viewed, m.subset(some));
        }
        assertSameWeights(copied, viewed, "subset view vs copied subset");
    }

    @Test
    void aSoftmaxClassifierTrainsOnAConvertedClassificationFile(@TempDir Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(6);
        int n = 300;
        float[] x = new float[n * 2];
        String[] label = new String[n];
        for (int i = 0; i < n; i++) {
            x[i * 2] = (float) rnd.nextGaussian();
            x[i * 2 + 1] = (float) rnd.nextGaussian();
            label[i] = x[i * 2] + x[i * 2 + 1] > 0 ? "up" : "down";
        }
        Path file = dir.resolve("c.d4jdata");
        try (DataFileWriter w = DataFileWriter.classification(file, 2, null)) {
            for (int i = 0; i < n; i++) {
                w.append(new float[] {x[i * 2], x[i * 2 + 1]}, label[i]);
            }
            w.finish();
        }
        Labels labels = new Labels(List.of("down", "up"));
        Dataset inMemory = new Dataset(n, 2, 2, x, labels.oneHot(List.of(label)));
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.05f)).batchSize(25).maxEpochs(5).build();
        Mlp a = Mlp.builder(2).dense(8, Activation.RELU).dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build();
        Mlp b = a.copy();
        try (Engine e = new ReferenceEngine(); MappedDataset m = MappedDataset.open(file)) {
            assertEquals(labels.names(), m.labels().names());
            new Trainer(e, cfg).fit(a, inMemory);
            new Trainer(e, cfg).fit(b, m);
        }
        assertSameWeights(a, b, "classification file vs in memory");
    }

    @Test
    void aBatchSourceOverTheSamplesInOrderTrainsAsTheUnshuffledTrainerDoes() {
        // Consecutive batches without shuffling are what the indexed path gathers: the same float operations.
        Dataset train = regression(203, 3), val = regression(61, 4);
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(20).maxEpochs(6).shuffle(false)
                .standardize(true).patience(2).gradientTolerance(1e-12).clipGradientNorm(5f).build();
        Mlp indexed = net(7), streamed = net(7);
        TrainingResult a, b;
        try (Engine e = new ReferenceEngine()) {
            a = new Trainer(e, cfg).fit(indexed, train, val);
            b = new Trainer(e, cfg).fit(streamed, BatchSource.of(train, 20), BatchSource.of(val, 20));
        }
        assertSameWeights(indexed, streamed, "batch source vs samples");
        assertArrayEquals(indexed.standardizer().mean(), streamed.standardizer().mean());
        assertArrayEquals(indexed.targetStandardizer().scale(), streamed.targetStandardizer().scale());
        assertEquals(a.history().size(), b.history().size());
        for (int i = 0; i < a.epochs(); i++) {
            assertEquals(a.history().get(i).trainLoss(), b.history().get(i).trainLoss());
            assertEquals(a.history().get(i).validationLoss(), b.history().get(i).validationLoss());
            assertEquals(a.history().get(i).gradientNorm(), b.history().get(i).gradientNorm());
        }
    }

    @Test
    void aClosedMappingCannotBeRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.d4jdata");
        DataFileWriter.write(file, regression(10, 1), null);
        MappedDataset m = MappedDataset.open(file);
        Samples s = m;
        m.close();
        m.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> s.gatherFeatures(null, 0, 1, new float[3]));
        assertTrue(m.toString().contains("10 samples"));
    }
}
