package delta4j.conformance;

import delta4j.engine.Activation;
import delta4j.engine.DropoutMask;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.model.Mlp;
import delta4j.model.Network;
import delta4j.model.Normalization;
import delta4j.model.Parameter;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * PyTorch's values for the dropout, normalisation and loss kernels (delta4j/conformance/torch-layers.txt, written by
 * engine-api/src/test/python/layers_fixture.py: torch in float64 on float32 inputs), and checks of an engine against
 * them. torch's nn.LayerNorm and nn.BatchNorm1d add their shift β; delta4j's kernels compute y = γ ⊙ x̂ and the model
 * adds β as the next {@link Engine#biasActivation}'s bias, so the checks do the same (identity activation), and take
 * dβ as {@link Engine#columnSum} of δ. The losses are torch's with reduction="sum", which is delta4j's per-batch sum.
 *
 * <p>Tolerance: |got − want| ≤ tol·(|want| + the largest |want| of its group) + 1e-30, a group being a sample for layer
 * normalisation, a unit for batch normalisation, and the whole tensor otherwise (one sample's gradient can be 300 times
 * another's, as for a constant sample, whose rstd is 1/√ε); loss sums within tol relative. The reference engine, which
 * computes in double and rounds each kernel's output once, is held to {@link #REFERENCE_TOL}; any engine to
 * {@link #ENGINE_TOL}, which allows a float mean of 7 values near 1000 to be an ulp of their sum off. The model case
 * ({@link #checkModel}) has tolerances of its own.
 */
public final class TorchLayers {

    /** The reference engine's tolerance against PyTorch: a few float roundings (u = 6e-8) per value. */
    public static final double REFERENCE_TOL = 1e-6;
    /** Any engine's tolerance against PyTorch (float arithmetic on sums of up to 7 terms, with a mean of 1000). */
    public static final double ENGINE_TOL = 1e-4;

    private static final Map<String, double[]> VALUES = new HashMap<>();
    private static final Map<String, int[]> SHAPES = new HashMap<>();
    /** {seed, epoch, step, layer, key} per "k" line. */
    private static final List<long[]> KEYS = new ArrayList<>();
    /** {key, index, bits} per "b" line. */
    private static final List<long[]> BITS = new ArrayList<>();

    static {
        try (InputStream in = TorchLayers.class.getResourceAsStream("/delta4j/conformance/torch-layers.txt")) {
            if (in == null) {
                throw new IllegalStateException("torch-layers.txt is missing from the test resources");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.trim().split(" ");
                switch (f[0]) {
                    case "f" -> {
                        int rows = Integer.parseInt(f[2]), cols = Integer.parseInt(f[3]);
                        double[] v = new double[rows * cols];
                        if (f.length != 4 + v.length) {
                            throw new IllegalStateException("torch-layers.txt: " + f[1] + " has " + (f.length - 4) + " values, not " + v.length);
                        }
                        for (int i = 0; i < v.length; i++) {
                            v[i] = Double.parseDouble(f[4 + i]);
                        }
                        VALUES.put(f[1], v);
                        SHAPES.put(f[1], new int[]{rows, cols});
                    }
                    case "k" -> KEYS.add(new long[]{Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                            Long.parseLong(f[5])});
                    case "b" -> BITS.add(new long[]{Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
                    case "#", "" -> { }
                    default -> throw new IllegalStateException("torch-layers.txt: unknown line type '" + f[0] + "'");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TorchLayers() {
    }

    /** {@return a matrix of the fixture as floats (inputs are float32 values, read exactly)} */
    public static float[] floats(String name) {
        double[] v = doubles(name);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** {@return a matrix of the fixture as written (torch's float64 outputs)} */
    public static double[] doubles(String name) {
        double[] v = VALUES.get(name);
        if (v == null) {
            throw new IllegalArgumentException("torch-layers.txt has no '" + name + "'");
        }
        return v;
    }

    /** {@return rows and columns of a matrix of the fixture} */
    public static int[] shape(String name) {
        doubles(name);
        return SHAPES.get(name);
    }

    /** {@return the DropoutMask keys of the fixture, {seed, epoch, step, layer, key} each} */
    public static List<long[]> keys() {
        return KEYS;
    }

    /** {@return the DropoutMask bits of the fixture, {key, index, bits} each} */
    public static List<long[]> bits() {
        return BITS;
    }

    // ------------------------------------------------------------------ checks of an engine

    /** nn.LayerNorm: y = γx̂ + β, dx, dγ (α = 1) and dβ = colsum(δ) for an upstream gradient δ. */
    public static void checkLayerNorm(Engine e, double tol) {
        int[] s = shape("ln.x");
        int rows = s[0], cols = s[1];
        try (Tensor X = e.tensor(rows, cols, floats("ln.x")); Tensor G = e.tensor(1, cols, floats("ln.gamma"));
             Tensor B = e.tensor(1, cols, floats("ln.beta")); Tensor H = e.allocate(rows, cols); Tensor R = e.allocate(rows, 1);
             Tensor Y = e.allocate(rows, cols); Tensor DY = e.tensor(rows, cols, floats("ln.dy")); Tensor DX = e.allocate(rows, cols);
             Tensor DG = e.allocate(1, cols); Tensor DB = e.allocate(1, cols)) {
            e.layerNorm(X, G, Normalization.EPSILON, H, R, Y);
            e.biasActivation(Y, B, Activation.IDENTITY, Y);
            assertGroups(doubles("ln.y"), e.download(Y), rows, cols, false, tol, "nn.LayerNorm y = γx̂ + β");
            e.layerNormBackward(DY, H, R, G, 1f, DX, DG);
            e.columnSum(1f, DY, DB);
            assertGroups(doubles("ln.dx"), e.download(DX), rows, cols, false, tol, "nn.LayerNorm ∂/∂x");
            assertGroups(doubles("ln.dgamma"), e.download(DG), 1, cols, false, tol, "nn.LayerNorm ∂/∂γ");
            assertGroups(doubles("ln.dbeta"), e.download(DB), 1, cols, false, tol, "nn.LayerNorm ∂/∂β");
        }
    }

    /**
     * nn.BatchNorm1d in training mode, 3 calls (momentum 0.1; a constant unit in the second): y = γx̂ + β, dx, dγ, dβ
     * and the running statistics after each; then eval mode: y = γ(x − running mean)/√(running var + ε) + β.
     */
    public static void checkBatchNorm(Engine e, double tol) {
        int[] s = shape("bn0.x");
        int rows = s[0], cols = s[1];
        float[] ones = new float[cols];
        java.util.Arrays.fill(ones, 1f);
        try (Tensor G = e.tensor(1, cols, floats("bn.gamma")); Tensor B = e.tensor(1, cols, floats("bn.beta"));
             Tensor RM = e.allocate(1, cols); Tensor RV = e.tensor(1, cols, ones); Tensor H = e.allocate(rows, cols);
             Tensor R = e.allocate(1, cols); Tensor Y = e.allocate(rows, cols); Tensor DX = e.allocate(rows, cols);
             Tensor DG = e.allocate(1, cols); Tensor DB = e.allocate(1, cols)) {
            for (int step = 0; step < 3; step++) {
                String p = "bn" + step + ".";
                try (Tensor X = e.tensor(rows, cols, floats(p + "x")); Tensor DY = e.tensor(rows, cols, floats(p + "dy"))) {
                    e.batchNorm(X, G, Normalization.EPSILON, Normalization.MOMENTUM, RM, RV, H, R, Y);
                    e.biasActivation(Y, B, Activation.IDENTITY, Y);
                    assertGroups(doubles(p + "y"), e.download(Y), rows, cols, true, tol, "nn.BatchNorm1d call " + step + ": y = γx̂ + β");
                    e.batchNormBackward(DY, H, R, G, 1f, DX, DG);
                    e.columnSum(1f, DY, DB);
                    assertGroups(doubles(p + "dx"), e.download(DX), rows, cols, true, tol, "nn.BatchNorm1d call " + step + ": ∂/∂x");
                    assertGroups(doubles(p + "dgamma"), e.download(DG), 1, cols, false, tol, "nn.BatchNorm1d call " + step + ": ∂/∂γ");
                    assertGroups(doubles(p + "dbeta"), e.download(DB), 1, cols, false, tol, "nn.BatchNorm1d call " + step + ": ∂/∂β");
                    assertGroups(doubles(p + "running_mean"), e.download(RM), 1, cols, false, tol, "running_mean after call " + step);
                    assertGroups(doubles(p + "running_var"), e.download(RV), 1, cols, false, tol, "running_var after call " + step);
                }
            }
            int evalRows = shape("bn.eval.x")[0];
            try (Tensor X = e.tensor(evalRows, cols, floats("bn.eval.x")); Tensor YE = e.allocate(evalRows, cols)) {
                e.batchNormInference(X, G, Normalization.EPSILON, RM, RV, YE);
                e.biasActivation(YE, B, Activation.IDENTITY, YE);
                assertGroups(doubles("bn.eval.y"), e.download(YE), evalRows, cols, true, tol, "nn.BatchNorm1d eval mode");
            }
        }
    }

    /**
     * Dropout with DropoutMask's mask (the fixture's Python port of it, key(7, 0, 2, 0)), p = 0.25 and 0.5: the mask,
     * y = x ⊙ m/(1 − p) and the gradient, which is the same kernel on δ.
     */
    public static void checkDropout(Engine e, double tol) {
        long key = DropoutMask.key(7, 0, 2, 0);
        for (String p : new String[]{"0.25", "0.5"}) {
            String n = "dropout" + p + ".";
            int[] s = shape(n + "x");
            try (Tensor X = e.tensor(s[0], s[1], floats(n + "x")); Tensor DY = e.tensor(s[0], s[1], floats(n + "dy"));
                 Tensor Y = e.allocate(s[0], s[1])) {
                float prob = Float.parseFloat(p);
                e.dropout(X, prob, key, Y);
                float[] y = e.download(Y);
                double[] mask = doubles(n + "mask");
                for (int i = 0; i < y.length; i++) {
                    assertEquals(mask[i] == 0, y[i] == 0f, "dropout p=" + p + ": element " + i + " is " + y[i] + ", torch's mask " + mask[i]);
                }
                assertGroups(doubles(n + "y"), y, 1, y.length, false, tol, "dropout p=" + p + " y = x ⊙ m/(1 − p)");
                e.dropout(DY, prob, key, DY);
                assertGroups(doubles(n + "dx"), e.download(DY), 1, y.length, false, tol, "dropout p=" + p + " ∂/∂x");
            }
        }
    }

    /**
     * nn.L1Loss, nn.HuberLoss(δ = 0.1, 1, 3) and nn.BCEWithLogitsLoss with reduction="sum": the loss sum and its gradient
     * with respect to the output, which for the identity output (L1, Huber) and for binary cross-entropy with respect to
     * the logits is delta4j's Δ.
     */
    public static void checkLosses(Engine e, double tol) {
        int[] s = shape("loss.y");
        int rows = s[0], cols = s[1];
        String[] names = {"l1", "huber0.1", "huber1", "huber3"};
        Loss[] losses = {Loss.L1, Loss.HUBER, Loss.HUBER, Loss.HUBER};
        float[] params = {0f, 0.1f, 1f, 3f};
        for (int c = 0; c < names.length; c++) {
            float[][] got = EngineConformanceKit.outputDeltaOn(e, rows, cols, losses[c], params[c], Activation.IDENTITY, floats("loss.y"),
                    floats("loss.y"), floats("loss.t"));
            assertGroups(doubles(names[c] + ".grad"), got[0], 1, rows * cols, false, tol, "nn." + names[c] + " ∂/∂y = Δ");
            assertLoss(doubles(names[c] + ".loss")[0], got[1][2], tol, "nn." + names[c] + " loss sum");
        }
        float[] z = floats("bce.z");
        float[] a = new float[z.length];
        try (Tensor Z = e.tensor(rows, cols, z); Tensor B = e.allocate(1, cols); Tensor A = e.allocate(rows, cols)) {
            e.biasActivation(Z, B, Activation.SIGMOID, A);
            e.download(A, a, 0);
        }
        float[][] got = EngineConformanceKit.outputDeltaOn(e, rows, cols, Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, z, a,
                floats("bce.t"));
        assertGroups(doubles("bce.grad"), got[0], 1, rows * cols, false, tol, "nn.BCEWithLogitsLoss ∂/∂z = Δ = σ(z) − t");
        assertTrue(Float.isFinite(got[1][2]), "BCEWithLogitsLoss of logits ±1e4 must be finite, got " + got[1][2]);
        assertLoss(doubles("bce.loss")[0], got[1][2], tol, "nn.BCEWithLogitsLoss loss sum (logits ±1e4)");
    }

    /**
     * The fixture's model: 4 → 5 (Linear without bias, BatchNorm1d whose β is delta4j's bias b, ReLU, dropout 0.25 with
     * DropoutMask's mask of key(7, 0, step, 0)) → 3 (Linear with bias, identity), loss 0.5·Σ(y − t)²/N (delta4j's MSE),
     * trained 3 plain SGD steps with learning rate 0.1 on one batch of 6 through {@link Network}'s training pass. After
     * each step every parameter (W, γ, b of both layers) and the running statistics must be PyTorch's within tol of the
     * largest of their tensor, and the step's mean loss within tol relative. The training pass is looked up by
     * reflection so that this compiles before the model has it; the check is skipped (a JUnit assumption) until then.
     *
     * @param engine the engine to train on
     * @param tol the tolerance
     */
    public static void checkModel(Engine engine, double tol) {
        Method trainingForward = trainingForward();
        int batch = 6, nIn = 4, hidden = 5, nOut = 3;
        float lr = 0.1f;
        Mlp mlp = Mlp.of(new int[]{nIn, hidden, nOut}, new Activation[]{Activation.RELU, Activation.IDENTITY},
                new Normalization[]{Normalization.BATCH, Normalization.NONE}, new float[]{0.25f, 0f}, Loss.MSE, 0f,
                new float[][]{floats("model.w1"), floats("model.w2")}, new float[][]{floats("model.b1"), floats("model.b2")});
        mlp.setGains(0, floats("model.gamma"));
        try (Network net = mlp.bind(engine); Tensor lossOut = engine.allocate(1, 3)) {
            Network.Workspace ws = net.workspace(batch);
            System.arraycopy(floats("model.x"), 0, ws.hostInput(), 0, batch * nIn);
            System.arraycopy(floats("model.t"), 0, ws.hostTarget(), 0, batch * nOut);
            net.upload(ws, true);
            for (int step = 0; step < 3; step++) {
                invoke(trainingForward, net, ws, 7L, 0, step);
                net.backward(ws, lossOut, step, 1f / batch);
                for (Parameter p : net.parameters()) {
                    engine.sgdStep(p.value(), p.gradient(), lr, 0f);
                }
                net.pull();
                String s = "model" + step + ".";
                String after = " after SGD step " + (step + 1);
                assertLoss(doubles(s + "loss")[0], engine.download(lossOut)[step] / batch, tol, "mean loss of step " + (step + 1));
                assertModel(s + "w1", mlp.weights(0), tol, "W[0]" + after);
                assertModel(s + "gamma", mlp.gains(0), tol, "γ[0]" + after);
                assertModel(s + "b1", mlp.biases(0), tol, "b[0] (BatchNorm1d's β)" + after);
                assertModel(s + "w2", mlp.weights(1), tol, "W[1]" + after);
                assertModel(s + "b2", mlp.biases(1), tol, "b[1]" + after);
                assertModel(s + "running_mean", mlp.runningMean(0), tol, "running mean" + after);
                assertModel(s + "running_var", mlp.runningVariance(0), tol, "running variance" + after);
            }
        }
    }

    private static void assertModel(String name, float[] got, double tol, String what) {
        double[] want = doubles(name);
        assertEquals(want.length, got.length, what + ": length");
        double max = 0;
        for (double w : want) {
            max = Math.max(max, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(want[i] - got[i]) <= tol * max)) {
                fail(what + ": element " + i + " is " + got[i] + ", PyTorch " + want[i] + " (allowed ±" + tol * max + ")");
            }
        }
    }

    /** {@code Network.trainingForward(Workspace, long, int, int)}, or a skip while the model has no training pass. */
    private static Method trainingForward() {
        try {
            return Network.class.getMethod("trainingForward", Network.Workspace.class, long.class, int.class, int.class);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("needs Network.trainingForward(Workspace, long seed, int epoch, int step)");
            throw new AssertionError(e);
        }
    }

    private static void invoke(Method m, Network net, Network.Workspace ws, long seed, int epoch, int step) {
        try {
            m.invoke(net, ws, seed, epoch, step);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        }
    }

    static void assertLoss(double want, float got, double tol, String what) {
        if (!(Math.abs(want - got) <= tol * Math.abs(want) + 1e-30)) {
            fail(what + ": " + got + ", PyTorch " + want + " (allowed ±" + tol * Math.abs(want) + ")");
        }
    }

    /** The tolerance of the class comment, groups being rows, or columns when {@code byColumn}. */
    public static void assertGroups(double[] want, float[] got, int rows, int cols, boolean byColumn, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double[] max = new double[byColumn ? cols : rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int g = byColumn ? j : i;
                max[g] = Math.max(max[g], Math.abs(want[i * cols + j]));
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int e = i * cols + j;
                double allowed = tol * (Math.abs(want[e]) + max[byColumn ? j : i]) + 1e-30;
                if (!(Math.abs(want[e] - got[e]) <= allowed)) {
                    fail(what + ": [" + i + "][" + j + "] is " + got[e] + ", PyTorch " + want[e] + " (allowed ±" + allowed + ")");
                }
            }
        }
    }
}
