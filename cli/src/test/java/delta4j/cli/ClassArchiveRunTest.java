package delta4j.cli;

import delta4j.cli.io.DataSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run the launcher records its class archive from: every command succeeds, and it writes only in its folder. */
class ClassArchiveRunTest {

    @TempDir
    Path scratch;

    @Test
    void everyCommandSucceedsInsideTheScratchFolderAndTheCacheSettingIsPutBack() throws Exception {
        String before = System.getProperty(DataSources.CACHE_DIR_PROPERTY);
        System.setProperty(DataSources.CACHE_DIR_PROPERTY, "off");
        try {
            StringWriter out = new StringWriter();
            assertEquals(Main.OK, ClassArchiveRun.run(scratch, new PrintWriter(out)));
            assertEquals("off", System.getProperty(DataSources.CACHE_DIR_PROPERTY));
            // What the README's commands write: the models, the plot, the reports, the predictions, a checkpoint, a data
            // file, and the IDX files' decompressed copies (the second training's read).
            for (String name : new String[] {"houses.d4j", "fashion.d4j", "loss.png", "run.json", "fashion.json", "predictions.csv",
                    "fashion.csv", "houses.ckpt", "fashion.d4jdata"}) {
                assertTrue(Files.size(scratch.resolve(name)) > 0, name);
            }
            try (Stream<Path> copies = Files.walk(scratch.resolve("cache"))) {
                assertEquals(4, copies.filter(Files::isRegularFile).count(), "the decompressed copies of the four IDX files");
            }
            assertTrue(out.toString().contains("accuracy"), out.toString());
        } finally {
            if (before == null) {
                System.clearProperty(DataSources.CACHE_DIR_PROPERTY);
            } else {
                System.setProperty(DataSources.CACHE_DIR_PROPERTY, before);
            }
        }
    }
}
