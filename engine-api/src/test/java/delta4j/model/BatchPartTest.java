package delta4j.model;

import delta4j.data.Dataset;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas that each hold a part of every global batch and pass their rows' global positions and an all-reduce
 * ({@link BatchPart}) train as {@link Trainer} does on the whole batch with batch normalisation and dropout: the same
 * masks, the same batch statistics, the same running statistics. Each replica runs in a thread of its own, as the
 * all-reduce blocks until every replica has given its part.
 */
class BatchPartTest {

    /** An all-reduce between threads: every replica gets Σ over the replicas, added in replica order. */
    static final class ThreadSum {
        final int n;
        final CyclicBarrier barrier;
        final double[][] slots;

        ThreadSum(int n) {
            this.n = n;
            this.barrier = new CyclicBarrier(n);
            this.slots = new double[n][];
        }

        double[] sum(int p, double[] v) {
            try {
                slots[p] = v;
                barrier.await(2, java.util.concurrent.TimeUnit.MINUTES);
                double[] s = new double[v.length];
                for (int q = 0; q < n; q++) {
                    for (int j = 0; j < s.length; j++) {
                        s[j] += slots[q][j];
                    }
                }
                barrier.await(2, java.util.concurrent.TimeUnit.MINUTES); // nobody overwrites a slot before every replica has read them all
                return s;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static Mlp network() {
        return Mlp.builder(3).seed(7).dense(12, Activation.TANH).batchNorm().dropout(0.3).dense(10, Activation.RELU).batchNorm()
                .dropout(0.2).dense(2, Activation.IDENTITY).build();
    }

    static TrainingConfig config(int batch) {
        return TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(batch).maxEpochs(2).seed(3).standardizeTargets(false).build();
    }

    /** Parameters then running statistics of every replica after training on {@code n} contiguous shards. */
    static float[][] dataParallel(Mlp init, Dataset data, TrainingConfig cfg, int n, boolean globalPositions) throws Exception {
        int size = data.size(), batch = Math.min(cfg.batchSize, size), steps = (size + batch - 1) / batch;
        int[] start = new int[n + 1];
        for (int p = 0; p <= n; p++) {
            start[p] = (int) ((long) size * p / n);
        }
        ThreadSum comm = new ThreadSum(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int p0 = 0; p0 < n; p0++) {
                int p = p0;
                results.add(pool.submit(() -> {
                    try (Engine e = new ReferenceEngine(); Replica r = new Replica(e, init.copy(), cfg)) {
                        float[] x = new float[batch * data.features()], y = new float[batch * data.targets()];
                        float[] g = new float[r.parameterCount()];
                        for (int epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
                            int[] order = Replica.epochOrder(size, cfg, epoch);
                            for (int s = 0; s < steps; s++) {
                                int from = s * batch, rows = Math.min(batch, size - from), m = 0;
                                int[] mine = new int[rows], positions = new int[rows];
                                for (int i = 0; i < rows; i++) {
                                    int sample = order[from + i];
                                    if (sample >= start[p] && sample < start[p + 1]) {
                                        positions[m] = globalPositions ? i : m;
                                        mine[m++] = sample;
                                    }
                                }
                                BatchPart part = new BatchPart(rows, java.util.Arrays.copyOf(positions, m), v -> comm.sum(p, v));
                                if (m > 0) {
                                    data.gatherFeatures(mine, 0, m, x);
                                    data.gatherTargets(mine, 0, m, y);
                                    r.gradient(x, y, m, 1f / rows, g, epoch, s, part);
                                } else {
                                    r.gradientWithoutRows(part, g);
                                }
                                double[] gd = new double[g.length];
                                for (int j = 0; j < g.length; j++) {
                                    gd[j] = g[j];
                                }
                                double[] sum = comm.sum(p, gd);
                                float[] gs = new float[g.length];
                                for (int j = 0; j < g.length; j++) {
                                    gs[j] = (float) sum[j];
                                }
                                r.apply(gs, r.learningRate(epoch));
                            }
                        }
                        float[] params = r.parameters(), stats = r.runningStatistics();
                        float[] all = java.util.Arrays.copyOf(params, params.length + stats.length);
                        System.arraycopy(stats, 0, all, params.length, stats.length);
                        return all;
                    }
                }));
            }
            float[][] out = new float[n][];
            for (int p = 0; p < n; p++) {
                out[p] = results.get(p).get();
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static float[] trainer(Mlp init, Dataset data, TrainingConfig cfg) {
        Mlp single = init.copy();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, cfg).fit(single, data);
        }
        try (Engine e = new ReferenceEngine(); Replica r = new Replica(e, single, cfg)) {
            float[] params = r.parameters(), stats = r.runningStatistics();
            float[] all = java.util.Arrays.copyOf(params, params.length + stats.length);
            System.arraycopy(stats, 0, all, params.length, stats.length);
            return all;
        }
    }

    static double relativeDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(a[i])));
        }
        return worst;
    }

    @Test
    void replicasWithTheirPartsTrainAsTheTrainerWithBatchNormAndDropout() throws Exception {
        Dataset data = TrainingFixtures.smoothRegression(102, 5);
        for (int[] c : new int[][]{{2, 16}, {3, 4}}) { // 3 replicas, batches of 4: steps where a replica holds no row
            TrainingConfig cfg = config(c[1]);
            float[] expected = trainer(network(), data, cfg);
            float[][] got = dataParallel(network(), data, cfg, c[0], true);
            for (int p = 1; p < c[0]; p++) {
                assertArrayEquals(got[0], got[p], "every replica ends with the same parameters and running statistics");
            }
            double diff = relativeDifference(expected, got[0]);
            assertTrue(diff < 1e-4, c[0] + " replicas, batch " + c[1] + ": largest relative difference " + diff);
        }
    }

    @Test
    void theRowsGlobalPositionsAreWhatMakesTheMasksTheTrainers() throws Exception {
        Dataset data = TrainingFixtures.smoothRegression(102, 5);
        TrainingConfig cfg = config(16);
        double diff = relativeDifference(trainer(network(), data, cfg), dataParallel(network(), data, cfg, 2, false)[0]);
        assertTrue(diff > 1e-2, "local row indices draw other masks: largest relative difference only " + diff);
    }

    @Test
    void aPartIsChecked() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BatchPart(4, new int[]{0, 4}, null));
        assertEquals("row position 4 outside a global batch of 4 rows", e.getMessage());
        try (Engine engine = new ReferenceEngine(); Replica r = new Replica(engine, network(), config(4))) {
            float[] g = new float[r.parameterCount()];
            var noSum = assertThrows(IllegalArgumentException.class,
                    () -> r.gradient(new float[6], new float[4], 2, 0.5f, g, 1, 0, new BatchPart(2, new int[]{0, 1}, null)));
            assertTrue(noSum.getMessage().contains("needs the replicas' sum"), noSum.getMessage());
            var rows = assertThrows(IllegalArgumentException.class,
                    () -> r.gradient(new float[6], new float[4], 2, 0.5f, g, 1, 0, new BatchPart(2, new int[]{0}, v -> v)));
            assertTrue(rows.getMessage().contains("1 rows for a workspace of 2"), rows.getMessage());
        }
    }
}
