package delta4j.spark;

import delta4j.data.Dataset;
import delta4j.engine.Engine;
import delta4j.model.BatchPart;
import delta4j.model.Mlp;
import delta4j.model.Replica;
import delta4j.model.TrainingConfig;
import delta4j.model.TrainingState;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The {@code sync} and {@code average} modes: the whole fit is one Spark barrier stage, one task per
 * partition, each with its own engine and {@link Replica}; the tasks meet only in {@link AllReduce}. A lost
 * task fails the stage, and Spark restarts all of its tasks together.
 */
final class BarrierTraining {

    /** Above this mean training loss a fit counts as diverged (the Trainer's default bound). */
    static final double DIVERGENCE_BOUND = 1e12;

    private BarrierTraining() {
    }

    /** Tests only: called at the start of every epoch of every task (stage attempt, partition, epoch), in local mode. */
    interface FaultHook {
        void beforeEpoch(int stageAttempt, int partition, int epoch);
    }

    static volatile FaultHook fault;

    /** Measurement only: each task prints its step's and its exchange's phases when it ends ({@code -Ddelta4j.spark.measure=true}). */
    static final boolean PHASES = Boolean.getBoolean("delta4j.spark.measure");

    /**
     * @param checkpoints where partition 0 writes a checkpoint every few epochs and where a rerun of the stage
     *                    resumes from, or null for none (a rerun then starts from the first epoch)
     */
    static Outcome fit(JavaRDD<Shard> shards, Layout layout, Settings s, byte[] model, Checkpoints checkpoints) {
        JavaRDD<Outcome> trained = Barrier.mapPartitions(shards,
                it -> List.of(task(Shard.single(it), layout, s, model, checkpoints)).iterator(), Outcome.class);
        // The shuffle makes the barrier stage a shuffle-map stage: when a task is lost Spark reruns all of its
        // tasks (up to spark.stage.maxConsecutiveAttempts), whereas a failed barrier result stage is not retried.
        List<Outcome> all = trained.repartition(1).collect();
        for (Outcome o : all) {
            if (o.partition == 0) {
                return o; // the only one that carries the parameters
            }
        }
        throw new IllegalStateException("no outcome from partition 0 among " + all.size());
    }

    static Outcome task(Shard shard, Layout layout, Settings s, byte[] model, Checkpoints checkpoints) throws Exception {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        TrainingConfig cfg = s.config();
        // Every task of every attempt reads the same newest checkpoint (partition 0 writes it only after the epoch's
        // last all-reduce, which every task has passed), so all replicas continue from the same state.
        TrainingState resume = checkpoints == null ? null : checkpoints.latest(s.mode(), layout.partitions());
        Mlp mlp = resume != null ? resume.model() : ModelIo.read(model, "the initial model");
        long t0 = System.nanoTime();
        try (AllReduce comm = new AllReduce(ctx);
             Engine engine = s.openEngine(ctx.cpus(), Devices.forTask(s.engine(), ctx));
             Replica r = new Replica(engine, mlp, cfg)) {
            if (comm.tasks() != layout.partitions()) {
                throw new IllegalStateException(comm.tasks() + " barrier tasks for " + layout.partitions() + " partitions");
            }
            Outcome o = new Outcome();
            o.partition = shard.partition;
            Run run = new Run(shard, layout, s, cfg, r, comm, o, ctx.stageAttemptNumber(), checkpoints);
            o.stageAttempt = ctx.stageAttemptNumber();
            if (checkpoints != null) {
                agreeOnCheckpoint(comm, resume == null ? 0 : resume.epochsDone());
            }
            if (resume != null) {
                run.resume(resume);
            }
            if (s.mode() == TrainingMode.SYNC) {
                run.sync();
            } else {
                run.average();
            }
            long f0 = System.nanoTime();
            comm.finish();
            if (PHASES) {
                int n = Math.max(1, o.steps);
                System.out.printf("PHASES partition %d: %d steps; per step: gradient %.2f ms, all-reduce %.2f ms, apply %.2f ms; end (the last acknowledgements) %.1f ms; %s%n",
                        shard.partition, o.steps, run.gradientNanos / 1e6 / n, run.sumNanos / 1e6 / n, run.applyNanos / 1e6 / n,
                        (System.nanoTime() - f0) / 1e6, comm.phaseReport());
            }
            o.seconds = (System.nanoTime() - t0) / 1e9;
            o.commSeconds = comm.seconds();
            o.bytesSent = comm.bytesSent();
            if (shard.partition == 0 && o.error == null) {
                o.parameters = r.parameters();
                o.statistics = run.bestStatistics != null ? run.bestStatistics : r.runningStatistics();
            }
            return o;
        }
    }

