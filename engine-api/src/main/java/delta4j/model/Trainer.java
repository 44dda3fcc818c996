package delta4j.model;

import delta4j.data.BatchSource;
import delta4j.data.Dataset;
import delta4j.data.Samples;
import delta4j.data.Standardizer;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mini-batch gradient descent on an {@link Mlp} with any engine: the lecture's loop
 * {@code θ ← θ − η∇E(θ)} with the gradient from {@link Network#backward}, per-epoch shuffling, a
 * learning-rate schedule and the stopping rules of {@link TrainingConfig}.
 *
 * <p>The data is {@link Samples} (random access: the in-memory {@link Dataset}, or a {@link delta4j.data.MappedDataset}
 * larger than the heap, to the same weights bit for bit) or a {@link BatchSource} (batches as they come: a database,
 * a stream, a generator). Everything else works alike on both: schedules, early stopping, listeners, checkpoints.
 *
 * <p>The whole training state (parameters, gradients, optimizer state, work tensors) stays on the
 * engine; per step only the batch goes in. Batch losses are written to a device tensor and read once
 * per epoch. The trained parameters are copied back into the {@link Mlp} at the end; if training
 * diverges the model keeps the parameters it had before.
 *
 * <p>Standardizers are fitted on the training part of the data only (after the validation split), in streaming
 * passes: the inputs' with {@link TrainingConfig.Builder#standardize}, the targets' of a regression with
 * {@link TrainingConfig.Builder#standardizeTargets} (on by default). The reported losses are those the
 * network minimises, in standardised target units when the targets are standardised.
 *
 * <p>Training steps run the training pass ({@link Network#trainingForward}): dropout masks keyed by (the
 * configuration's seed, the epoch, the step within the epoch), so a run resumed from a checkpoint draws the masks the
 * uninterrupted run draws, and batch normalisation with the batch's statistics, updating the running statistics that
 * checkpoints and the saved model keep. Validation, the epoch's metrics and predictions run the prediction pass (no
 * dropout, the running statistics). A batch-normalised model is refused up front when a training batch could hold a
 * single sample.
 *
 * <p>Listeners ({@link TrainingListener}) see each epoch, may report metrics, stop training or fail; what happens
 * then is said there.
 */
public final class Trainer {

    /** Batch losses a batch-source run keeps on the engine before reading them back (its batch count is not known ahead). */
    private static final int STREAMED_LOSS_SLOTS = 1024;

    private final Engine engine;
    private final TrainingConfig config;

    /**
     * A trainer that computes on {@code engine} as {@code config} says; it may train several models in turn.
     *
     * @param engine the engine every run binds its model to (left open)
     * @param config the optimizer, batch size, stopping rules, listeners and checkpoints
     * @throws NullPointerException if an argument is null
     */
    public Trainer(Engine engine, TrainingConfig config) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Trains on {@code train}, holding out {@link TrainingConfig.Builder#validationFraction} if set.
     *
     * @param mlp   the model, trained in place (it holds the final or, as configured, the best parameters)
     * @param train the training data, with the model's numbers of inputs and outputs
     * @return the epochs' reports and why training stopped
     * @throws IllegalArgumentException  if the data do not fit the model (shapes, or targets a softmax output cannot
     *                                   learn)
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     * @throws TrainingListenerException if a listener threw (the run up to there is its result)
     */
    public TrainingResult fit(Mlp mlp, Samples train) {
        return resume(mlp, train, null);
    }

    /**
     * Trains on {@code train}, measuring (and with patience, early-stopping on) {@code validation} if not null.
     *
     * @param mlp        the model, trained in place
     * @param train      the training data, with the model's numbers of inputs and outputs
     * @param validation the validation data, or null for none
     * @return the epochs' reports and why training stopped
     * @throws IllegalArgumentException  if the data do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     * @throws TrainingListenerException if a listener threw
     */
    public TrainingResult fit(Mlp mlp, Samples train, Samples validation) {
        return run(mlp, train, validation, null);
    }

    /**
     * Continues from a checkpoint (or starts afresh when {@code state} is null): the model takes the
     * checkpoint's parameters, and training goes on from the epoch after {@code state.epochsDone()} with
     * the same data, configuration and splits as the run that wrote it.
     *
     * @param mlp   the model, trained in place
     * @param train the training data (the validation fraction is split off it as in the first run)
     * @param state a checkpoint of a run with the same architecture, or null to start afresh
     * @return the reports of all epochs so far and why training stopped
     * @throws IllegalArgumentException  if the data or the checkpoint do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     * @throws TrainingListenerException if a listener threw
     */
    public TrainingResult resume(Mlp mlp, Samples train, TrainingState state) {
        checkShapes(mlp, train.features(), train.targets(), "training");
        checkTargets(mlp, train, "training"); // before the split, so that the sample number is the caller's
        if (config.validationFraction > 0) {
            if (train instanceof Dataset d) {
                Dataset.Split split = d.split(config.validationFraction, config.seed);
                return run(mlp, split.train(), split.validation(), state);
            }
            Samples.Partition p = Samples.partition(train.size(), config.validationFraction, config.seed);
            return run(mlp, train.subset(p.train()), train.subset(p.validation()), state);
        }
        return run(mlp, train, null, state);
    }

    /**
     * Like {@link #resume(Mlp, Samples, TrainingState)} with an explicit validation set.
     *
     * @param mlp        the model, trained in place
     * @param train      the training data
     * @param validation the validation data, or null for none
     * @param state      a checkpoint of a run with the same architecture, or null to start afresh
     * @return the reports of all epochs so far and why training stopped
     * @throws IllegalArgumentException  if the data or the checkpoint do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     * @throws TrainingListenerException if a listener threw
     */
    public TrainingResult resume(Mlp mlp, Samples train, Samples validation, TrainingState state) {
        return run(mlp, train, validation, state);
    }

    /**
     * Trains on the batches of {@code train} ({@link BatchSource#batches(int) batches(epoch)} for each epoch),
     * measuring (and with patience, early-stopping on) {@code validation} if not null. The batch size and shuffling
     * of the configuration do not apply (the source's batches are the mini-batches), nor does a validation fraction
     * (a source cannot be split: give a validation source).
     *
     * @param mlp        the model, trained in place
     * @param train      the training batches
     * @param validation the validation batches, or null for none
     * @return the epochs' reports and why training stopped
     * @throws IllegalArgumentException  if the data do not fit the model, a batch holds a value that is not finite,
     *                                   or a validation fraction is configured
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     * @throws TrainingListenerException if a listener threw
     */
    public TrainingResult fit(Mlp mlp, BatchSource train, BatchSource validation) {
        return resume(mlp, train, validation, null);
    }

    /**
     * Like {@link #fit(Mlp, BatchSource, BatchSource)}, continuing from a checkpoint when {@code state} is not null:
     * epochs go on from {@code state.epochsDone() + 1}, asking the source for those epochs' batches.
     *
     * @param mlp        the model, trained in place
     * @param train      the training batches
     * @param validation the validation batches, or null for none
     * @param state      a checkpoint of a run with the same architecture, or null to start afresh
     * @return the reports of all epochs so far and why training stopped
     * @throws IllegalArgumentException  if the data or the checkpoint do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     * @throws TrainingListenerException if a listener threw
     */
    public TrainingResult resume(Mlp mlp, BatchSource train, BatchSource validation, TrainingState state) {
        Objects.requireNonNull(train, "train");
        if (config.validationFraction > 0) {
            throw new IllegalArgumentException("a validation fraction (" + config.validationFraction + ") needs random access to split the data;"
                    + " a batch source cannot be split: give a validation source instead");
        }
        restore(mlp, state);
        checkShapes(mlp, train.features(), train.targets(), "training");
        if (validation != null) {
            checkShapes(mlp, validation.features(), validation.targets(), "validation");
        }
        checkMonitored(validation != null);
        if (config.standardize && state == null) {
            mlp.setStandardizer(Standardizer.fit(train));
        }
        if (config.standardizeTargets && state == null && mlp.canStandardizeTargets()) {
            mlp.setTargetStandardizer(Standardizer.fitTargets(train));
        }
        TargetCheck check = TargetCheck.of(mlp.loss());
        Feed trainFeed = new Feed.Streamed(train, "training", mlp.standardizer(), mlp.targetStandardizer(), check);
        Feed valFeed = validation == null ? null
                : new Feed.Streamed(validation, "validation", mlp.standardizer(), mlp.targetStandardizer(), check);
        return train(mlp, trainFeed, valFeed, null, state);
    }

    private TrainingResult run(Mlp mlp, Samples train, Samples validation, TrainingState state) {
        restore(mlp, state);
        checkShapes(mlp, train.features(), train.targets(), "training");
        if (validation != null) {
            checkShapes(mlp, validation.features(), validation.targets(), "validation");
        }
        checkTargets(mlp, train, "training");
        if (validation != null) {
            checkTargets(mlp, validation, "validation");
        }
        checkBatchNormBatches(mlp, train.size(), config.batchSize);
        checkMonitored(validation != null);
        if (config.standardize && state == null) {
            mlp.setStandardizer(Standardizer.fit(train));
        }
        if (config.standardizeTargets && state == null && mlp.canStandardizeTargets()) {
            mlp.setTargetStandardizer(Standardizer.fitTargets(train));
        }
        Feed.Indexed trainFeed = new Feed.Indexed(train, config.batchSize, config.shuffle, config.seed, mlp.standardizer(), mlp.targetStandardizer());
        Feed valFeed = validation == null ? null
                : new Feed.Indexed(validation, trainFeed.batchSize(), false, config.seed, mlp.standardizer(), mlp.targetStandardizer());
        return train(mlp, trainFeed, valFeed, validation, state);
    }

    /** A checkpoint's model into {@code mlp}: parameters, standardisers, labels (nothing when {@code state} is null). */
    private static void restore(Mlp mlp, TrainingState state) {
        if (state == null) {
            return;
        }
        Mlp saved = state.model();
        boolean sameLayers = true;
        for (int l = 0; l < Math.min(saved.depth(), mlp.depth()); l++) {
            sameLayers &= saved.normalization(l) == mlp.normalization(l) && saved.dropout(l) == mlp.dropout(l);
        }
        if (!java.util.Arrays.equals(saved.sizes(), mlp.sizes()) || !java.util.Arrays.equals(saved.activations(), mlp.activations())
                || saved.loss() != mlp.loss() || saved.lossParameter() != mlp.lossParameter() || !sameLayers) {
            throw new IllegalArgumentException("the checkpoint holds a " + saved + ", not this " + mlp);
        }
        for (int l = 0; l < mlp.depth(); l++) {
            mlp.setParameters(l, saved.weights(l), saved.biases(l));
            if (mlp.normalization(l) != Normalization.NONE) {
                mlp.setGains(l, saved.gains(l));
            }
            if (mlp.normalization(l).hasRunningStatistics()) {
                mlp.setRunningStatistics(l, saved.runningMean(l), saved.runningVariance(l));
            }
        }
        mlp.setStandardizer(saved.standardizer());
        mlp.setLabels(saved.labels());
        mlp.setTargetStandardizer(saved.targetStandardizer());
    }

    private void checkMonitored(boolean hasValidation) {
        if (config.monitor == null && !hasValidation) {
            if (config.patience > 0) {
                throw new IllegalArgumentException("early stopping (patience " + config.patience
                        + ") needs a validation set: give one or set a validation fraction (or monitor a metric a listener reports)");
            }
            if (config.keepsBest()) {
                throw new IllegalArgumentException("restoring the best weights needs a validation set to judge them by: give one or set"
                        + " a validation fraction (or monitor a metric a listener reports)");
            }
        }
    }

    private TrainingResult train(Mlp mlp, Feed train, Feed validation, Samples rawValidation, TrainingState state) {
        synchronized (engine) { // one engine, one thread at a time: see Mlp.predict
            try (Network net = mlp.bind(engine)) {
                return new Run(net, train, validation, rawValidation, state).loop();
            }
        }
    }

    private static void checkShapes(Mlp mlp, int features, int targets, String what) {
        if (features != mlp.inputs()) {
            throw new IllegalArgumentException("mismatched dimensions: the " + what + " data has " + features
                    + " features but the network has " + mlp.inputs() + " inputs");
        }
        if (targets != mlp.outputs()) {
            throw new IllegalArgumentException("mismatched dimensions: the " + what + " data has " + targets
                    + " targets but the network has " + mlp.outputs() + " outputs");
        }
    }

    /** How far a softmax + cross-entropy target row's sum may stray from 1 (float rounding of stored probabilities). */
    static final double TARGET_SUM_TOLERANCE = 1e-3;

    /**
     * Softmax + cross-entropy trains on δ = p − t, the gradient of −Σ t log p only when every target row sums to 1;
     * any other row would be trained on a wrong gradient without a word, so it is rejected here (the kernels cannot tell).
     * A batch source's rows are checked batch by batch as they arrive ({@link Feed.Streamed}).
     */
    private static void checkTargets(Mlp mlp, Samples d, String what) {
        switch (TargetCheck.of(mlp.loss())) {
            case NONE -> { }
            case DISTRIBUTIONS -> {
                int row = d.firstTargetRowNotSummingToOne(TARGET_SUM_TOLERANCE);
                if (row >= 0) {
                    throw new IllegalArgumentException("the " + what + " data's sample " + row + " has targets summing to "
                            + (float) d.targetRowSum(row) + ", but softmax + cross-entropy needs every target row to sum to 1 (tolerance "
                            + TARGET_SUM_TOLERANCE + "): give one-hot or probability targets, or use the mse loss");
                }
            }
            case PROBABILITIES -> {
                long at = d.firstTargetOutside(0f, 1f);
                if (at >= 0) {
                    int k = d.targets();
                    float[] row = new float[k];
                    d.gatherTargets(new int[] {(int) (at / k)}, 0, 1, row);
                    throw new IllegalArgumentException("the " + what + " data's sample " + at / k + " has target " + at % k + " = "
                            + row[(int) (at % k)] + ", but " + TargetCheck.PROBABILITY_ADVICE);
                }
            }
        }
    }

    /**
     * Batch normalisation has no batch statistics for a training batch of one sample: refused before training, naming
     * the option to change, rather than failing in the middle of an epoch.
     */
    private void checkBatchNormBatches(Mlp mlp, int trainingSamples, int batchSize) {
        int layer = -1;
        for (int l = mlp.depth() - 1; l >= 0; l--) {
            if (mlp.normalization(l) == Normalization.BATCH) {
                layer = l;
            }
        }
        if (layer < 0) {
            return;
        }
        int batch = Math.min(batchSize, trainingSamples);
        if (batch < 2 || trainingSamples % batch == 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " gives " + trainingSamples + " training samples a batch of 1 sample,"
                    + " which batch normalisation (layer " + layer + ") cannot normalise: change the batch size (batchSize) so that every"
                    + " training batch holds at least 2 samples");
        }
    }

    /** The seed of epoch e's shuffle: each epoch's order depends on (seed, epoch) alone, so resuming needs no RNG state. */
    static long epochSeed(long seed, int epoch) {
        return seed * 0x9E3779B97F4A7C15L + epoch;
    }

    /**
     * Batch losses on the engine, read back when the slots are full or the pass ends, and summed in double in batch
     * order (so the sum is the same however often they are read back).
     */
    private final class LossSums {
        final Tensor slots;
        int used;
        double sum;
        long batches;
        /** The first batch's loss sum of the current pass, once read back. */
        float first = Float.NaN;

        LossSums(Tensor slots) {
            this.slots = slots;
        }

        void reset() {
            used = 0;
            sum = 0;
            batches = 0;
            first = Float.NaN;
        }

        /** The slot for the next batch's loss. */
        int next() {
            if (used == slots.cols()) {
                flush();
            }
            return used++;
        }

        void flush() {
            if (used == 0) {
                return;
            }
            float[] perBatch = engine.download(slots);
            if (batches == 0) {
                first = perBatch[0];
            }
            for (int i = 0; i < used; i++) {
                sum += perBatch[i];
            }
            batches += used;
            used = 0;
        }

        double total() {
            flush();
            return sum;
        }
    }

    /** One call of fit: the state that lives for the whole training. */
    private final class Run {
        final Network net;
        final Feed train;
        final Feed validation;
        final Samples rawValidation;
        final int depth;
        /** {@link Network#parameters()}: W[0], b[0], (γ[0],) W[1], ... */
        final List<Parameter> params;
        /** {@link Network#runningStatistics()}: state that the training pass moves but no optimizer steps. */
        final List<Tensor> statistics;
        /** The optimizer's state tensors, with the step and the gradient clipping over all parameters. */
        final OptimizerState optimizer;
        final LossSums losses;
        /** The best epoch's parameters then running statistics, when early stopping keeps the best. */
        final Tensor[] bestCopy;
        final List<EpochReport> history = new ArrayList<>();
        /** Listeners that threw, with what they threw: not called again. */
        final Map<TrainingListener, RuntimeException> failed = new IdentityHashMap<>();
        RuntimeException firstFailure;
        String failureMessage;
        int t;
        int firstEpoch = 1;
        double previous = Double.NaN;
        /** Whether the epoch just run started from the initial parameters (epoch 1 of a run not resumed). */
        boolean firstEpochFresh;
        /** With {@link #firstEpochFresh}: the mean loss of its first batch, computed before any update. */
        double lossBeforeUpdates = Double.NaN;
        /** Training samples of the last epoch (a batch source tells only by its pass). */
        long epochSamples;
        double best;
        int sinceBest;
        int bestEpoch;

        Run(Network net, Feed train, Feed validation, Samples rawValidation, TrainingState resumed) {
            this.net = net;
            this.train = train;
            this.validation = validation;
            this.rawValidation = rawValidation;
            this.depth = net.depth();
            this.best = config.goal == TrainingConfig.Goal.MAXIMIZE ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            params = net.parameters();
            statistics = net.runningStatistics();
            optimizer = new OptimizerState(net, config.optimizer);
            bestCopy = config.keepsBest() ? new Tensor[params.size() + statistics.size()] : null;
            if (bestCopy != null) {
                for (int i = 0; i < bestCopy.length; i++) {
                    Tensor v = kept(i);
                    bestCopy[i] = net.allocate(v.rows(), v.cols());
                }
            }
            int slots = train.batches() == 0 || (validation != null && validation.batches() == 0) ? STREAMED_LOSS_SLOTS
                    : Math.max(train.batches(), Math.max(validation == null ? 0 : validation.batches(), 1));
            losses = new LossSums(net.allocate(1, slots));
            if (resumed != null) {
                restoreState(resumed);
            }
        }

        TrainingResult loop() {
            long start = System.nanoTime();
            StopReason reason = StopReason.MAX_EPOCHS;
            String message = "reached the maximum of " + config.maxEpochs + " epochs";
            for (int epoch = firstEpoch; epoch <= config.maxEpochs; epoch++) {
                long t0 = System.nanoTime();
                float lr = config.schedule.rate(config.optimizer.learningRate(), epoch - 1, config.maxEpochs);
                double trainLoss = epoch(lr, epoch);
                if (!Double.isFinite(trainLoss) || trainLoss > config.divergenceBound) {
                    if (firstEpochFresh && !(lossBeforeUpdates <= config.divergenceBound)) {
                        throw DataScale.diverged(epoch, lossBeforeUpdates, config.divergenceBound, net, train);
                    }
                    String what = Double.isNaN(trainLoss) ? "NaN" : Double.isInfinite(trainLoss) ? "infinite"
                            : trainLoss + " (above the divergence bound " + config.divergenceBound + ")";
                    throw new TrainingDivergedException(epoch, "training diverged in epoch " + epoch + ": the loss became " + what
                            + " at learning rate " + plain(lr) + "; try a smaller learning rate (e.g. " + tenth(lr)
                            + ") or gradient clipping");
                }
                double valLoss = validation == null ? Double.NaN : meanLoss(validation, epoch);
                double gradNorm = config.gradientTolerance > 0 ? fullGradientNorm(epoch) : Double.NaN;
                double seconds = (System.nanoTime() - t0) / 1e9;
                EpochContext context = new EpochContext(epoch, config.maxEpochs, trainLoss, valLoss, lr, this::modelNow, net::predict,
                        rawValidation, this::validationPredictions);
                for (TrainingListener l : config.listeners) {
                    if (!failed.containsKey(l)) {
                        try {
                            l.onEpochEnd(context);
                        } catch (RuntimeException e) {
                            fail(l, e, "onEpochEnd", epoch);
                        }
                    }
                }
                context.close();
                EpochReport report = new EpochReport(epoch, trainLoss, valLoss, lr, gradNorm, seconds, epochSamples, context.reported());
                history.add(report);
                for (TrainingListener l : config.listeners) {
                    if (!failed.containsKey(l)) {
                        try {
                            l.onEpoch(report);
                        } catch (RuntimeException e) {
                            fail(l, e, "onEpoch", epoch);
                        }
                    }
                }
                boolean stop = false;
                if (config.tracksBest()) {
                    double value = monitored(report);
                    if (better(value)) {
                        best = value;
                        sinceBest = 0;
                        bestEpoch = epoch;
                        if (config.keepsBest()) {
                            snapshot();
                        }
                    } else if (++sinceBest >= config.patience && config.patience > 0) {
                        reason = StopReason.EARLY_STOPPING;
                        message = "the " + config.monitorName() + " did not improve for " + config.patience + " epochs after epoch " + bestEpoch;
                        stop = true;
                    }
                }
                if (!stop && config.gradientTolerance > 0 && gradNorm < config.gradientTolerance) {
                    reason = StopReason.GRADIENT_TOLERANCE;
                    message = "the gradient norm " + gradNorm + " fell below the tolerance " + config.gradientTolerance;
                    stop = true;
                }
                if (!stop && config.lossTolerance > 0 && Math.abs(previous - trainLoss) < config.lossTolerance) {
                    reason = StopReason.LOSS_TOLERANCE;
                    message = "the training loss changed by less than the tolerance " + config.lossTolerance;
                    stop = true;
                }
                if (!stop && context.stopReason() != null) {
                    reason = StopReason.LISTENER;
                    message = context.stopReason();
                    stop = true;
                }
                if (firstFailure != null) {
                    reason = StopReason.LISTENER_FAILED;
                    message = failureMessage;
                    stop = true;
                }
                previous = trainLoss;
                if (config.checkpointSink != null && (stop || epoch % config.checkpointEvery == 0 || epoch == config.maxEpochs)) {
                    checkpoint(epoch);
                }
                if (stop) {
                    break;
                }
            }
            int holds = history.isEmpty() ? 0 : history.get(history.size() - 1).epoch();
            if (config.keepsBest() && bestEpoch > 0) {
                restore();
                holds = bestEpoch;
            }
            net.pull();
            TrainingResult result = new TrainingResult(List.copyOf(history), reason, holds, (System.nanoTime() - start) / 1e9, message);
            if (firstFailure != null) {
                throw new TrainingListenerException(failureMessage + "; training stopped after epoch " + history.get(history.size() - 1).epoch()
                        + " and the model holds the weights of epoch " + holds + " (the run so far is this exception's result())", firstFailure, result);
            }
            return result;
        }

        /** The monitored quantity of an epoch: its validation loss, or the metric a listener reported. */
        double monitored(EpochReport report) {
            if (config.monitor == null) {
                return report.validationLoss();
            }
            Double v = report.metrics().get(config.monitor);
            if (v == null) {
                if (firstFailure != null) {
                    return Double.NaN; // the listener that reports it may be the one that failed: the failure is the news
                }
                throw new IllegalStateException("the monitored metric '" + config.monitor + "' was not reported in epoch " + report.epoch()
                        + ": a listener must call EpochContext.metric(\"" + config.monitor + "\", value) in onEpochEnd every epoch (reported: "
                        + report.metrics().keySet() + ")");
            }
            return v;
        }

        /** Whether a monitored value beats the best so far (strictly; NaN never does). */
        boolean better(double value) {
            return switch (config.goal) {
                case MINIMIZE -> value < best;
                case MAXIMIZE -> value > best;
            };
        }

        /** A listener threw: it is not called again, and training stops at the end of this epoch. */
        void fail(TrainingListener l, RuntimeException e, String where, int epoch) {
            failed.put(l, e);
            if (firstFailure == null) {
                firstFailure = e;
                failureMessage = "the training listener " + describe(l) + " threw " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")") + " in " + where + " of epoch " + epoch;
            } else if (firstFailure != e) {
                firstFailure.addSuppressed(e);
            }
        }

        /** The model with the weights (gains and running statistics) on the engine now (a copy). */
        Mlp modelNow() {
            Mlp copy = net.model().copy();
            net.pull(copy);
            return copy;
        }

        /** Tensor i of what early stopping keeps: the parameters, then the running statistics. */
        Tensor kept(int i) {
            return i < params.size() ? params.get(i).value() : statistics.get(i - params.size());
        }

        /** Predictions for the raw validation samples, chunk by chunk (N × outputs, targets' units). */
        float[] validationPredictions() {
            int n = rawValidation.size(), in = rawValidation.features(), out = net.model().outputs();
            float[] y = new float[Math.multiplyExact(n, out)];
            int chunk = Math.min(n, Network.PREDICT_CHUNK);
            float[] x = new float[chunk * in];
            for (int from = 0; from < n; from += chunk) {
                int rows = Math.min(chunk, n - from);
                float[] rowsX = rows == chunk ? x : new float[rows * in];
                rawValidation.gatherFeatures(null, from, rows, rowsX);
                System.arraycopy(net.predict(rowsX), 0, y, from * out, rows * out);
            }
            return y;
        }

        /** One pass over the (shuffled) training data; returns the mean loss of its batches. */
        double epoch(float lr, int epoch) {
            firstEpochFresh = t == 0;
            long seen = 0;
            int batches = train.batches();
            losses.reset();
            try (Feed.Pass pass = train.pass(epoch, true)) {
                int s = 0;
                for (Network.Workspace ws; (ws = pass.nextUploaded(net)) != null; s++) {
                    int rows = ws.rows();
                    net.trainingForward(ws, config.seed, epoch, s);
                    net.backward(ws, losses.slots, losses.next(), 1f / rows);
                    if (config.clipNorm > 0) {
                        optimizer.clipGradients(config.clipNorm);
                    }
                    t++;
                    optimizer.step(lr, config.weightDecay, t);
                    seen += rows;
                    for (TrainingListener l : config.listeners) {
                        if (!failed.containsKey(l)) {
                            try {
                                l.onBatch(epoch, s + 1, batches, seen);
                            } catch (RuntimeException e) {
                                fail(l, e, "onBatch", epoch);
                            }
                        }
                    }
                    if (s == 0) {
                        firstRows = rows;
                    }
                }
                if (s == 0) {
                    throw new IllegalStateException("the training data gave no batches in epoch " + epoch + ": a pass must give at least one");
                }
            }
            double mean = losses.total() / seen;
            epochSamples = seen;
            if (firstEpochFresh) {
                // Batch 0's loss was computed with the initial parameters: what the data alone makes of the loss.
                lossBeforeUpdates = (double) losses.first / firstRows;
            }
            return mean;
        }

        /** Rows of the epoch's first batch. */
        int firstRows;

        /** Mean loss over a data set with the current weights (forward and loss only). */
        double meanLoss(Feed data, int epoch) {
            losses.reset();
            long n = 0;
            try (Feed.Pass pass = data.pass(epoch, false)) {
                for (Network.Workspace ws; (ws = pass.nextUploaded(net)) != null; ) {
                    net.forward(ws);
                    net.loss(ws, losses.slots, losses.next());
                    n += ws.rows();
                }
            }
            if (n == 0) {
                throw new IllegalStateException("the validation data gave no batches in epoch " + epoch + ": a pass must give at least one");
            }
            return losses.total() / n;
        }

        /**
         * ‖∇E‖ of the mean loss over the whole training set: batch gradients scaled by 1/N_total are summed
         * into accumulators (an SGD step with η = −1 is an in-place add), then their squares summed on the engine.
         */
        double fullGradientNorm(int epoch) {
            Tensor[] acc = new Tensor[params.size()];
            long total = train.size() >= 0 ? train.size() : epochSamples;
            try {
                for (int i = 0; i < acc.length; i++) {
                    Tensor v = params.get(i).value();
                    acc[i] = engine.allocate(v.rows(), v.cols());
                }
                losses.reset();
                try (Feed.Pass pass = train.pass(epoch, false)) {
                    int s = 0;
                    for (Network.Workspace ws; (ws = pass.nextUploaded(net)) != null; s++) {
                        // The training pass's gradient (dropout masks of this epoch's steps, batch statistics), with
                        // momentum 0 so that measuring it leaves the running statistics as they are.
                        net.trainingForward(ws, config.seed, epoch, s, 0f);
                        net.backward(ws, losses.slots, losses.next(), 1f / total);
                        for (int i = 0; i < acc.length; i++) {
                            engine.sgdStep(acc[i], params.get(i).gradient(), -1f, 0f);
                        }
                    }
                }
                losses.reset();
                return optimizer.norm(java.util.Arrays.asList(acc));
            } finally {
                for (Tensor a : acc) {
                    if (a != null) {
                        a.close();
                    }
                }
            }
        }

        void snapshot() {
            for (int i = 0; i < bestCopy.length; i++) {
                engine.copy(kept(i), bestCopy[i]);
            }
        }

        void restore() {
            for (int i = 0; i < bestCopy.length; i++) {
                engine.copy(bestCopy[i], kept(i));
            }
        }

        void checkpoint(int epoch) {
            Mlp copy = modelNow();
            List<float[]> opt = new ArrayList<>();
            for (Tensor st : optimizer.tensors()) {
                opt.add(engine.download(st));
            }
            List<float[]> bestParams = null;
            if (config.keepsBest() && bestEpoch > 0) {
                bestParams = new ArrayList<>();
                for (Tensor t : bestCopy) {
                    bestParams.add(engine.download(t));
                }
            }
            try {
                config.checkpointSink.save(new TrainingState(copy, epoch, t, opt, List.copyOf(history), previous, best,
                        sinceBest, bestEpoch, bestParams));
            } catch (IOException e) {
                throw new UncheckedIOException("could not save the checkpoint after epoch " + epoch + ": " + e.getMessage(), e);
            }
        }

        void restoreState(TrainingState s) {
            int k = config.optimizer.stateTensors();
            if (s.optimizerState().size() != k * params.size()) {
                throw new IllegalArgumentException("the checkpoint holds " + s.optimizerState().size()
                        + " optimizer tensors; this optimizer (" + config.optimizer + ") needs " + k * params.size());
            }
            int i = 0;
            for (Tensor st : optimizer.tensors()) {
                engine.upload(s.optimizerState().get(i++), 0, st);
            }
            if (s.bestParameters() != null && config.keepsBest()) {
                if (s.bestParameters().size() != bestCopy.length) {
                    throw new IllegalArgumentException("the checkpoint holds " + s.bestParameters().size()
                            + " tensors of the best epoch; this model needs " + bestCopy.length);
                }
                for (int j = 0; j < bestCopy.length; j++) {
                    engine.upload(s.bestParameters().get(j), 0, bestCopy[j]);
                }
            }
            t = s.step();
            firstEpoch = s.epochsDone() + 1;
            history.addAll(s.history());
            previous = s.previousLoss();
            best = s.bestValidationLoss();
            sinceBest = s.sinceBest();
            bestEpoch = s.bestEpoch();
        }
    }

    /** A listener in messages: its class's name, or what it says of itself when it overrides toString. */
    static String describe(TrainingListener l) {
        String s = l.toString();
        String identity = l.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(l));
        if (!s.equals(identity)) {
            return s;
        }
        String name = l.getClass().getSimpleName();
        return name.isEmpty() ? l.getClass().getName() : name;
    }

    /** A float as the shortest plain decimal that reads back as it ("0.0001", never "1.0E-4"). */
    static String plain(float x) {
        return new java.math.BigDecimal(Float.toString(x)).stripTrailingZeros().toPlainString();
    }

    /** A tenth of a rate, in decimal: 0.001 gives "0.0001" (float division gave 1.00000005E-4). */
    static String tenth(float x) {
        return new java.math.BigDecimal(Float.toString(x)).movePointLeft(1).stripTrailingZeros().toPlainString();
    }
}
