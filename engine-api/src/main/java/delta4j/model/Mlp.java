package delta4j.model;

import delta4j.data.Labels;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multi-layer perceptron: dense layers {@code A[l] = φ_l(A[l-1]·W[l] + 1·b[l]ᵀ)}, a loss, and its
 * parameters held on the host. It is engine-neutral: to compute, bind it to an engine with
 * {@link #bind(Engine)} (or let {@link Trainer} do it); {@link Network#pull()} brings trained parameters
 * back. Optional metadata travels with it: the input {@link Standardizer}, the target standardizer of a
 * regression model (predictions come back in the targets' own units) and the class {@link Labels}.
 *
 * <p>{@code W[l]} is {@code n_{l-1} × n_l} (row j, column k joins input j to output k, the lecture's
 * {@code W_jk}); layers are numbered 0..depth()−1 here.
 */
public final class Mlp {

    private final int[] sizes;
    private final Activation[] activations;
    private final Loss loss;
    private final float[][] weights;
    private final float[][] biases;
    private Standardizer standardizer;
    private Standardizer targetStandardizer;
    private Labels labels;

    private Mlp(int[] sizes, Activation[] activations, Loss loss, float[][] weights, float[][] biases) {
        this.sizes = sizes;
        this.activations = activations;
        this.loss = loss;
        this.weights = weights;
        this.biases = biases;
    }

    /** Starts a network with the given number of inputs. */
    public static Builder builder(int inputs) {
        return new Builder(inputs);
    }

    /**
     * Creates a network from its architecture and parameters, as read from a model file.
     * {@code sizes} has depth+1 entries; weights and biases are copied.
     */
    public static Mlp of(int[] sizes, Activation[] activations, Loss loss, float[][] weights, float[][] biases) {
        validate(sizes, activations, loss);
        int depth = activations.length;
        if (weights.length != depth || biases.length != depth) {
            throw new IllegalArgumentException("need " + depth + " weight and bias arrays, got " + weights.length + " and " + biases.length);
        }
        float[][] w = new float[depth][], b = new float[depth][];
        for (int l = 0; l < depth; l++) {
            w[l] = checkedCopy("W[" + l + "]", weights[l], sizes[l] * sizes[l + 1]);
            b[l] = checkedCopy("b[" + l + "]", biases[l], sizes[l + 1]);
        }
        return new Mlp(sizes.clone(), activations.clone(), loss, w, b);
    }

    private static float[] checkedCopy(String what, float[] v, int n) {
        if (v.length != n) {
            throw new IllegalArgumentException(what + " has " + v.length + " values, the architecture needs " + n);
        }
        return v.clone();
    }

    private static void validate(int[] sizes, Activation[] activations, Loss loss) {
        if (sizes.length < 2 || activations.length != sizes.length - 1) {
            throw new IllegalArgumentException("an MLP needs at least one layer, with one activation per layer");
        }
        for (int l = 0; l < sizes.length; l++) {
            if (sizes[l] <= 0) {
                throw new IllegalArgumentException((l == 0 ? "input width" : "layer " + (l - 1) + " width") + " is " + sizes[l]
                        + ": every layer needs at least 1 unit");
            }
        }
        for (int l = 0; l < activations.length - 1; l++) {
            if (activations[l] == null || !activations[l].isElementwise()) {
                throw new IllegalArgumentException("hidden layer " + l + " has activation " + activations[l]
                        + ": softmax is only allowed on the output layer, with cross-entropy loss");
            }
        }
        KernelChecks.compatible(loss, activations[activations.length - 1]);
    }

    // ------------------------------------------------------------------ architecture

    /** Number of dense layers (the lecture's network has depth 2). */
    public int depth() {
        return activations.length;
    }

    public int inputs() {
        return sizes[0];
    }

    public int outputs() {
        return sizes[sizes.length - 1];
    }

    /** Widths n_0 (inputs), n_1, ..., n_L (outputs). */
    public int[] sizes() {
        return sizes.clone();
    }

    /** φ of layer l (0-based). */
    public Activation activation(int layer) {
        return activations[layer];
    }

    public Activation[] activations() {
        return activations.clone();
    }

    public Loss loss() {
        return loss;
    }

    /** Total number of weights and biases. */
    public long parameterCount() {
        long n = 0;
        for (int l = 0; l < depth(); l++) {
            n += (long) sizes[l] * sizes[l + 1] + sizes[l + 1];
        }
        return n;
    }

    // ------------------------------------------------------------------ parameters

    /** A copy of W[l], row-major n_{l} × n_{l+1}. */
    public float[] weights(int layer) {
        return weights[layer].clone();
    }

    /** A copy of b[l]. */
    public float[] biases(int layer) {
        return biases[layer].clone();
    }

    /** Replaces W[l] and b[l] (copied; sizes checked). */
    public void setParameters(int layer, float[] w, float[] b) {
        float[] cw = checkedCopy("W[" + layer + "]", w, sizes[layer] * sizes[layer + 1]);
        float[] cb = checkedCopy("b[" + layer + "]", b, sizes[layer + 1]);
        weights[layer] = cw;
        biases[layer] = cb;
    }

    /** The input standardisation stored with the model, or null. */
    public Standardizer standardizer() {
        return standardizer;
    }

    public void setStandardizer(Standardizer s) {
        if (s != null && s.features() != inputs()) {
            throw new IllegalArgumentException("standardizer has " + s.features() + " features, the network " + inputs() + " inputs");
        }
        this.standardizer = s;
    }

    /**
     * The target standardisation stored with the model, or null. With one, the network is trained on
     * {@code t' = (t − μ)/σ} and its raw outputs are in those units; {@link #predict} and
     * {@link Network#predict} return {@code y = y'·σ + μ}, in the targets' own units.
     */
    public Standardizer targetStandardizer() {
        return targetStandardizer;
    }

    public void setTargetStandardizer(Standardizer s) {
        if (s != null && s.features() != outputs()) {
            throw new IllegalArgumentException("target standardizer has " + s.features() + " columns, the network " + outputs() + " outputs");
        }
        this.targetStandardizer = s;
    }

    /**
     * Whether the model is a regression whose targets can be standardised: MSE loss on an identity output
     * layer, without class labels. Bounded or one-sided outputs (sigmoid, tanh, relu) need their targets in
     * the activation's range, which standardised targets leave.
     */
    public boolean canStandardizeTargets() {
        return loss == Loss.MSE && activations[activations.length - 1] == Activation.IDENTITY && labels == null;
    }

    /** The class labels of a classifier, in output order, or null. */
    public Labels labels() {
        return labels;
    }

    public void setLabels(Labels l) {
        if (l != null && l.size() != outputs()) {
            throw new IllegalArgumentException(l.size() + " class labels for " + outputs() + " outputs");
        }
        this.labels = l;
    }

    /** A deep copy (parameters and metadata). */
    public Mlp copy() {
        Mlp m = of(sizes, activations, loss, weights, biases);
        m.standardizer = standardizer;
        m.targetStandardizer = targetStandardizer;
        m.labels = labels;
        return m;
    }

    // ------------------------------------------------------------------ computing

    /** Uploads the parameters to an engine. Close the returned network to free the engine's memory. */
    public Network bind(Engine engine) {
        return new Network(this, engine);
    }

    /**
     * Binds the model to an engine for serving: a {@link Predictor} uploads the parameters once and reuses its
     * work tensors, so each call moves only its rows (and allocates nothing with {@link Predictor#predict(float[], float[])}).
     * It serves a copy of the model as it is now. Close it to free the engine's memory.
     */
    public Predictor predictor(Engine engine) {
        return new Predictor(this, engine);
    }

    /**
     * Predicts a batch of any size on an engine: raw features (standardised here if the model has a
     * standardizer), N × inputs row-major in, N × outputs out (in the targets' units when the model has a
     * target standardizer). Safe to call from several threads on one
     * engine: the calls take turns.
     *
     * <p>One-shot: every call binds the model afresh, allocating the parameter and work tensors and uploading
     * every parameter, then frees them, so for a few rows the call costs about a whole model upload more than the
     * forward pass itself. To predict repeatedly (serving), make a {@link #predictor(Engine)} once and call it.
     */
    public float[] predict(Engine engine, float[] x) {
        // Engines are single-threaded: concurrent predictions on one engine take turns instead of interleaving kernels.
        synchronized (engine) {
            try (Network net = bind(engine)) {
                return net.predict(x);
            }
        }
    }

    /** Predicts rows of features; returns one output row per input row. One-shot, as {@link #predict(Engine, float[])}. */
    public float[][] predict(Engine engine, float[][] x) {
        float[] flat = new float[x.length * inputs()];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != inputs()) {
                throw new IllegalArgumentException("row " + i + " has " + x[i].length + " features, the model expects " + inputs());
            }
            System.arraycopy(x[i], 0, flat, i * inputs(), inputs());
        }
        float[] y = predict(engine, flat);
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = Arrays.copyOfRange(y, i * outputs(), (i + 1) * outputs());
        }
        return out;
    }

    /**
     * {@link #predict(Engine, float[])} for doubles: the features are converted to float once (each rounded to the
     * nearest float), the outputs widened to double.
     *
     * @param engine the engine to predict on
     * @param x      N × inputs raw features, row-major
     * @return N × outputs, in the targets' units
     * @throws IllegalArgumentException for a value beyond float's range (±3.4e38), naming its row and column
     */
    public double[] predict(Engine engine, double[] x) {
        if (x.length % inputs() != 0 || x.length == 0) {
            throw new IllegalArgumentException(x.length + " feature values are not whole rows of the model's " + inputs() + " inputs");
        }
        float[] f = delta4j.data.Dataset.toFloats("feature", x, inputs());
        return widen(predict(engine, f));
    }

    /**
     * {@link #predict(Engine, float[][])} for doubles: converted to float once, outputs widened to double.
     *
     * @param engine the engine to predict on
     * @param x      rows of raw features
     * @return one output row per input row, in the targets' units
     */
    public double[][] predict(Engine engine, double[][] x) {
        if (x.length == 0) {
            return new double[0][];
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != inputs()) {
                throw new IllegalArgumentException("row " + i + " has " + x[i].length + " features, the model expects " + inputs());
            }
        }
        float[] y = predict(engine, delta4j.data.Dataset.toFloats("feature", x));
        return rows(y, x.length, outputs());
    }

    static double[] widen(float[] y) {
        double[] d = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            d[i] = y[i];
        }
        return d;
    }

    static double[][] rows(float[] y, int n, int k) {
        double[][] out = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = y[i * k + j];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Mlp[").append(sizes[0]);
        for (int l = 0; l < depth(); l++) {
            sb.append(" -").append(activations[l].id()).append("-> ").append(sizes[l + 1]);
        }
        return sb.append(", ").append(loss.id()).append(", ").append(parameterCount()).append(" parameters]").toString();
    }

    /** Builds an {@link Mlp} layer by layer. */
    public static final class Builder {
        private final int inputs;
        private final List<Integer> widths = new ArrayList<>();
        private final List<Activation> acts = new ArrayList<>();
        private Loss loss = Loss.MSE;
        private Init init;
        private long seed = 42;

        private Builder(int inputs) {
            this.inputs = inputs;
        }

        /** Adds a dense layer of {@code units} outputs with activation φ. */
        public Builder dense(int units, Activation activation) {
            widths.add(units);
            acts.add(activation);
            return this;
        }

        /** The loss (default MSE). */
        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        /** The initialisation (default: He for relu/leaky relu hidden layers, Xavier otherwise). */
        public Builder init(Init i) {
            this.init = i;
            return this;
        }

        /** The seed of the initial weights (default 42). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Mlp build() {
            int[] sizes = new int[widths.size() + 1];
            sizes[0] = inputs;
            for (int l = 0; l < widths.size(); l++) {
                sizes[l + 1] = widths.get(l);
            }
            Activation[] a = acts.toArray(new Activation[0]);
            validate(sizes, a, loss);
            SplittableRandom rnd = new SplittableRandom(seed);
            float[][] w = new float[a.length][], b = new float[a.length][];
            for (int l = 0; l < a.length; l++) {
                Init scheme = init != null ? init : Init.defaultFor(a[l].isElementwise() ? a[l] : Activation.IDENTITY);
                w[l] = scheme.sample(sizes[l], sizes[l + 1], rnd);
                b[l] = new float[sizes[l + 1]];
            }
            return new Mlp(sizes, a, loss, w, b);
        }
    }
}
