package delta4j.spark;

import delta4j.engine.Engine;
import delta4j.model.BatchPart;
import delta4j.model.Mlp;
import delta4j.model.Replica;
import delta4j.model.TrainingConfig;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code aggregate} mode, the textbook baseline of {@code sync}: the driver keeps the model and the
 * optimizer, and every step is a Spark job that broadcasts the parameters, has each partition compute its
 * part of the global batch's gradient, and sums the parts with {@code treeAggregate}. The same batches and
 * the same step as {@code sync}; the partial sums may arrive in any order, so the float sums may differ
 * in the last bits from run to run.
 */
final class AggregateTraining {

    private AggregateTraining() {
    }

    static Outcome fit(JavaSparkContext jsc, JavaRDD<Shard> shards, Layout layout, Settings s, byte[] model) {
        TrainingConfig cfg = s.config();
        Mlp mlp = ModelIo.read(model, "the initial model");
        String plan = UUID.randomUUID().toString();
        Broadcast<byte[]> initial = jsc.broadcast(model);
        Outcome o = new Outcome();
        long start = System.nanoTime();
        try (Engine engine = s.openEngine(0, null); Replica r = new Replica(engine, mlp, cfg)) {
            int n = layout.trainSize(), batch = Math.min(s.batchSize(), n), steps = (n + batch - 1) / batch, parts = layout.partitions();
            int[] trainIndex = layout.trainIndex();
            int count = r.parameterCount();
            double best = Double.POSITIVE_INFINITY;
            int sinceBest = 0;
            float[] bestParameters = null;
            for (int epoch = 1; epoch <= s.epochs(); epoch++) {
                long t0 = System.nanoTime();
                int[] order = s.epochOrder(layout, cfg, epoch);
                float lr = r.learningRate(epoch);
                double lossSum = 0;
                for (int step = 0; step < steps; step++) {
                    int from = step * batch, rows = Math.min(batch, n - from);
                    int[][] members = new int[parts][], positions = new int[parts][];
                    int[] m = new int[parts];
                    for (int p = 0; p < parts; p++) {
                        members[p] = new int[rows];
                        positions[p] = new int[rows];
                    }
                    for (int i = 0; i < rows; i++) {
                        int global = trainIndex[order[from + i]];
                        for (int p = 0; p < parts; p++) {
                            if (layout.owns(p, global)) {
                                positions[p][m[p]] = i;
                                members[p][m[p]++] = global - layout.start(p);
                                break;
                            }
                        }
                    }
                    for (int p = 0; p < parts; p++) {
                        members[p] = java.util.Arrays.copyOf(members[p], m[p]);
                        positions[p] = java.util.Arrays.copyOf(positions[p], m[p]);
                    }
                    int e = epoch, st = step;
                    long c0 = System.nanoTime();
                    Broadcast<float[]> params = jsc.broadcast(r.parameters());
                    float scale = 1f / rows;
                    // Element `count` carries the loss sum.
                    float[] sum = shards.treeAggregate(new float[count + 1],
                            (acc, shard) -> partial(acc, shard, members[shard.partition],
                                    new BatchPart(rows, positions[shard.partition], null), e, st, scale, params.value(), plan, s, initial.value()),
                            AggregateTraining::add, 2);
                    params.destroy();
                    o.commSeconds += (System.nanoTime() - c0) / 1e9;
                    lossSum += sum[count];
                    r.apply(java.util.Arrays.copyOf(sum, count), lr);
                    o.steps++;
                }
                double trainLoss = lossSum / n;
                if (!Double.isFinite(trainLoss) || trainLoss > BarrierTraining.DIVERGENCE_BOUND) {
                    o.error = "training diverged in epoch " + epoch + ": the loss became " + trainLoss + " at learning rate " + lr
                            + "; try a smaller learning rate (e.g. " + lr / 10 + ") or gradient clipping (clipNorm)";
                    break;
                }
                double valLoss = Double.NaN;
                if (layout.validationSize() > 0) {
                    Broadcast<float[]> params = jsc.broadcast(r.parameters());
                    double sum = shards.map(shard -> validationLoss(shard, layout, batch, params.value(), plan, s, initial.value()))
                            .reduce(Double::sum);
                    params.destroy();
                    valLoss = sum / layout.validationSize();
                }
                o.epoch(epoch, trainLoss, valLoss, lr, (System.nanoTime() - t0) / 1e9, n);
                if (s.patience() > 0) {
                    if (valLoss < best) {
                        best = valLoss;
                        sinceBest = 0;
                        bestParameters = r.parameters();
                    } else if (++sinceBest >= s.patience()) {
                        o.stopReason = "EARLY_STOPPING";
                        break;
                    }
                }
            }
            if (bestParameters != null) {
                r.setParameters(bestParameters);
            }
            o.parameters = o.error == null ? r.parameters() : null;
        } finally {
            shards.foreachPartition(it -> Pool.close(plan));
            Pool.close(plan);
            initial.destroy();
        }
        o.seconds = (System.nanoTime() - start) / 1e9;
        return o;
    }

