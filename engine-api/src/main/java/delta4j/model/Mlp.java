package delta4j.model;

import delta4j.data.Labels;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
import delta4j.io.ModelFile;
import delta4j.io.ModelFormatException;

import java.io.IOException;
import java.nio.file.Path;
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
    private final float lossParameter;
    private final Normalization[] norms;
    private final float[] dropouts;
    private final float[][] weights;
    private final float[][] biases;
    // γ per normalised layer, running mean and variance per batch-normalised layer; null elsewhere.
    private final float[][] gains;
    private final float[][] runningMeans;
    private final float[][] runningVars;
    private Standardizer standardizer;
    private Standardizer targetStandardizer;
    private Labels labels;

    private Mlp(int[] sizes, Activation[] activations, Normalization[] norms, float[] dropouts, Loss loss, float lossParameter,
                float[][] weights, float[][] biases) {
        this.sizes = sizes;
        this.activations = activations;
        this.norms = norms;
        this.dropouts = dropouts;
        this.loss = loss;
        this.lossParameter = lossParameter;
        this.weights = weights;
        this.biases = biases;
        int depth = activations.length;
        this.gains = new float[depth][];
        this.runningMeans = new float[depth][];
        this.runningVars = new float[depth][];
        for (int l = 0; l < depth; l++) {
            int n = sizes[l + 1];
            if (norms[l] != Normalization.NONE) {
                gains[l] = new float[n];
                Arrays.fill(gains[l], 1f);
            }
            if (norms[l].hasRunningStatistics()) {
                runningMeans[l] = new float[n];
                runningVars[l] = new float[n];
                Arrays.fill(runningVars[l], 1f);
            }
        }
    }

    /**
     * Saves this model to a delta4j model file (docs/MODEL_FORMAT.md), atomically: a crash never leaves a
     * half-written file under {@code file}. The parameters, activations, loss, standardizers and class labels
     * are kept; {@link #load(Path)} or {@code delta4j predict --model} read it back.
     *
     * @param file the file to create or replace; its folder must exist
     * @throws IOException naming the file when it cannot be written (the file is then left as it was)
     * @throws IllegalArgumentException when the model is too large for one file (2 GiB)
     * @see ModelFile
     */
    public void save(Path file) throws IOException {
        ModelFile.save(this, file);
    }

    /**
     * Loads a model saved by {@link #save(Path)} or the {@code delta4j} command line, of any format version.
     *
     * @param file a delta4j model file
     * @return the model, with the standardizers and class labels it was saved with
     * @throws ModelFormatException naming the file and what is wrong when it is missing or not a valid model file
     * @throws IOException          when the file cannot be read
     * @see ModelFile
     */
    public static Mlp load(Path file) throws IOException {
        return ModelFile.load(file);
    }

    /**
     * Starts a network with the given number of inputs; add layers with {@link Builder#dense}.
     *
     * @param inputs the number of input features n_0, at least 1 (checked by {@link Builder#build()})
     * @return a builder with no layers, MSE loss and seed 42
     */
    public static Builder builder(int inputs) {
        return new Builder(inputs);
    }

    /**
     * Creates a network from its architecture and parameters, as read from a model file.
     * {@code sizes} has depth+1 entries; weights and biases are copied.
     *
     * @param sizes the widths n_0 (inputs), n_1, ..., n_L (outputs), each at least 1
     * @param activations φ of each layer, L entries; only the last may be SOFTMAX
     * @param loss the loss, which must suit the output activation
     * @param weights W[l] for each layer l, row-major n_l × n_{l+1}
     * @param biases b[l] for each layer l, n_{l+1} values
     * @return the network, holding copies of the arrays
     * @throws IllegalArgumentException if the arrays' lengths do not fit the architecture or the architecture is
     *         not valid (a width below 1, softmax on a hidden layer, a loss that does not suit the output)
     */
    public static Mlp of(int[] sizes, Activation[] activations, Loss loss, float[][] weights, float[][] biases) {
        int depth = activations.length;
        Normalization[] none = new Normalization[Math.max(depth, 0)];
        Arrays.fill(none, Normalization.NONE);
        return of(sizes, activations, none, new float[Math.max(depth, 0)], loss, loss == null ? 0f : loss.parameter(), weights, biases);
    }

    /**
     * Creates a network with normalised or dropout layers from its architecture and dense parameters, as read from a
     * model file. The gains γ start at 1 and batch normalisation's running statistics at mean 0 and variance 1;
     * {@link #setGains} and {@link #setRunningStatistics} replace them.
     *
     * @param sizes the widths n_0 (inputs), n_1, ..., n_L (outputs), each at least 1
     * @param activations φ of each layer, L entries; only the last may be SOFTMAX
     * @param normalizations each layer's normalisation, L entries; {@link Normalization#NONE} on the output layer
     * @param dropouts each layer's dropout probability in [0, 1), L entries; 0 on the output layer
     * @param loss the loss, which must suit the output activation
     * @param lossParameter the loss's parameter (Huber's δ; {@link Loss#parameter()} for the default)
     * @param weights W[l] for each layer l, row-major n_l × n_{l+1}
     * @param biases b[l] for each layer l, n_{l+1} values (the normalisation's shift β on a normalised layer)
     * @return the network, holding copies of the arrays
     * @throws IllegalArgumentException if the arrays' lengths do not fit the architecture or the architecture is
     *         not valid
     */
    public static Mlp of(int[] sizes, Activation[] activations, Normalization[] normalizations, float[] dropouts, Loss loss,
                         float lossParameter, float[][] weights, float[][] biases) {
        validate(sizes, activations, loss);
        validateLayers(activations.length, normalizations, dropouts);
        if (loss != null) {
            loss.checkParameter(lossParameter);
        }
        int depth = activations.length;
        if (weights.length != depth || biases.length != depth) {
            throw new IllegalArgumentException("need " + depth + " weight and bias arrays, got " + weights.length + " and " + biases.length);
        }
        float[][] w = new float[depth][], b = new float[depth][];
        for (int l = 0; l < depth; l++) {
            w[l] = checkedCopy("W[" + l + "]", weights[l], sizes[l] * sizes[l + 1]);
            b[l] = checkedCopy("b[" + l + "]", biases[l], sizes[l + 1]);
        }
        return new Mlp(sizes.clone(), activations.clone(), normalizations.clone(), dropouts.clone(), loss,
                loss.hasParameter() ? lossParameter : 0f, w, b);
    }

    private static void validateLayers(int depth, Normalization[] norms, float[] dropouts) {
        if (norms == null || dropouts == null || norms.length != depth || dropouts.length != depth) {
            throw new IllegalArgumentException("need one normalisation and one dropout probability per layer (" + depth + ")");
        }
        for (int l = 0; l < depth; l++) {
            if (norms[l] == null) {
                throw new IllegalArgumentException("layer " + l + "'s normalisation is null: use Normalization.NONE");
            }
            if (!(dropouts[l] >= 0f && dropouts[l] < 1f)) {
                throw new IllegalArgumentException("layer " + l + "'s dropout probability is " + dropouts[l] + ": it must lie in [0, 1)");
            }
        }
        if (norms[depth - 1] != Normalization.NONE) {
            throw new IllegalArgumentException("the output layer cannot be normalised (" + norms[depth - 1].id()
                    + "): normalise hidden layers only");
        }
        if (dropouts[depth - 1] != 0f) {
            throw new IllegalArgumentException("the output layer cannot have dropout: put dropout after hidden layers only");
        }
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

    /** {@return the number of dense layers (the lecture's network has depth 2)} */
    public int depth() {
        return activations.length;
    }

    /** {@return the number of input features n_0} */
    public int inputs() {
        return sizes[0];
    }

    /** {@return the number of outputs n_L} */
    public int outputs() {
        return sizes[sizes.length - 1];
    }

    /** {@return widths n_0 (inputs), n_1, ..., n_L (outputs)} */
    public int[] sizes() {
        return sizes.clone();
    }

    /**
     * {@return φ of a layer}
     *
     * @param layer the layer, 0-based, below {@link #depth()}
     */
    public Activation activation(int layer) {
        return activations[layer];
    }

    /** {@return φ of every layer, a copy, in order} */
    public Activation[] activations() {
        return activations.clone();
    }

    /** {@return the loss the network is trained with} */
    public Loss loss() {
        return loss;
    }

    /**
     * {@return the loss's parameter (Huber's δ), 0 for a loss that takes none}
     */
    public float lossParameter() {
        return lossParameter;
    }

    /**
     * {@return the normalisation of a layer ({@link Normalization#NONE} for a plain dense layer)}
     *
     * @param layer the layer, 0-based
     */
    public Normalization normalization(int layer) {
        return norms[layer];
    }

    /**
     * {@return the dropout probability applied to a layer's activations at training, 0 for none}
     *
     * @param layer the layer, 0-based
     */
    public float dropout(int layer) {
        return dropouts[layer];
    }

    /**
     * {@return whether any layer is normalised or has dropout, or the loss is one of those that came with them (a model
     * file of version 3 or later is needed)}
     */
    public boolean hasLayerExtras() {
        for (int l = 0; l < depth(); l++) {
            if (norms[l] != Normalization.NONE || dropouts[l] != 0f) {
                return true;
            }
        }
        return switch (loss) {
            case MSE, SOFTMAX_CROSS_ENTROPY -> false;
            case L1, HUBER, BINARY_CROSS_ENTROPY -> true;
        };
    }

    /** {@return total number of trained parameters: weights, biases and normalisation gains} */
    public long parameterCount() {
        long n = 0;
        for (int l = 0; l < depth(); l++) {
            n += (long) sizes[l] * sizes[l + 1] + sizes[l + 1] + (gains[l] == null ? 0 : sizes[l + 1]);
        }
        return n;
    }

    // ------------------------------------------------------------------ parameters

    /**
     * {@return a copy of W[l], row-major n_{l} × n_{l+1}}
     *
     * @param layer the layer l, 0-based, below {@link #depth()}
     */
    public float[] weights(int layer) {
        return weights[layer].clone();
    }

    /**
     * {@return a copy of b[l], n_{l+1} values}
     *
     * @param layer the layer l, 0-based, below {@link #depth()}
     */
    public float[] biases(int layer) {
        return biases[layer].clone();
    }

    /**
     * Replaces W[l] and b[l] with copies of the given arrays.
     *
     * @param layer the layer l, 0-based, below {@link #depth()}
     * @param w the new weights, row-major n_l × n_{l+1}
     * @param b the new biases, n_{l+1} values
     * @throws IllegalArgumentException if an array's length does not fit the layer
     */
    public void setParameters(int layer, float[] w, float[] b) {
        float[] cw = checkedCopy("W[" + layer + "]", w, sizes[layer] * sizes[layer + 1]);
        float[] cb = checkedCopy("b[" + layer + "]", b, sizes[layer + 1]);
        weights[layer] = cw;
        biases[layer] = cb;
    }

    /** {@return the input standardisation stored with the model, or null} */
    public Standardizer standardizer() {
        return standardizer;
    }

    /**
     * Stores the input standardisation with the model; {@link #predict} and {@link Network#predict} apply it
     * to raw features.
     *
     * @param s the standardizer fitted on the training features, or null for none
     * @throws IllegalArgumentException if its number of features is not {@link #inputs()}
     */
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
     *
     * @return the target standardizer, or null
     */
    public Standardizer targetStandardizer() {
        return targetStandardizer;
    }

    /**
     * Stores the target standardisation with the model (see {@link #targetStandardizer()}).
     *
     * @param s the standardizer fitted on the training targets, or null for none
     * @throws IllegalArgumentException if its number of columns is not {@link #outputs()}
     */
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
     *
     * @return whether {@link #setTargetStandardizer} makes sense for this model
     */
    public boolean canStandardizeTargets() {
        return loss == Loss.MSE && activations[activations.length - 1] == Activation.IDENTITY && labels == null;
    }

    /** {@return the class labels of a classifier, in output order, or null} */
    public Labels labels() {
        return labels;
    }

    /**
     * Stores the class labels of a classifier, in output order.
     *
     * @param l the labels, one per output, or null for none
     * @throws IllegalArgumentException if there are not {@link #outputs()} labels
     */
    public void setLabels(Labels l) {
        if (l != null && l.size() != outputs()) {
            throw new IllegalArgumentException(l.size() + " class labels for " + outputs() + " outputs");
        }
        this.labels = l;
    }

    /**
     * {@return a copy of a normalised layer's gains γ}
     *
     * @param layer a layer whose {@link #normalization(int)} is not NONE
     * @throws IllegalArgumentException if the layer is not normalised
     */
    public float[] gains(int layer) {
        return normalized(layer, gains, "gains").clone();
    }

    /**
     * {@return a copy of a batch-normalised layer's running mean}
     *
     * @param layer a layer whose normalisation is {@link Normalization#BATCH}
     * @throws IllegalArgumentException if the layer is not batch-normalised
     */
    public float[] runningMean(int layer) {
        return normalized(layer, runningMeans, "running mean").clone();
    }

    /**
     * {@return a copy of a batch-normalised layer's running variance}
     *
     * @param layer a layer whose normalisation is {@link Normalization#BATCH}
     * @throws IllegalArgumentException if the layer is not batch-normalised
     */
    public float[] runningVariance(int layer) {
        return normalized(layer, runningVars, "running variance").clone();
    }

    /**
     * Replaces a normalised layer's gains γ with a copy of {@code gamma}.
     *
     * @param layer a normalised layer
     * @param gamma n_{l+1} gains
     * @throws IllegalArgumentException if the layer is not normalised or the length does not fit
     */
    public void setGains(int layer, float[] gamma) {
        normalized(layer, gains, "gains");
        gains[layer] = checkedCopy("γ[" + layer + "]", gamma, sizes[layer + 1]);
    }

    /**
     * Replaces a batch-normalised layer's running statistics with copies.
     *
     * @param layer a batch-normalised layer
     * @param mean n_{l+1} running means
     * @param variance n_{l+1} running variances, each at least 0
     * @throws IllegalArgumentException if the layer is not batch-normalised, a length does not fit, or a variance is
     *         negative or not finite
     */
    public void setRunningStatistics(int layer, float[] mean, float[] variance) {
        normalized(layer, runningMeans, "running mean");
        float[] m = checkedCopy("running mean[" + layer + "]", mean, sizes[layer + 1]);
        float[] v = checkedCopy("running variance[" + layer + "]", variance, sizes[layer + 1]);
        for (float x : v) {
            if (!(x >= 0f) || Float.isInfinite(x)) {
                throw new IllegalArgumentException("layer " + layer + "'s running variance holds " + x + ": variances are finite and at least 0");
            }
        }
        runningMeans[layer] = m;
        runningVars[layer] = v;
    }

    private float[] normalized(int layer, float[][] values, String what) {
        if (values[layer] == null) {
            throw new IllegalArgumentException("layer " + layer + " has no " + what + ": its normalisation is " + norms[layer].id());
        }
        return values[layer];
    }

    /** {@return a deep copy (parameters and metadata)} */
    public Mlp copy() {
        Mlp m = of(sizes, activations, norms, dropouts, loss, lossParameter, weights, biases);
        for (int l = 0; l < depth(); l++) {
            if (gains[l] != null) {
                m.gains[l] = gains[l].clone();
            }
            if (runningMeans[l] != null) {
                m.runningMeans[l] = runningMeans[l].clone();
                m.runningVars[l] = runningVars[l].clone();
            }
        }
        m.standardizer = standardizer;
        m.targetStandardizer = targetStandardizer;
        m.labels = labels;
        return m;
    }

    // ------------------------------------------------------------------ computing

    /**
     * Uploads the parameters to an engine. Close the returned network to free the engine's memory.
     *
     * @param engine the engine to compute on
     * @return the network on that engine, with this model's current parameters
     */
    public Network bind(Engine engine) {
        return new Network(this, engine);
    }

    /**
     * Binds the model to an engine for serving: a {@link Predictor} uploads the parameters once and reuses its
     * work tensors, so each call moves only its rows (and allocates nothing with {@link Predictor#predict(float[], float[])}).
     * It serves a copy of the model as it is now. Close it to free the engine's memory.
     *
     * @param engine the engine to compute on
     * @return a predictor on that engine
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
     *
     * @param engine the engine to compute on
     * @param x N × inputs raw features, row-major, N ≥ 1
     * @return N × outputs predictions, row-major
     * @throws IllegalArgumentException if {@code x} is not whole rows of {@link #inputs()} features, or a feature
     *         is not finite
     */
    public float[] predict(Engine engine, float[] x) {
        // Engines are single-threaded: concurrent predictions on one engine take turns instead of interleaving kernels.
        synchronized (engine) {
            try (Network net = bind(engine)) {
                return net.predict(x);
            }
        }
    }

    /**
     * Predicts rows of features. One-shot, as {@link #predict(Engine, float[])}.
     *
     * @param engine the engine to compute on
     * @param x N ≥ 1 rows of {@link #inputs()} raw features
     * @return one output row of {@link #outputs()} values per input row
     * @throws IllegalArgumentException if a row does not have {@link #inputs()} features, or a feature is not finite
     */
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
            sb.append(" -");
            if (norms[l] != Normalization.NONE) {
                sb.append(norms[l].id()).append("norm-");
            }
            sb.append(activations[l].id());
            if (dropouts[l] != 0f) {
                sb.append("-dropout ").append(dropouts[l]);
            }
            sb.append("-> ").append(sizes[l + 1]);
        }
        sb.append(", ").append(loss.id());
        if (loss.hasParameter()) {
            sb.append(':').append(lossParameter);
        }
        return sb.append(", ").append(parameterCount()).append(" parameters]").toString();
    }

    /** Builds an {@link Mlp} layer by layer. */
    public static final class Builder {
        private final int inputs;
        private final List<Integer> widths = new ArrayList<>();
        private final List<Activation> acts = new ArrayList<>();
        private final List<Normalization> layerNorms = new ArrayList<>();
        private final List<Float> layerDropouts = new ArrayList<>();
        private Loss loss = Loss.MSE;
        private float lossParameter = Float.NaN;
        private Init init;
        private long seed = 42;

        private Builder(int inputs) {
            this.inputs = inputs;
        }

        /**
         * Adds a dense layer of {@code units} outputs with activation φ.
         *
         * @param units the layer's width, at least 1 (checked by {@link #build()})
         * @param activation φ; SOFTMAX only on the last layer
         * @return this builder
         */
        public Builder dense(int units, Activation activation) {
            widths.add(units);
            acts.add(activation);
            layerNorms.add(Normalization.NONE);
            layerDropouts.add(0f);
            return this;
        }

        /**
         * Applies inverted dropout with probability p to the activations of the layer added last, at training only
         * ({@link delta4j.engine.Engine#dropout}); that layer must be a hidden layer (checked by {@link #build()}).
         *
         * @param p the drop probability, in [0, 1); 0 removes the dropout
         * @return this builder
         * @throws IllegalStateException if no layer was added yet
         * @throws IllegalArgumentException if p lies outside [0, 1)
         */
        public Builder dropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout probability is " + p + ": it must lie in [0, 1)");
            }
            layerDropouts.set(last("dropout"), (float) p);
            return this;
        }

        /**
         * Normalises the layer added last per sample ({@link Normalization#LAYER}), between its product and its
         * activation; that layer must be a hidden layer.
         *
         * @return this builder
         * @throws IllegalStateException if no layer was added yet
         */
        public Builder layerNorm() {
            return normalization(Normalization.LAYER);
        }

        /**
         * Normalises the layer added last per unit over the batch ({@link Normalization#BATCH}), between its product
         * and its activation; that layer must be a hidden layer, and training batches need at least 2 samples.
         *
         * @return this builder
         * @throws IllegalStateException if no layer was added yet
         */
        public Builder batchNorm() {
            return normalization(Normalization.BATCH);
        }

        /**
         * Sets the normalisation of the layer added last.
         *
         * @param n the normalisation; {@link Normalization#NONE} removes it
         * @return this builder
         * @throws IllegalStateException if no layer was added yet
         */
        public Builder normalization(Normalization n) {
            if (n == null) {
                throw new IllegalArgumentException("normalisation is null: use Normalization.NONE");
            }
            layerNorms.set(last(n.id() + " normalisation"), n);
            return this;
        }

        private int last(String what) {
            if (widths.isEmpty()) {
                throw new IllegalStateException(what + " applies to the layer added last: add a dense layer first");
            }
            return widths.size() - 1;
        }

        /**
         * Sets the loss and its parameter, e.g. Huber's δ.
         *
         * @param l the loss, which must suit the last layer's activation (checked by {@link #build()})
         * @param parameter the loss's parameter (checked by {@link Loss#checkParameter})
         * @return this builder
         */
        public Builder loss(Loss l, float parameter) {
            this.loss = l;
            this.lossParameter = parameter;
            return this;
        }

        /**
         * Sets the loss (default MSE).
         *
         * @param l the loss, which must suit the last layer's activation (checked by {@link #build()})
         * @return this builder
         */
        public Builder loss(Loss l) {
            this.loss = l;
            this.lossParameter = Float.NaN;
            return this;
        }

        /**
         * Sets the initialisation of every layer's weights (default: He for rectifier layers,
         * {@link Activation#isRectifier()}, Xavier otherwise); biases start at zero.
         *
         * @param i the scheme, or null for the default
         * @return this builder
         */
        public Builder init(Init i) {
            this.init = i;
            return this;
        }

        /**
         * Sets the seed of the initial weights (default 42): the same seed gives the same weights.
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Draws the initial weights and builds the network.
         *
         * @return a new network
         * @throws IllegalArgumentException if there is no layer, a width is below 1, a hidden layer is SOFTMAX,
         *         or the loss does not suit the output activation
         */
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
            Normalization[] norms = layerNorms.toArray(new Normalization[0]);
            float[] drops = new float[a.length];
            for (int l = 0; l < a.length; l++) {
                drops[l] = layerDropouts.get(l);
            }
            validateLayers(a.length, norms, drops);
            float parameter = Float.isNaN(lossParameter) ? loss.parameter() : loss.checkParameter(lossParameter);
            return new Mlp(sizes, a, norms, drops, loss, loss.hasParameter() ? parameter : 0f, w, b);
        }
    }
}
