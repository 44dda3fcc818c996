package delta4j.cli;

import delta4j.data.ByteDataset;
import delta4j.data.Dataset;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The data fingerprint a checkpoint records must keep its value across versions, or a checkpoint written before
 * could not be resumed: the bulk CRC equals the float-by-float definition (little-endian bytes of each float's raw
 * bits, one array after the other) at block edges, on NaN payloads and on empty arrays, and a data set's is that of
 * its features' and targets' floats however it keeps them.
 */
class DataFingerprintTest {

    /** The definition: each float's raw bits as 4 little-endian bytes. */
    private static long definition(float[]... arrays) {
        CRC32 crc = new CRC32();
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] a : arrays) {
            for (float v : a) {
                crc.update(b.clear().putInt(Float.floatToRawIntBits(v)).flip());
            }
        }
        return crc.getValue();
    }

    @Test
    void bulkCrcEqualsTheFloatByFloatDefinition() {
        Random r = new Random(7);
        for (int n : new int[] {0, 1, 3, 16383, 16384, 16385, 40000}) {
            float[] x = new float[n];
            float[] y = new float[n / 3 + 1];
            for (int i = 0; i < n; i++) {
                x[i] = i % 97 == 0 ? Float.intBitsToFloat(0x7fc00000 | r.nextInt(1 << 20)) : (float) r.nextGaussian();
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = r.nextInt(10);
            }
            assertEquals(definition(x, y), TrainCommand.crc(x, y), "n = " + n);
            assertEquals(definition(x), TrainCommand.crc(x), "n = " + n);
        }
        assertEquals(definition(), TrainCommand.crc());
    }

    /**
     * A data set's fingerprint is that of its floats, gathered in blocks of rows: the same for a {@link Dataset} and for
     * the pixels kept as bytes that read as those floats, so a checkpoint written when IDX data was floats resumes.
     */
    @Test
    void aDataSetOfBytesHasTheFingerprintOfItsFloats() {
        Random r = new Random(8);
        for (int n : new int[] {1, 20, 21, 700}) {
            byte[] px = new byte[n * 784];
            r.nextBytes(px);
            float[] y = new float[n * 10];
            for (int i = 0; i < n; i++) {
                y[i * 10 + r.nextInt(10)] = 1f;
            }
            ByteDataset bytes = new ByteDataset(n, 784, 10, px, 255f, y);
            Dataset floats = bytes.toFloats();
            long expected = definition(floats.featureMatrix(), floats.targetMatrix());
            assertEquals(expected, TrainCommand.crc(floats), "floats, n = " + n);
            assertEquals(expected, TrainCommand.crc(bytes), "bytes, n = " + n);
        }
    }
}
