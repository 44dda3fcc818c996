package delta4j.cli;

import delta4j.io.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each output on its own, with an injected writer that fails like a full disk for chosen files. */
class OutputsTest {

    @TempDir
    Path dir;

    /** Writes atomically, except to the paths given, where it fails as a full disk does after a few bytes. */
    static Outputs.Writer failingFor(Set<Path> full, String reason) {
        return (target, content) -> {
            if (full.contains(target) || full.contains(target.getParent())) {
                content.writeTo(new java.io.ByteArrayOutputStream()); // the content is made, the write then fails
                throw new IOException(reason);
            }
            AtomicFiles.write(target, content);
        };
    }

    @Test
    void aFailingOutputDoesNotStopTheOthersAndTheSummarySaysWhy() throws IOException {
        Path model = dir.resolve("m.d4j"), plot = dir.resolve("loss.png"), json = dir.resolve("m.json");
        Files.writeString(plot, "an older chart");
        Outputs o = new Outputs(failingFor(Set.of(plot), "No space left on device"), dir);
        assertTrue(o.writeModel(model, new byte[] {1, 2, 3}));
        assertFalse(o.write("plot:", "--plot", plot, out -> out.write(new byte[1000])));
        assertTrue(o.write("metrics:", "--metrics-json", json, TrainCommand.utf8(() -> "{}")));

        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(model));
        assertEquals("{}", Files.readString(json));
        assertEquals("an older chart", Files.readString(plot), "the failed output left the old file as it was");

        StringWriter summary = new StringWriter(), err = new StringWriter();
        o.printSummary(new PrintWriter(summary, true));
        List<String> lines = summary.toString().lines().toList();
        assertEquals(List.of("saved:     " + model,
                "NOT WRITTEN --plot " + plot + ": No space left on device (the loss.png that was there is unchanged)",
                "metrics:   " + json), lines);
        assertEquals(Main.NOT_WRITTEN, o.finish(new PrintWriter(err, true)));
        assertEquals("delta4j: not written: --plot " + plot + " (No space left on device); the other 2 outputs were written", err.toString().strip());
    }

    @Test
    void aModelThatCannotBeSavedIsSavedToTheFallbackFolder() throws IOException {
        Path full = Files.createDirectory(dir.resolve("full")), tmp = Files.createDirectory(dir.resolve("tmp"));
        Path model = full.resolve("fashion.d4j");
        Outputs o = new Outputs(failingFor(Set.of(full), "File too large"), tmp);
        assertFalse(o.writeModel(model, new byte[] {4, 5, 6}));
        Path fallback = o.savedInstead();
        assertNotNull(fallback);
        assertEquals(tmp, fallback.getParent());
        assertTrue(fallback.getFileName().toString().startsWith("delta4j-fashion-") && fallback.toString().endsWith(".d4j"), fallback::toString);
        assertArrayEquals(new byte[] {4, 5, 6}, Files.readAllBytes(fallback), "the trained model is kept");
        assertFalse(Files.exists(model));

        StringWriter summary = new StringWriter(), err = new StringWriter();
        o.printSummary(new PrintWriter(summary, true));
        assertTrue(summary.toString().contains("NOT WRITTEN --out " + model + ": File too large (no file was created); the trained model was saved to "
                + fallback + " instead"), summary::toString);
        assertEquals(Main.NOT_WRITTEN, o.finish(new PrintWriter(err, true)));
        assertTrue(err.toString().contains("File too large") && err.toString().contains(fallback.toString()), err::toString);
        assertEquals(1, err.toString().strip().lines().count());
    }

    @Test
    void whenTheFallbackFailsTooTheSummarySaysTheModelIsLost() {
        Path model = dir.resolve("m.d4j");
        Outputs o = new Outputs(failingFor(Set.of(dir), "No space left on device"), dir);
        assertFalse(o.writeModel(model, new byte[] {1}));
        assertNull(o.savedInstead());
        StringWriter summary = new StringWriter();
        o.printSummary(new PrintWriter(summary, true));
        assertTrue(summary.toString().contains("the trained model is lost"), summary::toString);
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "no empty fallback file left behind");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void contentThatFailsToRenderIsThatOutputsFailureAlone() throws IOException {
        Path json = dir.resolve("a.json"), plot = dir.resolve("p.png");
        Outputs o = Outputs.standard();
        assertFalse(o.write("plot:", "--plot", plot, out -> {
            throw new IllegalStateException("the chart could not be drawn");
        }));
        assertTrue(o.write("metrics:", "--metrics-json", json, TrainCommand.utf8(() -> "{}")));
        assertEquals(1, o.failures().size());
        assertTrue(o.failures().get(0).line().contains("the chart could not be drawn"));
        assertFalse(Files.exists(plot));
    }

    @Test
    void everythingWrittenIsExitZeroAndSilent() {
        Outputs o = Outputs.standard();
        assertTrue(o.write("metrics:", "--metrics-json", dir.resolve("x.json"), TrainCommand.utf8(() -> "{}")));
        StringWriter err = new StringWriter();
        assertEquals(Main.OK, o.finish(new PrintWriter(err, true)));
        assertEquals("", err.toString());
    }

    @Test
    void reasonsAreTheSystemsWordsWithoutTheFileName() {
        Path p = Path.of("m.d4j");
        assertEquals("No space left on device", Outputs.reason(new FileSystemException("m.d4j", null, "No space left on device"), p));
        assertEquals("File too large", Outputs.reason(new IOException("File too large"), p));
        assertEquals("permission denied", Outputs.reason(new java.nio.file.AccessDeniedException("m.d4j"), p));
        assertEquals("the folder /x does not exist", Outputs.reason(new IOException("cannot write m.d4j: the folder /x does not exist"), p));
        assertEquals("EOFException", Outputs.reason(new java.io.EOFException(), p));
    }
}
