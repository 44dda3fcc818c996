package delta4j.cli.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GunzipCacheTest {

    @TempDir
    Path tmp;

    private byte[] content(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private Path gz(String name, byte[] raw) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, IdxTestFiles.gzip(raw));
        return f;
    }

    private static byte[] read(GunzipCache cache, Path file) throws IOException {
        try (InputStream in = cache.open(file, Files.newInputStream(file))) {
            byte[] all = in.readAllBytes();
            assertEquals(-1, in.read());
            return all;
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Rewrites a gzip file's compressed body with other bytes, keeping its size and modification time. */
    private static void scrambleKeepingSizeAndTime(Path file) throws IOException {
        FileTime t = Files.getLastModifiedTime(file);
        byte[] b = Files.readAllBytes(file);
        for (int i = 10; i < b.length - 8; i++) {
            b[i] = (byte) ~b[i];
        }
        Files.write(file, b);
        Files.setLastModifiedTime(file, t);
    }

    @Test
    void aSecondReadComesFromTheCopyWithTheSameBytes() throws IOException {
        byte[] raw = content(300_000, 1);
        Path file = gz("train-images-idx3-ubyte.gz", raw);
        GunzipCache cache = new GunzipCache(tmp.resolve("cache"));

        assertArrayEquals(raw, read(cache, file));
        List<Path> copies = files(cache.dir());
        assertEquals(1, copies.size(), "one copy, no temporary file left: " + copies);
        assertTrue(copies.get(0).getFileName().toString().endsWith("-train-images-idx3-ubyte"), copies.get(0).toString());
        assertEquals(raw.length, Files.size(copies.get(0)));

        // The gzip body is now garbage of the same size and time: only the copy can give the bytes back.
        scrambleKeepingSizeAndTime(file);
        assertArrayEquals(raw, read(cache, file));
    }

    @Test
    void aChangedSourceIsInflatedAgainAndReplacesItsOldCopy() throws IOException {
        Path file = gz("a.gz", content(50_000, 2));
        GunzipCache cache = new GunzipCache(tmp.resolve("cache"));
        read(cache, file);

        byte[] newer = content(60_000, 3);
        Files.write(file, IdxTestFiles.gzip(newer));
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        assertArrayEquals(newer, read(cache, file));
        List<Path> copies = files(cache.dir());
        assertEquals(1, copies.size(), copies.toString());
        assertEquals(newer.length, Files.size(copies.get(0)));
    }

    @Test
    void aDamagedCopyIsReportedAndDeletedAndTheNextReadInflatesAgain() throws IOException {
        byte[] raw = content(100_000, 4);
        Path file = gz("b.gz", raw);
        GunzipCache cache = new GunzipCache(tmp.resolve("cache"));
        read(cache, file);
        Path copy = files(cache.dir()).get(0);
        byte[] damaged = Files.readAllBytes(copy);
        damaged[12345] ^= 1;
        Files.write(copy, damaged);

        DataFileException e = assertThrows(DataFileException.class, () -> read(cache, file));
        assertTrue(e.getMessage().contains("damaged and was deleted"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(files(cache.dir()).isEmpty());
        assertArrayEquals(raw, read(cache, file));
        assertEquals(1, files(cache.dir()).size());
    }

    @Test
    void aReadStoppedEarlyOrFailingLeavesNothing() throws IOException {
        Path file = gz("c.gz", content(200_000, 5));
        GunzipCache cache = new GunzipCache(tmp.resolve("cache"));
        try (InputStream in = cache.open(file, Files.newInputStream(file))) {
            assertEquals(1000, in.readNBytes(1000).length);
        }
        assertTrue(files(cache.dir()).isEmpty(), files(cache.dir()).toString());

        // A gzip stream whose trailer does not check out: the read fails, and no copy is made of what it gave.
        byte[] b = Files.readAllBytes(file);
        b[b.length - 6] ^= 1; // in the CRC-32
        Path corrupt = tmp.resolve("d.gz");
        Files.write(corrupt, b);
        assertThrows(IOException.class, () -> read(cache, corrupt));
        assertTrue(files(cache.dir()).isEmpty(), files(cache.dir()).toString());
    }

    @Test
    void offOrAnUnwritableFolderOnlyMeansNoCopy() throws IOException {
        byte[] raw = content(40_000, 6);
        Path file = gz("e.gz", raw);
        assertArrayEquals(raw, read(new GunzipCache(null), file));

        Path notAFolder = tmp.resolve("plain-file");
        Files.writeString(notAFolder, "x");
        assertArrayEquals(raw, read(new GunzipCache(notAFolder.resolve("gunzipped")), file));
    }

    @Test
    void thePropertyPlacesTheCacheOrTurnsItOff() throws Throwable {
        TestProperties.with(GunzipCache.DIR_PROPERTY, tmp.toString(),
                () -> assertEquals(tmp.resolve("gunzipped"), GunzipCache.standard().dir()));
        TestProperties.with(GunzipCache.DIR_PROPERTY, "OFF", () -> assertNull(GunzipCache.standard().dir()));
    }

    @Test
    void idxFilesReadTwiceGiveTheSameImagesAndLabels() throws IOException {
        IdxTestFiles.folder(tmp, 50, 10, 6, 5, 3, true);
        Path images = tmp.resolve("train-images-idx3-ubyte.gz"), labels = tmp.resolve("train-labels-idx1-ubyte.gz");
        IdxReader.Images first = IdxReader.readImages(images);
        byte[] firstLabels = IdxReader.readLabels(labels);
        IdxReader.Images second = IdxReader.readImages(images);
        assertArrayEquals(first.pixels(), second.pixels());
        assertEquals(first.count(), second.count());
        assertArrayEquals(firstLabels, IdxReader.readLabels(labels));
        Path dir = GunzipCache.standard().dir();
        if (dir != null && Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                assertTrue(s.anyMatch(p -> p.getFileName().toString().endsWith("-train-images-idx3-ubyte")));
            }
        }
    }
}
