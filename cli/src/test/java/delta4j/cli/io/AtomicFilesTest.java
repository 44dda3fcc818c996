package delta4j.cli.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void writesAndReplaces() throws IOException {
        Path p = dir.resolve("out.txt");
        AtomicFiles.writeString(p, "one");
        AtomicFiles.writeString(p, "two");
        assertEquals("two", Files.readString(p));
        assertEquals(List.of(p), files());
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoDebris() throws IOException {
        Path p = dir.resolve("model.d4j");
        Files.writeString(p, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(p));
        assertEquals(List.of(p), files());
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
}
