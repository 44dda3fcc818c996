package delta4j.cli.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static delta4j.cli.io.IdxTestFiles.gzip;
import static delta4j.cli.io.IdxTestFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {

    @TempDir
    Path dir;

    private static final DataSources.Request TRAIN = new DataSources.Request(CsvReader.Task.CLASSIFICATION, 1, null, 0,
            CsvReader.Targets.REQUIRED, false);

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private String failsImages(byte[] content, boolean gz) throws IOException {
        Path p = write(gz ? "x.gz" : "x", gz ? gzip(content) : content);
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsRawAndGzip() throws IOException {
        byte[] px = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255};
        for (boolean gz : new boolean[] {false, true}) {
            byte[] raw = idx(new int[] {2, 2, 3}, px);
            IdxReader.Images im = IdxReader.readImages(write("im" + gz, gz ? gzip(raw) : raw));
            assertEquals(2, im.count());
            assertEquals(6, im.pixelsPerImage());
            assertArrayEquals(px, im.pixels());
        }
    }

    @Test
    void readsFilesLargerThanOneRequest() throws IOException {
        // Several READ_CHUNK requests and a partial last one, raw and from a gzip file (whose later reads come from
        // the decompressed copy); a file one byte short of its header's count is still refused.
        int count = 3 * IdxReader.READ_CHUNK / 784 + 5;
        byte[] px = new byte[count * 784];
        new java.util.SplittableRandom(3).nextBytes(px);
        byte[] raw = idx(new int[] {count, 28, 28}, px);
        for (boolean gz : new boolean[] {false, true}) {
            for (int read = 0; read < 2; read++) {
                IdxReader.Images im = IdxReader.readImages(write("large" + gz, gz ? gzip(raw) : raw));
                assertEquals(count, im.count());
                assertArrayEquals(px, im.pixels(), gz + ", read " + read);
            }
        }
        assertTrue(failsImages(java.util.Arrays.copyOf(raw, raw.length - 1), false).contains("truncated"));
    }

    @Test
    void badMagic() throws IOException {
        byte[] raw = idx(new int[] {1, 1, 1}, new byte[] {1});
        raw[0] = 0x42;
        assertTrue(failsImages(raw, false).contains("magic"));
        assertTrue(failsImages(raw, true).contains("magic"));
    }

    @Test
    void unsupportedTypeAndDimensions() throws IOException {
        byte[] raw = idx(new int[] {1, 1, 1}, new byte[] {1});
        raw[2] = 0x0D;
        assertTrue(failsImages(raw, false).contains("0x0D"));
        byte[] labels = idx(new int[] {1}, new byte[] {1});
        assertTrue(failsImages(labels, false).contains("dimensions"));
    }

    @Test
    void truncatedRawAndGzip() throws IOException {
        byte[] raw = idx(new int[] {3, 2, 2}, new byte[12]);
        byte[] cut = Arrays.copyOf(raw, raw.length - 5);
        assertTrue(failsImages(cut, false).contains("truncated"));
        assertTrue(failsImages(cut, true).contains("truncated"));
        assertTrue(failsImages(Arrays.copyOf(raw, 6), false).contains("truncated"));
        // A gzip stream cut in the middle.
        byte[] gz = gzip(idx(new int[] {50, 10, 10}, new byte[5000]));
        Path p = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void absurdHeaderFailsWithoutAllocatingIt() throws IOException {
        // 4 billion images of 65536 × 65536: rejected from the header alone.
        byte[] raw = idx(new int[] {-1, 65536, 65536}, new byte[4]);
        assertTrue(failsImages(raw, false).contains("not plausible"));
        // A plausible-sized claim (1.9 GB) on a tiny file: read in chunks, fails as truncated.
        byte[] big = idx(new int[] {30000, 256, 256}, new byte[100]);
        assertTrue(failsImages(big, true).contains("truncated"));
    }

    @Test
    void trailingBytesAreCorruption() throws IOException {
        byte[] raw = idx(new int[] {1, 1, 2}, new byte[] {1, 2, 3});
        assertTrue(failsImages(raw, false).contains("after"));
    }

    @Test
    void notGzipDespiteTheMagic() throws IOException {
        Path p = write("fake.gz", new byte[] {0x1f, (byte) 0x8b, 0, 0, 0});
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().startsWith(p + ": is not a valid gzip file"), e.getMessage());
        // A gzip header cut short: the JDK's EOFException has no message, which used to read "(null)".
        Path cut = write("cut-header.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0});
        DataFileException c = assertThrows(DataFileException.class, () -> IdxReader.readImages(cut));
        assertTrue(c.getMessage().startsWith(cut + ": is not a valid gzip file (it ends before"), c.getMessage());
        assertFalse(c.getMessage().contains("null"), c.getMessage());
    }

    /** The gzip trailer's CRC-32 is checked only after the last data byte: a damaged body fails there, naming the file. */
    @Test
    void damagedGzipBodyNamesTheFileAndSaysItIsCorrupt() throws IOException {
        for (boolean labels : new boolean[] {false, true}) {
            byte[] raw = labels ? idx(new int[] {12}, new byte[12]) : idx(new int[] {2, 2, 3}, new byte[12]);
            byte[] gz = gzip(raw);
            gz[gz.length - 8] ^= 0x55; // the first byte of the trailer's CRC-32
            Path p = write(labels ? "labels.gz" : "images.gz", gz);
            DataFileException e = assertThrows(DataFileException.class,
                    () -> { if (labels) { IdxReader.readLabels(p); } else { IdxReader.readImages(p); } });
            assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("download it again"), e.getMessage());
        }
    }

    @Test
    void folderIsReadScaledAndOneHot() throws IOException {
        IdxTestFiles.folder(dir, 20, 10, 2, 3, 3, true);
        LoadedData train = DataSources.load(dir.toString(), DataSources.Part.TRAIN, TRAIN);
        assertEquals(20, train.rows());
        assertEquals(6, train.features());
        assertEquals(3, train.targets());
        assertFalse(train.standardize());
        float[] x = new float[20 * 6];
        train.samples().gatherFeatures(null, 0, 20, x);
        for (float v : x) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertEquals(20 * 6, train.pixels().length, "kept as bytes");
        LoadedData test = DataSources.load(dir.toString(), DataSources.Part.TEST, TRAIN);
        assertEquals(10, test.rows());
        assertEquals(10 * 6, test.pixels().length, "the test part kept as bytes too");
        assertEquals(null, test.x(), "and not converted as it loads");
        assertTrue(DataSources.hasPart(dir.toString(), DataSources.Part.TEST));
    }

    @Test
    void countMismatchBetweenImagesAndLabels() throws IOException {
        write("train-images-idx3-ubyte", idx(new int[] {3, 1, 2}, new byte[6]));
        write("train-labels-idx1-ubyte", idx(new int[] {2}, new byte[] {0, 1}));
        DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load(dir.toString(), DataSources.Part.TRAIN, TRAIN));
        assertTrue(e.getMessage().contains("must match"), e.getMessage());
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte"), e.getMessage());
    }

    @Test
    void featureCountThatDoesNotMatchTheModel() throws IOException {
        IdxTestFiles.folder(dir, 4, 4, 2, 2, 2, false);
        DataSources.Request model = new DataSources.Request(CsvReader.Task.CLASSIFICATION, 1, null, 784, CsvReader.Targets.REQUIRED, false);
        DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load(dir.toString(), DataSources.Part.TEST, model));
        assertTrue(e.getMessage().contains("does not match the model"), e.getMessage());
    }

    @Test
    void folderWithoutIdxFiles() throws IOException {
        DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load(dir.toString(), DataSources.Part.TRAIN, TRAIN));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void missingFashionMnistSaysHowToGetIt() throws Throwable {
        TestProperties.with(DataSources.FASHION_MNIST_PROPERTY, dir.resolve("nowhere").toString(), () -> {
            DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load("fashion-mnist", DataSources.Part.TRAIN, TRAIN));
            assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        });
    }

    @Test
    void regressionOnIdxIsRefused() throws IOException {
        IdxTestFiles.folder(dir, 4, 4, 2, 2, 2, false);
        DataSources.Request r = new DataSources.Request(CsvReader.Task.REGRESSION, 1, null, 0, CsvReader.Targets.REQUIRED, true);
        assertThrows(DataFileException.class, () -> DataSources.load(dir.toString(), DataSources.Part.TRAIN, r));
    }
}
