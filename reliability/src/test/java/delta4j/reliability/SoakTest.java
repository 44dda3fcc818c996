package delta4j.reliability;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Engines;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import delta4j.opencl.OpenClEngine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded soak: create an engine, train a small network a few epochs, predict, close; over and over
 * on every available engine (reference, cpu, and opencl where a platform exists), for
 * {@code reliability.soak.seconds} (default 30) in all. Resources are measured after a warm-up and at
 * the end, and may not grow: heap after a full GC, live Java threads, native threads
 * ({@code /proc/self/task}), open file descriptors ({@code /proc/self/fd}) and live OpenCL objects
 * ({@link OpenClEngine#liveHandlesAllEngines()}).
 */
class SoakTest {

    /** Heap after GC may move by allocator noise (class metadata is off-heap), not by a leak per cycle. */
    static final long HEAP_TOLERANCE = 4L << 20;

    @Test
    void createTrainCloseCyclesLeakNothing() throws Exception {
        long seconds = Long.getLong("reliability.soak.seconds", 30);
        List<String> engines = new ArrayList<>(List.of("reference", "cpu"));
        String noOpenCl = OpenCl.unavailable();
        if (noOpenCl == null) {
            engines.add("opencl");
        } else if (OpenCl.required()) {
            throw new AssertionError("DELTA4J_REQUIRE_OPENCL=true but OpenCL is not available: " + noOpenCl);
        } else {
            System.out.println("SoakTest: opencl not soaked: " + noOpenCl);
        }
        Dataset data = data(512, 8, 3);

        // Warm-up: JIT, class loading, the OpenCL driver's own pools and kernel caches settle first.
        for (String name : engines) {
            for (int i = 0; i < 3; i++) {
                cycle(name, data, i);
            }
        }
        Snapshot start = Snapshot.take();
        Map<String, Integer> cycles = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
        int round = 0;
        while (System.nanoTime() < deadline) {
            for (String name : engines) {
                cycle(name, data, round);
                cycles.merge(name, 1, Integer::sum);
            }
            round++;
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        // JOCL runs the completion of non-blocking transfers on a cached pool of daemon threads
        // ("AsyncOpThread-N") that end after 10 s idle: wait for that, so the count is comparable.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
        while (joclThreads() > start.joclThreads && System.nanoTime() < settle) {
            Thread.sleep(200);
        }
        Snapshot end = Snapshot.take();
        System.out.printf(Locale.ROOT, "SoakTest: %.0f s, cycles %s%n  start %s%n  end   %s%n", elapsed, cycles, start, end);

        assertTrue(end.heap - start.heap < HEAP_TOLERANCE, "heap after GC grew by " + (end.heap - start.heap) + " bytes");
        // JOCL's pool threads are compared on their own: they come and go with transfers in flight.
        assertEquals(start.javaThreads - start.joclThreads, end.javaThreads - end.joclThreads,
                "live Java threads; before: " + start.threadNames + ", after: " + end.threadNames);
        assertEquals(start.nativeThreads, end.nativeThreads, "native threads (/proc/self/task, JOCL's pool aside)");
        assertTrue(end.joclThreads <= Math.max(start.joclThreads, 1), "JOCL's transfer threads did not end: " + end.threadNames);
        assertTrue(end.fds - start.fds <= 2, "open file descriptors grew from " + start.fds + " to " + end.fds);
        assertEquals(start.openClHandles, end.openClHandles, "live OpenCL objects");
    }

    /** One create-train-predict-close cycle. */
    static void cycle(String engineName, Dataset data, int round) {
        Mlp mlp = Mlp.builder(data.features()).dense(32, Activation.TANH).dense(16, Activation.RELU)
                .dense(data.targets(), Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(round).build();
        try (Engine e = Engines.create(engineName)) {
            TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(64).maxEpochs(3)
                    .validationFraction(0.125).seed(round).build();
            TrainingResult r = new Trainer(e, cfg).fit(mlp, data);
            if (!Double.isFinite(r.finalTrainLoss())) {
                throw new AssertionError(engineName + ": training produced a non-finite loss");
            }
            float[] y = mlp.predict(e, data.featureMatrix());
            if (y.length != data.size() * data.targets()) {
                throw new AssertionError(engineName + ": prediction has the wrong size");
            }
        }
    }

    /** Three Gaussian blobs, one per class. */
    static Dataset data(int n, int features, int classes) {
        SplittableRandom rnd = new SplittableRandom(7);
        float[][] x = new float[n][features], y = new float[n][classes];
        for (int i = 0; i < n; i++) {
            int k = i % classes;
            for (int j = 0; j < features; j++) {
                x[i][j] = (float) ((j % classes == k ? 2 : 0) + rnd.nextGaussian());
            }
            y[i][k] = 1;
        }
        return Dataset.of(x, y);
    }

    static int joclThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> isJoclThread(t.getName())).count();
    }

    /** Whether a thread (by its Java name, or by its kernel name, which is the first 15 characters) is JOCL's. */
    static boolean isJoclThread(String name) {
        return name.startsWith("AsyncOpThread");
    }

    /** What is measured. */
    record Snapshot(long heap, int javaThreads, int nativeThreads, int fds, long openClHandles, int joclThreads,
                    java.util.SortedSet<String> threadNames, long rssKiB) {

        static Snapshot take() throws InterruptedException, IOException {
            long heap = Long.MAX_VALUE;
            // Daemon threads of closed engines end asynchronously; a stable reading is taken, not the first.
            int threads = -1;
            for (int i = 0; i < 50; i++) {
                int now = Thread.activeCount();
                if (now == threads) {
                    break;
                }
                threads = now;
                Thread.sleep(100);
            }
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(50);
                heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            }
            // The thread figures come from one reading each: JOCL's pool threads end on their own timer, and a count
            // read before one ended, less a JOCL count read after it, would not compare with the start's.
            List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
            int jocl = (int) names.stream().filter(SoakTest::isJoclThread).count();
            return new Snapshot(heap, names.size(), countNativeThreads(), count(Path.of("/proc/self/fd")),
                    OpenClEngine.liveHandlesAllEngines(), jocl, new java.util.TreeSet<>(names), readRssKiB());
        }

        /** Resident set size (reported, not asserted: the JIT and the allocator move it without a leak). */
        private static long readRssKiB() throws IOException {
            Path status = Path.of("/proc/self/status");
            if (!Files.isReadable(status)) {
                return -1;
            }
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }

        /**
         * Native threads of the process ({@code /proc/self/task}) less the JVM's own compiler and GC
         * workers, which HotSpot starts and stops by load (dynamic compiler threads, lazily started GC
         * workers) whatever the program does, and less JOCL's pool threads, which the Java figures compare apart.
         */
        private static int countNativeThreads() throws IOException {
            Path tasks = Path.of("/proc/self/task");
            if (!Files.isDirectory(tasks)) {
                return -1; // not Linux: not measured
            }
            int n = 0;
            try (Stream<Path> s = Files.list(tasks)) {
                for (Path t : s.toList()) {
                    String comm;
                    try {
                        comm = Files.readString(t.resolve("comm")).strip();
                    } catch (IOException e) {
                        continue; // ended while listing
                    }
                    if (!(comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") || comm.startsWith("GC Thread")
                            || comm.startsWith("G1 ") || isJoclThread(comm))) {
                        n++;
                    }
                }
            }
            return n;
        }

        private static int count(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return -1; // not Linux: not measured
            }
            try (Stream<Path> s = Files.list(dir)) {
                return (int) s.count();
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "heap %.1f MiB, %d Java threads (%d of them JOCL's), %d native threads, %d fds, %d OpenCL objects, RSS %d MiB",
                    heap / 1048576.0, javaThreads, joclThreads, nativeThreads, fds, openClHandles, rssKiB / 1024);
        }
    }
}