    /**
     * All tasks must continue from the same epoch. They can differ only when a task of the failed attempt still
     * wrote a newer checkpoint while this attempt's tasks started (on a cluster with free slots Spark may start them
     * before the old ones have died): then every task fails alike and Spark reruns the stage once more.
     */
    private static void agreeOnCheckpoint(AllReduce comm, int epoch) {
        double[] sums = comm.sum(new double[]{epoch, (double) epoch * epoch});
        if (comm.tasks() * sums[1] != sums[0] * sums[0]) { // Σe² · N = (Σe)² only when every e is the same
            throw new IllegalStateException("the tasks found checkpoints of different epochs (a task of the failed attempt was still"
                    + " writing one); the stage is retried from the newest");
        }
    }

    /** One task's training loop. */
    private static final class Run {
        final Shard shard;
        final Layout layout;
        final Settings s;
        final TrainingConfig cfg;
        final Replica r;
        final AllReduce comm;
        final Outcome o;
        final int p;
        final int batch;
        final int[] validationRows;
        final float[] x;
        final float[] y;
        final float[] g;
        double best = Double.POSITIVE_INFINITY;
        int sinceBest;
        int bestEpoch;
        float[] bestParameters;
        float[] bestStatistics;

        final int attempt;
        final Checkpoints checkpoints;
        /** The first epoch this task trains: 1, or the one after a checkpoint's. */
        int firstEpoch = 1;
        /** Measurement only: time in the gradient (compute and download), the all-reduce and the step (upload and optimizer). */
        long gradientNanos, sumNanos, applyNanos;

        Run(Shard shard, Layout layout, Settings s, TrainingConfig cfg, Replica r, AllReduce comm, Outcome o, int attempt,
            Checkpoints checkpoints) {
            this.attempt = attempt;
            this.checkpoints = checkpoints;
            this.shard = shard;
            this.layout = layout;
            this.s = s;
            this.cfg = cfg;
            this.r = r;
            this.comm = comm;
            this.o = o;
            this.p = shard.partition;
            this.batch = Math.min(s.batchSize(), layout.trainSize());
            this.validationRows = layout.localValidationRows(p);
            this.x = new float[batch * shard.features];
            this.y = new float[batch * shard.targets];
            this.g = new float[r.parameterCount()];
        }

        /**
         * Continues from a checkpoint: the replica was bound to its model (parameters, gains, running statistics);
         * here come the optimizer's tensors and step count, the history and the early-stopping state. The data
         * order, the dropout keys and the learning rate are functions of (seed, epoch, step), so nothing else is kept.
         */
        void resume(TrainingState state) {
            Mlp m = state.model();
            r.setOptimizerState(Checkpoints.concat(state.optimizerState(), 0, state.optimizerState().size()), state.step());
            Checkpoints.historyInto(state.history(), o);
            o.steps = state.step();
            o.resumedFromEpoch = state.epochsDone();
            firstEpoch = state.epochsDone() + 1;
            best = state.bestValidationLoss();
            sinceBest = state.sinceBest();
            bestEpoch = state.bestEpoch();
            if (state.bestParameters() != null) {
                int np = Checkpoints.parameterSizes(m).length;
                bestParameters = Checkpoints.concat(state.bestParameters(), 0, np);
                bestStatistics = Checkpoints.concat(state.bestParameters(), np, state.bestParameters().size() - np);
            }
        }

