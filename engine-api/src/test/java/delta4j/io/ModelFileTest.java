package delta4j.io;

import delta4j.data.Labels;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {

    @TempDir
    Path dir;

    static Mlp classifier() {
        Mlp m = Mlp.builder(4).dense(5, Activation.LEAKY_RELU).dense(3, Activation.TANH).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(9).build();
        // Awkward values survive bit for bit: negative zero, subnormals, extremes.
        float[] w = m.weights(0);
        w[0] = -0f;
        w[1] = Float.MIN_VALUE;
        w[2] = Float.MAX_VALUE;
        w[3] = -1e-40f;
        m.setParameters(0, w, new float[] {0.1f, -0.2f, 0.3f, Float.MIN_NORMAL, -7f});
        m.setStandardizer(new Standardizer(new float[] {1, -2, 3.5f, 0}, new float[] {0.5f, 2, 1, 1e-3f}));
        m.setLabels(new Labels(List.of("cat", "dög", "🐟 fish, \"wet\"")));
        return m;
    }

    static void assertSameModel(Mlp a, Mlp b) {
        assertArrayEquals(a.sizes(), b.sizes());
        assertArrayEquals(a.activations(), b.activations());
        assertEquals(a.loss(), b.loss());
        for (int l = 0; l < a.depth(); l++) {
            assertArrayEquals(bits(a.weights(l)), bits(b.weights(l)), "W[" + l + "]");
            assertArrayEquals(bits(a.biases(l)), bits(b.biases(l)), "b[" + l + "]");
        }
        if (a.standardizer() == null) {
            assertNull(b.standardizer());
        } else {
            assertArrayEquals(bits(a.standardizer().mean()), bits(b.standardizer().mean()));
            assertArrayEquals(bits(a.standardizer().scale()), bits(b.standardizer().scale()));
        }
        assertEquals(a.labels() == null ? null : a.labels().names(), b.labels() == null ? null : b.labels().names());
        if (a.targetStandardizer() == null) {
            assertNull(b.targetStandardizer());
        } else {
            assertArrayEquals(bits(a.targetStandardizer().mean()), bits(b.targetStandardizer().mean()));
            assertArrayEquals(bits(a.targetStandardizer().scale()), bits(b.targetStandardizer().scale()));
        }
    }

    /** A two-output regression in prices, with both standardizers: a version 2 file. */
    static Mlp priceModel() {
        Mlp m = Mlp.builder(3).dense(4, Activation.RELU).dense(2, Activation.IDENTITY).seed(8).build();
        m.setStandardizer(new Standardizer(new float[] {10, -1, 0.5f}, new float[] {2, 0.5f, 1}));
        m.setTargetStandardizer(new Standardizer(new float[] {1.25e6f, -3f}, new float[] {3.5e5f, Float.MIN_VALUE}));
        return m;
    }

    static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private ModelFormatException fails(byte[] bytes) {
        return assertThrows(ModelFormatException.class, () -> ModelFile.read(bytes, "m.d4j"));
    }

    /** Re-seals a modified file with a correct checksum: what a hostile file would look like. */
    static byte[] reseal(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length - 4, (int) crc.getValue());
        return b;
    }

    @Test
    void roundTripIsBitExact() throws IOException {
        Mlp m = classifier();
        Path p = dir.resolve("m.d4j");
        ModelFile.save(m, p);
        assertSameModel(m, ModelFile.load(p));
    }

    /** The library's entry points, {@code mlp.save} and {@code Mlp.load}, write and read exactly the model file. */
    @Test
    void mlpSaveAndLoadAreTheModelFile() throws IOException {
        Mlp m = priceModel();
        Path p = dir.resolve("via-mlp.d4j");
        m.save(p);
        assertArrayEquals(ModelFile.toBytes(m), Files.readAllBytes(p));
        Mlp back = Mlp.load(p);
        assertSameModel(m, back);
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> Mlp.load(dir.resolve("none.d4j")));
        assertTrue(missing.getMessage().contains("no such model file"), missing.getMessage());
    }

    @Test
    void roundTripWithoutMetadata() throws IOException {
        Mlp m = Mlp.builder(3).dense(1, Activation.IDENTITY).build();
        Path p = dir.resolve("plain.d4j");
        ModelFile.save(m, p);
        assertSameModel(m, ModelFile.load(p));
    }

    @Test
    void layoutMatchesTheDocumentedFormat() {
        Mlp m = Mlp.builder(2).dense(3, Activation.RELU).dense(1, Activation.SIGMOID).build();
        byte[] b = ModelFile.toBytes(m);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new byte[] {(byte) 0x89, 'D', '4', 'J', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(b, 8));
        assertEquals(1, bb.getInt(8));
        int h = bb.getInt(12);
        // depth, 3 sizes, 2 activation codes, loss, flags
        assertEquals(4 + 12 + 2 + 1 + 1, h);
        assertEquals(2, bb.getInt(16));
        assertEquals(3, b[16 + 16]);  // relu
        assertEquals(1, b[16 + 17]);  // sigmoid
        assertEquals(0, b[16 + 18]);  // mse
        assertEquals(16 + h + 4 * (2 * 3 + 3 + 3 + 1) + 4, b.length);
        assertEquals(m.weights(0)[0], bb.getFloat(16 + h));
    }

    @Test
    void saveReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("m.d4j");
        Files.writeString(p, "old");
        ModelFile.save(classifier(), p);
        assertSameModel(classifier(), ModelFile.load(p));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList());
        }
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] b = ModelFile.toBytes(classifier());
        b[1] = 'X';
        assertTrue(fails(b).getMessage().contains("magic"));
        assertTrue(fails("PK\u0003\u0004 a zip file".getBytes()).getMessage().contains("magic"));
        Path p = dir.resolve("text.d4j");
        Files.writeString(p, "hello");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    @Test
    void unknownVersion() {
        byte[] b = ModelFile.toBytes(classifier());
        b[8] = 4;
        ModelFormatException e = fails(reseal(b));
        assertTrue(e.getMessage().contains("version 4"), e.getMessage());
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        b[8] = 0;
        ModelFormatException zero = fails(reseal(b));
        assertTrue(zero.getMessage().contains("version 0") && !zero.getMessage().contains("newer"), zero.getMessage());
    }

    @Test
    void aTargetStandardizerRoundTripsInVersion2AndAModelWithoutOneStaysVersion1() throws IOException {
        Mlp m = priceModel();
        byte[] b = ModelFile.toBytes(m);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, bb.getInt(8));
        int h = bb.getInt(12);
        // depth, 3 sizes, 2 activation codes, loss, flags, input μ and σ (3 each), target μ and σ (2 each)
        assertEquals(4 + 12 + 2 + 1 + 1 + 24 + 16, h);
        assertEquals(1 | 4, b[16 + 4 + 12 + 2 + 1], "flags: input and target standardizers");
        int targets = 16 + 4 + 12 + 2 + 1 + 1 + 24;
        assertEquals(1.25e6f, bb.getFloat(targets));
        assertEquals(-3f, bb.getFloat(targets + 4));
        assertEquals(3.5e5f, bb.getFloat(targets + 8));
        assertEquals(Float.MIN_VALUE, bb.getFloat(targets + 12));
        Path p = dir.resolve("prices.d4j");
        ModelFile.save(m, p);
        assertSameModel(m, ModelFile.load(p));

        // With labels as well: the target standardizer comes after them.
        Mlp both = priceModel();
        both.setLabels(new Labels(List.of("price", "rooms")));
        assertSameModel(both, ModelFile.read(ModelFile.toBytes(both), "both"));

        m.setTargetStandardizer(null);
        assertEquals(1, ByteBuffer.wrap(ModelFile.toBytes(m)).order(ByteOrder.LITTLE_ENDIAN).getInt(8),
                "no target standardizer: version 1, which every delta4j reads");
    }

    /** 5 rows and the bits of their predictions, as the delta4j that wrote regression-v1.d4j predicted them. */
    static final float[][] V1_ROWS = {{0.25f, 10f, -2f}, {-0.75f, 42.5f, 3.25f}, {1f, 0f, 0f}, {-1f, 50f, -5f}, {0.1f, 25f, 4.9f}};
    static final int[] V1_PREDICTIONS = {0x4048c75f, 0x3f972612, 0x406026c7, 0x4062ab2c, 0x3fc3b1ca};

    /**
     * regression-v1.d4j was written by delta4j before target standardisation (a 3-6-4-1 relu/leaky relu
     * regression trained with an input standardizer): it still loads, predicts the same bits, and is written
     * back byte for byte.
     */
    @Test
    void aVersion1FileFromBeforeTargetStandardisationLoadsAndPredictsIdentically() throws IOException {
        byte[] old;
        try (var in = ModelFileTest.class.getResourceAsStream("regression-v1.d4j")) {
            old = in.readAllBytes();
        }
        assertEquals(1, ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        Mlp m = ModelFile.read(old, "regression-v1.d4j");
        assertNull(m.targetStandardizer());
        assertTrue(m.standardizer() != null);
        try (var e = new delta4j.engine.reference.ReferenceEngine()) {
            float[][] p = m.predict(e, V1_ROWS);
            for (int i = 0; i < p.length; i++) {
                assertEquals(V1_PREDICTIONS[i], Float.floatToRawIntBits(p[i][0]), "row " + i + ": " + p[i][0]);
            }
        }
        assertArrayEquals(old, ModelFile.toBytes(m), "written back unchanged");
    }

    /** 4 rows and the bits of their 2 predictions each, as the delta4j that wrote regression-v2.d4j predicted them. */
    static final float[][] V2_ROWS = {{11f, -1.5f, 0.25f}, {8f, 0f, 2f}, {10f, -1f, 0.5f}, {14f, -3f, -1f}};
    static final int[] V2_PREDICTIONS = {0x498258b1, 0xc03d7149, 0x49769d48, 0xc03ed513, 0x497e10ad, 0xc03dccbc, 0x49831515, 0xc03c23e2};

    /**
     * regression-v2.d4j was written by delta4j before normalised and dropout layers (a 3-5-4-2 tanh/sigmoid
     * regression with both standardizers): it still loads as version 2, predicts the same bits, and is written back
     * byte for byte.
     */
    @Test
    void aVersion2FileFromBeforeLayerExtrasLoadsAndPredictsIdentically() throws IOException {
        byte[] old;
        try (var in = ModelFileTest.class.getResourceAsStream("regression-v2.d4j")) {
            old = in.readAllBytes();
        }
        assertEquals(2, ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        Mlp m = ModelFile.read(old, "regression-v2.d4j");
        assertTrue(m.targetStandardizer() != null && !m.hasLayerExtras());
        try (var e = new delta4j.engine.reference.ReferenceEngine()) {
            float[][] p = m.predict(e, V2_ROWS);
            for (int i = 0; i < p.length; i++) {
                for (int k = 0; k < 2; k++) {
                    assertEquals(V2_PREDICTIONS[2 * i + k], Float.floatToRawIntBits(p[i][k]), "row " + i + " output " + k + ": " + p[i][k]);
                }
            }
        }
        assertArrayEquals(old, ModelFile.toBytes(m), "written back unchanged");
    }

    @Test
    void version1HasNoTargetStandardizerFlagAndABadTargetScaleIsCorrupt() {
        byte[] b = ModelFile.toBytes(priceModel());
        b[8] = 1;
        ModelFormatException v1 = fails(reseal(b));
        assertTrue(v1.getMessage().contains("unknown flags"), v1.getMessage());

        byte[] c = ModelFile.toBytes(priceModel());
        int scale = 16 + 4 + 12 + 2 + 1 + 1 + 24 + 8;
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putFloat(scale, 0f);
        ModelFormatException zero = fails(reseal(c));
        assertTrue(zero.getMessage().contains("target standardizer") && zero.getMessage().contains("scale"), zero.getMessage());

        byte[] d = ModelFile.toBytes(priceModel());
        for (int n = 0; n < d.length; n++) {
            fails(Arrays.copyOf(d, n));
        }
        // The flag without its values: the header ends before its fields do.
        Mlp plain = Mlp.builder(3).dense(2, Activation.IDENTITY).build();
        byte[] f = ModelFile.toBytes(plain);
        f[8] = 2;
        f[16 + 4 + 8 + 1 + 1] = 4;
        ModelFormatException missing = fails(reseal(f));
        assertTrue(missing.getMessage().contains("corrupt header"), missing.getMessage());
        // Version 2 without a target standardizer: one model, one encoding (it is version 1).
        byte[] g = ModelFile.toBytes(classifier());
        g[8] = 2;
        ModelFormatException higher = fails(reseal(g));
        assertTrue(higher.getMessage().contains("version 2 without a target standardizer"), higher.getMessage());
    }

    @Test
    void everyTruncationFails() {
        byte[] b = ModelFile.toBytes(classifier());
        for (int n = 0; n < b.length; n++) {
            ModelFormatException e = fails(Arrays.copyOf(b, n));
            if (n >= 8) {
                assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), n + ": " + e.getMessage());
            }
        }
        // Cut inside the parameters: identified as truncation, not merely a bad checksum.
        assertTrue(fails(Arrays.copyOf(b, b.length - 40)).getMessage().contains("truncated"));
    }

    @Test
    void badChecksum() {
        byte[] b = ModelFile.toBytes(classifier());
        b[b.length - 10] ^= 0x01;
        assertTrue(fails(b).getMessage().contains("checksum"));
        byte[] c = ModelFile.toBytes(classifier());
        c[c.length - 1] ^= 0x40;
        assertTrue(fails(c).getMessage().contains("checksum"));
    }

    @Test
    void absurdSizesFailFastWithoutAllocating() {
        Mlp m = Mlp.builder(2).dense(3, Activation.RELU).dense(1, Activation.IDENTITY).build();
        // Layer width 2^31 in an otherwise valid, correctly checksummed file.
        byte[] b = ModelFile.toBytes(m);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(16 + 8, Integer.MIN_VALUE);
        assertTrue(fails(reseal(b)).getMessage().contains("layer width"));
        // Two widths of 2^24 each are allowed alone but make a 2^48-element matrix.
        byte[] c = ModelFile.toBytes(m);
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(16 + 4, 1 << 24).putInt(16 + 8, 1 << 24);
        assertTrue(fails(reseal(c)).getMessage().contains("larger than"));
        // Large but legal widths whose parameters are not in the file.
        byte[] d = ModelFile.toBytes(m);
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(16 + 4, 20000).putInt(16 + 8, 20000);
        assertTrue(fails(reseal(d)).getMessage().contains("corrupt"));
        // Depth of four billion layers.
        byte[] e = ModelFile.toBytes(m);
        ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN).putInt(16, -1);
        assertTrue(fails(reseal(e)).getMessage().contains("layers"));
        // A header length beyond the file.
        byte[] f = ModelFile.toBytes(m);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(12, Integer.MAX_VALUE);
        ModelFormatException hf = fails(reseal(f));
        assertTrue(hf.getMessage().contains("header"), hf.getMessage());
    }

    @Test
    void absurdLabelCountFailsFast() {
        Mlp m = classifier();
        byte[] b = ModelFile.toBytes(m);
        int h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        // The label count is the first field after the standardizer: find it by its value (3) from the header's end.
        int countAt = 16 + 4 + 4 * 4 + 3 + 2 + 8 * 4;
        assertEquals(3, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(countAt));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(countAt, Integer.MAX_VALUE);
        assertTrue(fails(reseal(b)).getMessage().contains("class labels"));
        assertTrue(h > 0);
    }

    @Test
    void invalidArchitectureIsReported() {
        // Softmax on a hidden layer is not a model delta4j can build.
        Mlp m = Mlp.builder(2).dense(3, Activation.RELU).dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        byte[] b = ModelFile.toBytes(m);
        b[16 + 4 + 12] = 5;
        assertTrue(fails(reseal(b)).getMessage().contains("invalid model"));
        byte[] c = ModelFile.toBytes(m);
        c[16 + 4 + 12] = 77;
        assertTrue(fails(reseal(c)).getMessage().contains("activation code 77"));
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        byte[] classifier = ModelFile.toBytes(classifier()), prices = ModelFile.toBytes(priceModel());
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 4000; trial++) {
            byte[] b = (trial % 3 == 0 ? prices : classifier).clone();
            int flips = 1 + rnd.nextInt(4);
            for (int i = 0; i < flips; i++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            if (trial % 2 == 0) {
                reseal(b);
            }
            try {
                ModelFile.read(b, "fuzz");
            } catch (ModelFormatException expected) {
                // the only acceptable failure
            }
        }
    }
}
