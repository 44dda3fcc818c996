package delta4j.io;

import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Version 3 model files: normalised and dropout layers, γ, running statistics and the loss's parameter. */
class ModelFileLayersTest {

    /** A 4-6-5-3-2 Huber regression with layer norm + dropout, batch norm, and dropout alone; γ and statistics set. */
    static Mlp layered() {
        Mlp m = Mlp.builder(4).dense(6, Activation.TANH).layerNorm().dropout(0.25).dense(5, Activation.RELU).batchNorm()
                .dense(3, Activation.SIGMOID).dropout(0.5).dense(2, Activation.IDENTITY).loss(Loss.HUBER, 0.75f).seed(3).build();
        SplittableRandom r = new SplittableRandom(5);
        m.setGains(0, random(r, 6, 0.5, 1.5));
        m.setGains(1, random(r, 5, 0.5, 1.5));
        m.setRunningStatistics(1, random(r, 5, -1, 1), random(r, 5, 0.1, 3));
        m.setStandardizer(new Standardizer(new float[] {1, 2, 3, 4}, new float[] {1, 0.5f, 2, 4}));
        return m;
    }

    static float[] random(SplittableRandom r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return v;
    }

    @Test
    void layersRoundTripBitExactInVersion3AndPredictTheSame() throws ModelFormatException {
        Mlp m = layered();
        byte[] b = ModelFile.toBytes(m);
        assertEquals(3, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        Mlp back = ModelFile.read(b, "m.d4j");
        assertEquals(0.75f, back.lossParameter());
        assertEquals(Loss.HUBER, back.loss());
        for (int l = 0; l < m.depth(); l++) {
            assertEquals(m.normalization(l), back.normalization(l), "layer " + l);
            assertEquals(m.dropout(l), back.dropout(l), "layer " + l);
            assertArrayEquals(m.weights(l), back.weights(l));
            assertArrayEquals(m.biases(l), back.biases(l));
            if (m.normalization(l) != Normalization.NONE) {
                assertArrayEquals(m.gains(l), back.gains(l));
            }
            if (m.normalization(l) == Normalization.BATCH) {
                assertArrayEquals(m.runningMean(l), back.runningMean(l));
                assertArrayEquals(m.runningVariance(l), back.runningVariance(l));
            }
        }
        assertArrayEquals(b, ModelFile.toBytes(back), "written back unchanged");
        float[][] x = {{1, 2, 3, 4}, {0, -1, 5, 2}, {3, 3, 3, 3}};
        try (var e = new ReferenceEngine()) {
            float[][] p = m.predict(e, x), q = back.predict(e, x);
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(p[i], q[i]);
            }
        }
    }

    @Test
    void aLossParameterAloneNeedsVersion3AndAPlainModelStaysBelow() {
        Mlp huber = Mlp.builder(2).dense(1, Activation.IDENTITY).loss(Loss.HUBER, 2f).build();
        assertEquals(3, ModelFile.version(huber));
        assertEquals(1, ModelFile.version(Mlp.builder(2).dense(1, Activation.IDENTITY).build()));
    }

    @Test
    void aPlainModelWithANewLossIsWrittenInVersion3AndReadsBack() throws ModelFormatException {
        for (Mlp m : new Mlp[] {
                Mlp.builder(3).dense(4, Activation.RELU).dense(2, Activation.SIGMOID).loss(Loss.BINARY_CROSS_ENTROPY).build(),
                Mlp.builder(3).dense(2, Activation.IDENTITY).loss(Loss.L1).build()}) {
            assertEquals(3, ModelFile.version(m), m.toString());
            Mlp back = ModelFile.read(ModelFile.toBytes(m), "m.d4j");
            assertEquals(m.loss(), back.loss());
            assertArrayEquals(ModelFile.toBytes(m), ModelFile.toBytes(back));
        }
    }

