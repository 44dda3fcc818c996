package delta4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** {@return a file of the folder that holds "old"} */
    private Path old(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "old");
        return p;
    }

    /** The file holds {@code text} and is alone in the folder: no temporary or scratch file is left behind. */
    private void assertOnly(Path p, String text) throws IOException {
        assertEquals(text, Files.readString(p));
        assertEquals(List.of(p), files());
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path p = dir.resolve("out.txt");
        AtomicFiles.writeString(p, "one");
        AtomicFiles.writeString(p, "two");
        assertOnly(p, "two");
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoDebris() throws IOException {
        Path p = old("model.d4j");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertOnly(p, "old");
    }

    @Test
    void missingFolderIsNamed() {
        Path p = dir.resolve("no/such/folder/x.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(p, "{}"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aFolderInTheWayIsAnError() throws IOException {
        Path p = Files.createDirectory(dir.resolve("taken"));
        assertThrows(IOException.class, () -> AtomicFiles.writeString(p, "x"));
    }

    @Test
    void overwritingKeepsThePermissions() throws IOException {
        Path p = old("secret.d4j");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.writeString(p, "new");
        assertEquals("new", Files.readString(p));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    }

    @Test
    void writingToASymbolicLinkReplacesItsTargetAndKeepsTheLink() throws IOException {
        Path models = Files.createDirectory(dir.resolve("models"));
        Path real = models.resolve("v3.d4j");
        Files.writeString(real, "old");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(dir.resolve("current.d4j"), Path.of("models", "v3.d4j"));
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link), "still a link");
        assertEquals(Path.of("models", "v3.d4j"), Files.readSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
        try (var s = Files.list(models)) {
            assertEquals(List.of(real), s.toList(), "no debris beside the target");
        }
        // A dangling link: the write creates the file it points to.
        Path dangling = Files.createSymbolicLink(dir.resolve("next.d4j"), models.resolve("v4.d4j"));
        AtomicFiles.writeString(dangling, "v4");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("v4", Files.readString(models.resolve("v4.d4j")));
    }

    @Test
    void aStagedFileAppearsOnlyOnCommitAndItsScratchFilesGo() throws IOException {
        Path p = old("data.bin");
        try (AtomicFiles.Staged staged = AtomicFiles.stage(p)) {
            Path side = staged.scratch("side");
            Files.writeString(staged.file(), "new");
            Files.writeString(side, "intermediate");
            assertEquals(3, files().size(), "target, staged file and scratch file");
            assertEquals("old", Files.readString(p));
            staged.commit();
            assertThrows(IllegalStateException.class, staged::commit);
        }
        assertOnly(p, "new");
    }

    @Test
    void aStageClosedWithoutCommitLeavesTheTargetAndNoDebris() throws IOException {
        Path p = old("data.bin");
        try (AtomicFiles.Staged staged = AtomicFiles.stage(p)) {
            staged.scratch("side");
            Files.writeString(staged.file(), "half");
        }
        assertOnly(p, "old");
    }

    @Test
    void aDataFileWrittenThroughASymbolicLinkReplacesItsTarget() throws IOException {
        Path real = dir.resolve("real.d4jdata");
        Path link = Files.createSymbolicLink(dir.resolve("link.d4jdata"), real.getFileName());
        try (delta4j.data.DataFileWriter w = delta4j.data.DataFileWriter.regression(link, 2, 1)) {
            w.append(new float[] {1, 2}, new float[] {3});
            w.finish();
        }
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertTrue(Files.isRegularFile(real));
        assertEquals(List.of(link, real), files());
    }
}
