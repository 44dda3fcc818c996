package delta4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The free-space check before training, with file systems of a chosen size. */
class SpaceCheckTest {

    @TempDir
    Path dir;

    /** Every folder under {@code small} is on a file system with {@code free} bytes, the rest on a large one. */
    static SpaceCheck.Stores twoFileSystems(Path small, long free) {
        return folder -> folder.startsWith(small) ? new SpaceCheck.Store("small", "/dev/small", free)
                : new SpaceCheck.Store("large", "/dev/large", Long.MAX_VALUE);
    }

    @Test
    void outputsOnAFullFileSystemAreFoundBeforeTraining() throws Exception {
        Path full = Files.createDirectory(dir.resolve("full"));
        List<SpaceCheck.Need> needs = List.of(new SpaceCheck.Need("--out", full.resolve("m.d4j"), 900_000),
                new SpaceCheck.Need("--checkpoint", full.resolve("m.d4j.ckpt"), 2_800_000),
                new SpaceCheck.Need("--plot", dir.resolve("loss.png"), 500_000));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SpaceCheck.check(needs, twoFileSystems(full, 3_000_000)));
        String m = e.getMessage();
        assertTrue(m.contains(full.toString()) && m.contains("/dev/small") && m.contains("2.9 MB free"), m);
        assertTrue(m.contains("--out " + full.resolve("m.d4j") + " 879 KB") && m.contains("--checkpoint"), m);
        assertTrue(!m.contains("--plot"), "the plot's file system has room: " + m);
        assertTrue(m.contains("nothing was lost"), m);
        // Each fits alone, and the two together fit in more space.
        assertDoesNotThrow(() -> SpaceCheck.check(needs, twoFileSystems(full, 3_700_001)));
    }

    @Test
    void absentOutputsAndUnaskableFileSystemsAreSkipped() {
        assertDoesNotThrow(() -> SpaceCheck.check(List.of(new SpaceCheck.Need("--plot", null, Long.MAX_VALUE)), twoFileSystems(dir, 0)));
        assertDoesNotThrow(() -> SpaceCheck.check(List.of(new SpaceCheck.Need("--out", dir.resolve("m"), 10)), folder -> {
            throw new java.io.IOException("cannot ask");
        }));
        assertDoesNotThrow(() -> SpaceCheck.check(List.of(new SpaceCheck.Need("--out", dir.resolve("m"), 10)), SpaceCheck.FILE_SYSTEMS));
    }

    @Test
    void sizesAreReadable() {
        assertEquals("1 byte", SpaceCheck.bytes(1));
        assertEquals("812 bytes", SpaceCheck.bytes(812));
        assertEquals("3.4 KB", SpaceCheck.bytes(3500));
        assertEquals("940 KB", SpaceCheck.bytes(940 * 1024));
        assertEquals("1.5 GB", SpaceCheck.bytes(3L << 29));
    }

    /** The bound the check uses for the model, known before training, is at least the size of the file written after it. */
    @Test
    void theModelBoundHoldsForTheFileWritten() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            sb.append(i % 4).append(',').append(i % 5).append(',').append(i % 3 == 0 ? "ünïcödé-label-" + i % 2 : "x").append('\n');
        }
        Path csv = Files.writeString(dir.resolve("c.csv"), sb), model = dir.resolve("c.d4j");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--task", "classification", "--layers", "2,7,3", "--epochs", "1",
                "--engine", "reference", "--out", model.toString(), "--quiet");
        assertEquals(0, r.exit(), r::toString);
        var m = delta4j.io.ModelFile.load(model);
        long bound = TrainCommand.modelBytesBound(m, 2, 3);
        assertTrue(bound >= Files.size(model), bound + " < " + Files.size(model));
        assertTrue(bound < Files.size(model) + 4096, "and close to it: " + bound + " for " + Files.size(model));
    }
}
