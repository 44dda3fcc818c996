package delta4j.reliability;

import delta4j.io.ModelFile;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of model saves: a child JVM saves a 4 MiB model to one path over and over
 * ({@link ModelFile#save}, which writes a temporary file, fsyncs it and renames it over the target); the
 * test kills it with SIGKILL ({@link Process#destroyForcibly()} on Linux) at random moments, many times,
 * and after every kill loads the path. It must hold a complete model, either the last one the child
 * reported saved or the one it was saving (each generation g has every parameter equal to g, so the
 * two are told apart), never a mixture, a truncation or nothing.
 *
 * <p>A kill during the write leaves the child's temporary file behind ({@code .model.d4j.HEX.tmp}):
 * harmless debris, never read, that the test counts (kills that provably landed mid-write) and removes.
 *
 * <p>Bounded by the system properties {@code reliability.kill.seconds} (default 40) and
 * {@code reliability.kill.max} (default 80 kills); a run that has not yet made 10 kills, one of them during a
 * write, goes on up to three times its seconds (a loaded machine). Each kill waits for the child's first save
 * and lands at a random moment within about three save times after it, so the kills fall among the saves at any
 * load.
 */
class KillDuringSaveTest {

    /** A 1024 × 1024 layer: 4 MiB of parameters, so a save takes long enough to be hit mid-write. */
    static final int WIDTH = 1024;

    @Test
    void killingASaveAtRandomMomentsLeavesTheOldOrTheNewModel(@TempDir Path dir) throws Exception {
        long seconds = Long.getLong("reliability.kill.seconds", 40);
        int maxKills = Integer.getInteger("reliability.kill.max", 80);
        Path model = dir.resolve("model.d4j");
        ModelFile.save(generation(0), model);
        int confirmed = 0;
        int kills = 0, midWrite = 0, newer = 0;
        SplittableRandom rnd = new SplittableRandom(Long.getLong("reliability.kill.seed", System.nanoTime()));
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        // On a loaded machine saves are slow and kills few: the run goes on, up to three times its time, until it
        // has the kills that make it a proof (10, at least one during a write).
        long hardDeadline = start + TimeUnit.SECONDS.toNanos(3 * seconds);
        while (kills < maxKills && (System.nanoTime() < deadline
                || (System.nanoTime() < hardDeadline && (kills < Math.min(10, maxKills) || midWrite == 0)))) {
            Process child = saver(model, confirmed + 1);
            AtomicInteger lastSaved = new AtomicInteger(confirmed);
            AtomicInteger lines = new AtomicInteger();
            CountDownLatch firstSave = new CountDownLatch(1);
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine(); // "ready": the JVM is up, saving starts now
            if (!"ready".equals(first)) {
                fail("the saver did not start: " + first + "\n" + new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            long ready = System.nanoTime();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.incrementAndGet();
                        // Only complete "saved N" lines count: the JVM may print warnings to standard output too.
                        if (line.matches("saved \\d+")) {
                            lastSaved.set(Integer.parseInt(line.substring("saved ".length())));
                            firstSave.countDown();
                        } else if (!line.isBlank()) {
                            System.out.println("KillDuringSaveTest: the saver printed: " + line);
                        }
                    }
                } catch (IOException e) {
                    // the pipe breaks when the child dies
                }
            });
            // A kill lands at a random moment among the child's saves. How long a save takes depends on the
            // machine's load (tens of milliseconds on an idle machine, seconds on a busy one, where a fixed delay
            // of a few hundred milliseconds killed every child before its first write): the first save's time,
            // from "ready" to "saved", scales the delay, which then spans about three saves.
            long firstSaveNanos = firstSave.await(60, TimeUnit.SECONDS) ? System.nanoTime() - ready : TimeUnit.MILLISECONDS.toNanos(400);
            long spanMillis = Math.max(20, TimeUnit.NANOSECONDS.toMillis(3 * firstSaveNanos));
            Thread.sleep(rnd.nextLong(0, spanMillis));
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed saver did not exit");
            reader.join(30_000);
            assertTrue(!reader.isAlive(), "the saver's output was not read to its end");
            kills++;

            int reported = lastSaved.get();
            int found = generationIn(model);
            assertTrue(found == reported || found == reported + 1,
                    "after kill " + kills + " the model holds generation " + found + ", but the saver had reported " + reported
                            + " (so only " + reported + " or " + (reported + 1) + " are possible; " + lines.get()
                            + " lines read from the saver, which started at generation " + (confirmed + 1) + ")");
            if (found > reported) {
                newer++; // killed after the rename but before it said so
            }
            confirmed = found;
            List<Path> debris = debris(dir, model);
            if (!debris.isEmpty()) {
                midWrite++;
                for (Path d : debris) {
                    Files.delete(d);
                }
            }
        }
        System.out.printf("KillDuringSaveTest: %d kills (%d mid-write, leaving a temporary file; %d right after a rename), "
                + "%d generations saved, model always complete%n", kills, midWrite, newer, confirmed);
        assertTrue(kills >= Math.min(10, maxKills), "too few kills in " + seconds + " s: " + kills);
        assertTrue(midWrite > 0, "no kill landed during a write; the test proves nothing");
    }

    /** Every parameter of generation g equals g. */
    static Mlp generation(int g) {
        return generation(g, WIDTH);
    }

    /** Generation g of a width × width model. */
    static Mlp generation(int g, int width) {
        float[] w = new float[width * width];
        float[] b = new float[width];
        Arrays.fill(w, g);
        Arrays.fill(b, g);
        return Mlp.of(new int[] {width, width}, new Activation[] {Activation.IDENTITY}, Loss.MSE, new float[][] {w}, new float[][] {b});
    }

    /** Loads the model (any failure fails the test) and returns its generation, checking it is uniform. */
    static int generationIn(Path model) throws IOException {
        Mlp m = ModelFile.load(model);
        float g = m.biases(0)[0];
        for (float v : m.weights(0)) {
            if (v != g) {
                fail("a mixed model: a weight " + v + " in generation " + g);
            }
        }
        for (float v : m.biases(0)) {
            if (v != g) {
                fail("a mixed model: a bias " + v + " in generation " + g);
            }
        }
        return (int) g;
    }

    static List<Path> debris(Path dir, Path model) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> other = new ArrayList<>();
            for (Path p : s.toList()) {
                if (!p.equals(model)) {
                    String n = p.getFileName().toString();
                    assertTrue(n.startsWith("." + model.getFileName() + ".") && n.endsWith(".tmp"), "unexpected file " + n);
                    other.add(p);
                }
            }
            return other;
        }
    }

    private static Process saver(Path model, int firstGeneration) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Saver.class.getName(), model.toString(), String.valueOf(firstGeneration));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return pb.start();
    }

    /** The child: saves generation g, g+1, ... to one path until killed, reporting each completed save. */
    static final class Saver {
        public static void main(String[] args) throws IOException {
            Path model = Path.of(args[0]);
            int g = Integer.parseInt(args[1]);
            System.out.println("ready");
            System.out.flush();
            while (true) {
                ModelFile.save(generation(g), model);
                System.out.println("saved " + g);
                System.out.flush();
                g++;
            }
        }
    }
}
