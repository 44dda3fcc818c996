package delta4j.data;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Features kept as bytes are the floats {@code (b & 0xff) / divisor} wherever they are read (gathers, subsets, the
 * conversion to a {@link Dataset}), and the trainer trains on them to the weights of those floats, bit for bit: the
 * engine's byte gather on the fast path, the host's conversion where standardisation takes the gathered path.
 */
class ByteDatasetTest {

    /** n samples of 12 byte features (every value 0..255 among them) and one-hot targets of 3 classes. */
    static ByteDataset pixels(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] x = new byte[n * 12];
        r.nextBytes(x);
        for (int i = 0; i < Math.min(256, x.length); i++) {
            x[i] = (byte) i;
        }
        float[] y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int sum = 0;
            for (int j = 0; j < 12; j++) {
                sum += x[i * 12 + j] & 0xff;
            }
            y[i * 3 + sum % 3] = 1f;
        }
        return new ByteDataset(n, 12, 3, x, 255f, y);
    }

    @Test
    void gathersSubsetsAndFloatsAreTheQuotientsOfJavasFloatDivision() {
        ByteDataset b = pixels(40, 1);
        Dataset f = b.toFloats();
        float[] all = f.featureMatrix();
        for (int i = 0; i < 256; i++) {
            assertEquals(Float.floatToRawIntBits(i / 255f), Float.floatToRawIntBits(all[i]), "byte " + i);
        }
        int[] order = {39, 0, 7, 7, 12};
        float[] fromBytes = new float[order.length * 12], fromFloats = new float[order.length * 12];
        b.gatherFeatures(order, 1, 4, fromBytes);
        f.gatherFeatures(order, 1, 4, fromFloats);
        assertArrayEquals(fromFloats, fromBytes);
        b.gatherTargets(order, 0, 5, fromBytes);
        f.gatherTargets(order, 0, 5, fromFloats);
        assertArrayEquals(java.util.Arrays.copyOf(fromFloats, 15), java.util.Arrays.copyOf(fromBytes, 15));
        ByteDataset sub = b.subset(order);
        assertEquals(5, sub.size());
        assertArrayEquals(f.subset(order).featureMatrix(), sub.toFloats().featureMatrix());
        assertArrayEquals(f.subset(order).targetMatrix(), sub.targetMatrix());
        assertEquals(1.0, b.targetRowSum(3));
        assertEquals(-1, b.firstTargetRowNotSummingToOne(1e-6));
    }

    @Test
    void refusesWhatCannotBeAByteDataSet() {
        byte[] x = new byte[6];
        float[] y = new float[2];
        assertThrows(IllegalArgumentException.class, () -> new ByteDataset(0, 3, 1, new byte[0], 255f, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new ByteDataset(2, 4, 1, x, 255f, y), "feature length");
        assertThrows(IllegalArgumentException.class, () -> new ByteDataset(2, 3, 2, x, 255f, y), "target length");
        for (float divisor : new float[] {0f, -255f, Float.NaN, Float.POSITIVE_INFINITY, 1e-40f}) {
            assertThrows(IllegalArgumentException.class, () -> new ByteDataset(2, 3, 1, x, divisor, y), "divisor " + divisor);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ByteDataset(2, 3, 1, x, 255f, new float[] {0f, Float.NaN}));
        assertTrue(e.getMessage().contains("sample 1"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> pixels(4, 2).subset(new int[] {0, 4}));
    }

    static long[] lossBits(TrainingResult r) {
        return r.history().stream().mapToDouble(EpochReport::trainLoss).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    static void assertSameTraining(ByteDataset bytes, TrainingConfig cfg, String what) {
        Mlp a = Mlp.builder(12).dense(10, Activation.RELU).dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(4).build();
        Mlp b = a.copy();
        TrainingResult ra, rb;
        try (Engine e = new ReferenceEngine()) {
            ra = new Trainer(e, cfg).fit(a, bytes.toFloats());
            rb = new Trainer(e, cfg).fit(b, bytes);
        }
        assertArrayEquals(lossBits(ra), lossBits(rb), what + ": losses");
        for (EpochReport r : rb.history()) {
            assertEquals(ra.history().get(r.epoch() - 1).validationLoss(), r.validationLoss(), what + ": validation loss");
        }
        for (int l = 0; l < a.depth(); l++) {
            assertArrayEquals(a.weights(l), b.weights(l), what + ": weights of layer " + l);
            assertArrayEquals(a.biases(l), b.biases(l), what + ": biases of layer " + l);
        }
    }

    @Test
    void trainsToTheWeightsOfTheSameFloatsBitForBit() {
        ByteDataset data = pixels(230, 3);
        assertSameTraining(data, TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(32).maxEpochs(4).seed(8).build(),
                "the engine's byte gather");
        assertSameTraining(data, TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(20).maxEpochs(4).seed(8)
                .validationFraction(0.2).build(), "with a validation split (byte subsets)");
        assertSameTraining(data, TrainingConfig.builder().optimizer(Optimizer.momentum(0.05f, 0.9f)).batchSize(25).maxEpochs(3).seed(8)
                .standardize(true).build(), "standardised features (gathered and converted on the host)");
        assertInstanceOf(ByteDataset.class, data.subset(new int[] {1, 2}));
    }
}
