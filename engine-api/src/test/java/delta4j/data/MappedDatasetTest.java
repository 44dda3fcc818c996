package delta4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binary data file: written in one streaming pass and atomically, mapped back value for value, and every damage named. */
class MappedDatasetTest {

    static Dataset random(int n, int f, int k, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * f], y = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3 + 1);
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (rnd.nextGaussian() * 100 + 1e4);
        }
        return new Dataset(n, f, k, x, y);
    }

    @Test
    void aWrittenDataSetMapsBackValueForValueAndGathersAsTheInMemoryOneDoes(@TempDir Path dir) throws IOException {
        Dataset d = random(1001, 7, 3, 1);
        Path file = dir.resolve("d.d4jdata");
        try (DataFileWriter w = DataFileWriter.regression(file, 7, 3)) {
            w.featureNames(List.of("a", "b", "c", "d", "e", "f", "ü")).targetNames(List.of("t1", "t2", "t3"));
            float[] x = d.featureMatrix(), y = d.targetMatrix();
            w.append(x, y, 500); // a block of rows, then row by row
            for (int i = 500; i < d.size(); i++) {
                w.append(d.featureRow(i), d.targetRow(i));
            }
            assertEquals(1001, w.rows());
            w.finish();
        }
        assertTrue(DataFile.isDataFile(file));
        try (MappedDataset m = MappedDataset.open(file)) {
            assertEquals(1001, m.size());
            assertEquals(7, m.features());
            assertEquals(3, m.targets());
            assertEquals(List.of("a", "b", "c", "d", "e", "f", "ü"), m.featureNames());
            assertEquals(List.of("t1", "t2", "t3"), m.targetNames());
            assertNull(m.labels());
            assertFalse(m.featuresScaled());
            int[] order = Dataset.permutation(1001, new SplittableRandom(5));
            float[] a = new float[64 * 7], b = new float[64 * 7], ta = new float[64 * 3], tb = new float[64 * 3];
            for (int from = 0; from + 64 <= 1001; from += 64) {
                m.gatherFeatures(order, from, 64, a);
                d.gatherFeatures(order, from, 64, b);
                assertArrayEquals(b, a);
                m.gatherTargets(order, from, 64, ta);
                d.gatherTargets(order, from, 64, tb);
                assertArrayEquals(tb, ta);
            }
            assertArrayEquals(d.targetMatrix(), m.targetMatrix());
            assertEquals(Files.size(file), m.fileBytes());
            // A subset of a mapped set is a view through its indices, gathering what the copied subset holds.
            int[] some = {1000, 3, 3, 17};
            Samples view = m.subset(some);
            Dataset copy = d.subset(some);
            float[] v = new float[4 * 7], c = new float[4 * 7];
            view.gatherFeatures(null, 0, 4, v);
            copy.gatherFeatures(null, 0, 4, c);
            assertArrayEquals(c, v);
            Samples nested = view.subset(new int[] {3, 0});
            float[] n2 = new float[2 * 3];
            nested.gatherTargets(null, 0, 2, n2);
            float[] want = new float[2 * 3];
            d.gatherTargets(new int[] {17, 1000}, 0, 2, want);
            assertArrayEquals(want, n2);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary files are left behind");
        }
    }

    @Test
    void standardisersFittedOnTheMappedFileEqualThoseOfTheSameValuesInMemory(@TempDir Path dir) throws IOException {
        Dataset d = random(3000, 5, 2, 2);
        Path file = dir.resolve("s.d4jdata");
        DataFileWriter.write(file, d, null);
        try (MappedDataset m = MappedDataset.open(file)) {
            assertArrayEquals(Standardizer.fit(d).mean(), Standardizer.fit(m).mean());
            assertArrayEquals(Standardizer.fit(d).scale(), Standardizer.fit(m).scale());
            assertArrayEquals(Standardizer.fitTargets(d).mean(), Standardizer.fitTargets(m).mean());
            assertArrayEquals(Standardizer.fitTargets(d).scale(), Standardizer.fitTargets(m).scale());
        }
    }

    @Test
    void aClassificationWriterLearnsItsLabelsInOnePassAndWritesOneHotRowsInTheirSortedOrder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.d4jdata");
        String[] labels = {"10", "2", "10", "-1", "2"};
        try (DataFileWriter w = DataFileWriter.classification(file, 2, null)) {
            for (int i = 0; i < labels.length; i++) {
                w.append(new float[] {i, -i}, labels[i]);
            }
            w.featuresScaled(true).finish();
        }
        try (MappedDataset m = MappedDataset.open(file)) {
            assertEquals(List.of("-1", "2", "10"), m.labels().names(), "sorted numerically, as Labels.fromColumn does");
            assertTrue(m.featuresScaled());
            assertArrayEquals(new float[] {
                    0, 0, 1,
                    0, 1, 0,
                    0, 0, 1,
                    1, 0, 0,
                    0, 1, 0}, m.targetMatrix());
            assertEquals(-1, m.firstTargetRowNotSummingToOne(1e-3));
        }
        // With the labels given, an unknown one is refused at once.
        try (DataFileWriter w = DataFileWriter.classification(dir.resolve("k.d4jdata"), 1, new Labels(List.of("a", "b")))) {
            w.append(new float[] {1}, "b");
            assertThrows(IllegalArgumentException.class, () -> w.append(new float[] {1}, "c"));
        }
    }

    @Test
    void nothingIsPublishedBeforeFinishAndAFailedWriteLeavesTheOldFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keep.d4jdata");
        DataFileWriter.write(file, random(10, 2, 1, 3), null);
        byte[] before = Files.readAllBytes(file);
        try (DataFileWriter w = DataFileWriter.regression(file, 2, 1)) {
            w.append(new float[] {1, 2}, new float[] {3});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.append(new float[] {1, Float.NaN}, new float[] {3}));
            assertTrue(e.getMessage().contains("sample 1, column 1"), e.getMessage());
            // closed without finish: discarded
        }
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "the temporary files are removed");
        }
        try (DataFileWriter w = DataFileWriter.regression(dir.resolve("empty.d4jdata"), 2, 1)) {
            assertThrows(IllegalStateException.class, w::finish, "a data file holds at least one sample");
        }
        assertFalse(Files.exists(dir.resolve("empty.d4jdata")));
    }

    @Test
    void everyKindOfDamageIsNamed(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.d4jdata");
        DataFileWriter.write(good, random(100, 4, 2, 4), new Labels(List.of("x", "y")));
        byte[] bytes = Files.readAllBytes(good);

        assertDamage(dir, "not a delta4j data file", b -> b[1] = 'X');
        assertDamage(dir, "cut short", b -> java.util.Arrays.copyOf(b, b.length - 1));
        assertDamage(dir, "after the end", b -> java.util.Arrays.copyOf(b, b.length + 1));
        assertDamage(dir, "version 7", b -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 7));
        assertDamage(dir, "header fails its checksum", b -> b[20] ^= 1);
        assertDamage(dir, "features fail their checksum", b -> b[DataFile.HEADER_BYTES + 5] ^= 1);
        assertDamage(dir, "targets fail their checksum", b -> b[(int) DataFile.Header.targetsOffset(100, 4) + 5] ^= 1);
        assertDamage(dir, "metadata", b -> b[b.length - 1] ^= 1);
        assertDamage(dir, "inside its header", b -> java.util.Arrays.copyOf(b, 40));
        // The rows here are not one-hot: the file reads, and training would refuse them (they do not sum to 1).
        try (MappedDataset m = MappedDataset.open(good)) {
            assertEquals(List.of("x", "y"), m.labels().names());
        }
        assertEquals(bytes.length, Files.size(good));
        Path text = dir.resolve("text.d4jdata");
        Files.writeString(text, "a,b\n1,2\n");
        DataFileFormatException e = assertThrows(DataFileFormatException.class, () -> MappedDataset.open(text));
        assertTrue(e.getMessage().startsWith(text.toString()), e.getMessage());
        assertFalse(DataFile.isDataFile(text));
    }

    @FunctionalInterface
    interface Damage {
        Object apply(byte[] b);
    }

    private static void assertDamage(Path dir, String expected, Damage damage) throws IOException {
        Path good = dir.resolve("good.d4jdata");
        byte[] b = Files.readAllBytes(good);
        Object r = damage.apply(b);
        byte[] damaged = r instanceof byte[] c ? c : b;
        Path bad = dir.resolve("bad.d4jdata");
        Files.write(bad, damaged);
        DataFileFormatException e = assertThrows(DataFileFormatException.class, () -> MappedDataset.open(bad), expected);
        assertTrue(e.getMessage().contains(expected) && e.getMessage().startsWith(bad.toString()), expected + ": " + e.getMessage());
    }

    /**
     * A file of more than 2³¹ floats: 2³¹ + 1 rows would take too long to write, so the file is made sparse (zeros on
     * disk cost nothing) with a valid header and metadata, and read without the full check. Rows beyond byte and float
     * offset 2³¹ gather their values.
     */
    @Test
    void aFileOfMoreThan2To31FloatsMapsAndGathersItsLastRows(@TempDir Path dir) throws IOException {
        int f = 1024, k = 1;
        long rows = (1L << 31) / f + 2; // 2^31 + 2048 features
        Path file = dir.resolve("huge.d4jdata");
        long targetsOffset = DataFile.Header.targetsOffset(rows, f), metaOffset = DataFile.Header.metaOffset(targetsOffset, rows, k);
        byte[] meta = new DataFile.Meta(List.of(), List.of(), null).encode();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(meta);
        DataFile.Header h = new DataFile.Header(rows, f, k, 0, targetsOffset, metaOffset, meta.length, 0, 0, (int) crc.getValue());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            ch.write(h.encode(), 0);
            ByteBuffer last = ByteBuffer.allocate(4 * f).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < f; j++) {
                last.putFloat(j + 0.5f);
            }
            ch.write(last.flip(), DataFile.Header.featuresOffset() + (rows - 1) * 4L * f);
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(42f).flip(), targetsOffset + (rows - 1) * 4L);
            ch.write(ByteBuffer.wrap(meta), metaOffset);
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no sparse 8 GiB file here: " + e.getMessage());
        }
        try (MappedDataset m = MappedDataset.open(file, MappedDataset.Check.HEADER)) {
            assertEquals(rows, m.size());
            assertTrue((long) m.size() * m.features() > Integer.MAX_VALUE);
            float[] x = new float[2 * f], t = new float[2];
            m.gatherFeatures(new int[] {(int) rows - 1, 0}, 0, 2, x);
            m.gatherTargets(new int[] {(int) rows - 1, 0}, 0, 2, t);
            for (int j = 0; j < f; j++) {
                assertEquals(j + 0.5f, x[j]);
                assertEquals(0f, x[f + j]);
            }
            assertArrayEquals(new float[] {42f, 0f}, t);
        } finally {
            Files.delete(file);
        }
    }
}
