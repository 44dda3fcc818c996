package delta4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train → save → load in a new JVM → the same predictions, bit for bit. Predictions are written with
 * Float.toString (shortest exact text), so equal files mean equal float32 bits.
 */
class RoundTripProcessTest {

    @TempDir
    Path dir;

    static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void predictionsAreBitIdenticalInANewProcess() throws Exception {
        Path csv = dir.resolve("d.csv");
        StringBuilder sb = new StringBuilder("a;b;c;label\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            double a = rnd.nextDouble(-3, 3), b = rnd.nextDouble(0, 100), c = rnd.nextDouble(-1, 1);
            sb.append(a).append(';').append(b).append(';').append(c).append(';').append(a * c > 0 ? "yes" : b > 50 ? "maybe" : "no").append('\n');
        }
        Files.writeString(csv, sb);
        Path model = dir.resolve("m.d4j"), here = dir.resolve("here.csv"), there = dir.resolve("there.csv");
        Cli.Result t = Cli.run("train", "--data", csv.toString(), "--task", "classification", "--layers", "3,9,7,3", "--activation", "tanh",
                "--epochs", "4", "--engine", "reference", "--out", model.toString(), "--quiet");
        assertEquals(0, t.exit(), t::toString);
        Cli.Result p = Cli.run("predict", "--model", model.toString(), "--data", csv.toString(), "--engine", "reference", "--out", here.toString());
        assertEquals(0, p.exit(), p::toString);

        Path log = dir.resolve("child.log");
        Process child = start(List.of("predict", "--model", model.toString(), "--data", csv.toString(), "--engine", "reference",
                "--out", there.toString()), log);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        assertEquals(0, child.exitValue(), () -> readLog(log));
        assertArrayEquals(Files.readAllBytes(here), Files.readAllBytes(there), "predictions in a new process");
        assertEquals(201, Files.readAllLines(there).size());
    }

    @Test
    void exitCodesOfARealProcess() throws Exception {
        Path log = dir.resolve("usage.log");
        Process usage = start(List.of("train", "--no-such-option"), log);
        assertTrue(usage.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, usage.exitValue(), () -> readLog(log));
        Path log2 = dir.resolve("runtime.log");
        Process runtime = start(List.of("eval", "--model", dir.resolve("absent.d4j").toString(), "--data", log.toString()), log2);
        assertTrue(runtime.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, runtime.exitValue(), () -> readLog(log2));
        String out = readLog(log2);
        assertTrue(!out.contains("\tat "), out);
    }

    static String readLog(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
