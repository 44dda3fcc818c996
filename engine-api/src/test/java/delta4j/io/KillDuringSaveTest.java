package delta4j.io;

import delta4j.engine.Activation;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process killed with SIGKILL while it saves models never leaves a half-written file under the final
 * name: whatever is there loads, and it is one of the complete models the process wrote.
 */
class KillDuringSaveTest {

    @TempDir
    Path dir;

    /** The child: saves ever-changing 1.2 MB models to args[0] in a loop, announcing each save. */
    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        for (int i = 0; ; i++) {
            Mlp m = Mlp.builder(600).dense(500, Activation.RELU).dense(10, Activation.IDENTITY).seed(i).build();
            ModelFile.save(m, target);
            System.out.println("saved " + i);
            System.out.flush();
        }
    }

    @Test
    void sigkillMidSaveLeavesTheOldOrTheNewModel() throws Exception {
        Path target = dir.resolve("model.d4j");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int round = 0; round < 3; round++) {
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), KillDuringSaveTest.class.getName(), target.toString()))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("saved"), "child started saving: " + first);
            Thread.sleep(rnd.nextInt(50, 400));
            p.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Mlp loaded = ModelFile.load(target);
            assertEquals(600, loaded.inputs());
            assertEquals(10, loaded.outputs());
        }
    }
}
