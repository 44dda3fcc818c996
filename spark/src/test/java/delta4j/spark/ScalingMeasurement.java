package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.model.EpochReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The scaling question of docs/DISTRIBUTED.md, on this machine's cores: samples/s of a compute-bound
 * network (784-1024-1024-10, global batch 512, cpu engine with 1 thread per task) on 1 and 2 partitions
 * in each mode, and the share of step time spent communicating. A measurement, not a test: it runs only
 * when asked and asserts nothing.
 *
 * <pre>mvn -B -pl engine-api,spark verify -Dtest=ScalingMeasurement -Ddelta4j.spark.measure=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * With {@code -Ddelta4j.spark.measure.layers=true} it answers what batch normalisation and dropout 0.2 on both hidden
 * layers cost instead: sync on 1 and 2 partitions, each without and with them, and single-process
 * {@link delta4j.model.Trainer} on the same cpu engine for comparison. {@code -Ddelta4j.spark.measure.modes=sync} (a comma
 * list) keeps only those modes' runs, {@code -Ddelta4j.spark.measure.rows} and {@code .epochs} set the data and the passes. Each
 * task of {@code sync} and {@code average} prints its step's phases ({@code PHASES}: gradient, all-reduce and optimizer step per
 * step; the exchange's rendezvous, encode, send, wait, decode and sum, and the transport thread's receive).
 */
@EnabledIfSystemProperty(named = "delta4j.spark.measure", matches = "true")
class ScalingMeasurement {

    @Test
    void samplesPerSecondOnOneAndTwoPartitions() {
        int n = Integer.getInteger("delta4j.spark.measure.rows", 8192), epochs = Integer.getInteger("delta4j.spark.measure.epochs", 3);
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = new float[n * 784], y = new float[n * 10];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 784; j++) {
                x[i * 784 + j] = (float) rnd.nextDouble();
            }
            y[i * 10 + rnd.nextInt(10)] = 1;
        }
        Dataset data = new Dataset(n, 784, 10, x, y);
        boolean layers = Boolean.getBoolean("delta4j.spark.measure.layers");
        String[][] runs = layers ? new String[][]{{"sync", "1", "none"}, {"sync", "1", "batch"}, {"sync", "2", "none"}, {"sync", "2", "batch"}}
                : new String[][]{{"sync", "1", "none"}, {"sync", "2", "none"}, {"sync", "2", "none", "memory", "balanced"},
                {"sync", "2", "none", "transport"}, {"aggregate", "2", "none"}, {"average", "2", "none"}};
        List<String> modes = List.of(System.getProperty("delta4j.spark.measure.modes", "sync,aggregate,average").split(","));
        for (int round = 0; round < 2; round++) { // the first round warms up the JIT
            for (String norm : layers ? new String[]{"none", "batch"} : new String[0]) {
                MlpClassifier est = new MlpClassifier().setLayers(784, 1024, 1024, 10).setBatchSize(512).setEpochs(epochs).setSeed(1)
                        .setNormalization(norm).setDropout(norm.equals("none") ? 0 : 0.2);
                try (delta4j.engine.Engine e = delta4j.engine.Engines.create("cpu", new delta4j.engine.EngineConfig(1, null))) {
                    List<EpochReport> h = new delta4j.model.Trainer(e, est.settings().config()).fit(est.initialModel(), data).history();
                    double seconds = 0;
                    for (EpochReport r : h.subList(1, h.size())) {
                        seconds += r.seconds();
                    }
                    System.out.printf("MEASURE round %d Trainer norm %s: %.0f samples/s (epochs 2..%d)%n", round, norm,
                            (double) (h.size() - 1) * n / seconds, epochs);
                }
            }
            for (String[] run : runs) {
                if (!modes.contains(run[0])) {
                    continue;
                }
                var frame = TestData.frame(data, Integer.parseInt(run[1]), true);
                MlpClassifier est = new MlpClassifier().setLayers(784, 1024, 1024, 10).setBatchSize(512).setEpochs(epochs)
                        .setEngine("cpu").setEngineThreads(1).setMode(run[0]).setAverageEvery(4).setSeed(1).setNormalization(run[2])
                        .setDropout(run[2].equals("none") ? 0 : 0.2);
                // A fourth field names the exchange: "transport" makes tasks that share this JVM exchange over it anyway;
                // a fifth, "balanced", gives each partition its share of every batch (balancedBatches).
                boolean transport = run.length > 3 && run[3].equals("transport"), balanced = run.length > 4 && run[4].equals("balanced");
                est.setBalancedBatches(balanced);
                String exchange = (transport ? "transport" : "in memory where the tasks share a JVM") + (balanced ? ", balanced batches" : ", the trainer's batches");
                FitSummary s = LocalSpark.withExchange(transport ? "transport" : null, () -> est.fit(frame)).summary();
                List<EpochReport> h = s.history();
                double seconds = 0;
                long samples = 0;
                for (EpochReport e : h.subList(1, h.size())) { // epoch 1 holds the engines' and the transport's start
                    seconds += e.seconds();
                    samples += e.samples();
                }
                System.out.printf("MEASURE round %d mode %-9s partitions %s norm %s exchange %s: %.0f samples/s (epochs 2..%d), fit %.2f s,"
                                + " communication %.2f s (%.1f %% of the fit), %d steps, %.1f MB sent by partition 0%n",
                        round, run[0], run[1], run[2], exchange, samples / seconds, epochs, s.seconds(), s.communicationSeconds(),
                        100 * s.communicationFraction(), s.steps(), s.bytesSent() / 1e6);
            }
        }
    }
}
