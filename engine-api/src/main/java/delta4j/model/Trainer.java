package delta4j.model;

import delta4j.data.Dataset;
import delta4j.data.Standardizer;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;

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
 * per epoch. The trained parameters are copied back into the {@link Mlp} at the end.
 */
public final class Trainer {

    private final Engine engine;
    private final TrainingConfig config;

    public Trainer(Engine engine, TrainingConfig config) {
        this.engine = java.util.Objects.requireNonNull(engine, "engine");
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /** Trains on {@code train}, holding out {@link TrainingConfig.Builder#validationFraction} if set. */
    public TrainingResult fit(Mlp mlp, Dataset train) {
        if (config.validationFraction > 0) {
            Dataset.Split split = train.split(config.validationFraction, config.seed);
            return fit(mlp, split.train(), split.validation());
        }
        return fit(mlp, train, null);
    }

    /** Trains on {@code train}, measuring (and with patience, early-stopping on) {@code validation} if not null. */
    public TrainingResult fit(Mlp mlp, Dataset train, Dataset validation) {
        checkShapes(mlp, train, "training");
        if (validation != null) {
            checkShapes(mlp, validation, "validation");
        }
        if (config.patience > 0 && validation == null) {
            throw new IllegalArgumentException("early stopping (patience " + config.patience
                    + ") needs a validation set: give one or set a validation fraction");
        }
        if (config.standardize) {
            Standardizer s = Standardizer.fit(train);
            mlp.setStandardizer(s);
        }
        if (mlp.standardizer() != null) {
            train = mlp.standardizer().apply(train);
            validation = validation == null ? null : mlp.standardizer().apply(validation);
        }
        try (Network net = mlp.bind(engine)) {
            return new Run(net, train, validation).loop();
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

    /** One call of fit: the state that lives for the whole training. */
    private final class Run {
        final Network net;
        final Dataset train;
        final Dataset validation;
        final int depth;
        final int steps;
        final Tensor[][] stateW;
        final Tensor[][] stateB;
        final Tensor losses;
        final Tensor[] bestW;
        final Tensor[] bestB;
        int t;

        Run(Network net, Dataset train, Dataset validation) {
            this.net = net;
            this.train = train;
            this.validation = validation;
            this.depth = net.depth();
            int batch = Math.min(config.batchSize, train.size());
            this.steps = (train.size() + batch - 1) / batch;
            int valSteps = validation == null ? 0 : (validation.size() + batch - 1) / batch;
            int k = config.optimizer.stateTensors();
            stateW = new Tensor[depth][k];
            stateB = new Tensor[depth][k];
            bestW = new Tensor[depth];
            bestB = new Tensor[depth];
            for (int l = 0; l < depth; l++) {
                Tensor w = net.weights(l), b = net.biases(l);
                for (int s = 0; s < k; s++) {
                    stateW[l][s] = net.allocate(w.rows(), w.cols());
                    stateB[l][s] = net.allocate(b.rows(), b.cols());
                }
                if (config.patience > 0) {
                    bestW[l] = net.allocate(w.rows(), w.cols());
                    bestB[l] = net.allocate(b.rows(), b.cols());
                }
            }
            losses = net.allocate(1, Math.max(steps, Math.max(valSteps, 1)));
        }

        TrainingResult loop() {
            long start = System.nanoTime();
            List<EpochReport> history = new ArrayList<>();
            SplittableRandom rnd = new SplittableRandom(config.seed);
            int[] order = new int[train.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            double previous = Double.NaN, best = Double.POSITIVE_INFINITY;
            int bestEpoch = 0, sinceBest = 0;
            StopReason reason = StopReason.MAX_EPOCHS;
            for (int epoch = 1; epoch <= config.maxEpochs; epoch++) {
                long t0 = System.nanoTime();
                if (config.shuffle) {
                    Dataset.shuffle(order, rnd);
                }
                float lr = config.schedule.rate(config.optimizer.learningRate(), epoch - 1, config.maxEpochs);
                double trainLoss = epoch(order, lr, epoch);
                if (!Double.isFinite(trainLoss) || trainLoss > config.divergenceBound) {
                    throw new TrainingDivergedException(epoch, "training diverged in epoch " + epoch + ": the loss became "
                            + (Double.isNaN(trainLoss) ? "NaN" : trainLoss > config.divergenceBound && Double.isFinite(trainLoss)
                            ? trainLoss + " (above " + config.divergenceBound + ")" : "infinite")
                            + " at learning rate " + lr + "; try a smaller learning rate (e.g. " + lr / 10 + ")");
                }
                double valLoss = validation == null ? Double.NaN : meanLoss(validation);
                double gradNorm = config.gradientTolerance > 0 ? fullGradientNorm() : Double.NaN;
                EpochReport report = new EpochReport(epoch, trainLoss, valLoss, lr, gradNorm,
                        (System.nanoTime() - t0) / 1e9, train.size());
                history.add(report);
                for (TrainingListener l : config.listeners) {
                    l.onEpoch(report);
                }
                bestEpoch = epoch;
                if (config.patience > 0) {
                    if (valLoss < best) {
                        best = valLoss;
                        sinceBest = 0;
                        snapshot();
                        bestEpochSeen = epoch;
                    } else if (++sinceBest >= config.patience) {
                        reason = StopReason.EARLY_STOPPING;
                        break;
                    }
                }
                if (config.gradientTolerance > 0 && gradNorm < config.gradientTolerance) {
                    reason = StopReason.GRADIENT_TOLERANCE;
                    break;
                }
                if (config.lossTolerance > 0 && Math.abs(previous - trainLoss) < config.lossTolerance) {
                    reason = StopReason.LOSS_TOLERANCE;
                    break;
                }
                previous = trainLoss;
            }
            if (config.patience > 0 && bestEpochSeen > 0) {
                restore();
                bestEpoch = bestEpochSeen;
            }
            net.pull();
            return new TrainingResult(List.copyOf(history), reason, bestEpoch, (System.nanoTime() - start) / 1e9);
        }

        int bestEpochSeen;

        /** One pass over the shuffled training data; returns the mean loss of its batches. */
        double epoch(int[] order, float lr, int epoch) {
            int batch = Math.min(config.batchSize, train.size());
            long seen = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * batch, rows = Math.min(batch, train.size() - from);
                Network.Workspace ws = net.workspace(rows);
                train.gatherFeatures(order, from, rows, ws.hostInput());
                train.gatherTargets(order, from, rows, ws.hostTarget());
                net.upload(ws, true);
                net.forward(ws);
                net.backward(ws, losses, s, 1f / rows);
                t++;
                for (int l = 0; l < depth; l++) {
                    config.optimizer.step(engine, net.weights(l), net.weightGradient(l), stateW[l], lr, config.weightDecay, t);
                    config.optimizer.step(engine, net.biases(l), net.biasGradient(l), stateB[l], lr, 0f, t);
                }
                seen += rows;
                for (TrainingListener l : config.listeners) {
                    l.onBatch(epoch, s + 1, steps, seen);
                }
            }
            return sumLosses(steps) / train.size();
        }

        private double sumLosses(int n) {
            float[] perBatch = engine.download(losses);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += perBatch[i];
            }
            return sum;
        }

        /** Mean loss over a data set with the current weights (forward and loss only). */
        double meanLoss(Dataset data) {
            int batch = Math.min(config.batchSize, data.size());
            int n = (data.size() + batch - 1) / batch;
            for (int s = 0; s < n; s++) {
                int from = s * batch, rows = Math.min(batch, data.size() - from);
                Network.Workspace ws = net.workspace(rows);
                data.gatherFeatures(null, from, rows, ws.hostInput());
                data.gatherTargets(null, from, rows, ws.hostTarget());
                net.upload(ws, true);
                net.forward(ws);
                net.loss(ws, losses, s);
            }
            return sumLosses(n) / data.size();
        }

        /**
         * ‖∇E‖ of the mean loss over the whole training set: batch gradients scaled by 1/N_total are summed
         * into accumulators (SGD step with η = −1 is an in-place add), then their squares summed on the engine.
         */
        double fullGradientNorm() {
            int batch = Math.min(config.batchSize, train.size());
            Tensor[] accW = new Tensor[depth], accB = new Tensor[depth];
            try (Tensor sq = engine.allocate(1, 2 * depth)) {
                for (int l = 0; l < depth; l++) {
                    accW[l] = engine.allocate(net.weights(l).rows(), net.weights(l).cols());
                    accB[l] = engine.allocate(1, net.biases(l).cols());
                }
                for (int s = 0; s < steps; s++) {
                    int from = s * batch, rows = Math.min(batch, train.size() - from);
                    Network.Workspace ws = net.workspace(rows);
                    train.gatherFeatures(null, from, rows, ws.hostInput());
                    train.gatherTargets(null, from, rows, ws.hostTarget());
                    net.upload(ws, true);
                    net.forward(ws);
                    net.backward(ws, losses, s, 1f / train.size());
                    for (int l = 0; l < depth; l++) {
                        engine.sgdStep(accW[l], net.weightGradient(l), -1f, 0f);
                        engine.sgdStep(accB[l], net.biasGradient(l), -1f, 0f);
                    }
                }
                for (int l = 0; l < depth; l++) {
                    engine.sumOfSquares(accW[l], sq, 2 * l);
                    engine.sumOfSquares(accB[l], sq, 2 * l + 1);
                }
                double sum = 0;
                for (float v : engine.download(sq)) {
                    sum += v;
                }
                return Math.sqrt(sum);
            } finally {
                for (int l = 0; l < depth; l++) {
                    if (accW[l] != null) {
                        accW[l].close();
                    }
                    if (accB[l] != null) {
                        accB[l].close();
                    }
                }
            }
        }

        void snapshot() {
            for (int l = 0; l < depth; l++) {
                engine.copy(net.weights(l), bestW[l]);
                engine.copy(net.biases(l), bestB[l]);
            }
        }

        void restore() {
            for (int l = 0; l < depth; l++) {
                engine.copy(bestW[l], net.weights(l));
                engine.copy(bestB[l], net.biases(l));
            }
        }
    }
}
