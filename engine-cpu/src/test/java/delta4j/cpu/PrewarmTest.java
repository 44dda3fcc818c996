package delta4j.cpu;

import delta4j.data.ByteDataset;
import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.EngineConfig;
import delta4j.engine.Loss;
import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Predictor;
import delta4j.model.Prewarm;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm-up on the engine changes nothing the training computes: the same losses and weights, bit for bit, as on a
 * fresh engine without it, and the model it warms up for is left as it was.
 */
class PrewarmTest {

    /** 300 inputs: more than one block of k in the first layer's products, as the stand-in also has. */
    static final int[] SIZES = {300, 40, 20, 10};

    static Mlp model() {
        return Mlp.builder(SIZES[0]).dense(SIZES[1], Activation.RELU).dense(SIZES[2], Activation.RELU)
                .dense(SIZES[3], Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
    }

    static TrainingConfig config() {
        return TrainingConfig.builder().optimizer(Optimizer.adam(1e-3f)).batchSize(28).maxEpochs(2).seed(9).build();
    }

    static Dataset data() {
        int rows = 200;
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[rows * SIZES[0]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        float[] y = new float[rows * SIZES[3]];
        for (int i = 0; i < rows; i++) {
            y[i * SIZES[3] + r.nextInt(SIZES[3])] = 1f;
        }
        return new Dataset(rows, SIZES[0], SIZES[3], x, y);
    }

    static long[] lossBits(TrainingResult r) {
        return r.history().stream().mapToDouble(EpochReport::trainLoss).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void trainingAfterAWarmUpGivesTheSameBits() {
        Mlp plain = model();
        TrainingResult without;
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            without = new Trainer(e, config()).fit(plain, data());
        }
        Mlp warmed = model();
        Mlp untouched = model();
        TrainingResult with;
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            assertNull(Prewarm.start(e, warmed, config()).await());
            for (int l = 0; l < warmed.depth(); l++) {
                assertArrayEquals(untouched.weights(l), warmed.weights(l), "the warm-up changed the model's weights, layer " + l);
            }
            with = new Trainer(e, config()).fit(warmed, data());
        }
        assertArrayEquals(lossBits(without), lossBits(with));
        for (int l = 0; l < plain.depth(); l++) {
            assertArrayEquals(plain.weights(l), warmed.weights(l), "layer " + l);
            assertArrayEquals(plain.biases(l), warmed.biases(l), "layer " + l);
        }
    }

    /** The data's features as bytes: each the byte nearest to 255 times it, so that the floats they stand for differ. */
    static ByteDataset bytes() {
        Dataset d = data();
        float[] x = d.featureMatrix();
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = (byte) Math.round(x[i] * 255);
        }
        return new ByteDataset(d.size(), d.features(), d.targets(), b, 255f, d.targetMatrix());
    }

    @Test
    void bytesAfterAByteWarmUpTrainToTheBitsOfTheirFloats() {
        Mlp plain = model();
        TrainingResult floats;
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            floats = new Trainer(e, config()).fit(plain, bytes().toFloats());
        }
        Mlp warmed = model();
        TrainingResult fromBytes;
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            assertNull(Prewarm.start(e, warmed, config(), true).await());
            fromBytes = new Trainer(e, config()).fit(warmed, bytes());
        }
        assertArrayEquals(lossBits(floats), lossBits(fromBytes));
        for (int l = 0; l < plain.depth(); l++) {
            assertArrayEquals(plain.weights(l), warmed.weights(l), "layer " + l);
            assertArrayEquals(plain.biases(l), warmed.biases(l), "layer " + l);
        }
    }

    @Test
    void predictionsAfterAPredictionWarmUpAreTheSameBits() {
        Mlp model = model();
        float[] x = data().featureMatrix();
        float[] without;
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            without = model.predict(e, x);
        }
        Mlp untouched = model();
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            assertNull(Prewarm.startPredicting(e, model).await());
            for (int l = 0; l < model.depth(); l++) {
                assertArrayEquals(untouched.weights(l), model.weights(l), "the warm-up changed the model's weights, layer " + l);
            }
            assertArrayEquals(without, model.predict(e, x));
        }
    }

    @Test
    void bytePredictionsAfterAByteWarmUpAreTheBitsOfTheirFloats() {
        Mlp model = model();
        float[] x = data().featureMatrix();
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = (byte) Math.round(x[i] * 255);
        }
        float[] floats;
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            floats = model.predict(e, bytes().toFloats().featureMatrix());
        }
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            assertNull(Prewarm.startPredicting(e, model, true).await());
            float[] out = new float[floats.length];
            try (Predictor p = model.predictor(e)) {
                p.predict(b, 255f, out);
            }
            assertArrayEquals(floats, out);
        }
    }

    @Test
    void aPredictionWarmsUpWhereItsForwardPassIsLarge() {
        Mlp m = model(); // 2 · (300·40 + 40·20 + 20·10) = 26 000 operations a row
        assertFalse(Prewarm.worthWaiting(m, 20));
        assertTrue(Prewarm.worthWaiting(m, 1_000_000));
    }

    @Test
    void closingStopsTheWarmUpAndLeavesTheEngineUsable() {
        try (CpuEngine e = new CpuEngine(EngineConfig.defaults().withThreads(2))) {
            Prewarm p = Prewarm.start(e, model(), config());
            p.close();
            assertNull(p.await());
            TrainingResult r = new Trainer(e, config()).fit(model(), data());
            assertEquals(2, r.history().size());
            Prewarm q = Prewarm.startPredicting(e, model());
            q.close();
            assertNull(q.await());
            assertEquals(data().size() * SIZES[3], model().predict(e, data().featureMatrix()).length);
        }
    }
}
