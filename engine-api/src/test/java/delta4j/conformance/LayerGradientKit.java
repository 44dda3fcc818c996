package delta4j.conformance;

import delta4j.engine.Activation;
import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Normalization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Backpropagation through normalised and dropout layers and every loss, on an engine, against double-precision
 * central differences of the mean batch loss computed by an independent copy of the math (plain double loops, no
 * engine): nets of depth 1 to 4, every element-wise hidden activation, normalisation none, layer and batch, with and
 * without dropout, and every loss (cycled over the nets, then each alone and deep: binary cross-entropy with a sigmoid
 * output, L1 away from its kink, Huber wholly quadratic, wholly linear and mixed). The pass differentiated is
 * {@link Network#trainingForward} with a fixed seed, epoch and step: a dropout mask is a deterministic function of its
 * key ({@link DropoutMask}), and batch normalisation uses the batch's statistics, so the loss is a smooth function of
 * every W, b and γ and central differences apply.
 *
 * <p>An engine's test class extends this kit and implements {@link #createEngine()}. Tolerance:
 * {@code |g − g_fd| ≤ rel·|g_fd| + abs}, by default rel = 2e-3 and abs = 2e-5 (what the float32 engines are held to,
 * as in the dense-only finite-difference test): the engine works in float32 (relative round-off about 1e-6 per
 * operation, compounded over a few layers and the normalisations' sums), the differences in double with h = 1e-5
 * (truncation about h² ≈ 1e-10); a wrong formula misses by O(|g|). An engine that computes in lower precision
 * states its own by overriding {@link #relativeTolerance()} and {@link #absoluteTolerance()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class LayerGradientKit {

    /** The training pass's key: seed, epoch and step of {@link Network#trainingForward}. */
    static final long SEED = 77;
    static final int EPOCH = 3;
    static final int STEP = 5;
    /** Batch size: batch normalisation needs at least 2, and 6 keeps the differences cheap. */
    static final int N = 6;

    private Engine engine;

    /**
     * Creates the engine under test (once per test class).
     *
     * @return a new engine, closed by the kit
     */
    protected abstract Engine createEngine();

    /** {@return the relative part of the tolerance, 2e-3 unless an engine states another} */
    protected double relativeTolerance() {
        return 2e-3;
    }

    /** {@return the absolute part of the tolerance, 2e-5 unless an engine states another} */
    protected double absoluteTolerance() {
        return 2e-5;
    }

    @BeforeAll
    void openEngine() {
        engine = createEngine();
    }

    @AfterAll
    void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    static Activation[] elementwise() {
        return Arrays.stream(Activation.values()).filter(Activation::isElementwise).toArray(Activation[]::new);
    }

    static final Loss[] LOSSES = {Loss.MSE, Loss.L1, Loss.HUBER, Loss.BINARY_CROSS_ENTROPY, Loss.SOFTMAX_CROSS_ENTROPY};

    static Stream<Arguments> nets() {
        List<Arguments> out = new ArrayList<>();
        Activation[] hidden = elementwise();
        for (int depth = 1; depth <= 4; depth++) {
            for (Activation h : hidden) {
                for (Normalization norm : Normalization.values()) {
                    for (float p : new float[] {0f, 0.3f}) {
                        if (depth == 1 && (norm != Normalization.NONE || p != 0f)) {
                            continue; // a single layer is the output layer: neither normalised nor dropped
                        }
                        Loss loss = LOSSES[(depth + h.ordinal() + norm.ordinal() + (p > 0 ? 1 : 0)) % LOSSES.length];
                        Activation output = switch (loss) {
                            case MSE, L1, HUBER -> hidden[(depth + h.ordinal()) % hidden.length];
                            case SOFTMAX_CROSS_ENTROPY -> Activation.SOFTMAX;
                            case BINARY_CROSS_ENTROPY -> Activation.SIGMOID;
                        };
                        out.add(Arguments.of(depth, h, norm, p, loss, output));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "depth {0}, hidden {1}, norm {2}, dropout {3}, {4} on {5}")
    @MethodSource("nets")
    void gradientsMatchCentralDifferences(int depth, Activation hidden, Normalization norm, float dropout, Loss loss, Activation output) {
        check(depth, hidden, norm, dropout, loss, loss == Loss.HUBER ? 0.3f : loss.parameter(), output,
                depth * 131L + hidden.ordinal() * 17L + norm.ordinal() * 5L + (dropout > 0 ? 1 : 0));
    }

    static Stream<Arguments> losses() {
        List<Arguments> out = new ArrayList<>();
        for (int depth : new int[] {1, 3}) {
            out.add(Arguments.of(depth, Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID));
            out.add(Arguments.of(depth, Loss.L1, 0f, Activation.IDENTITY));
            out.add(Arguments.of(depth, Loss.L1, 0f, Activation.TANH));
            out.add(Arguments.of(depth, Loss.HUBER, 100f, Activation.IDENTITY)); // every residual in the quadratic regime
            out.add(Arguments.of(depth, Loss.HUBER, 0.01f, Activation.IDENTITY)); // every residual in the linear regime
            out.add(Arguments.of(depth, Loss.HUBER, 0.4f, Activation.SIGMOID)); // both
            out.add(Arguments.of(depth, Loss.MSE, 0f, Activation.SIGMOID));
            out.add(Arguments.of(depth, Loss.SOFTMAX_CROSS_ENTROPY, 0f, Activation.SOFTMAX));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "depth {0}, {1} (parameter {2}) on {3}")
    @MethodSource("losses")
    void everyLossAloneAndDeep(int depth, Loss loss, float parameter, Activation output) {
        Normalization norm = depth > 1 ? Normalization.LAYER : Normalization.NONE;
        check(depth, Activation.TANH, norm, depth > 1 ? 0.2f : 0f, loss, loss.hasParameter() ? parameter : loss.parameter(), output,
                1000L + depth * 7L + loss.ordinal() * 3L + Float.floatToIntBits(parameter));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("normalizations")
    void batchAndLayerNormAloneBeforeALinearOutput(Normalization norm) {
        check(2, Activation.IDENTITY, norm, 0f, Loss.MSE, 0f, Activation.IDENTITY, 4242 + norm.ordinal());
        check(2, Activation.IDENTITY, Normalization.NONE, 0.4f, Loss.MSE, 0f, Activation.IDENTITY, 4343 + norm.ordinal());
    }

    static Stream<Normalization> normalizations() {
        return Stream.of(Normalization.LAYER, Normalization.BATCH);
    }

    /**
     * {@return a network for a finite-difference check: 4 inputs, hidden layers of 5 + l units (each with {@code norm}
     * and {@code dropout}), 3 outputs; biases drawn from {@code rnd} in [−0.2, 0.2) and, on a normalised layer, gains in
     * [0.5, 1.5), so relu kinks are not hit at exactly 0 and dγ is not trivially dβ-like}
     *
     * @param parameter the loss parameter, NaN for the loss's default
     * @param seed the seed of the initial weights
     * @param rnd where the biases and gains come from
     */
    public static Mlp randomNet(int depth, Activation hidden, Normalization norm, float dropout, Loss loss, float parameter,
                                Activation output, long seed, SplittableRandom rnd) {
        int[] sizes = new int[depth + 1];
        sizes[0] = 4;
        for (int l = 1; l <= depth; l++) {
            sizes[l] = l == depth ? 3 : 5 + l;
        }
        Mlp.Builder b = Mlp.builder(sizes[0]).loss(loss, parameter).seed(seed);
        for (int l = 1; l <= depth; l++) {
            b.dense(sizes[l], l == depth ? output : hidden);
            if (l < depth) {
                b.normalization(norm);
                if (dropout > 0) {
                    b.dropout(dropout);
                }
            }
        }
        Mlp mlp = b.build();
        for (int l = 0; l < depth; l++) {
            // Non-zero biases and gains away from 1, so relu kinks are not hit at exactly 0 and dγ is not trivially dβ-like.
            float[] bias = new float[sizes[l + 1]];
            for (int k = 0; k < bias.length; k++) {
                bias[k] = (float) (rnd.nextDouble() * 0.4 - 0.2);
            }
            mlp.setParameters(l, mlp.weights(l), bias);
            if (mlp.normalization(l) != Normalization.NONE) {
                float[] g = new float[sizes[l + 1]];
                for (int k = 0; k < g.length; k++) {
                    g[k] = (float) (0.5 + rnd.nextDouble());
                }
                mlp.setGains(l, g);
            }
        }
        return mlp;
    }

    /**
     * {@return a workspace of {@code n} rows of {@code net} holding x and t (rounded to float), uploaded}
     *
     * @param x n × inputs features
     * @param t n × outputs targets
     */
    public static Network.Workspace upload(Network net, int n, double[] x, double[] t) {
        Network.Workspace ws = net.workspace(n);
        for (int i = 0; i < x.length; i++) {
            ws.hostInput()[i] = (float) x[i];
        }
        for (int i = 0; i < t.length; i++) {
            ws.hostTarget()[i] = (float) t[i];
        }
        net.upload(ws, true);
        return ws;
    }

    /** One net: random biases and gains, the engine's gradients of the training pass, every one against its central difference. */
    void check(int depth, Activation hidden, Normalization norm, float dropout, Loss loss, float parameter, Activation output, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Mlp mlp = randomNet(depth, hidden, norm, dropout, loss, parameter, output, seed, rnd);
        int[] sizes = mlp.sizes();
        int n = N, outs = sizes[depth];
        double[] x = new double[n * sizes[0]], t = new double[n * outs];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextDouble() * 2 - 1;
        }
        for (int i = 0; i < n; i++) {
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY -> t[i * outs + rnd.nextInt(outs)] = 1;
                case BINARY_CROSS_ENTROPY -> {
                    for (int k = 0; k < outs; k++) {
                        t[i * outs + k] = k == 0 ? rnd.nextInt(2) : rnd.nextDouble();
                    }
                }
                case MSE, L1, HUBER -> {
                    for (int k = 0; k < outs; k++) {
                        t[i * outs + k] = rnd.nextDouble() * 1.6 - 0.8;
                    }
                }
            }
        }

        float[][] gw = new float[depth][], gb = new float[depth][], gg = new float[depth][];
        try (Network net = mlp.bind(engine); Tensor lossOut = engine.allocate(1, 1)) {
            Network.Workspace ws = upload(net, n, x, t);
            net.trainingForward(ws, SEED, EPOCH, STEP);
            net.backward(ws, lossOut, 0, 1f / n);
            for (int l = 0; l < depth; l++) {
                gw[l] = engine.download(net.weightGradient(l));
                gb[l] = engine.download(net.biasGradient(l));
                gg[l] = net.gainGradient(l) == null ? new float[0] : engine.download(net.gainGradient(l));
            }
        }

        double[][] w = new double[depth][], bb = new double[depth][], g = new double[depth][];
        for (int l = 0; l < depth; l++) {
            w[l] = toDouble(mlp.weights(l));
            bb[l] = toDouble(mlp.biases(l));
            g[l] = mlp.normalization(l) == Normalization.NONE ? new double[0] : toDouble(mlp.gains(l));
        }
        double h = 1e-5;
        String[] names = {"dW", "db", "dγ"};
        double[][][] all = {w, bb, g};
        float[][][] grads = {gw, gb, gg};
        for (int l = 0; l < depth; l++) {
            for (int kind = 0; kind < 3; kind++) {
                double[][] params = all[kind];
                for (int p = 0; p < params[l].length; p++) {
                    double keep = params[l][p];
                    params[l][p] = keep + h;
                    double up = meanLoss(mlp, sizes, w, bb, g, x, t, n);
                    params[l][p] = keep - h;
                    double down = meanLoss(mlp, sizes, w, bb, g, x, t, n);
                    params[l][p] = keep;
                    double fd = (up - down) / (2 * h);
                    float got = grads[kind][l][p];
                    if (!(Math.abs(got - fd) <= relativeTolerance() * Math.abs(fd) + absoluteTolerance())) {
                        fail(names[kind] + "[" + l + "][" + p + "] = " + got + ", central difference " + fd + " (" + mlp + ")");
                    }
                }
            }
        }
    }

    /**
     * E = 1/N Σ over the batch of the loss, in double: the training pass written independently of the engines (batch
     * statistics over the whole batch, which is why it works on the batch rather than sample by sample).
     */
    static double meanLoss(Mlp mlp, int[] sizes, double[][] w, double[][] b, double[][] g, double[] x, double[] t, int n) {
        int depth = sizes.length - 1;
        double[] a = x.clone();
        double[] z = null;
        for (int l = 0; l < depth; l++) {
            int in = sizes[l], out = sizes[l + 1];
            z = new double[n * out];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < out; k++) {
                    double s = 0;
                    for (int j = 0; j < in; j++) {
                        s += a[i * in + j] * w[l][j * out + k];
                    }
                    z[i * out + k] = s;
                }
            }
            switch (mlp.normalization(l)) {
                case NONE -> { }
                case LAYER -> {
                    for (int i = 0; i < n; i++) {
                        double mean = 0, var = 0;
                        for (int k = 0; k < out; k++) {
                            mean += z[i * out + k];
                        }
                        mean /= out;
                        for (int k = 0; k < out; k++) {
                            var += (z[i * out + k] - mean) * (z[i * out + k] - mean);
                        }
                        double rstd = 1 / Math.sqrt(var / out + Normalization.EPSILON);
                        for (int k = 0; k < out; k++) {
                            z[i * out + k] = g[l][k] * (z[i * out + k] - mean) * rstd;
                        }
                    }
                }
                case BATCH -> {
                    for (int k = 0; k < out; k++) {
                        double mean = 0, var = 0;
                        for (int i = 0; i < n; i++) {
                            mean += z[i * out + k];
                        }
                        mean /= n;
                        for (int i = 0; i < n; i++) {
                            var += (z[i * out + k] - mean) * (z[i * out + k] - mean);
                        }
                        double rstd = 1 / Math.sqrt(var / n + Normalization.EPSILON);
                        for (int i = 0; i < n; i++) {
                            z[i * out + k] = g[l][k] * (z[i * out + k] - mean) * rstd;
                        }
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < out; k++) {
                    z[i * out + k] += b[l][k];
                }
            }
            a = new double[n * out];
            for (int i = 0; i < n; i++) {
                double[] row = phi(mlp.activation(l), Arrays.copyOfRange(z, i * out, (i + 1) * out));
                System.arraycopy(row, 0, a, i * out, out);
            }
            float p = mlp.dropout(l);
            if (p > 0) {
                long key = DropoutMask.key(SEED, EPOCH, STEP, l);
                int threshold = DropoutMask.threshold(p);
                double scale = DropoutMask.scale(p);
                for (int e = 0; e < a.length; e++) {
                    a[e] = DropoutMask.keep(key, e, threshold) ? a[e] * scale : 0;
                }
            }
        }
        int k = sizes[depth];
        double delta = mlp.lossParameter(), total = 0;
        for (int e = 0; e < n * k; e++) {
            double r = a[e] - t[e], zz = z[e];
            total += switch (mlp.loss()) {
                case MSE -> 0.5 * r * r;
                case L1 -> Math.abs(r);
                case HUBER -> Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta);
                case SOFTMAX_CROSS_ENTROPY -> t[e] == 0 ? 0 : -t[e] * Math.log(a[e]);
                case BINARY_CROSS_ENTROPY -> Math.max(zz, 0) - zz * t[e] + Math.log1p(Math.exp(-Math.abs(zz)));
            };
        }
        return total / n;
    }

    /**
     * {@return φ of a layer's pre-activations in double} (softmax over the whole row), the oracle the finite-difference
     * tests compute the loss with.
     *
     * @param act the activation
     * @param z one sample's pre-activations
     */
    public static double[] phi(Activation act, double[] z) {
        double[] a = new double[z.length];
        if (act == Activation.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (double v : z) {
                max = Math.max(max, v);
            }
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            for (int k = 0; k < z.length; k++) {
                a[k] = Math.exp(z[k] - max) / sum;
            }
            return a;
        }
        for (int k = 0; k < z.length; k++) {
            double v = z[k];
            a[k] = switch (act) {
                case IDENTITY -> v;
                case SIGMOID -> 1 / (1 + Math.exp(-v));
                case TANH -> Math.tanh(v);
                case RELU -> Math.max(0, v);
                case LEAKY_RELU -> v > 0 ? v : Activation.LEAKY_SLOPE * v;
                case SOFTMAX -> throw new AssertionError();
                case GELU -> v * normalCdf(v);
                case SILU -> v / (1 + Math.exp(-v));
            };
        }
        return a;
    }

    /**
     * Φ(v) = ½ + (1/√(2π)) ∫₀^v e^{−s²/2} ds by 5-point Gauss–Legendre quadrature on 16 equal pieces: written
     * independently of the engines' erf, and smooth in v, as central differences need (absolute error far below 1e-12
     * for the |v| &lt; 10 these nets see).
     *
     * @param v the argument
     * @return Φ(v)
     */
    public static double normalCdf(double v) {
        double[] node = {0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640, 0.9061798459386640};
        double[] weight = {0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891};
        int pieces = 16;
        double h = v / pieces, integral = 0;
        for (int p = 0; p < pieces; p++) {
            double mid = (p + 0.5) * h;
            for (int q = 0; q < node.length; q++) {
                double s = mid + 0.5 * h * node[q];
                integral += 0.5 * h * weight[q] * Math.exp(-0.5 * s * s);
            }
        }
        return 0.5 + integral / Math.sqrt(2 * Math.PI);
    }

    /**
     * {@return the floats widened to doubles}
     *
     * @param v the floats
     */
    public static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
