package delta4j.reliability;

import delta4j.data.DataFileWriter;
import delta4j.data.Dataset;
import delta4j.data.MappedDataset;
import delta4j.data.Samples;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Mlp;
import delta4j.model.Optimizer;
import delta4j.model.Trainer;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data larger than the heap: a binary data file at least 4× the maximum heap of a child JVM is trained on through
 * its memory mapping, a full epoch over every sample (the standardisers fitted in streaming passes, the samples
 * shuffled), and on a random subset the mapped path reaches the weights of the in-memory path bit for bit.
 *
 * <p>The file is generated in the module's {@code target/} folder and deleted afterwards. Its size and the child's
 * heap are system properties: {@code reliability.bigData.mb} (default 600, what two shared CI cores afford) and
 * {@code reliability.bigData.heap} (default 128m); e.g. {@code -Dreliability.bigData.mb=2048 -Dreliability.bigData.heap=256m}
 * for the 2 GiB version.
 */
class LargerThanHeapTest {

    static final int FEATURES = 100;
    static final int SUBSET = 20_000;

    @Test
    void trainsFromAFileFourTimesTheHeapAndMatchesTheInMemoryPathOnASubset() throws Exception {
        long mb = Long.getLong("reliability.bigData.mb", 600);
        String heap = System.getProperty("reliability.bigData.heap", "128m");
        Path dir = Path.of(System.getProperty("reliability.bigData.dir", "target"));
        Files.createDirectories(dir);
        Path file = dir.resolve("larger-than-heap.d4jdata");
        try {
            long rows = mb * 1_000_000 / (4L * (FEATURES + 1));
            long t0 = System.nanoTime();
            generate(file, rows);
            double genSeconds = (System.nanoTime() - t0) / 1e9;
            long bytes = Files.size(file);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx" + heap, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    Child.class.getName(), file.toString());
            pb.redirectErrorStream(true);
            Process child = pb.start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(20, TimeUnit.MINUTES), "the child did not finish");
            System.out.printf(Locale.ROOT, "LargerThanHeapTest: generated %d rows × %d features (%.0f MB) in %.1f s; child -Xmx%s:%n%s",
                    rows, FEATURES, bytes / 1e6, genSeconds, heap, output);
            assertEquals(0, child.exitValue(), output);
            assertTrue(output.contains("same weights as in memory: true"), output);
            assertTrue(output.contains("whole file: " + rows + " samples"), output);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** y = Σ_j w_j x_j + noise, with features on scales 1 to 1000 (so standardisation matters), written row by row. */
    static void generate(Path file, long rows) throws IOException {
        SplittableRandom rnd = new SplittableRandom(2024);
        double[] w = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            w[j] = rnd.nextDouble(-1, 1);
        }
        try (DataFileWriter out = DataFileWriter.regression(file, FEATURES, 1)) {
            int block = 4096;
            float[] x = new float[block * FEATURES], y = new float[block];
            for (long done = 0; done < rows; ) {
                int n = (int) Math.min(block, rows - done);
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int j = 0; j < FEATURES; j++) {
                        double v = rnd.nextDouble(-1, 1);
                        x[i * FEATURES + j] = (float) (v * (1 + 10 * j));
                        sum += w[j] * v;
                    }
                    y[i] = (float) (sum + 0.1 * rnd.nextDouble(-1, 1) + 50);
                }
                out.append(x, y, n);
                done += n;
            }
            out.finish();
        }
    }

    /** The child JVM: the file must be at least 4× its heap; trains on all of it, then on a subset both ways. */
    static final class Child {
        public static void main(String[] args) throws IOException {
            Path file = Path.of(args[0]);
            long heap = Runtime.getRuntime().maxMemory(), bytes = Files.size(file);
            if (bytes < 4 * heap) {
                System.out.println("the file (" + bytes + " bytes) is not 4× the heap (" + heap + " bytes): nothing proven");
                System.exit(2);
            }
            System.out.printf(Locale.ROOT, "file %.0f MB, max heap %.0f MB (%.1f×)%n", bytes / 1e6, heap / 1e6, (double) bytes / heap);
            TrainingConfig.Builder cfg = TrainingConfig.builder().optimizer(Optimizer.adam(1e-3f)).batchSize(256).standardize(true).seed(7);
            try (MappedDataset data = MappedDataset.open(file); Engine e = new ReferenceEngine()) {
                long t0 = System.nanoTime();
                Mlp whole = net();
                TrainingResult r = new Trainer(e, cfg.maxEpochs(1).build()).fit(whole, data);
                System.out.printf(Locale.ROOT, "whole file: %d samples in one epoch, %.1f s, loss %.4f on standardised targets%n",
                        r.last().samples(), (System.nanoTime() - t0) / 1e9, r.finalTrainLoss());

                int[] some = Dataset.permutation(data.size(), new SplittableRandom(11));
                some = Arrays.copyOf(some, SUBSET);
                Samples view = data.subset(some);
                float[] x = new float[SUBSET * FEATURES], y = new float[SUBSET];
                data.gatherFeatures(some, 0, SUBSET, x);
                data.gatherTargets(some, 0, SUBSET, y);
                Dataset inMemory = new Dataset(SUBSET, FEATURES, 1, x, y);
                TrainingConfig small = cfg.maxEpochs(3).validationFraction(0.1).patience(2).build();
                Mlp mapped = net(), copied = net();
                new Trainer(e, small).fit(mapped, view);
                new Trainer(e, small).fit(copied, inMemory);
                boolean same = true;
                for (int l = 0; l < mapped.depth(); l++) {
                    same &= Arrays.equals(mapped.weights(l), copied.weights(l)) && Arrays.equals(mapped.biases(l), copied.biases(l));
                }
                System.out.println("subset of " + SUBSET + " samples: same weights as in memory: " + same);
                System.out.printf(Locale.ROOT, "peak heap used %.0f MB%n", peakHeap() / 1e6);
                System.exit(same ? 0 : 1);
            }
        }

        static Mlp net() {
            return Mlp.builder(FEATURES).dense(8, Activation.TANH).dense(1, Activation.IDENTITY).seed(5).build();
        }

        static long peakHeap() {
            List<Long> peaks = new ArrayList<>();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peaks.add(pool.getPeakUsage().getUsed());
                }
            }
            return peaks.stream().mapToLong(Long::longValue).sum();
        }
    }
}