    @Test
    void version3WithoutExtrasAndForeignEpsilonAreRefused() {
        byte[] plain = ModelFile.toBytes(Mlp.builder(2).dense(3, Activation.RELU).dense(1, Activation.IDENTITY).build());
        // The same model dressed up as version 3 (empty extras: loss parameter 0, layers NONE) is not its encoding.
        int h = ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        int extra = 4 + ModelFile.LAYER_ENTRY * 2;
        ByteBuffer v3 = ByteBuffer.allocate(plain.length + extra).order(ByteOrder.LITTLE_ENDIAN);
        v3.put(plain, 0, 16 + h).putFloat(0f);
        for (int l = 0; l < 2; l++) {
            v3.put((byte) 0).putFloat(Normalization.EPSILON).putFloat(Normalization.MOMENTUM).putFloat(0f);
        }
        v3.put(plain, 16 + h, plain.length - 16 - h);
        byte[] b = v3.array();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 3).putInt(12, h + extra);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(b), "m.d4j"));
        assertTrue(e.getMessage().contains("version 3 without"), e.getMessage());

        byte[] layered = ModelFile.toBytes(layered());
        int lh = ByteBuffer.wrap(layered).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        int layer0 = 16 + lh - 4 * ModelFile.LAYER_ENTRY; // layer 0's entry: code, ε, momentum, p
        ByteBuffer.wrap(layered).order(ByteOrder.LITTLE_ENDIAN).putFloat(layer0 + 1, 1e-3f);
        ModelFormatException eps = assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(layered), "m.d4j"));
        assertTrue(eps.getMessage().contains("ε") && eps.getMessage().contains("layer 0"), eps.getMessage());
    }

    @Test
    void newLossCodesNeedVersion3AndALossWithoutAParameterStoresZero() {
        byte[] plain = ModelFile.toBytes(Mlp.builder(2).dense(1, Activation.IDENTITY).build());
        int lossAt = 16 + 4 + 4 * 2 + 1; // L, n_0..n_1, one activation code
        plain[lossAt] = (byte) Loss.HUBER.code();
        ModelFormatException old = assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(plain), "m.d4j"));
        assertTrue(old.getMessage().contains("loss code 3") && old.getMessage().contains("version 1"), old.getMessage());

        Mlp dropped = Mlp.builder(2).dense(3, Activation.TANH).dropout(0.5).dense(1, Activation.IDENTITY).build();
        byte[] b = ModelFile.toBytes(dropped);
        int h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        int parameterAt = 16 + h - 2 * ModelFile.LAYER_ENTRY - 4;
        assertEquals(0f, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getFloat(parameterAt));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(parameterAt, 2f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(b), "m.d4j"));
        assertTrue(e.getMessage().contains("loss parameter"), e.getMessage());
    }

    @Test
    void corruptLayerTablesAreFormatErrors() {
        byte[] good = ModelFile.toBytes(layered());
        int lh = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        int layer0 = 16 + lh - 4 * ModelFile.LAYER_ENTRY;
        byte[] code = good.clone();
        code[layer0] = 9;
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(code), "m.d4j"))
                .getMessage().contains("normalisation code 9"));
        byte[] p = good.clone();
        ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putFloat(layer0 + 9, 1.5f);
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(p), "m.d4j"))
                .getMessage().contains("dropout"));
        byte[] out = good.clone();
        int last = 16 + lh - ModelFile.LAYER_ENTRY;
        out[last] = (byte) Normalization.LAYER.code(); // the output layer cannot be normalised (and the length no longer fits)
        assertThrows(ModelFormatException.class, () -> ModelFile.read(ModelFileTest.reseal(out), "m.d4j"));
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 300; i++) {
            byte[] c = good.clone();
            c[16 + r.nextInt(c.length - 20)] ^= (byte) (1 + r.nextInt(255));
            try {
                ModelFile.read(ModelFileTest.reseal(c), "m.d4j");
            } catch (ModelFormatException expected) {
                // a format error is the only acceptable failure
            }
        }
    }
}
