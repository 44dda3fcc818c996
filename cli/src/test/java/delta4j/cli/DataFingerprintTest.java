package delta4j.cli;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The data fingerprint a checkpoint records must keep its value across versions, or a checkpoint written before
 * could not be resumed: the bulk CRC equals the float-by-float definition (little-endian bytes of each float's raw
 * bits, one array after the other) at block edges, on NaN payloads and on empty arrays.
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
}
