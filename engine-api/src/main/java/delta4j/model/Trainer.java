package delta4j.model;

import delta4j.data.Dataset;
import delta4j.data.Standardizer;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mini-batch gradient descent on an {@link Mlp} with any engine: the lecture's loop
 * {@code θ ← θ − η∇E(θ)} with the gradient from {@link Network#backward}, per-epoch shuffling, a
 * learning-rate schedule and the stopping rules of {@link TrainingConfig}.
 *
 * <p>The whole training state (parameters, gradients, optimizer state, work tensors) stays on the
 * engine; per step only the batch goes in. Batch losses are written to a device tensor and read once
 * per epoch. The trained parameters are copied back into the {@link Mlp} at the end; if training
 * diverges the model keeps the parameters it had before.
 *
 * <p>Standardizers are fitted on the training part of the data only (after the validation split): the
 * inputs' with {@link TrainingConfig.Builder#standardize}, the targets' of a regression with
 * {@link TrainingConfig.Builder#standardizeTargets} (on by default). The reported losses are those the
 * network minimises, in standardised target units when the targets are standardised.
 */
public final class Trainer {

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
        this.engine = java.util.Objects.requireNonNull(engine, "engine");
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /**
     * Trains on {@code train}, holding out {@link TrainingConfig.Builder#validationFraction} if set.
     *
     * @param mlp the model, trained in place (it holds the final or, with patience, the best parameters)
     * @param train the training data, with the model's numbers of inputs and outputs
     * @return the epochs' reports and why training stopped
     * @throws IllegalArgumentException if the data do not fit the model (shapes, or targets a softmax output
     *         cannot learn)
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     */
    public TrainingResult fit(Mlp mlp, Dataset train) {
        return resume(mlp, train, null);
    }

    /**
     * Trains on {@code train}, measuring (and with patience, early-stopping on) {@code validation} if not null.
     *
     * @param mlp the model, trained in place (it holds the final or, with patience, the best parameters)
     * @param train the training data, with the model's numbers of inputs and outputs
     * @param validation the validation data, or null for none
     * @return the epochs' reports and why training stopped
     * @throws IllegalArgumentException if the data do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     */
    public TrainingResult fit(Mlp mlp, Dataset train, Dataset validation) {
        return run(mlp, train, validation, null);
    }

    /**
     * Continues from a checkpoint (or starts afresh when {@code state} is null): the model takes the
     * checkpoint's parameters, and training goes on from the epoch after {@code state.epochsDone()} with
     * the same data, configuration and splits as the run that wrote it.
     *
     * @param mlp the model, trained in place
     * @param train the training data, from which {@link TrainingConfig.Builder#validationFraction} is held out
     * @param state a checkpoint of a run with the same architecture, or null to start afresh
     * @return the reports of the epochs run by this call and why training stopped
     * @throws IllegalArgumentException if the data or the checkpoint do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     */
    public TrainingResult resume(Mlp mlp, Dataset train, TrainingState state) {
        checkShapes(mlp, train, "training");
        checkTargets(mlp, train, "training"); // before the split, so that the sample number is the caller's
        if (config.validationFraction > 0) {
            Dataset.Split split = train.split(config.validationFraction, config.seed);
            return run(mlp, split.train(), split.validation(), state);
        }
        return run(mlp, train, null, state);
    }

    /**
     * Like {@link #resume(Mlp, Dataset, TrainingState)} with an explicit validation set.
     *
     * @param mlp the model, trained in place
     * @param train the training data
     * @param validation the validation data, or null for none
     * @param state a checkpoint of a run with the same architecture, or null to start afresh
     * @return the reports of the epochs run by this call and why training stopped
     * @throws IllegalArgumentException if the data or the checkpoint do not fit the model
     * @throws TrainingDivergedException if the loss becomes non-finite or exceeds the divergence bound
     */
    public TrainingResult resume(Mlp mlp, Dataset train, Dataset validation, TrainingState state) {
        return run(mlp, train, validation, state);
    }

    private TrainingResult run(Mlp mlp, Dataset train, Dataset validation, TrainingState state) {
        if (state != null) {
            Mlp saved = state.model();
            if (!java.util.Arrays.equals(saved.sizes(), mlp.sizes()) || !java.util.Arrays.equals(saved.activations(), mlp.activations())
                    || saved.loss() != mlp.loss()) {
                throw new IllegalArgumentException("the checkpoint holds a " + saved + ", not this " + mlp);
            }
            for (int l = 0; l < mlp.depth(); l++) {
                mlp.setParameters(l, saved.weights(l), saved.biases(l));
            }
            mlp.setStandardizer(saved.standardizer());
            mlp.setLabels(saved.labels());
            mlp.setTargetStandardizer(saved.targetStandardizer());
        }
        checkShapes(mlp, train, "training");
        if (validation != null) {
            checkShapes(mlp, validation, "validation");
        }
        checkTargets(mlp, train, "training");
        if (validation != null) {
            checkTargets(mlp, validation, "validation");
        }
        if (config.patience > 0 && validation == null) {
            throw new IllegalArgumentException("early stopping (patience " + config.patience
                    + ") needs a validation set: give one or set a validation fraction");
        }
        if (config.standardize && state == null) {
            mlp.setStandardizer(Standardizer.fit(train));
        }
        if (mlp.standardizer() != null) {
            train = mlp.standardizer().apply(train);
            validation = validation == null ? null : mlp.standardizer().apply(validation);
        }
        if (config.standardizeTargets && state == null && mlp.canStandardizeTargets()) {
            mlp.setTargetStandardizer(Standardizer.fitTargets(train));
        }
        if (mlp.targetStandardizer() != null) {
            train = mlp.targetStandardizer().applyToTargets(train);
            validation = validation == null ? null : mlp.targetStandardizer().applyToTargets(validation);
        }
        synchronized (engine) { // one engine, one thread at a time: see Mlp.predict
            try (Network net = mlp.bind(engine)) {
                return new Run(net, train, validation, state).loop();
            }
        }
    }

    private static void checkShapes(Mlp mlp, Dataset d, String what) {
        if (d.features() != mlp.inputs()) {
            throw new IllegalArgumentException("mismatched dimensions: the " + what + " data has " + d.features()
                    + " features but the network has " + mlp.inputs() + " inputs");
        }
        if (d.targets() != mlp.outputs()) {
            throw new IllegalArgumentException("mismatched dimensions: the " + what + " data has " + d.targets()
                    + " targets but the network has " + mlp.outputs() + " outputs");
        }
    }

    /** How far a softmax + cross-entropy target row's sum may stray from 1 (float rounding of stored probabilities). */
    static final double TARGET_SUM_TOLERANCE = 1e-3;

    /**
     * Softmax + cross-entropy trains on δ = p − t, the gradient of −Σ t log p only when every target row sums to 1;
     * any other row would be trained on a wrong gradient without a word, so it is rejected here (the kernels cannot tell).
     */
    private static void checkTargets(Mlp mlp, Dataset d, String what) {
        boolean distributions = switch (mlp.loss()) {
            case MSE -> false;
            case SOFTMAX_CROSS_ENTROPY -> true;
        };
        int row = distributions ? d.firstTargetRowNotSummingToOne(TARGET_SUM_TOLERANCE) : -1;
        if (row >= 0) {
            throw new IllegalArgumentException("the " + what + " data's sample " + row + " has targets summing to " + (float) d.targetRowSum(row)
                    + ", but softmax + cross-entropy needs every target row to sum to 1 (tolerance " + TARGET_SUM_TOLERANCE
                    + "): give one-hot or probability targets, or use the mse loss");
        }
    }

    /** The seed of epoch e's shuffle: each epoch's order depends on (seed, epoch) alone, so resuming needs no RNG state. */
    static long epochSeed(long seed, int epoch) {
        return seed * 0x9E3779B97F4A7C15L + epoch;
    }

    /** One call of fit: the state that lives for the whole training. */
    private final class Run {
        final Network net;
        final Dataset train;
        final Dataset validation;
        final List<Parameter> parameters;
        final int batch;
        final int steps;
        final OptimizerState optimizerState;
        final Tensor losses;
        /** Early stopping: the parameters at the best epoch, one tensor per parameter. */
        final Tensor[] bestParameters;
        final List<EpochReport> history = new ArrayList<>();
        int t;
        int firstEpoch = 1;
        double previous = Double.NaN;
        /** Whether the epoch just run started from the initial parameters (epoch 1 of a run not resumed). */
        boolean firstEpochFresh;
        /** With {@link #firstEpochFresh}: the mean loss of its first batch, computed before any update. */
        double lossBeforeUpdates = Double.NaN;
        float[] batchLosses;
        double best = Double.POSITIVE_INFINITY;
        int sinceBest;
        int bestEpoch;

        Run(Network net, Dataset train, Dataset validation, TrainingState resumed) {
            this.net = net;
            this.train = train;
            this.validation = validation;
            this.parameters = net.parameters();
            this.batch = Math.min(config.batchSize, train.size());
            this.steps = (train.size() + batch - 1) / batch;
            int valSteps = validation == null ? 0 : (validation.size() + batch - 1) / batch;
            optimizerState = new OptimizerState(net, config.optimizer);
            bestParameters = new Tensor[parameters.size()];
            if (config.patience > 0) {
                for (int i = 0; i < bestParameters.length; i++) {
                    bestParameters[i] = OptimizerState.allocateLike(net, parameters.get(i).value());
                }
            }
            losses = net.allocate(1, Math.max(steps, Math.max(valSteps, 1)));
            if (resumed != null) {
                restoreState(resumed);
            }
        }

        TrainingResult loop() {
            long start = System.nanoTime();
            int[] order = new int[train.size()];
            StopReason reason = StopReason.MAX_EPOCHS;
            for (int epoch = firstEpoch; epoch <= config.maxEpochs; epoch++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                if (config.shuffle) {
                    Dataset.shuffle(order, new SplittableRandom(epochSeed(config.seed, epoch)));
                }
                float lr = config.schedule.rate(config.optimizer.learningRate(), epoch - 1, config.maxEpochs);
                double trainLoss = epoch(order, lr, epoch);
                if (!Double.isFinite(trainLoss) || trainLoss > config.divergenceBound) {
                    if (firstEpochFresh && !(lossBeforeUpdates <= config.divergenceBound)) {
                        throw DataScale.diverged(epoch, lossBeforeUpdates, config.divergenceBound, net.model(), train);
                    }
                    String what = Double.isNaN(trainLoss) ? "NaN" : Double.isInfinite(trainLoss) ? "infinite"
                            : trainLoss + " (above the divergence bound " + config.divergenceBound + ")";
                    throw new TrainingDivergedException(epoch, "training diverged in epoch " + epoch + ": the loss became " + what
                            + " at learning rate " + plain(lr) + "; try a smaller learning rate (e.g. " + tenth(lr)
                            + ") or gradient clipping");
                }
                double valLoss = validation == null ? Double.NaN : meanLoss(validation);
                double gradNorm = config.gradientTolerance > 0 ? fullGradientNorm() : Double.NaN;
                EpochReport report = new EpochReport(epoch, trainLoss, valLoss, lr, gradNorm,
                        (System.nanoTime() - t0) / 1e9, train.size());
                history.add(report);
                for (TrainingListener l : config.listeners) {
                    l.onEpoch(report);
                }
                boolean stop = false;
                if (config.patience > 0) {
                    if (valLoss < best) {
                        best = valLoss;
                        sinceBest = 0;
                        bestEpoch = epoch;
                        snapshot();
                    } else if (++sinceBest >= config.patience) {
                        reason = StopReason.EARLY_STOPPING;
                        stop = true;
                    }
                }
                if (!stop && config.gradientTolerance > 0 && gradNorm < config.gradientTolerance) {
                    reason = StopReason.GRADIENT_TOLERANCE;
                    stop = true;
                }
                if (!stop && config.lossTolerance > 0 && Math.abs(previous - trainLoss) < config.lossTolerance) {
                    reason = StopReason.LOSS_TOLERANCE;
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
            if (config.patience > 0 && bestEpoch > 0) {
                restore();
                holds = bestEpoch;
            }
            net.pull();
            return new TrainingResult(List.copyOf(history), reason, holds, (System.nanoTime() - start) / 1e9);
        }

        /** One pass over the shuffled training data; returns the mean loss of its batches. */
        double epoch(int[] order, float lr, int epoch) {
            firstEpochFresh = t == 0;
            long seen = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * batch, rows = Math.min(batch, train.size() - from);
                Network.Workspace ws = forward(train, order, from, rows);
                net.backward(ws, losses, s, 1f / rows);
                if (config.clipNorm > 0) {
                    optimizerState.clipGradients(config.clipNorm);
                }
                t++;
                optimizerState.step(lr, config.weightDecay, t);
                seen += rows;
                for (TrainingListener l : config.listeners) {
                    l.onBatch(epoch, s + 1, steps, seen);
                }
            }
            double mean = sumLosses(steps) / train.size();
            if (firstEpochFresh) {
                // Batch 0's loss was computed with the initial parameters: what the data alone makes of the loss.
                lossBeforeUpdates = (double) batchLosses[0] / Math.min(batch, train.size());
            }
            return mean;
        }

        /** Gathers samples {@code order[from..from+rows)} (or from..from+rows when order is null), uploads them, runs forward. */
        Network.Workspace forward(Dataset data, int[] order, int from, int rows) {
            Network.Workspace ws = net.workspace(rows);
            data.gatherFeatures(order, from, rows, ws.hostInput());
            data.gatherTargets(order, from, rows, ws.hostTarget());
            net.upload(ws, true);
            net.forward(ws);
            return ws;
        }

        private double sumLosses(int n) {
            float[] perBatch = engine.download(losses);
            batchLosses = perBatch;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += perBatch[i];
            }
            return sum;
        }

        /** Mean loss over a data set with the current weights (forward and loss only). */
        double meanLoss(Dataset data) {
            int n = (data.size() + batch - 1) / batch;
            for (int s = 0; s < n; s++) {
                int from = s * batch, rows = Math.min(batch, data.size() - from);
                Network.Workspace ws = forward(data, null, from, rows);
                net.loss(ws, losses, s);
            }
            return sumLosses(n) / data.size();
        }

        /**
         * ‖∇E‖ of the mean loss over the whole training set: batch gradients scaled by 1/N_total are summed
         * into accumulators (an SGD step with η = −1 is an in-place add), then their squares summed on the engine.
         */
        double fullGradientNorm() {
            List<Tensor> acc = new ArrayList<>(parameters.size());
            try {
                for (Parameter p : parameters) {
                    acc.add(engine.allocate(p.value().rows(), p.value().cols()));
                }
                for (int s = 0; s < steps; s++) {
                    int from = s * batch, rows = Math.min(batch, train.size() - from);
                    Network.Workspace ws = forward(train, null, from, rows);
                    net.backward(ws, losses, s, 1f / train.size());
                    for (int i = 0; i < acc.size(); i++) {
                        engine.sgdStep(acc.get(i), parameters.get(i).gradient(), -1f, 0f);
                    }
                }
                return optimizerState.norm(acc);
            } finally {
                for (Tensor a : acc) {
                    a.close();
                }
            }
        }

        void snapshot() {
            for (int i = 0; i < bestParameters.length; i++) {
                engine.copy(parameters.get(i).value(), bestParameters[i]);
            }
        }

        void restore() {
            for (int i = 0; i < bestParameters.length; i++) {
                engine.copy(bestParameters[i], parameters.get(i).value());
            }
        }

        void checkpoint(int epoch) {
            Mlp copy = net.model().copy();
            net.pull(copy);
            List<float[]> opt = new ArrayList<>();
            for (Tensor s : optimizerState.tensors()) {
                opt.add(engine.download(s));
            }
            List<float[]> bestParams = null;
            if (config.patience > 0 && bestEpoch > 0) {
                bestParams = new ArrayList<>();
                for (Tensor b : bestParameters) {
                    bestParams.add(engine.download(b));
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
            List<Tensor> state = optimizerState.tensors();
            if (s.optimizerState().size() != state.size()) {
                throw new IllegalArgumentException("the checkpoint holds " + s.optimizerState().size()
                        + " optimizer tensors; this optimizer (" + config.optimizer + ") needs " + state.size());
            }
            for (int i = 0; i < state.size(); i++) {
                engine.upload(s.optimizerState().get(i), 0, state.get(i));
            }
            if (s.bestParameters() != null && config.patience > 0) {
                for (int i = 0; i < bestParameters.length; i++) {
                    engine.upload(s.bestParameters().get(i), 0, bestParameters[i]);
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

    /** A float as the shortest plain decimal that reads back as it ("0.0001", never "1.0E-4"). */
    static String plain(float x) {
        return new java.math.BigDecimal(Float.toString(x)).stripTrailingZeros().toPlainString();
    }

    /** A tenth of a rate, in decimal: 0.001 gives "0.0001" (float division gave 1.00000005E-4). */
    static String tenth(float x) {
        return new java.math.BigDecimal(Float.toString(x)).movePointLeft(1).stripTrailingZeros().toPlainString();
    }
}
