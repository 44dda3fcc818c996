package delta4j.model;

import delta4j.data.FiniteValues;
import delta4j.data.InMemorySamples;

import delta4j.engine.Activation;
import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link Mlp}'s parameters resident on one engine, with the work tensors of forward and backward
 * passes. It speaks to the engine only through the kernel set, so it runs unchanged on any engine.
 *
 * <pre>
 * forward:   Zin[l] = A[l-1]·W[l];  Zin[l] += 1·b[l]ᵀ, A[l] = φ_l(Zin[l])          (gemm, biasActivation)
 * output δ:  Δ[L] = (A[L] − T) ⊙ φ'(Zin[L])  or  softmax(Zin[L]) − T             (outputDelta)
 * gradients: dW[l] = s·A[l-1]ᵀ·Δ[l],  db[l] = s·colsum(Δ[l])   (s = 1/N)         (gemm TN, columnSum)
 * δ rule:    Δ[l-1] = (Δ[l]·W[l]ᵀ) ⊙ φ'(Zin[l-1])                               (gemm NT, activationBackward)
 * </pre>
 *
 * A normalised hidden layer computes {@code Zin[l] = γ ⊙ x̂(A[l-1]·W[l]) + b[l]} (its dense bias is the
 * normalisation's shift β), keeping x̂ and rstd in the workspace for the backward pass; a hidden layer with dropout
 * writes its dropped activations {@code Ad[l] = dropout(A[l])} to a tensor of their own, which the next layer reads
 * in training, so that A[l] stays intact for φ'. Backward, per layer:
 *
 * <pre>
 * G = Δ[l+1]·W[l+1]ᵀ;  G ← dropout(G, same key);  Δ[l] = G ⊙ φ'(Zin[l], A[l]);  db[l] = s·colsum(Δ[l])
 * Δ[l] ← normBackward(Δ[l], x̂, rstd, γ) (dγ[l] = s·Σ Δ ⊙ x̂);  dW[l] = s·A[l-1]ᵀ·Δ[l]
 * </pre>
 *
 * {@link #forward(Workspace)} is the prediction pass (no dropout; batch normalisation with the running statistics);
 * {@link #trainingForward} is the training pass (dropout masks keyed by seed, epoch, step and layer; batch
 * normalisation with the batch's statistics, updating the running ones), which {@link #backward} follows.
 *
 * Work tensors are allocated per batch size and reused, so a training step allocates nothing once
 * warm. Not thread-safe: one network, one thread.
 */
public final class Network implements AutoCloseable {

    /** Largest number of rows {@link #predict} pushes through at once (bounds work memory). */
    static final int PREDICT_CHUNK = 4096;
    /** Work-tensor sets kept (full batch, last partial batch, validation and prediction sizes). */
    private static final int MAX_WORKSPACES = 4;

    private final Mlp mlp;
    private final Engine engine;
    private final int depth;
    private final Tensor[] w;
    private final Tensor[] b;
    /** γ[l] of a normalised layer (null otherwise), with dγ[l] once gradients exist. */
    private final Tensor[] g;
    /** Running mean and variance of a batch-normalised layer (null otherwise). */
    private final Tensor[] runMean;
    private final Tensor[] runVar;
    private Tensor[] dw;
    private Tensor[] db;
    private Tensor[] dg;
    private List<Parameter> parameters;
    private final List<Tensor> owned = new ArrayList<>();
    private final Map<Integer, Workspace> workspaces = new LinkedHashMap<>(8, 0.75f, true);
    private boolean closed;

    Network(Mlp mlp, Engine engine) {
        this.mlp = mlp;
        this.engine = engine;
        this.depth = mlp.depth();
        this.w = new Tensor[depth];
        this.b = new Tensor[depth];
        this.g = new Tensor[depth];
        this.runMean = new Tensor[depth];
        this.runVar = new Tensor[depth];
        int[] n = mlp.sizes();
        for (int l = 0; l < depth; l++) {
            w[l] = own(engine.allocate(n[l], n[l + 1]));
            b[l] = own(engine.allocate(1, n[l + 1]));
            if (mlp.normalization(l) != Normalization.NONE) {
                g[l] = own(engine.allocate(1, n[l + 1]));
            }
            if (mlp.normalization(l).hasRunningStatistics()) {
                runMean[l] = own(engine.allocate(1, n[l + 1]));
                runVar[l] = own(engine.allocate(1, n[l + 1]));
            }
        }
        push();
    }

    private Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    /**
     * The work tensors of one batch size: input X, target T, and Zin, A, Δ per layer; x̂ and rstd per normalised
     * layer; the dropped activations Ad per dropout layer; and the dropout keys of the last training pass. Δ and the
     * host input are made on first use: a workspace that only predicts never needs Δ, nor, when its rows go straight to
     * the engine ({@link Engine#uploadRows}), the host input.
     */
    public static final class Workspace {
        private final Engine engine;
        private final int[] sizes;
        final int rows;
        final Tensor x;
        final Tensor t;
        final Tensor[] zin;
        final Tensor[] a;
        /** Δ per layer: null until {@link #deltas()}. */
        Tensor[] delta;
        final Tensor[] xhat;
        final Tensor[] rstd;
        final Tensor[] dropped;
        final long[] keys;
        /** Whether the last pass was {@link Network#trainingForward} (dropout applied, batch statistics in x̂). */
        boolean training;
        /** The replica's part of a global batch in the last training pass, or null for a batch of its own. */
        BatchPart part;
        /** x̂ and rstd of a batch-normalised layer in a pass over a part, kept on the host for its backward pass. */
        final float[][] partXhat;
        final float[][] partRstd;
        private float[] hostInput;
        final float[] hostTarget;

        Workspace(Engine e, int rows, Mlp mlp) {
            this.engine = e;
            this.rows = rows;
            int[] n = mlp.sizes();
            this.sizes = n;
            int depth = n.length - 1;
            x = e.allocate(rows, n[0]);
            t = e.allocate(rows, n[depth]);
            zin = new Tensor[depth];
            a = new Tensor[depth];
            xhat = new Tensor[depth];
            rstd = new Tensor[depth];
            dropped = new Tensor[depth];
            keys = new long[depth];
            partXhat = new float[depth][];
            partRstd = new float[depth][];
            for (int l = 0; l < depth; l++) {
                zin[l] = e.allocate(rows, n[l + 1]);
                // A hidden layer whose φ' can be taken from A computes A in place over Zin (Activation.derivativeFromOutput):
                // nothing reads Zin after biasActivation but activationBackward, which then gets A as Zin.
                a[l] = l < depth - 1 && mlp.activation(l).derivativeFromOutput() ? zin[l] : e.allocate(rows, n[l + 1]);
                switch (mlp.normalization(l)) {
                    case NONE -> { }
                    case LAYER -> {
                        xhat[l] = e.allocate(rows, n[l + 1]);
                        rstd[l] = e.allocate(rows, 1);
                    }
                    case BATCH -> {
                        xhat[l] = e.allocate(rows, n[l + 1]);
                        rstd[l] = e.allocate(1, n[l + 1]);
                    }
                }
                if (mlp.dropout(l) > 0f) {
                    dropped[l] = e.allocate(rows, n[l + 1]);
                }
            }
            hostTarget = new float[rows * n[depth]];
        }

        /** {@return Δ per layer (rows × n_{l+1}), made on the first call} */
        Tensor[] deltas() {
            if (delta == null) {
                Tensor[] d = new Tensor[zin.length];
                for (int l = 0; l < d.length; l++) {
                    d[l] = engine.allocate(rows, sizes[l + 1]);
                }
                delta = d;
            }
            return delta;
        }

        /** {@return batch size N} */
        public int rows() {
            return rows;
        }

        /** {@return host staging array for the input batch (rows × inputs), made on the first call} */
        public float[] hostInput() {
            if (hostInput == null) {
                hostInput = new float[rows * sizes[0]];
            }
            return hostInput;
        }

        /** {@return host staging array for the target batch (rows × outputs)} */
        public float[] hostTarget() {
            return hostTarget;
        }

        /** {@return the output activations A[L] (rows × outputs) after {@link Network#forward}} */
        public Tensor output() {
            return a[a.length - 1];
        }

        void close() {
            x.close();
            t.close();
            for (int l = 0; l < zin.length; l++) {
                zin[l].close();
                if (a[l] != zin[l]) {
                    a[l].close();
                }
                if (delta != null) {
                    delta[l].close();
                }
                for (Tensor extra : new Tensor[] {xhat[l], rstd[l], dropped[l]}) {
                    if (extra != null) {
                        extra.close();
                    }
                }
            }
        }
    }

    /**
     * {@return the work tensors for batches of {@code rows} samples (created once, then reused)} A few sizes are
     * kept; the least recently used beyond them is freed.
     *
     * @param rows the batch size N, at least 1
     * @throws IllegalStateException if the network is closed
     */
    public Workspace workspace(int rows) {
        checkOpen();
        Workspace ws = workspaces.get(rows);
        if (ws == null) {
            if (workspaces.size() >= MAX_WORKSPACES) {
                var eldest = workspaces.entrySet().iterator().next();
                eldest.getValue().close();
                workspaces.remove(eldest.getKey());
            }
            ws = new Workspace(engine, rows, mlp);
            workspaces.put(rows, ws);
        }
        return ws;
    }

    /**
     * Uploads samples {@code order[from..from+ws.rows())} of an in-memory data set, features and targets, straight into
     * the workspace's tensors ({@link Engine#uploadRows}); the workspace's host arrays are left as they were.
     */
    void uploadRows(InMemorySamples data, int[] order, int from, Workspace ws) {
        data.uploadFeatures(engine, order, from, ws.x);
        data.uploadTargets(engine, order, from, ws.t);
    }

    /** Uploads a batch's features and targets (each at least the workspace's rows, row-major) into its tensors. */
    void upload(float[] features, float[] targets, Workspace ws) {
        engine.upload(features, 0, ws.x);
        engine.upload(targets, 0, ws.t);
    }

    /**
     * Uploads the workspace's host input (and target, if {@code withTargets}) to the engine.
     *
     * @param ws a workspace of this network, its {@link Workspace#hostInput()} (and target) filled
     * @param withTargets whether to upload {@link Workspace#hostTarget()} too (training and validation)
     */
    public void upload(Workspace ws, boolean withTargets) {
        engine.upload(ws.hostInput(), 0, ws.x);
        if (withTargets) {
            engine.upload(ws.hostTarget, 0, ws.t);
        }
    }

    /**
     * The prediction pass over the uploaded input: fills Zin[l] and A[l] for every layer, without dropout, batch
     * normalisation with the running statistics ({@link Engine#batchNormInference}).
     *
     * @param ws a workspace of this network whose input was uploaded
     */
    public void forward(Workspace ws) {
        forward(ws, false, 0L, 0, 0, 0f, null);
    }

    /**
     * The training pass over the uploaded input: as {@link #forward(Workspace)}, but a dropout layer's activations are dropped
     * with the mask of {@link DropoutMask#key DropoutMask.key(seed, epoch, step, layer)} into a tensor the next layer
     * reads, and batch normalisation uses the batch's statistics and updates the running ones (momentum
     * {@link Normalization#MOMENTUM}). {@link #backward} then uses the same masks and statistics.
     *
     * @param ws a workspace of this network whose input was uploaded; at least 2 rows when a layer is
     *        batch-normalised
     * @param seed the training run's seed
     * @param epoch the epoch (as the trainer counts it)
     * @param step the step within the epoch, 0-based
     * @throws IllegalArgumentException if a layer is batch-normalised and the batch has a single row
     */
    public void trainingForward(Workspace ws, long seed, int epoch, int step) {
        trainingForward(ws, seed, epoch, step, Normalization.MOMENTUM);
    }

    /**
     * The training pass with a given running-statistics momentum: 0 leaves the running statistics as they are
     * (the trainer's full-gradient norm, which must not move them).
     */
    void trainingForward(Workspace ws, long seed, int epoch, int step, float momentum) {
        forward(ws, true, seed, epoch, step, momentum, null);
    }

    /**
     * The training pass over one replica's part of a global batch: as {@link #trainingForward(Workspace, long, int, int)},
     * with the dropout mask bits of each row's global batch position and batch normalisation over the global batch
     * (its statistics summed between the replicas by {@link BatchPart#sum}), so that the replicas' passes together
     * are single-process training's pass over the global batch. {@link #backward} then uses the same part.
     *
     * @param ws a workspace of this network of {@code part}'s local rows, whose input was uploaded
     * @param seed the training run's seed
     * @param epoch the epoch (as the trainer counts it)
     * @param step the step within the epoch, 0-based
     * @param part the rows' positions in the global batch and the replicas' sum
     * @throws IllegalArgumentException if the part's rows differ from the workspace's, or a layer is batch-normalised
     *         and the global batch has a single row or the part no sum
     */
    public void trainingForward(Workspace ws, long seed, int epoch, int step, BatchPart part) {
        if (part.localRows() != ws.rows) {
            throw new IllegalArgumentException("a batch part of " + part.localRows() + " rows for a workspace of " + ws.rows);
        }
        forward(ws, true, seed, epoch, step, Normalization.MOMENTUM, part);
    }

    /**
     * A replica that holds no row of this step's global batch: takes part in the batch-normalised layers' sums
     * (forwards, then backwards) with zeros and moves the running statistics as the replicas with rows do.
     *
     * @param part the step's part with no positions and the replicas' sum
     */
    public void trainingPassWithoutRows(BatchPart part) {
        checkOpen();
        int[] n = mlp.sizes();
        for (int l = 0; l < depth; l++) {
            if (mlp.normalization(l) == Normalization.BATCH) {
                checkPart(l, part);
                PartLayers.batchNormWithoutRows(engine, n[l + 1], Normalization.MOMENTUM, runMean[l], runVar[l], part);
            }
        }
        for (int l = depth - 1; l >= 0; l--) {
            if (mlp.normalization(l) == Normalization.BATCH) {
                PartLayers.batchNormBackwardWithoutRows(n[l + 1], part);
            }
        }
    }

    private static void checkPart(int l, BatchPart part) {
        if (part.sum() == null) {
            throw new IllegalArgumentException("layer " + l + " is batch-normalised: a part of a global batch needs the replicas' sum");
        }
        if (part.globalRows() < 2) {
            throw new IllegalArgumentException("layer " + l + " is batch-normalised, and a training batch of 1 sample has no"
                    + " batch statistics: use batches of at least 2 samples");
        }
    }

    /**
     * The forward pass, for prediction or for training: the two differ only where a layer batch-normalises (running
     * statistics, or the batch's) and where it drops out (not at all, or with the step's masks). The seed, epoch, step,
     * momentum and part are the training pass's; the prediction pass ignores them.
     */
    private void forward(Workspace ws, boolean training, long seed, int epoch, int step, float momentum, BatchPart part) {
        ws.training = training;
        ws.part = part;
        Tensor in = ws.x;
        for (int l = 0; l < depth; l++) {
            engine.gemm(false, false, 1f, in, w[l], 0f, ws.zin[l]);
            switch (mlp.normalization(l)) {
                case NONE -> { }
                case LAYER -> engine.layerNorm(ws.zin[l], g[l], Normalization.EPSILON, ws.xhat[l], ws.rstd[l], ws.zin[l]);
                case BATCH -> {
                    if (!training) {
                        engine.batchNormInference(ws.zin[l], g[l], Normalization.EPSILON, runMean[l], runVar[l], ws.zin[l]);
                    } else if (part != null) {
                        checkPart(l, part);
                        if (ws.partXhat[l] == null) {
                            ws.partXhat[l] = new float[ws.rows * mlp.sizes()[l + 1]];
                            ws.partRstd[l] = new float[mlp.sizes()[l + 1]];
                        }
                        PartLayers.batchNorm(engine, ws.zin[l], g[l], Normalization.EPSILON, momentum, runMean[l], runVar[l], ws.partXhat[l],
                                ws.partRstd[l], ws.zin[l], part);
                    } else if (ws.rows < 2) {
                        throw new IllegalArgumentException("layer " + l + " is batch-normalised, and a training batch of 1 sample has no"
                                + " batch statistics: use batches of at least 2 samples");
                    } else {
                        engine.batchNorm(ws.zin[l], g[l], Normalization.EPSILON, momentum, runMean[l], runVar[l], ws.xhat[l], ws.rstd[l],
                                ws.zin[l]);
                    }
                }
            }
            engine.biasActivation(ws.zin[l], b[l], mlp.activation(l), ws.a[l]);
            in = ws.a[l];
            float p = training ? mlp.dropout(l) : 0f;
            if (p > 0f) {
                ws.keys[l] = DropoutMask.key(seed, epoch, step, l);
                if (part != null) {
                    PartLayers.dropout(engine, ws.a[l], p, ws.keys[l], part, ws.dropped[l]);
                } else {
                    engine.dropout(ws.a[l], p, ws.keys[l], ws.dropped[l]);
                }
                in = ws.dropped[l];
            }
        }
    }

    /** The activations layer {@code l + 1} read in the last pass: Ad[l] after a training pass through dropout, else A[l]. */
    private Tensor layerOutput(Workspace ws, int l) {
        return ws.training && ws.dropped[l] != null ? ws.dropped[l] : ws.a[l];
    }

    /**
     * Output δ and the batch's loss sum (written to {@code lossOut[lossIndex]}), without gradients:
     * what validation needs.
     *
     * @param ws a workspace of this network after {@link #forward(Workspace)} or {@link #trainingForward}, with its targets uploaded
     * @param lossOut a tensor of this network's engine that receives the loss sum
     * @param lossIndex the flat element of {@code lossOut} to write
     */
    public void loss(Workspace ws, Tensor lossOut, int lossIndex) {
        int L = depth - 1;
        engine.outputDelta(mlp.loss(), mlp.lossParameter(), mlp.activation(L), ws.zin[L], ws.a[L], ws.t, ws.deltas()[L], lossOut,
                lossIndex);
    }

    /**
     * Backward pass after the last forward pass of this workspace: the output δ and loss, then for every layer
     * {@code dW[l] = s·A[l-1]ᵀ·Δ[l]}, {@code db[l] = s·colsum(Δ[l])} and for a normalised layer
     * {@code dγ[l] = s·Σ_i Δ[l] ⊙ x̂}, propagating δ by the δ rule through dropout (the same masks) and the
     * normalisation's backward twin. With {@code s = 1/N} these are the gradients of the mean loss over the batch.
     * A model with dropout or batch normalisation needs {@link #trainingForward} before it: the prediction pass
     * has no masks and normalises with fixed statistics, of which these are not the gradients.
     *
     * @param ws a workspace of this network after {@link #trainingForward} (or {@link #forward(Workspace)} for a model without
     *        dropout and batch normalisation), with its targets uploaded
     * @param lossOut a tensor of this network's engine that receives the batch's loss sum
     * @param lossIndex the flat element of {@code lossOut} to write
     * @param s the scale s of the gradients, usually 1/N
     * @throws IllegalStateException if the model has dropout or batch normalisation and the last pass was
     *         {@link #forward(Workspace)}
     */
    public void backward(Workspace ws, Tensor lossOut, int lossIndex, float s) {
        if (!ws.training && needsTrainingPass()) {
            throw new IllegalStateException("this model has dropout or batch normalisation: call trainingForward, not forward, before backward");
        }
        ensureGradients();
        loss(ws, lossOut, lossIndex);
        Tensor[] delta = ws.deltas();
        for (int l = depth - 1; l >= 0; l--) {
            Tensor input = l == 0 ? ws.x : layerOutput(ws, l - 1);
            engine.columnSum(s, delta[l], db[l]);
            switch (mlp.normalization(l)) {
                case NONE -> { }
                case LAYER -> engine.layerNormBackward(delta[l], ws.xhat[l], ws.rstd[l], g[l], s, delta[l], dg[l]);
                case BATCH -> {
                    if (ws.part != null) {
                        PartLayers.batchNormBackward(engine, delta[l], ws.partXhat[l], ws.partRstd[l], g[l], s, delta[l], dg[l], ws.part);
                    } else {
                        engine.batchNormBackward(delta[l], ws.xhat[l], ws.rstd[l], g[l], s, delta[l], dg[l]);
                    }
                }
            }
            if (l == 0) {
                engine.gemm(true, false, s, input, delta[l], 0f, dw[l]);
            } else {
                // dW[l] = s·A[l-1]ᵀ·Δ[l], and G = Δ[l]·W[l]ᵀ lands in Δ[l-1], which dropout's mask and activationBackward
                // then turn into Δ[l-1] in place.
                engine.backwardProducts(s, input, delta[l], w[l], dw[l], delta[l - 1]);
                if (ws.training && ws.dropped[l - 1] != null) {
                    if (ws.part != null) {
                        PartLayers.dropout(engine, delta[l - 1], mlp.dropout(l - 1), ws.keys[l - 1], ws.part, delta[l - 1]);
                    } else {
                        engine.dropout(delta[l - 1], mlp.dropout(l - 1), ws.keys[l - 1], delta[l - 1]);
                    }
                }
                engine.activationBackward(delta[l - 1], ws.zin[l - 1], ws.a[l - 1], mlp.activation(l - 1), delta[l - 1]);
            }
        }
    }

    /** {@return whether a layer has dropout or batch normalisation, so that training differs from prediction} */
    public boolean needsTrainingPass() {
        for (int l = 0; l < depth; l++) {
            if (mlp.dropout(l) > 0f || mlp.normalization(l) == Normalization.BATCH) {
                return true;
            }
        }
        return false;
    }

    private void ensureGradients() {
        if (dw == null) {
            int[] n = mlp.sizes();
            dw = new Tensor[depth];
            db = new Tensor[depth];
            dg = new Tensor[depth];
            for (int l = 0; l < depth; l++) {
                dw[l] = own(engine.allocate(n[l], n[l + 1]));
                db[l] = own(engine.allocate(1, n[l + 1]));
                if (g[l] != null) {
                    dg[l] = own(engine.allocate(1, n[l + 1]));
                }
            }
            List<Parameter> list = new ArrayList<>(3 * depth);
            for (int l = 0; l < depth; l++) {
                list.add(new Parameter(w[l], dw[l], true));
                list.add(new Parameter(b[l], db[l], false));
                if (g[l] != null) {
                    list.add(new Parameter(g[l], dg[l], false));
                }
            }
            parameters = List.copyOf(list);
        }
    }

    /**
     * Predicts N × inputs raw features (standardised here when the model has a standardizer), in chunks;
     * returns N × outputs, brought back to the targets' units when the model has a target standardizer
     * (the raw {@link Workspace#output()} of {@link #forward(Workspace)} stays in standardised units).
     *
     * @param features N × inputs raw features, row-major, N ≥ 1, all finite
     * @return N × outputs predictions, row-major
     * @throws IllegalArgumentException if {@code features} is not whole rows or holds a non-finite value
     * @throws IllegalStateException if the network is closed
     */
    public float[] predict(float[] features) {
        checkOpen();
        float[] y = new float[featureRows(features) * mlp.outputs()];
        predictInto(features, y, this::workspace);
        return y;
    }

    /**
     * {@return the number of rows of {@code features}}, checking that they are whole rows of finite values.
     *
     * @throws IllegalArgumentException if {@code features} is empty, not whole rows, or holds a non-finite value
     */
    int featureRows(float[] features) {
        int in = mlp.inputs(), rows = wholeRows(features.length, "values");
        int i = FiniteValues.firstNonFinite(features, 0, features.length);
        if (i >= 0) {
            throw new IllegalArgumentException("feature value " + features[i] + " at row " + (i / in) + ", column " + (i % in)
                    + " is not finite");
        }
        return rows;
    }

    /**
     * {@return the rows that {@code length} feature {@code unit} make}
     *
     * @throws IllegalArgumentException if there are none or they are not whole rows of the model's inputs
     */
    private int wholeRows(int length, String unit) {
        int in = mlp.inputs();
        if (length % in != 0 || length == 0) {
            throw new IllegalArgumentException(length + " feature " + unit + " are not whole rows of the model's " + in + " inputs");
        }
        return length / in;
    }

    /**
     * The prediction pass of {@link #predict} and {@link Predictor}: checked raw features in chunks of
     * {@link #PREDICT_CHUNK} rows, each standardised in its workspace, forward, downloaded into {@code out}
     * (N × outputs), then brought back to the targets' units. Allocates nothing once the workspaces exist.
     */
    void predictInto(float[] features, float[] out, java.util.function.IntFunction<Workspace> workspaces) {
        int in = mlp.inputs(), outputs = mlp.outputs(), rows = features.length / in;
        for (int from = 0; from < rows; from += PREDICT_CHUNK) {
            int count = Math.min(PREDICT_CHUNK, rows - from);
            Workspace ws = workspaces.apply(count);
            float[] host = ws.hostInput();
            System.arraycopy(features, from * in, host, 0, count * in);
            if (mlp.standardizer() != null) {
                mlp.standardizer().applyInPlace(host);
            }
            upload(ws, false);
            forwardInto(ws, out, from * outputs);
        }
        toTargetUnits(out);
    }

    /** The forward pass over a chunk uploaded into {@code ws}, its outputs downloaded into {@code out} from {@code offset}. */
    private void forwardInto(Workspace ws, float[] out, int offset) {
        forward(ws);
        engine.download(ws.output(), out, offset);
    }

    /** Predictions brought back to the targets' units, where the model standardised them. */
    private void toTargetUnits(float[] out) {
        if (mlp.targetStandardizer() != null) {
            mlp.targetStandardizer().inverseInPlace(out);
        }
    }

    /**
     * {@return the number of rows of unsigned-byte {@code features}}, checking that they are whole rows and that the
     * divisor gives finite quotients (bytes themselves are always finite).
     *
     * @throws IllegalArgumentException if {@code features} is empty or not whole rows, or the divisor is not valid
     */
    int featureRows(byte[] features, float divisor) {
        int rows = wholeRows(features.length, "bytes");
        KernelChecks.byteDivisor(divisor);
        return rows;
    }

    /**
     * {@link #predictInto(float[], float[], java.util.function.IntFunction)} for features kept as unsigned bytes, each
     * the float {@code (b & 0xff) / divisor}: the same chunks and the same numbers as from those floats. Without a
     * standardizer each chunk goes straight from the bytes into the workspace's input ({@link Engine#uploadRows(byte[],
     * float, int[], int, Tensor)}: the engine converts as it copies, and no float copy of the features is made on the
     * host); with one, the chunk is converted into the workspace's host input, standardised there and uploaded.
     */
    void predictInto(byte[] features, float divisor, float[] out, java.util.function.IntFunction<Workspace> workspaces) {
        int in = mlp.inputs(), outputs = mlp.outputs(), rows = features.length / in;
        for (int from = 0; from < rows; from += PREDICT_CHUNK) {
            int count = Math.min(PREDICT_CHUNK, rows - from);
            Workspace ws = workspaces.apply(count);
            if (mlp.standardizer() != null) {
                float[] host = KernelChecks.gatherRows(features, divisor, null, from, count, in, ws.hostInput());
                mlp.standardizer().applyInPlace(host);
                upload(ws, false);
            } else {
                engine.uploadRows(features, divisor, null, from, ws.x);
            }
            forwardInto(ws, out, from * outputs);
        }
        toTargetUnits(out);
    }

    // ------------------------------------------------------------------ parameters

    /**
     * Every trainable tensor with its gradient, W[0], b[0], (γ[0],) W[1], b[1], (γ[1],) ..., γ[l] for a normalised
     * layer only (weight decay on the weights only): the list the trainer, the optimizer state, clipping, norms and checkpoints iterate. Allocates
     * the gradients on first use.
     *
     * @return the parameters in that order (an immutable list)
     */
    public List<Parameter> parameters() {
        ensureGradients();
        return parameters;
    }

    /**
     * {@return W[l] on the engine, n_l × n_{l+1}}
     *
     * @param layer the layer l, 0-based
     */
    public Tensor weights(int layer) {
        return w[layer];
    }

    /**
     * {@return b[l] on the engine, 1 × n_{l+1}}
     *
     * @param layer the layer l, 0-based
     */
    public Tensor biases(int layer) {
        return b[layer];
    }

    /**
     * {@return γ[l] on the engine, 1 × n_{l+1}, or null when the layer is not normalised}
     *
     * @param layer the layer l, 0-based
     */
    public Tensor gains(int layer) {
        return g[layer];
    }

    /**
     * {@return dγ[l] after {@link #backward}, of γ[l]'s shape, or null when the layer is not normalised}
     *
     * @param layer the layer l, 0-based
     */
    public Tensor gainGradient(int layer) {
        ensureGradients();
        return dg[layer];
    }

    /**
     * The running statistics of the batch-normalised layers, for each such layer l its running mean then its
     * running variance (1 × n_{l+1} each): state that training updates but no optimizer steps.
     *
     * @return the tensors in that order (empty when no layer is batch-normalised)
     */
    public List<Tensor> runningStatistics() {
        List<Tensor> list = new ArrayList<>();
        for (int l = 0; l < depth; l++) {
            if (runMean[l] != null) {
                list.add(runMean[l]);
                list.add(runVar[l]);
            }
        }
        return list;
    }

    /**
     * {@return dW[l] after {@link #backward}, of W[l]'s shape}
     *
     * @param layer the layer l, 0-based
     */
    public Tensor weightGradient(int layer) {
        ensureGradients();
        return dw[layer];
    }

    /**
     * {@return db[l] after {@link #backward}, of b[l]'s shape}
     *
     * @param layer the layer l, 0-based
     */
    public Tensor biasGradient(int layer) {
        ensureGradients();
        return db[layer];
    }

    /**
     * Allocates a tensor owned by this network (released on close), e.g. optimizer state.
     *
     * @param rows the number of rows, at least 1
     * @param cols the number of columns, at least 1
     * @return a zero-filled tensor of this network's engine
     */
    public Tensor allocate(int rows, int cols) {
        return own(engine.allocate(rows, cols));
    }

    /** Copies the host model's parameters (gains and running statistics included) to the engine. */
    public void push() {
        checkOpen();
        for (int l = 0; l < depth; l++) {
            engine.upload(mlp.weights(l), 0, w[l]);
            engine.upload(mlp.biases(l), 0, b[l]);
            if (g[l] != null) {
                engine.upload(mlp.gains(l), 0, g[l]);
            }
            if (runMean[l] != null) {
                engine.upload(mlp.runningMean(l), 0, runMean[l]);
                engine.upload(mlp.runningVariance(l), 0, runVar[l]);
            }
        }
    }

    /** Copies the engine's parameters (gains and running statistics included) back into the host model. */
    public void pull() {
        pull(mlp);
    }

    /**
     * Copies the engine's parameters into another host model (e.g. a copy for a checkpoint).
     *
     * @param into a model of this network's shape and layers, whose weights, biases, gains and running statistics
     *        are replaced
     */
    public void pull(Mlp into) {
        checkOpen();
        for (int l = 0; l < depth; l++) {
            into.setParameters(l, engine.download(w[l]), engine.download(b[l]));
            if (g[l] != null) {
                into.setGains(l, engine.download(g[l]));
            }
            if (runMean[l] != null) {
                into.setRunningStatistics(l, engine.download(runMean[l]), engine.download(runVar[l]));
            }
        }
    }

    /** {@return the host model this network was bound from, which {@link #pull()} updates} */
    public Mlp model() {
        return mlp;
    }

    /** {@return the engine the parameters live on} */
    public Engine engine() {
        return engine;
    }

    /** {@return the number of dense layers} */
    public int depth() {
        return depth;
    }

    /**
     * {@return φ of a layer}
     *
     * @param layer the layer, 0-based
     */
    public Activation activation(int layer) {
        return mlp.activation(layer);
    }

    /** {@return the model's loss} */
    public Loss loss() {
        return mlp.loss();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this network was closed: bind the model to an engine again");
        }
    }

    /** Frees every tensor on the engine (the engine itself stays open). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Workspace ws : workspaces.values()) {
                ws.close();
            }
            workspaces.clear();
            for (Tensor t : owned) {
                t.close();
            }
            owned.clear();
        }
    }
}