        /** After an epoch that did not stop the fit: partition 0 writes the checkpoint when one is due. */
        private void checkpoint(int epoch, double trainLoss) {
            if (checkpoints == null || p != 0 || !checkpoints.due(epoch, s.epochs())) {
                return;
            }
            Mlp m = r.model();
            List<float[]> bestList = null;
            if (bestParameters != null) {
                bestList = Checkpoints.split(bestParameters, Checkpoints.parameterSizes(m), new java.util.ArrayList<>());
                Checkpoints.split(bestStatistics, Checkpoints.statisticSizes(m), bestList);
            }
            List<float[]> opt = Checkpoints.optimizerTensors(r.optimizerState(), Checkpoints.parameterSizes(m), r.stateLength() / r.parameterCount());
            checkpoints.save(new TrainingState(m, epoch, r.step(), opt, o.history(), trainLoss, best, sinceBest, bestEpoch, bestList),
                    s.mode(), layout.partitions());
            o.checkpoints++;
        }

        private void beforeEpoch(int epoch) {
            FaultHook f = fault;
            if (f != null) {
                f.beforeEpoch(attempt, p, epoch);
            }
        }

        private void copyRow(int local, int at) {
            System.arraycopy(shard.x, local * shard.features, x, at * shard.features, shard.features);
            System.arraycopy(shard.y, local * shard.targets, y, at * shard.targets, shard.targets);
        }

        /**
         * Global batch s is positions order[s·B ..) of the epoch's order ({@link Settings#epochOrder}: balanced over the
         * partitions, or the trainer's). Each task gathers the
         * members it holds, computes their gradient scaled by 1/(global batch rows), and the sum over the
         * tasks is the trainer's batch gradient. The members' positions in the global batch go with them
         * ({@link BatchPart}): dropout draws each row's mask at its global position with the trainer's
         * (seed, epoch, step) key, and batch normalisation sums its statistics over the tasks, so the masks,
         * the batch statistics and the running statistics are the trainer's too (a task without members in a
         * step takes part in those sums with zeros).
         */
        void sync() {
            int n = layout.trainSize(), steps = (n + batch - 1) / batch, start = layout.start(p);
            int[] trainIndex = layout.trainIndex();
            int[] positions = new int[batch];
            for (int epoch = firstEpoch; epoch <= s.epochs(); epoch++) {
                beforeEpoch(epoch);
                long t0 = System.nanoTime();
                int[] order = s.epochOrder(layout, cfg, epoch);
                float lr = r.learningRate(epoch);
                double lossSum = 0;
                for (int step = 0; step < steps; step++) {
                    int from = step * batch, rows = Math.min(batch, n - from), m = 0;
                    for (int i = 0; i < rows; i++) {
                        int global = trainIndex[order[from + i]];
                        if (layout.owns(p, global)) {
                            positions[m] = i;
                            copyRow(global - start, m++);
                        }
                    }
                    long c0 = System.nanoTime();
                    BatchPart part = new BatchPart(rows, java.util.Arrays.copyOf(positions, m), comm::sum);
                    if (m > 0) {
                        lossSum += r.gradient(x, y, m, 1f / rows, g, epoch, step, part);
                    } else {
                        r.gradientWithoutRows(part, g);
                    }
                    long c1 = System.nanoTime();
                    float[] sum = comm.sum(g);
                    long c2 = System.nanoTime();
                    r.apply(sum, lr);
                    long c3 = System.nanoTime();
                    gradientNanos += c1 - c0;
                    sumNanos += c2 - c1;
                    applyNanos += c3 - c2;
                    o.steps++;
                }
                if (endOfEpoch(epoch, lr, lossSum, n, t0)) {
                    break;
                }
            }
            finish();
        }