    /**
     * One partition's part of a step's gradient. Its rows carry their global batch positions, so dropout draws the
     * trainer's masks; batch normalisation, whose statistics would need the other partitions within the step, is
     * refused in this mode ({@link MlpEstimator#settings()}).
     */
    private static float[] partial(float[] acc, Shard shard, int[] members, BatchPart part, int epoch, int step, float scale, float[] params,
                                   String plan, Settings s, byte[] model) {
        if (members.length == 0) {
            return acc;
        }
        Pool.Lease lease = Pool.borrow(plan, s, model);
        try {
            Replica r = lease.replica();
            r.setParameters(params);
            float[] x = new float[members.length * shard.features], y = new float[members.length * shard.targets];
            for (int i = 0; i < members.length; i++) {
                System.arraycopy(shard.x, members[i] * shard.features, x, i * shard.features, shard.features);
                System.arraycopy(shard.y, members[i] * shard.targets, y, i * shard.targets, shard.targets);
            }
            float[] g = new float[acc.length - 1];
            double loss = r.gradient(x, y, members.length, scale, g, epoch, step, part);
            for (int j = 0; j < g.length; j++) {
                acc[j] += g[j];
            }
            acc[g.length] += (float) loss;
            return acc;
        } finally {
            Pool.release(lease);
        }
    }

    private static double validationLoss(Shard shard, Layout layout, int batch, float[] params, String plan, Settings s, byte[] model) {
        int[] rows = layout.localValidationRows(shard.partition);
        if (rows.length == 0) {
            return 0;
        }
        Pool.Lease lease = Pool.borrow(plan, s, model);
        try {
            Replica r = lease.replica();
            r.setParameters(params);
            double sum = 0;
            for (int from = 0; from < rows.length; from += batch) {
                int m = Math.min(batch, rows.length - from);
                float[] x = new float[m * shard.features], y = new float[m * shard.targets];
                for (int i = 0; i < m; i++) {
                    System.arraycopy(shard.x, rows[from + i] * shard.features, x, i * shard.features, shard.features);
                    System.arraycopy(shard.y, rows[from + i] * shard.targets, y, i * shard.targets, shard.targets);
                }
                sum += r.lossSum(x, y, m);
            }
            return sum;
        } finally {
            Pool.release(lease);
        }
    }

    private static float[] add(float[] a, float[] b) {
        for (int j = 0; j < a.length; j++) {
            a[j] += b[j];
        }
        return a;
    }

    /**
     * Executor-side engines and replicas of the running fit, kept across its per-step jobs (opening an engine
     * per task would be most of a small step) and closed when the fit ends. One per concurrent task.
     */
    static final class Pool {
        record Lease(String plan, Engine engine, Replica replica) {
        }

        private static final Map<String, Deque<Lease>> IDLE = new HashMap<>();

        static Lease borrow(String plan, Settings s, byte[] model) {
            synchronized (IDLE) {
                Deque<Lease> idle = IDLE.get(plan);
                if (idle != null && !idle.isEmpty()) {
                    return idle.pop();
                }
            }
            TaskContext ctx = TaskContext.get();
            Engine e = s.openEngine(ctx == null ? 1 : ctx.cpus(), Devices.forTask(s.engine(), ctx));
            return new Lease(plan, e, new Replica(e, ModelIo.read(model, "the initial model"), s.config()));
        }

        static void release(Lease lease) {
            synchronized (IDLE) {
                IDLE.computeIfAbsent(lease.plan(), k -> new ArrayDeque<>()).push(lease);
            }
        }

        static void close(String plan) {
            List<Lease> leases;
            synchronized (IDLE) {
                Deque<Lease> idle = IDLE.remove(plan);
                leases = idle == null ? List.of() : new ArrayList<>(idle);
            }
            for (Lease l : leases) {
                l.replica().close();
                l.engine().close();
            }
        }
    }
}
