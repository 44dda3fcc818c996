package delta4j.model;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One replica of data-parallel training: an {@link Mlp} bound to an engine with its optimizer state,
 * whose step is split in two so that the gradient can travel between replicas in the middle.
 *
 * <pre>
 * partial gradient:  g_p = s·Σ_{i ∈ part p} ∇E_i(θ)          {@link #gradient}   (s = 1/N of the global batch)
 * all-reduce:        g   = Σ_p g_p                             the caller (Spark, a test, ...)
 * step:              θ  ← optimizer(θ, g, state, η, t+1)       {@link #apply}      (the same on every replica)
 * </pre>
 *
 * With the parts of one global batch spread over N replicas that start from the same parameters and
 * state, every replica takes the step {@link Trainer} takes on the whole batch (equal up to the order of
 * the float sums), including gradient clipping on the summed gradient, weight decay on the weights only,
 * and Adam's step count. Parameters and optimizer state also travel as flat vectors for local SGD
 * (averaging) and checkpoints: W[0], b[0], (γ[0],) W[1], b[1], ... (each row-major, the order of
 * {@link Network#parameters()}; a normalised layer's gains γ are parameters like the others), and for the state,
 * per parameter, its states s = 0..k−1, the order of {@link TrainingState#optimizerState()}.
 *
 * <p>{@link #gradient(float[], float[], int, float, float[])} runs the training pass over the replica's rows as a
 * batch of their own: dropout masks keyed by (config seed, epoch 0, step {@link #step()}), so every replica of one step
 * draws the same masks for its own rows, and batch normalisation over the replica's own rows (at least 2).
 * {@link #gradient(float[], float[], int, float, float[], int, int, BatchPart)} runs it over the replica's part of a
 * global batch: masks keyed by the trainer's (seed, epoch, step) and drawn for the rows' global positions, batch
 * statistics of the global batch; together the replicas compute {@link Trainer}'s step on the global batch, batch
 * normalisation and dropout included. Batch normalisation's running statistics are not parameters: each replica
 * keeps its own ({@link #runningStatistics()}, flat, for averaging or collecting them), and {@link #model()} carries
 * this replica's.
 * {@link #lossSum} runs the prediction pass.
 *
 * <p>Data given here is used as it is: a model's {@link Mlp#standardizer()} is the caller's to apply.
 * Not thread-safe; the engine is held for the replica's life (close it to free the engine's memory).
 */
public final class Replica implements AutoCloseable {

    private final Engine engine;
    private final TrainingConfig config;
    private final Network net;
    private final List<Parameter> parameters;
    private final OptimizerState optimizerState;
    private final Tensor lossOut;
    /** Offset of each parameter in the flat parameter vector; the last entry is its length. */
    private final int[] offsets;
    private int t;

    /**
     * Binds {@code mlp} (its current parameters) to {@code engine} with a fresh optimizer state (step 0).
     *
     * @param engine the engine to compute on, held for the replica's life
     * @param mlp the model; the replica trains it in place ({@link #model()} pulls the parameters into it)
     * @param config the optimizer, weight decay, clipping, schedule, seed and shuffling to follow
     * @throws IllegalArgumentException if the model has more parameters than a flat float vector can hold
     */
    public Replica(Engine engine, Mlp mlp, TrainingConfig config) {
        this.engine = java.util.Objects.requireNonNull(engine, "engine");
        this.config = java.util.Objects.requireNonNull(config, "config");
        long count = mlp.parameterCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(mlp + " has too many parameters for one flat vector (" + count + ")");
        }
        this.net = mlp.bind(engine);
        this.parameters = net.parameters();
        this.offsets = new int[parameters.size() + 1];
        for (int i = 0; i < parameters.size(); i++) {
            offsets[i + 1] = offsets[i] + parameters.get(i).size();
        }
        optimizerState = new OptimizerState(net, config.optimizer);
        lossOut = net.allocate(1, 1);
    }

    /** {@return length of the flat parameter (and gradient) vector} */
    public int parameterCount() {
        return offsets[parameters.size()];
    }

    /** {@return length of the flat optimizer state: {@link Optimizer#stateTensors()} × {@link #parameterCount()}} */
    public int stateLength() {
        return config.optimizer.stateTensors() * parameterCount();
    }

    /** {@return the number of optimizer steps applied so far (Adam's t)} */
    public int step() {
        return t;
    }

    /**
     * Forward and backward over {@code rows} samples (x: rows × inputs, y: rows × outputs, row-major) and
     * writes {@code scale}·Σ of their loss gradients into {@code out} (flat, {@link #parameterCount()}
     * values) without touching the parameters.
     *
     * @param x the features, rows × inputs, row-major (standardised by the caller if the model needs it)
     * @param y the targets, rows × outputs, row-major
     * @param rows the number of samples, at least 1
     * @param scale the factor s of the summed gradients, usually 1/N of the global batch
     * @param out receives the flat gradient, {@link #parameterCount()} values
     * @return the loss sum over the rows (not scaled)
     * @throws IllegalArgumentException if an array's length does not fit
     */
    public double gradient(float[] x, float[] y, int rows, float scale, float[] out) {
        checkLength("gradient", out, parameterCount());
        Network.Workspace ws = load(x, y, rows, true);
        net.backward(ws, lossOut, 0, scale);
        for (int i = 0; i < parameters.size(); i++) {
            engine.download(parameters.get(i).gradient(), out, offsets[i]);
        }
        return engine.download(lossOut)[0];
    }

    /**
     * Forward and backward over this replica's part of a global batch, as {@link #gradient(float[], float[], int, float, float[])}
     * but with the training pass of {@link Network#trainingForward(Network.Workspace, long, int, int, BatchPart)}: dropout
     * masks keyed by (config seed, {@code epoch}, {@code step}) at the rows' global positions, batch normalisation over
     * the global batch. With the trainer's epoch and step, the sum over the replicas of {@code out} is the gradient
     * {@link Trainer} computes on the global batch.
     *
     * @param x the features of the part's rows, rows × inputs, row-major
     * @param y the targets, rows × outputs, row-major
     * @param rows the number of local rows, at least 1, {@code part}'s positions
     * @param scale the factor s of the summed gradients, 1/N of the global batch
     * @param out receives the flat gradient, {@link #parameterCount()} values
     * @param epoch the epoch as the trainer counts it (1-based)
     * @param step the step within the epoch, 0-based
     * @param part the rows' global positions and the replicas' sum; null trains the rows as a batch of their own
     *        (masks keyed by epoch and step, statistics over these rows)
     * @return the loss sum over the rows (not scaled)
     * @throws IllegalArgumentException if an array's length does not fit or the part's rows differ from {@code rows}
     */
    public double gradient(float[] x, float[] y, int rows, float scale, float[] out, int epoch, int step, BatchPart part) {
        checkLength("gradient", out, parameterCount());
        Network.Workspace ws = stage(x, y, rows);
        if (part == null) {
            net.trainingForward(ws, config.seed, epoch, step);
        } else {
            net.trainingForward(ws, config.seed, epoch, step, part);
        }
        net.backward(ws, lossOut, 0, scale);
        for (int i = 0; i < parameters.size(); i++) {
            engine.download(parameters.get(i).gradient(), out, offsets[i]);
        }
        return engine.download(lossOut)[0];
    }

    /**
     * The step of a replica that holds no row of the global batch: {@code out} becomes zero, and the replica takes part
     * in the batch statistics' sums of the replicas with rows ({@link Network#trainingPassWithoutRows}).
     *
     * @param part the step's part (no positions) with the replicas' sum
     * @param out receives zeros, {@link #parameterCount()} values
     */
    public void gradientWithoutRows(BatchPart part, float[] out) {
        checkLength("gradient", out, parameterCount());
        java.util.Arrays.fill(out, 0f);
        net.trainingPassWithoutRows(part);
    }

    /** {@return batch normalisation's running statistics, flat: per batch-normalised layer its mean, then its variance (empty without)} */
    public float[] runningStatistics() {
        List<Tensor> st = net.runningStatistics();
        int n = 0;
        for (Tensor t : st) {
            n += (int) t.size();
        }
        float[] v = new float[n];
        int at = 0;
        for (Tensor t : st) {
            engine.download(t, v, at);
            at += (int) t.size();
        }
        return v;
    }

    /**
     * Replaces batch normalisation's running statistics (e.g. the replicas' average).
     *
     * @param v the statistics in {@link #runningStatistics()}'s order and length
     * @throws IllegalArgumentException if the length does not fit
     */
    public void setRunningStatistics(float[] v) {
        List<Tensor> st = net.runningStatistics();
        int n = 0;
        for (Tensor t : st) {
            n += (int) t.size();
        }
        checkLength("running statistics", v, n);
        int at = 0;
        for (Tensor t : st) {
            engine.upload(v, at, t);
            at += (int) t.size();
        }
    }

    /**
     * {@return the loss sum over {@code rows} samples with the current parameters (forward and loss only)}
     *
     * @param x the features, rows × inputs, row-major
     * @param y the targets, rows × outputs, row-major
     * @param rows the number of samples, at least 1
     * @throws IllegalArgumentException if an array's length does not fit
     */
    public double lossSum(float[] x, float[] y, int rows) {
        Network.Workspace ws = load(x, y, rows, false);
        net.loss(ws, lossOut, 0);
        return engine.download(lossOut)[0];
    }

    /** Uploads a batch and runs the training pass (masks keyed by seed, epoch 0, step t) or the prediction pass. */
    private Network.Workspace load(float[] x, float[] y, int rows, boolean training) {
        Network.Workspace ws = stage(x, y, rows);
        if (training) {
            net.trainingForward(ws, config.seed, 0, t);
        } else {
            net.forward(ws);
        }
        return ws;
    }

    /** Uploads a batch's features and targets. */
    private Network.Workspace stage(float[] x, float[] y, int rows) {
        int in = net.model().inputs(), outs = net.model().outputs();
        if (rows <= 0 || x.length < rows * in || y.length < rows * outs) {
            throw new IllegalArgumentException("a batch of " + rows + " rows needs " + rows * in + " feature and " + rows * outs
                    + " target values, got " + x.length + " and " + y.length);
        }
        Network.Workspace ws = net.workspace(rows);
        net.upload(x, y, ws); // the caller's rows straight to the engine, no copy into the workspace's host arrays
        return ws;
    }

    /**
     * One optimizer step with an externally summed gradient (flat), at learning rate η (after the
     * schedule: {@link #learningRate(int)}): gradient clipping as configured, then the optimizer on every
     * W[l] (with weight decay) and b[l] (without), as {@link Trainer} does.
     *
     * @param gradient the summed flat gradient, {@link #parameterCount()} values
     * @param lr the learning rate η of this step
     * @throws IllegalArgumentException if the gradient's length does not fit
     */
    public void apply(float[] gradient, float lr) {
        checkLength("gradient", gradient, parameterCount());
        for (int i = 0; i < parameters.size(); i++) {
            engine.upload(gradient, offsets[i], parameters.get(i).gradient());
        }
        if (config.clipNorm > 0) {
            optimizerState.clipGradients(config.clipNorm); // Trainer's clipping: the same kernels, so the same float sums
        }
        t++;
        optimizerState.step(lr, config.weightDecay, t);
    }

    /**
     * {@return the learning rate of an epoch after the configured schedule, as Trainer uses it}
     *
     * @param epoch the epoch, 1-based
     */
    public float learningRate(int epoch) {
        return config.schedule.rate(config.optimizer.learningRate(), epoch - 1, config.maxEpochs);
    }

    /** {@return the current parameters, flat} */
    public float[] parameters() {
        float[] p = new float[parameterCount()];
        for (int i = 0; i < parameters.size(); i++) {
            engine.download(parameters.get(i).value(), p, offsets[i]);
        }
        return p;
    }

    /**
     * Replaces the parameters with a flat vector (e.g. the replicas' average).
     *
     * @param p the parameters, {@link #parameterCount()} values in the flat order
     * @throws IllegalArgumentException if the length does not fit
     */
    public void setParameters(float[] p) {
        checkLength("parameter", p, parameterCount());
        for (int i = 0; i < parameters.size(); i++) {
            engine.upload(p, offsets[i], parameters.get(i).value());
        }
    }

    /** {@return the optimizer state, flat ({@link #stateLength()} values; empty for SGD)} */
    public float[] optimizerState() {
        float[] s = new float[stateLength()];
        int at = 0;
        for (Tensor st : optimizerState.tensors()) {
            engine.download(st, s, at);
            at += (int) st.size();
        }
        return s;
    }

    /**
     * Replaces the optimizer state with a flat vector and sets the step count t.
     *
     * @param s the state, {@link #stateLength()} values in the flat order
     * @param step the number of steps already taken, ≥ 0; the next step is {@code step + 1}
     * @throws IllegalArgumentException if the length does not fit or the step is negative
     */
    public void setOptimizerState(float[] s, int step) {
        checkLength("optimizer state", s, stateLength());
        if (step < 0) {
            throw new IllegalArgumentException("the step count must be ≥ 0, got " + step);
        }
        int at = 0;
        for (Tensor st : optimizerState.tensors()) {
            engine.upload(s, at, st);
            at += (int) st.size();
        }
        t = step;
    }

    /** {@return the model with the replica's current parameters (pulled into the {@link Mlp} it was made from)} */
    public Mlp model() {
        net.pull();
        return net.model();
    }

    /**
     * The sample order of epoch {@code epoch} (1-based) over {@code n} samples, the one {@link Trainer} uses:
     * seeded from (seed, epoch) alone, or 0..n−1 when shuffling is off.
     *
     * @param n the number of samples
     * @param config the seed and the shuffle setting
     * @param epoch the epoch, 1-based
     * @return a permutation of 0..n−1
     */
    public static int[] epochOrder(int n, TrainingConfig config, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (config.shuffle) {
            delta4j.data.Dataset.shuffle(order, new SplittableRandom(Trainer.epochSeed(config.seed, epoch)));
        }
        return order;
    }

    private static void checkLength(String what, float[] v, int n) {
        if (v.length != n) {
            throw new IllegalArgumentException("the " + what + " vector has " + v.length + " values, this network needs " + n);
        }
    }

    /** Frees the replica's tensors on the engine (the engine stays open). */
    @Override
    public void close() {
        net.close();
    }
}
