package delta4j.cli;

import delta4j.io.ModelFile;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outputs that cannot be written at the end of a real training process: the others are written, the summary
 * says which was not and why, the exit code is {@link Main#NOT_WRITTEN}, and a trained model is never lost.
 */
class OutputFailureProcessTest {

    @TempDir
    Path dir;

    /**
     * A file-size limit the test sets ({@code ulimit -f} in the child's shell) makes writing the plot fail
     * with "File too large" (EFBIG; the JVM ignores SIGXFSZ), as a full disk would: the small model and JSON
     * report are still written, and no stack trace is printed.
     */
    @Test
    void aPlotThatExceedsTheFileSizeLimitIsReportedAndTheOtherOutputsAreWritten() throws Exception {
        Path csv = ChildCli.regressionCsv(dir, "d.csv", 200);
        Path model = dir.resolve("m.d4j"), plot = dir.resolve("loss.png"), json = dir.resolve("m.json"), log = dir.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f 8 && exec \"$@\"", "bash"));
        cmd.addAll(ChildCli.command(List.of("-XX:-UsePerfData"), List.of("train", "--data", csv.toString(), "--layers", "3,4,1",
                "--epochs", "3", "--engine", "reference", "--out", model.toString(), "--plot", plot.toString(), "--metrics-json", json.toString())));
        Process p = ChildCli.start(cmd, log);
        int exit = ChildCli.exit(p, log);
        String out = ChildCli.read(log);
        assertEquals(Main.NOT_WRITTEN, exit, out);
        assertTrue(out.contains("NOT WRITTEN --plot " + plot + ": File too large (no file was created)"), out);
        assertTrue(out.contains("saved:     " + model) && out.contains("metrics:   " + json), out);
        assertTrue(out.contains("delta4j: not written: --plot " + plot + " (File too large); the other 2 outputs were written"), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        assertFalse(Files.exists(plot));
        assertEquals(3, ModelFile.load(model).inputs());
        assertTrue(Files.readString(json).contains("\"epochs\""));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left behind");
        }
    }

    /**
     * The model's folder disappears while the model trains (a removed mount, a cleaned-up folder): the save
     * fails, and the trained model goes to a fallback file in the temporary folder, whose path is printed.
     */
    @Test
    void aModelThatCannotBeSavedGoesToTheTemporaryFolder() throws Exception {
        Path csv = ChildCli.regressionCsv(dir, "d.csv", 3000);
        Path outDir = Files.createDirectory(dir.resolve("models")), tmp = Files.createDirectory(dir.resolve("tmp"));
        Path model = outDir.resolve("m.d4j"), json = dir.resolve("m.json"), log = dir.resolve("child.log");
        Process p = ChildCli.start(ChildCli.command(List.of("-Djava.io.tmpdir=" + tmp), List.of("train", "--data", csv.toString(),
                "--layers", "3,64,64,1", "--epochs", "40", "--engine", "reference", "--out", model.toString(), "--metrics-json", json.toString())), log);
        ChildCli.awaitOutput(p, log, "epoch  1/40");
        Files.move(outDir, dir.resolve("gone"));
        int exit = ChildCli.exit(p, log);
        String out = ChildCli.read(log);
        assertTrue(out.contains("epoch 40/40"), "the training finished before the save: " + out);
        assertEquals(Main.NOT_WRITTEN, exit, out);
        Matcher m = Pattern.compile("the trained model was saved to (\\S+) instead").matcher(out);
        assertTrue(m.find(), out);
        Path fallback = Path.of(m.group(1));
        assertEquals(tmp, fallback.getParent());
        Mlp saved = ModelFile.load(fallback);
        assertEquals(3, saved.inputs());
        assertEquals(1, saved.outputs());
        assertTrue(out.contains("NOT WRITTEN --out " + model), out);
        assertTrue(out.contains("metrics:   " + json), "the other output is written: " + out);
        assertFalse(out.contains("\tat "), out);
    }
}