        /**
         * Local SGD: each task walks its own shard in mini-batches of B/N (so that one step of all tasks sees
         * about a global batch), every task the same number of steps per epoch (the largest shard's; smaller
         * shards wrap around), and every {@code averageEvery} steps and at the end of each epoch the
         * parameters and the optimizer state become their mean over the tasks. Each task's batch is a batch of its
         * own: dropout masks keyed by (seed, epoch, step·N + partition), so the tasks draw different masks, and batch
         * normalisation over the task's rows, its running statistics averaged with the parameters (the mean of the
         * tasks' running variances, which leaves out the spread of the tasks' means).
         */
        void average() {
            int[] mine = layout.localTrainRows(p);
            if (mine.length == 0) {
                throw new IllegalArgumentException("partition " + p + " holds no training rows: use fewer partitions than rows");
            }
            int largest = 0;
            for (int c : layout.trainCounts()) {
                largest = Math.max(largest, c);
            }
            int local = Math.max(1, batch / layout.partitions());
            int steps = (largest + local - 1) / local, every = Math.max(1, s.averageEvery());
            for (int epoch = firstEpoch; epoch <= s.epochs(); epoch++) {
                beforeEpoch(epoch);
                long t0 = System.nanoTime();
                int[] order = mine.clone();
                if (s.shuffle()) {
                    Dataset.shuffle(order, new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + epoch + 0x632BE59BD9B4E019L * (p + 1)));
                }
                float lr = r.learningRate(epoch);
                double lossSum = 0;
                for (int step = 0; step < steps; step++) {
                    for (int i = 0; i < local; i++) {
                        copyRow(order[(step * local + i) % order.length], i);
                    }
                    lossSum += r.gradient(x, y, local, 1f / local, g, epoch, step * layout.partitions() + p, null);
                    r.apply(g, lr);
                    o.steps++;
                    if ((step + 1) % every == 0 || step == steps - 1) {
                        averageParameters();
                    }
                }
                // The mean loss over every sample the tasks stepped on this epoch.
                if (endOfEpoch(epoch, lr, lossSum, (double) steps * local * layout.partitions(), t0)) {
                    break;
                }
            }
            finish();
        }

        private void averageParameters() {
            float[] params = r.parameters(), state = r.optimizerState(), stats = r.runningStatistics();
            float[] all = new float[params.length + state.length + stats.length];
            System.arraycopy(params, 0, all, 0, params.length);
            System.arraycopy(state, 0, all, params.length, state.length);
            System.arraycopy(stats, 0, all, params.length + state.length, stats.length);
            float[] mean = comm.mean(all);
            System.arraycopy(mean, 0, params, 0, params.length);
            System.arraycopy(mean, params.length, state, 0, state.length);
            System.arraycopy(mean, params.length + state.length, stats, 0, stats.length);
            r.setParameters(params);
            r.setOptimizerState(state, r.step());
            r.setRunningStatistics(stats);
        }

        /** Losses over all tasks, the epoch's report and the stopping rules; true to stop. */
        private boolean endOfEpoch(int epoch, float lr, double lossSum, double samples, long t0) {
            double[] sums = comm.sum(new double[]{lossSum, validationLossSum()});
            double trainLoss = sums[0] / samples;
            double valLoss = layout.validationSize() == 0 ? Double.NaN : sums[1] / layout.validationSize();
            if (!Double.isFinite(trainLoss) || trainLoss > DIVERGENCE_BOUND) {
                o.error = "training diverged in epoch " + epoch + ": the loss became " + trainLoss + " at learning rate " + lr
                        + "; try a smaller learning rate (e.g. " + lr / 10 + ") or gradient clipping (clipNorm)";
                return true;
            }
            o.epoch(epoch, trainLoss, valLoss, lr, (System.nanoTime() - t0) / 1e9, layout.trainSize());
            if (s.patience() > 0) {
                if (valLoss < best) {
                    best = valLoss;
                    sinceBest = 0;
                    bestEpoch = epoch;
                    bestParameters = r.parameters();
                    bestStatistics = r.runningStatistics();
                } else if (++sinceBest >= s.patience()) {
                    o.stopReason = "EARLY_STOPPING";
                    return true;
                }
            }
            checkpoint(epoch, trainLoss);
            return false;
        }

        private double validationLossSum() {
            double sum = 0;
            for (int from = 0; from < validationRows.length; from += batch) {
                int rows = Math.min(batch, validationRows.length - from);
                for (int i = 0; i < rows; i++) {
                    copyRow(validationRows[from + i], i);
                }
                sum += r.lossSum(x, y, rows);
            }
            return sum;
        }

        /** Early stopping keeps the best epoch's weights, as the trainer does. */
        private void finish() {
            if (bestParameters != null) {
                r.setParameters(bestParameters);
            }
        }
    }
}
