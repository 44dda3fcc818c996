package delta4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import delta4j.data.DataFileFormatException;
import delta4j.data.MappedDataset;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Coverage-guided fuzzing of the binary data file reader ({@link MappedDataset#open}, with its full check): any
 * file is either a data set whose every row gathers finite values, or a {@link DataFileFormatException} with a
 * message. The header's sizes must be checked against the file's real length before anything is allocated or mapped
 * (the module's heap is 512 MiB).
 *
 * <p>Each input is read twice: as it is (the magic, version, length and checksum gates) and with every checksum it
 * has room for recomputed (header, features, targets, metadata), so that mutations reach the parsers behind them.
 * Seeds: {@code src/test/resources/delta4j/reliability/DataFileFuzzTestInputs/anyBytesAreADataSetOrAClearError/}.
 */
class DataFileFuzzTest {

    private static final Path FILE = Hostile.scratch("fuzz.d4jdata");

    @FuzzTest(maxDuration = "10s")
    void anyBytesAreADataSetOrAClearError(byte[] bytes) throws Exception {
        Hostile.guard(bytes, () -> {
            read(bytes);
            read(withValidCrcs(bytes));
        });
    }

    private static void read(byte[] bytes) throws Exception {
        Files.write(FILE, bytes);
        try (MappedDataset d = MappedDataset.open(FILE)) {
            int f = d.features(), k = d.targets();
            float[] x = new float[f], t = new float[k];
            for (int i = 0; i < d.size(); i++) {
                d.gatherFeatures(null, i, 1, x);
                d.gatherTargets(null, i, 1, t);
                for (float v : x) {
                    if (!Float.isFinite(v)) {
                        throw new AssertionError("a checked data file gathered the feature " + v + " at sample " + i);
                    }
                }
                for (float v : t) {
                    if (!Float.isFinite(v)) {
                        throw new AssertionError("a checked data file gathered the target " + v + " at sample " + i);
                    }
                }
            }
            if (d.labels() != null && d.labels().size() != k) {
                throw new AssertionError(d.labels().size() + " labels for " + k + " targets");
            }
            if (!d.featureNames().isEmpty() && d.featureNames().size() != f) {
                throw new AssertionError(d.featureNames().size() + " feature names for " + f + " features");
            }
        } catch (DataFileFormatException e) {
            Hostile.requireMessage(e);
        }
    }

    /** A copy with the block, metadata and header CRCs recomputed where the header's offsets lie within the bytes. */
    static byte[] withValidCrcs(byte[] bytes) {
        byte[] b = bytes.clone();
        if (b.length < 128) {
            return b;
        }
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long n = h.getLong(16), f = Integer.toUnsignedLong(h.getInt(24)), k = Integer.toUnsignedLong(h.getInt(28));
        long to = h.getLong(40), mo = h.getLong(48), ml = h.getLong(56);
        if (n >= 0 && n < (1L << 31) && f < (1L << 25) && k < (1L << 25)) {
            crc(b, 64, 128, 4 * n * f);
            crc(b, 68, to, 4 * n * k);
        }
        crc(b, 72, mo, ml);
        CRC32 c = new CRC32();
        c.update(b, 0, 124);
        h.putInt(124, (int) c.getValue());
        return b;
    }

    private static void crc(byte[] b, int at, long from, long length) {
        if (from >= 0 && length >= 0 && from <= b.length && length <= b.length - from) {
            CRC32 c = new CRC32();
            c.update(b, (int) from, (int) length);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) c.getValue());
        }
    }
}
