package delta4j.conformance;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import delta4j.model.Optimizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine conformance kit: every kernel of an engine checked against the {@link ReferenceEngine} on
 * awkward shapes. An engine's test class extends this and implements {@link #createEngine()}, and
 * {@link #createEngine(Precision)} for the products at {@link Precision#TF32} and {@link Precision#BF16}; the kit
 * creates each engine once per class, on first use, and closes it afterwards. To skip on a machine that cannot
 * run the engine, throw a JUnit assumption failure from {@code createEngine}. An engine that refuses a precision
 * ({@link EngineUnavailableException} from {@code createEngine(precision)}) has the tests at that precision
 * skipped with its reason; one that accepts it must meet it.
 *
 * <p>Every precision is checked: the products (all shapes, transposes, α and β), β = 1 accumulation, the exact
 * rounding of operands on values chosen at and next to the rounding ties, NaN, ±∞ and overflow, and whole
 * training steps. The element-wise kernels do not depend on the precision and are checked once, on the fp32
 * engine. At precision p the reference is a {@link ReferenceEngine} emulating p (operands rounded with
 * {@link Precision#round}, sums in double), and u_p is p's unit roundoff (2^-24 fp32, 2^-11 tf32, 2^-8 bf16).
 *
 * <p>Tolerances, stated once (scale = |α|·Σ_p |ã_ip b̃_pj| + |β c_ij|, the tilde meaning rounded to p):
 * <ul>
 * <li>gemm at any precision, against the reference emulating it: |C − C_ref| ≤ {@value #GEMM_TOL}·(1 + √k)·scale
 *     + 1e-30 — float32 round-off of a k-term sum in any summation order, with head-room. The operands' rounding
 *     is exact (the same function of the same inputs on both sides), so it adds nothing; what remains is
 *     the fp32 accumulation, the same at every precision.</li>
 * <li>gemm at tf32 and bf16, against the exact product of the unrounded operands (what the precision costs):
 *     |C − C_exact| ≤ (2u_p + u_p²)·|α|·Σ_p |a_ip b_pj| + {@value #GEMM_TOL}·(1 + √k)·scale + 1e-30. Each
 *     operand is within u_p of its value, so each product within 2u_p + u_p² of the exact one, whatever k;
 *     the accumulation adds the fp32 term, which grows with √k.</li>
 * <li>operand rounding: exact. C = op(A)·I and C = I·op(B) must equal {@link Precision#round} of every element,
 *     bit for bit (a sum of one product and zeros has no rounding of its own).</li>
 * <li>element-wise kernels, reductions and optimizer steps: relative {@value #ELEMENT_TOL} plus
 *     absolute {@value #ELEMENT_TOL} × the row's scale (float32 with fast transcendental functions);</li>
 * <li>whole training steps: every weight after 3 optimizer steps within {@value #TRAINING_TOL} relative to
 *     the largest weight of its layer (float32 round-off compounded over forward, backward and update), and
 *     the mean loss within 1e-4 relative; at tf32 and bf16 within {@value #TRAINING_TOL} + {@value
 *     #TRAINING_ROUNDING_UNITS}·u_p and 1e-4 + {@value #TRAINING_ROUNDING_UNITS}·u_p: an activation that the two
 *     engines compute an fp32 ulp apart can round to neighbouring tf32 or bf16 values (2u_p apart) when it becomes
 *     the next product's operand; such flips are rare, each moves one term of one sum, and Adam's normalisation
 *     passes them on relative to the step, so the weights stay within a fraction of u_p of each other.</li>
 * <li>dropout: exact, bit for bit. The mask is a pure function of the key and the element's index
 *     ({@link delta4j.engine.DropoutMask}); a dropped element is +0 whatever x is (−0, ±∞ and NaN included), a kept one
 *     x·scale(p) rounded once.</li>
 * <li>layerNorm and batchNorm, with m the number of terms of each statistic (n per sample for layer normalisation, N per
 *     unit for batch normalisation) and μ its mean: rstd within (ELEMENT_TOL + {@value #NORM_MEAN_TOL}·(1 + √m)·(1 +
 *     |μ|·rstd)) relative; x̂ within ELEMENT_TOL·(1 + |x̂|) + {@value #NORM_MEAN_TOL}·(1 + √m)·(|μ| + |x|)·rstd and
 *     y = γx̂ within |γ| times that. A float sum of m terms gives μ to about u·|μ|·√m, which x − μ passes on; a variance
 *     computed from the centred values loses nothing more, so inputs of mean 1000 and spread 1 pass, while the
 *     one-pass E[x²] − μ² (which cancels there) fails. Running statistics after 3 calls: mean within
 *     ELEMENT_TOL·(1 + √N) of the largest, variance ELEMENT_TOL·(1 + √N) relative. A constant sample or unit has x̂ and
 *     y exactly 0 (the mean of equal values is that value) and rstd = 1/√ε within ELEMENT_TOL relative.</li>
 * <li>layerNormBackward and batchNormBackward: dx within ELEMENT_TOL·(1 + √m)·scale and dγ within
 *     ELEMENT_TOL·(1 + √N)·|α|Σ_i|δ_ij x̂_ij|, the scale of dx being its formula with every term replaced by its
 *     absolute value, rstd·(|γ_j δ_ij| + mean|γδ| + |x̂_ij|·mean|γδx̂|) (float sums of m terms, as for gemm).</li>
 * <li>batchNormInference: ELEMENT_TOL·|γ_j|·(|x_ij| + |μ_j|)/√(σ²_j + ε) (element-wise).</li>
 * <li>L1, Huber and binary cross-entropy: Δ as the element-wise kernels, the loss sum within 1e-4 relative + 1e-5 as
 *     for MSE and cross-entropy; at logits ±1e4 binary cross-entropy's Δ is exact and its loss within 1e-6 relative.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class EngineConformanceKit {

    public static final double GEMM_TOL = 1e-5;
    public static final double ELEMENT_TOL = 2e-5;
    public static final double TRAINING_TOL = 1e-4;
    /** Relative error per √term of a normalisation's mean, passed on to x̂ and rstd (see the class comment). */
    public static final double NORM_MEAN_TOL = 1e-6;
    /** The ε of the normalisation cases: the model's. */
    public static final float NORM_EPSILON = delta4j.model.Normalization.EPSILON;
    /** The running statistics' momentum of the batch normalisation cases: the model's (PyTorch's). */
    public static final float NORM_MOMENTUM = delta4j.model.Normalization.MOMENTUM;
    /** Units of u_p that whole training steps at a reduced precision may differ by (see the class comment). */
    public static final double TRAINING_ROUNDING_UNITS = 0.5;

    /** The sizes every kernel is tried on. */
    public static final int[] SIZES = {1, 2, 3, 7, 17, 33, 64, 255, 1025};

    /** The engine under test with fp32 products. */
    protected Engine engine;
    /** The reference engine with fp32 products. */
    protected ReferenceEngine ref;
    private final Map<Precision, Engine> engines = new EnumMap<>(Precision.class);
    private final Map<Precision, ReferenceEngine> refs = new EnumMap<>(Precision.class);
    private final Map<Precision, String> refused = new EnumMap<>(Precision.class);

    /** Creates the engine under test with fp32 products (once per test class). */
    protected abstract Engine createEngine();

    /**
     * Creates the engine under test with products at {@code precision} (once per test class and precision, when
     * a test first needs it); for {@link Precision#FP32} it is {@link #createEngine()}. Engines that offer tf32
     * or bf16 override this to pass the precision the way users do ({@code EngineConfig.withPrecision}); the kit
     * then checks that the engine reports it ({@link Engine#precision()}). By default an engine offers fp32
     * only, as {@link Engine#precision()} says, and the other precisions' cases are skipped with that reason: an
     * engine written before precisions existed passes the kit unchanged.
     */
    protected Engine createEngine(Precision precision) {
        if (precision == Precision.FP32) {
            return createEngine();
        }
        throw new EngineUnavailableException(getClass().getSimpleName() + " offers fp32 products only (override createEngine(Precision)"
                + " and create the engine with EngineConfig.withPrecision to have " + precision.cliName() + " checked)");
    }

    @BeforeAll
    void openEngines() {
        engine = createEngine();
        ref = new ReferenceEngine();
        engines.put(Precision.FP32, engine);
        refs.put(Precision.FP32, ref);
    }

    @AfterAll
    void closeEngines() {
        for (Engine e : engines.values()) {
            e.close();
        }
        for (Engine e : refs.values()) {
            e.close();
        }
        engines.clear();
        refs.clear();
    }

    /** The engine under test at a precision (created on first use), or a skip when it refuses the precision. */
    protected Engine engineAt(Precision p) {
        String why = refused.get(p);
        if (why != null) {
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        Engine e = engines.get(p);
        if (e == null) {
            try {
                e = createEngine(p);
            } catch (EngineUnavailableException x) {
                refused.put(p, "the engine refuses " + p.cliName() + " products: " + x.getMessage());
                org.junit.jupiter.api.Assumptions.abort(refused.get(p));
            }
            engines.put(p, e);
            assertEquals(p, e.precision(), "createEngine(" + p + ") gave an engine whose precision() is " + e.precision());
        }
        return e;
    }

    /** The reference engine emulating a precision. */
    protected ReferenceEngine refAt(Precision p) {
        return refs.computeIfAbsent(p, ReferenceEngine::new);
    }

    // ------------------------------------------------------------------ shapes

    /** (m, n, k) triples: cubes, tall-skinny, short-wide, long k, and the products of real layers. */
    static List<int[]> gemmShapes() {
        List<int[]> s = new ArrayList<>();
        for (int d : new int[]{1, 2, 3, 7, 17, 33, 64}) {
            s.add(new int[]{d, d, d});
        }
        s.add(new int[]{255, 255, 255});
        s.add(new int[]{1025, 3, 17});   // tall-skinny C
        s.add(new int[]{3, 1025, 33});   // short-wide C
        s.add(new int[]{7, 17, 1025});   // long k
        s.add(new int[]{1025, 64, 2});   // tall, tiny k
        s.add(new int[]{255, 10, 64});   // output layer forward (n = 10)
        s.add(new int[]{64, 10, 255});   // output layer weight gradient
        s.add(new int[]{33, 1, 255});    // n = 1
        s.add(new int[]{1, 255, 33});    // m = 1
        s.add(new int[]{130, 97, 129});  // ragged everywhere
        return s;
    }

    /** (rows, cols) pairs for element-wise kernels and reductions. */
    static List<int[]> matrixShapes() {
        List<int[]> s = new ArrayList<>();
        for (int r : new int[]{1, 3, 17, 255}) {
            for (int c : new int[]{1, 2, 7, 33, 64, 1025}) {
                s.add(new int[]{r, c});
            }
        }
        s.add(new int[]{1025, 10});
        s.add(new int[]{2, 1025});
        return s;
    }

    Stream<Arguments> gemmCases() {
        List<Arguments> out = new ArrayList<>();
        float[][] alphaBeta = {{1f, 0f}, {0.5f, -1.5f}, {-2f, 1f}};
        for (Precision p : Precision.values()) {
            for (int[] s : gemmShapes()) {
                for (boolean ta : new boolean[]{false, true}) {
                    for (boolean tb : new boolean[]{false, true}) {
                        for (float[] ab : alphaBeta) {
                            out.add(Arguments.of(p, s[0], s[1], s[2], ta, tb, ab[0], ab[1]));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    Stream<Arguments> elementwiseCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : matrixShapes()) {
            for (Activation a : Activation.values()) {
                out.add(Arguments.of(s[0], s[1], a));
            }
        }
        return out.stream();
    }

    Stream<Arguments> shapeCases() {
        return matrixShapes().stream().map(s -> Arguments.of(s[0], s[1]));
    }

    // ------------------------------------------------------------------ gemm

    @ParameterizedTest(name = "gemm {0} m={1} n={2} k={3} transA={4} transB={5} α={6} β={7}")
    @MethodSource("gemmCases")
    void gemmMatchesReference(Precision precision, int m, int n, int k, boolean ta, boolean tb, float alpha, float beta) {
        Engine e = engineAt(precision);
        SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n + k + (ta ? 1000 : 0) + (tb ? 2000 : 0));
        float[] a = random(rnd, m * k, 1f);
        float[] b = random(rnd, k * n, 1f);
        float[] c = random(rnd, m * n, 1f);
        if (beta == 0f) {
            java.util.Arrays.fill(c, Float.NaN); // β = 0 must not read C
        }
        int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        float[] expected = gemmOn(refAt(precision), ta, tb, alpha, ar, ac, a, br, bc, b, beta, m, n, c);
        float[] exact = precision == Precision.FP32 ? expected : gemmOn(ref, ta, tb, alpha, ar, ac, a, br, bc, b, beta, m, n, c);
        float[] actual = gemmOn(e, ta, tb, alpha, ar, ac, a, br, bc, b, beta, m, n, c);
        double u = precision.unitRoundoff();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double scale = 0, scaleExact = 0;
                for (int p = 0; p < k; p++) {
                    float aip = ta ? a[p * ac + i] : a[i * ac + p];
                    float bpj = tb ? b[j * bc + p] : b[p * bc + j];
                    scale += Math.abs((double) precision.round(aip) * precision.round(bpj));
                    scaleExact += Math.abs((double) aip * bpj);
                }
                double prior = beta == 0f ? 0 : Math.abs(beta * c[i * n + j]);
                scale = Math.abs(alpha) * scale + prior;
                double tol = GEMM_TOL * (1 + Math.sqrt(k)) * scale + 1e-30;
                float want = expected[i * n + j], got = actual[i * n + j];
                if (!(Math.abs(want - got) <= tol)) {
                    fail(precision + ": C[" + i + "][" + j + "] = " + got + ", reference " + want + " (tolerance " + tol + ")");
                }
                if (precision != Precision.FP32) {
                    double bound = (2 * u + u * u) * Math.abs(alpha) * scaleExact + tol;
                    float x = exact[i * n + j];
                    if (!(Math.abs(x - got) <= bound)) {
                        fail(precision + ": C[" + i + "][" + j + "] = " + got + " is further than " + bound + " from the exact product "
                                + x + " of the unrounded operands");
                    }
                }
            }
        }
    }

    private static float[] gemmOn(Engine e, boolean ta, boolean tb, float alpha, int ar, int ac, float[] a,
                                  int br, int bc, float[] b, float beta, int m, int n, float[] c) {
        try (Tensor A = e.tensor(ar, ac, a); Tensor B = e.tensor(br, bc, b); Tensor C = e.tensor(m, n, c)) {
            e.gemm(ta, tb, alpha, A, B, beta, C);
            return e.download(C);
        }
    }

    /** (rows, in, out) of a layer's backward products: tiny, ragged, an output layer, and a hidden layer. */
    static List<int[]> backwardShapes() {
        return List.of(new int[]{1, 1, 1}, new int[]{7, 3, 5}, new int[]{33, 17, 64}, new int[]{130, 97, 10},
                new int[]{64, 255, 33}, new int[]{128, 256, 128});
    }

    Stream<Arguments> backwardCases() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (int[] s : backwardShapes()) {
                out.add(Arguments.of(p, s[0], s[1], s[2]));
            }
        }
        return out.stream();
    }

    /** backwardProducts is the two gemm calls of a layer's backward pass, bit for bit, on the engine itself. */
    @ParameterizedTest(name = "backwardProducts {0} rows={1} in={2} out={3}")
    @MethodSource("backwardCases")
    void backwardProductsAreTheTwoGemms(Precision precision, int rows, int in, int out) {
        Engine e = engineAt(precision);
        SplittableRandom rnd = new SplittableRandom(97L * rows + 13L * in + out);
        float s = 1f / rows;
        float[] nanDw = new float[in * out], nanG = new float[rows * in];
        java.util.Arrays.fill(nanDw, Float.NaN); // β = 0 in both: the results must not be read
        java.util.Arrays.fill(nanG, Float.NaN);
        try (Tensor x = e.tensor(rows, in, random(rnd, rows * in, 1f)); Tensor delta = e.tensor(rows, out, random(rnd, rows * out, 1f));
             Tensor w = e.tensor(in, out, random(rnd, in * out, 1f)); Tensor dw = e.tensor(in, out, nanDw);
             Tensor g = e.tensor(rows, in, nanG); Tensor dwWant = e.allocate(in, out); Tensor gWant = e.allocate(rows, in)) {
            for (int round = 0; round < 2; round++) { // the second round reuses whatever the first allocated
                e.backwardProducts(s, x, delta, w, dw, g);
                e.gemm(true, false, s, x, delta, 0f, dwWant);
                e.gemm(false, true, 1f, delta, w, 0f, gWant);
                assertSameBits(e.download(dwWant), e.download(dw), precision + " dW against the gemm call, round " + round);
                assertSameBits(e.download(gWant), e.download(g), precision + " G against the gemm call, round " + round);
            }
        }
    }

    /** Square tensors, so that every shape fits and only the aliasing is wrong. */
    @Test
    void backwardProductsRefuseResultsThatAliasAnotherTensor() {
        try (Tensor x = engine.allocate(4, 4); Tensor delta = engine.allocate(4, 4); Tensor w = engine.allocate(4, 4);
             Tensor dw = engine.allocate(4, 4); Tensor g = engine.allocate(4, 4)) {
            engine.backwardProducts(1f, x, delta, w, dw, g);
            for (Tensor[] args : new Tensor[][]{{w, g}, {x, g}, {delta, g}, {dw, dw}, {dw, x}, {dw, delta}, {dw, w}}) {
                assertThrows(IllegalArgumentException.class, () -> engine.backwardProducts(1f, x, delta, w, args[0], args[1]),
                        () -> "dW and G given as " + names(args, x, delta, w, dw, g));
            }
        }
    }

    private static String names(Tensor[] args, Tensor x, Tensor delta, Tensor w, Tensor dw, Tensor g) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : args) {
            sb.append(sb.isEmpty() ? "" : " and ").append(t == x ? "X" : t == delta ? "Δ" : t == w ? "W" : t == dw ? "dW" : "G");
        }
        return sb.toString();
    }

    @ParameterizedTest(name = "gemm β=1 accumulation, {0}")
    @org.junit.jupiter.params.provider.EnumSource(Precision.class)
    void gemmAccumulatesWithBetaOne(Precision precision) {
        // dW accumulated over several batches: C ← A·B + C, twice.
        Engine engine = engineAt(precision);
        ReferenceEngine ref = refAt(precision);
        SplittableRandom rnd = new SplittableRandom(5);
        float[] a = random(rnd, 17 * 33, 1f), b = random(rnd, 33 * 9, 1f);
        float[] got, want;
        try (Tensor A = engine.tensor(17, 33, a); Tensor B = engine.tensor(33, 9, b); Tensor C = engine.allocate(17, 9)) {
            engine.gemm(false, false, 1f, A, B, 1f, C);
            engine.gemm(false, false, 1f, A, B, 1f, C);
            got = engine.download(C);
        }
        try (Tensor A = ref.tensor(17, 33, a); Tensor B = ref.tensor(33, 9, b); Tensor C = ref.allocate(17, 9)) {
            ref.gemm(false, false, 2f, A, B, 0f, C);
            want = ref.download(C);
        }
        assertClose(want, got, 1e-4, precision + " gemm β=1 accumulation");
    }

    // ------------------------------------------------------------------ operand rounding, exactly

    /**
     * Operand values that tell the roundings apart, at many scales and both signs: the tf32 tie 1 + 2^-11 (away from
     * zero: 1 + 2^-10) and its neighbours an fp32 ulp either side, the bf16 ties 1 + 2^-8 (to even: 1) and 1 + 3·2^-8
     * (to even: 1 + 2^-6) and their neighbours, values with every low mantissa bit set (rounding carries into the
     * exponent: 2 − 2^-23 becomes 2), and random fp32 values.
     */
    public static float[] roundingProbes(int count, long seed) {
        float[] base = {1f + 0x1p-11f, Math.nextUp(1f + 0x1p-11f), Math.nextDown(1f + 0x1p-11f),
                1f + 0x1p-8f, Math.nextUp(1f + 0x1p-8f), Math.nextDown(1f + 0x1p-8f),
                1f + 3 * 0x1p-8f, Math.nextUp(1f + 3 * 0x1p-8f), Math.nextDown(1f + 3 * 0x1p-8f),
                1f + 3 * 0x1p-11f, 2f - 0x1p-23f, 1.5f - 0x1p-23f, 1f, 1.75f + 0x1p-9f + 0x1p-12f};
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            float v = i % 3 == 2 ? Float.intBitsToFloat(0x3F800000 | rnd.nextInt(1 << 23)) : base[rnd.nextInt(base.length)];
            x[i] = Math.scalb(rnd.nextBoolean() ? v : -v, rnd.nextInt(-20, 21));
        }
        return x;
    }

    Stream<Arguments> roundingCases() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    for (int[] mk : new int[][]{{70, 5}, {70, 40}, {9, 130}}) { // narrow and wide products, long rows
                        out.add(Arguments.of(p, ta, tb, mk[0], mk[1]));
                    }
                }
            }
        }
        return out.stream();
    }

    /**
     * Both operands are rounded exactly as {@link Precision#round} defines, in every transpose variant, on narrow
     * and wide products: C = op(A)·I equals round(op(A)) and C = I·op(B) equals round(op(B)), bit for bit. An engine
     * that skips the rounding, truncates, or breaks ties the other way fails here whatever its accumulation.
     */
    @ParameterizedTest(name = "operands rounded exactly, {0}, transA={1} transB={2}, {3}×{4}")
    @MethodSource("roundingCases")
    void operandsAreRoundedExactlyAsThePrecisionDefines(Precision precision, boolean ta, boolean tb, int m, int k) {
        Engine e = engineAt(precision);
        float[] x = roundingProbes(m * k, 17L * m + k + (ta ? 5 : 0) + (tb ? 11 : 0));
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = precision.round(x[i]);
        }
        float[] identity = new float[k * k];
        for (int i = 0; i < k; i++) {
            identity[i * k + i] = 1f;
        }
        float[] none = nan(m * k);
        // C (m × k) = op(A)·I with op(A) = the probes (m × k); A is stored k × m when transposed.
        float[] a = ta ? transpose(x, m, k) : x;
        float[] got = gemmOn(e, ta, tb, 1f, ta ? k : m, ta ? m : k, a, k, k, identity, 0f, m, k, none);
        assertExact(want, got, precision + " op(A)·I, transA=" + ta + " transB=" + tb, x);
        // C (k × m) = I·op(B) with op(B) = the probes seen as k × m; B is stored m × k when transposed.
        float[] xb = transpose(x, m, k); // op(B) (k × m) whose elements are the probes
        float[] wantB = transpose(want, m, k);
        float[] b = tb ? x : xb;
        float[] gotB = gemmOn(e, ta, tb, 1f, k, k, identity, tb ? m : k, tb ? k : m, b, 0f, k, m, nan(k * m));
        assertExact(wantB, gotB, precision + " I·op(B), transA=" + ta + " transB=" + tb, xb);
    }

    /**
     * Values outside the ordinary range: at tf32 and bf16 the largest float rounds to +∞ (round to nearest carries
     * past the largest finite value of the format), −max to −∞; ±∞ stay ±∞, NaN stays NaN, and values that round
     * to the format's largest finite number stay finite. Outer products C = a·bᵀ with k = 1 and b = 1, narrow and
     * wide, in every transpose variant.
     */
    @ParameterizedTest(name = "NaN, ±∞ and overflow, {0}")
    @org.junit.jupiter.params.provider.EnumSource(Precision.class)
    void specialValuesRoundAsDefined(Precision precision) {
        Engine e = engineAt(precision);
        float[] special = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFFFFFFF), Float.intBitsToFloat(0x7F7FE000),
                Float.intBitsToFloat(0x7F7F0000), 3.4e38f, -3.3e38f, 0f, -0f, 1f};
        int m = special.length;
        for (int n : new int[]{3, 40}) {
            float[] ones = new float[n];
            java.util.Arrays.fill(ones, 1f);
            float[] want = new float[m * n];
            float[] input = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    want[i * n + j] = precision.round(special[i]);
                    input[i * n + j] = special[i];
                }
            }
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    // op(A) is m × 1 (stored 1 × m when transposed: the same floats), op(B) is 1 × n.
                    float[] got = gemmOn(e, ta, tb, 1f, ta ? 1 : m, ta ? m : 1, special, tb ? n : 1, tb ? 1 : n, ones, 0f, m, n, nan(m * n));
                    assertExact(want, got, precision + " a·1ᵀ, transA=" + ta + " transB=" + tb + ", n=" + n, input);
                }
            }
        }
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }

    // ------------------------------------------------------------------ forward and backward activations

    @ParameterizedTest(name = "biasActivation {0}×{1} {2}")
    @MethodSource("elementwiseCases")
    void biasActivationMatchesReference(int rows, int cols, Activation act) {
        SplittableRandom rnd = new SplittableRandom(rows * 131L + cols);
        float[] z = random(rnd, rows * cols, 4f);
        float[] b = random(rnd, cols, 1f);
        float[][] want = biasActivationOn(ref, rows, cols, z, b, act);
        float[][] got = biasActivationOn(engine, rows, cols, z, b, act);
        assertClose(want[0], got[0], ELEMENT_TOL, "Zin after bias");
        assertClose(want[1], got[1], ELEMENT_TOL, "A = φ(Zin)");
    }

    private static float[][] biasActivationOn(Engine e, int rows, int cols, float[] z, float[] b, Activation act) {
        try (Tensor Z = e.tensor(rows, cols, z); Tensor B = e.tensor(1, cols, b); Tensor A = e.allocate(rows, cols)) {
            e.biasActivation(Z, B, act, A);
            return new float[][]{e.download(Z), e.download(A)};
        }
    }

    @ParameterizedTest(name = "biasActivation in place {0}×{1}")
    @MethodSource("shapeCases")
    void biasActivationInPlace(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 7L + cols);
        float[] z = random(rnd, rows * cols, 2f);
        float[] b = random(rnd, cols, 1f);
        for (Activation act : Activation.values()) {
            float[] want = biasActivationOn(ref, rows, cols, z, b, act)[1];
            float[] got;
            try (Tensor Z = engine.tensor(rows, cols, z); Tensor B = engine.tensor(1, cols, b)) {
                engine.biasActivation(Z, B, act, Z);
                got = engine.download(Z);
            }
            assertClose(want, got, ELEMENT_TOL, "in-place " + act);
        }
    }

    @ParameterizedTest(name = "activationBackward {0}×{1} {2}")
    @MethodSource("elementwiseCases")
    void activationBackwardMatchesReference(int rows, int cols, Activation act) {
        if (!act.isElementwise()) {
            try (Tensor t = engine.allocate(rows, cols)) {
                assertThrows(IllegalArgumentException.class, () -> engine.activationBackward(t, t, t, act, t));
            }
            return;
        }
        SplittableRandom rnd = new SplittableRandom(rows * 17L + cols);
        float[] g = random(rnd, rows * cols, 1f);
        float[] z = random(rnd, rows * cols, 3f);
        float[] bias = new float[cols];
        float[] a = biasActivationOn(ref, rows, cols, z, bias, act)[1];
        float[] want = backwardOn(ref, rows, cols, g, z, a, act, false);
        assertClose(want, backwardOn(engine, rows, cols, g, z, a, act, false), ELEMENT_TOL, "Δ = G ⊙ φ'");
        assertClose(want, backwardOn(engine, rows, cols, g, z, a, act, true), ELEMENT_TOL, "Δ = G ⊙ φ' in place");
    }

    /**
     * A hidden layer whose φ' can be taken from its output has A computed in place over Zin, and its backward pass then
     * gets A as Zin (Activation.derivativeFromOutput, delta4j.model.Network): the same bits as with Zin, here on inputs
     * at and around zero too (±0, the smallest normals and subnormals, which the leaky slope takes to ±0).
     */
    @ParameterizedTest(name = "activationBackward with A as Zin {0}×{1}")
    @MethodSource("shapeCases")
    void activationBackwardFromTheOutputGivesTheSameBits(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 29L + cols);
        float[] g = random(rnd, rows * cols, 1f);
        float[] z = random(rnd, rows * cols, 3f);
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f, -1e-30f};
        for (int i = 0; i < z.length && i < 4 * edges.length; i++) {
            z[i * 7 % z.length] = edges[i % edges.length];
        }
        float[] bias = new float[cols];
        for (Activation act : Activation.values()) {
            if (!act.derivativeFromOutput()) {
                continue;
            }
            float[] a = biasActivationOn(engine, rows, cols, z, bias, act)[1];
            float[] fromZin = backwardOn(engine, rows, cols, g, z, a, act, false);
            float[] fromA;
            try (Tensor G = engine.tensor(rows, cols, g); Tensor A = engine.tensor(rows, cols, a)) {
                engine.activationBackward(G, A, A, act, G); // one tensor as Zin and A, Δ in place over G: as the model calls it
                fromA = engine.download(G);
            }
            for (int i = 0; i < fromZin.length; i++) {
                assertEquals(Float.floatToIntBits(fromZin[i]), Float.floatToIntBits(fromA[i]),
                        act + ": Δ from A differs from Δ from Zin at " + i + " (z = " + z[i] + ", a = " + a[i] + ")");
            }
        }
    }

    private static float[] backwardOn(Engine e, int rows, int cols, float[] g, float[] z, float[] a, Activation act, boolean inPlace) {
        try (Tensor G = e.tensor(rows, cols, g); Tensor Z = e.tensor(rows, cols, z); Tensor A = e.tensor(rows, cols, a);
             Tensor D = e.allocate(rows, cols)) {
            Tensor out = inPlace ? G : D;
            e.activationBackward(G, Z, A, act, out);
            return e.download(out);
        }
    }

    Stream<Arguments> elementwiseActivations() {
        return Stream.of(Activation.values()).filter(Activation::isElementwise).map(Arguments::of);
    }

    /**
     * Saturated inputs, where every element-wise φ has reached its float limit (z, 0 or −0, ±1, slope·z): φ and
     * φ' must be finite and equal the reference's exactly, forward, backward and in the MSE output δ.
     */
    @ParameterizedTest(name = "{0} at saturated inputs")
    @MethodSource("elementwiseActivations")
    void saturatedInputsGiveTheLimitExactly(Activation act) {
        float[] z = {-3e38f, -1e30f, -1e4f, -1e3f, -200f, 200f, 1e3f, 1e4f, 1e30f, 3e38f};
        int n = z.length;
        float[] zero = new float[n], ones = new float[n], t = new float[n];
        java.util.Arrays.fill(ones, 1f);
        java.util.Arrays.fill(t, 0.5f);
        float[][] want = biasActivationOn(ref, 1, n, z, zero, act), got = biasActivationOn(engine, 1, n, z, zero, act);
        float[] a = want[1];
        float[] wantPrime = backwardOn(ref, 1, n, ones, z, a, act, false), gotPrime = backwardOn(engine, 1, n, ones, z, a, act, false);
        float[] wantDelta = outputDeltaOn(ref, 1, n, Loss.MSE, act, z, a, t)[0], gotDelta = outputDeltaOn(engine, 1, n, Loss.MSE, act, z, a, t)[0];
        for (int i = 0; i < n; i++) {
            String at = act.id() + " at z = " + z[i];
            assertTrue(Float.isFinite(got[1][i]) && Float.isFinite(gotPrime[i]) && Float.isFinite(gotDelta[i]),
                    at + ": φ = " + got[1][i] + ", φ' = " + gotPrime[i] + ", output δ = " + gotDelta[i]);
            assertEquals(want[1][i], got[1][i], 0f, at + ": φ");
            assertEquals(wantPrime[i], gotPrime[i], 0f, at + ": φ'");
            assertEquals(wantDelta[i], gotDelta[i], 0f, at + ": output δ = (a − t)φ'");
        }
    }

    /** Inputs up to ±40, well into every activation's tails, forward and backward. */
    @ParameterizedTest(name = "{0} on inputs up to ±40")
    @MethodSource("elementwiseActivations")
    void wideInputsMatchReference(Activation act) {
        int rows = 17, cols = 129;
        SplittableRandom rnd = new SplittableRandom(act.code());
        float[] z = random(rnd, rows * cols, 40f), g = random(rnd, rows * cols, 1f);
        float[] bias = new float[cols];
        float[][] want = biasActivationOn(ref, rows, cols, z, bias, act);
        assertClose(want[1], biasActivationOn(engine, rows, cols, z, bias, act)[1], ELEMENT_TOL, act.id() + ": A = φ(Zin)");
        assertClose(backwardOn(ref, rows, cols, g, z, want[1], act, false), backwardOn(engine, rows, cols, g, z, want[1], act, false),
                ELEMENT_TOL, act.id() + ": Δ = G ⊙ φ'");
    }

    // ------------------------------------------------------------------ output δ and loss

    Stream<Arguments> outputCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : matrixShapes()) {
            for (Activation a : Activation.values()) {
                out.add(Arguments.of(s[0], s[1], a.isElementwise() ? Loss.MSE : Loss.SOFTMAX_CROSS_ENTROPY, a, 3f));
            }
            out.add(Arguments.of(s[0], s[1], Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, 1e4f));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "outputDelta {0}×{1} {2} {3} logits±{4}")
    @MethodSource("outputCases")
    void outputDeltaMatchesReference(int rows, int cols, Loss loss, Activation act, float logitScale) {
        SplittableRandom rnd = new SplittableRandom(rows * 1009L + cols);
        float[] z = random(rnd, rows * cols, logitScale);
        float[] t = new float[rows * cols];
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            for (int i = 0; i < rows; i++) {
                t[i * cols + rnd.nextInt(cols)] = 1f; // one-hot targets
            }
        } else {
            t = random(rnd, rows * cols, 1f);
        }
        float[] a = biasActivationOn(ref, rows, cols, z, new float[cols], act)[1];
        float[][] want = outputDeltaOn(ref, rows, cols, loss, act, z, a, t);
        float[][] got = outputDeltaOn(engine, rows, cols, loss, act, z, a, t);
        assertClose(want[0], got[0], ELEMENT_TOL, "output Δ");
        assertTrue(Float.isFinite(got[1][2]), "loss sum must be finite, got " + got[1][2]);
        assertEquals(want[1][2], got[1][2], 1e-4 * Math.abs(want[1][2]) + 1e-5, "loss sum");
        assertEquals(-7f, got[1][0], "lossOut elements other than lossIndex must be left alone");
    }

    private static float[][] outputDeltaOn(Engine e, int rows, int cols, Loss loss, Activation act, float[] z, float[] a, float[] t) {
        try (Tensor Z = e.tensor(rows, cols, z); Tensor A = e.tensor(rows, cols, a); Tensor T = e.tensor(rows, cols, t);
             Tensor D = e.allocate(rows, cols); Tensor L = e.allocate(1, 4)) {
            e.fill(L, -7f);
            e.outputDelta(loss, act, Z, A, T, D, L, 2);
            return new float[][]{e.download(D), e.download(L)};
        }
    }

    @Test
    void outputDeltaRejectsMismatchedLossAndActivation() {
        try (Tensor t = engine.allocate(2, 3); Tensor l = engine.allocate(1, 1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> engine.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SIGMOID, t, t, t, t, l, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> engine.outputDelta(Loss.MSE, Activation.SOFTMAX, t, t, t, t, l, 0));
        }
    }

    @Test
    void outputDeltaRejectsDeltaOnItsOwnInputs() {
        try (Tensor z = engine.allocate(2, 3); Tensor a = engine.allocate(2, 3); Tensor t = engine.allocate(2, 3); Tensor l = engine.allocate(1, 1)) {
            for (Tensor d : new Tensor[]{z, a, t}) {
                assertThrows(IllegalArgumentException.class, () -> engine.outputDelta(Loss.MSE, Activation.SIGMOID, z, a, t, d, l, 0));
            }
        }
    }

    // ------------------------------------------------------------------ reductions

    @ParameterizedTest(name = "columnSum {0}×{1}")
    @MethodSource("shapeCases")
    void columnSumMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 3L + cols * 5L);
        float[] x = random(rnd, rows * cols, 1f);
        float alpha = 1f / rows;
        float[] want, got;
        try (Tensor X = ref.tensor(rows, cols, x); Tensor O = ref.allocate(1, cols)) {
            ref.columnSum(alpha, X, O);
            want = ref.download(O);
        }
        try (Tensor X = engine.tensor(rows, cols, x); Tensor O = engine.tensor(1, cols, nan(cols))) {
            engine.columnSum(alpha, X, O);
            got = engine.download(O);
        }
        assertClose(want, got, ELEMENT_TOL * Math.sqrt(rows), "db = α colsum(Δ)");
    }

    @ParameterizedTest(name = "sumOfSquares {0}×{1}")
    @MethodSource("shapeCases")
    void sumOfSquaresMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 11L + cols * 13L);
        float[] x = random(rnd, rows * cols, 1f);
        float want, got;
        try (Tensor X = ref.tensor(rows, cols, x); Tensor O = ref.allocate(1, 3)) {
            ref.sumOfSquares(X, O, 1);
            want = ref.download(O)[1];
        }
        try (Tensor X = engine.tensor(rows, cols, x); Tensor O = engine.allocate(1, 3)) {
            engine.sumOfSquares(X, O, 1);
            got = engine.download(O)[1];
        }
        assertEquals(want, got, 1e-5 * want + 1e-7, "Σ x²");
    }

    @ParameterizedTest(name = "scale {0}×{1}")
    @MethodSource("shapeCases")
    void scaleMatchesReference(int rows, int cols) {
        float[] x = random(new SplittableRandom(rows * 5L + cols), rows * cols, 3f);
        float[] want = x.clone();
        for (int i = 0; i < want.length; i++) {
            want[i] *= -0.37f;
        }
        try (Tensor X = engine.tensor(rows, cols, x)) {
            engine.scale(X, -0.37f);
            assertClose(want, engine.download(X), 1e-6, "x ← αx");
        }
    }

    // ------------------------------------------------------------------ optimizers

    Stream<Arguments> optimizerCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : matrixShapes()) {
            for (Optimizer.Kind u : Optimizer.Kind.values()) {
                out.add(Arguments.of(s[0], s[1], u));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{2} three steps on {0}×{1}")
    @MethodSource("optimizerCases")
    void optimizerStepsMatchReference(int rows, int cols, Optimizer.Kind update) {
        SplittableRandom rnd = new SplittableRandom(rows * 37L + cols + update.ordinal());
        float[] p = random(rnd, rows * cols, 1f);
        float[][] grads = {random(rnd, rows * cols, 1f), random(rnd, rows * cols, 1f), random(rnd, rows * cols, 1f)};
        assertClose(stepsOn(ref, rows, cols, p, grads, update), stepsOn(engine, rows, cols, p, grads, update),
                ELEMENT_TOL, update + " θ after 3 steps");
    }

    /** Three steps of an optimizer kind with its usual hyper-parameters (momentum 0.9; Adam β1 0.9, β2 0.999, ε 1e-8). */
    private static float[] stepsOn(Engine e, int rows, int cols, float[] p, float[][] grads, Optimizer.Kind kind) {
        Optimizer o = kind.create(switch (kind) {
            case SGD, MOMENTUM, NESTEROV -> 0.1f;
            case ADAM, ADAMW -> 0.01f;
        });
        try (Tensor P = e.tensor(rows, cols, p); Tensor G = e.allocate(rows, cols); Tensor M = e.allocate(rows, cols);
             Tensor V = e.allocate(rows, cols)) {
            for (int s = 0; s < grads.length; s++) {
                e.upload(grads[s], G);
                o.step(e, P, G, new Tensor[]{M, V}, o.learningRate(), 0.01f, s + 1);
            }
            return e.download(P);
        }
    }

    /**
     * Groups of parameter shapes for {@link Engine#adamSteps}: one tensor, a layer's weights and bias, ragged ones, and
     * the README's Fashion-MNIST network (784-256-128-10, 235 146 parameters: large enough for an engine to split it).
     */
    static List<int[][]> adamGroups() {
        return List.of(new int[][]{{1, 1}}, new int[][]{{3, 5}, {1, 5}}, new int[][]{{17, 33}, {1, 33}, {33, 7}, {1, 7}, {1, 1}},
                new int[][]{{784, 256}, {1, 256}, {256, 128}, {1, 128}, {128, 10}, {1, 10}});
    }

    Stream<Arguments> adamGroupCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[][] g : adamGroups()) {
            int elements = 0;
            for (int[] shape : g) {
                elements += shape[0] * shape[1];
            }
            String label = g.length + " tensor" + (g.length == 1 ? "" : "s") + " of " + elements + " elements";
            out.add(Arguments.of(label, g, false));
            out.add(Arguments.of(label, g, true));
        }
        return out.stream();
    }

    /**
     * adamSteps is adamStep on each tensor of the group, bit for bit, on the engine itself: three steps, weight decay on
     * every other tensor, L2 or decoupled, moments from earlier steps.
     */
    @ParameterizedTest(name = "adamSteps on {0}, decoupled {2}")
    @MethodSource("adamGroupCases")
    void adamStepsAreTheAdamSteps(String label, int[][] shapes, boolean decoupled) {
        int n = shapes.length;
        SplittableRandom rnd = new SplittableRandom(31L * n + (decoupled ? 1 : 0));
        Tensor[] p = new Tensor[n], g = new Tensor[n], m = new Tensor[n], v = new Tensor[n];
        Tensor[] pWant = new Tensor[n], mWant = new Tensor[n], vWant = new Tensor[n];
        float[] decay = new float[n];
        try {
            for (int i = 0; i < n; i++) {
                int r = shapes[i][0], c = shapes[i][1];
                float[] p0 = random(rnd, r * c, 1f), m0 = random(rnd, r * c, 0.1f), v0 = random(rnd, r * c, 0.01f);
                for (int j = 0; j < v0.length; j++) {
                    v0[j] = Math.abs(v0[j]);
                }
                p[i] = engine.tensor(r, c, p0);
                pWant[i] = engine.tensor(r, c, p0);
                m[i] = engine.tensor(r, c, m0);
                mWant[i] = engine.tensor(r, c, m0);
                v[i] = engine.tensor(r, c, v0);
                vWant[i] = engine.tensor(r, c, v0);
                g[i] = engine.allocate(r, c);
                decay[i] = i % 2 == 0 ? 0.01f : 0f;
            }
            for (int t = 1; t <= 3; t++) {
                for (int i = 0; i < n; i++) {
                    engine.upload(random(rnd, shapes[i][0] * shapes[i][1], 1f), g[i]);
                }
                engine.adamSteps(p, g, m, v, 0.01f, 0.9f, 0.999f, 1e-8f, decay, decoupled, t);
                for (int i = 0; i < n; i++) {
                    engine.adamStep(pWant[i], g[i], mWant[i], vWant[i], 0.01f, 0.9f, 0.999f, 1e-8f, decay[i], decoupled, t);
                }
                for (int i = 0; i < n; i++) {
                    String what = " of tensor " + i + " (" + shapes[i][0] + "×" + shapes[i][1] + ") after step " + t;
                    assertSameBits(engine.download(pWant[i]), engine.download(p[i]), "θ" + what);
                    assertSameBits(engine.download(mWant[i]), engine.download(m[i]), "m" + what);
                    assertSameBits(engine.download(vWant[i]), engine.download(v[i]), "v" + what);
                }
            }
        } finally {
            for (Tensor[] ts : new Tensor[][]{p, g, m, v, pWant, mWant, vWant}) {
                for (Tensor x : ts) {
                    if (x != null) {
                        x.close();
                    }
                }
            }
        }
    }

    /** A group that shares a tensor it updates, or whose arrays do not match, is refused before anything moves. */
    @Test
    void adamStepsRefuseAGroupThatSharesATensorOrDoesNotMatch() {
        try (Tensor p0 = engine.allocate(2, 3); Tensor p1 = engine.allocate(2, 3); Tensor g0 = engine.allocate(2, 3);
             Tensor g1 = engine.allocate(2, 3); Tensor m0 = engine.allocate(2, 3); Tensor m1 = engine.allocate(2, 3);
             Tensor v0 = engine.allocate(2, 3); Tensor v1 = engine.allocate(2, 3)) {
            float[] decay = {0f, 0f};
            engine.adamSteps(new Tensor[]{p0, p1}, new Tensor[]{g0, g1}, new Tensor[]{m0, m1}, new Tensor[]{v0, v1}, 0.01f, 0.9f, 0.999f,
                    1e-8f, decay, false, 1);
            Tensor[][][] bad = {
                    {{p0, p0}, {g0, g1}, {m0, m1}, {v0, v1}},   // a parameter twice
                    {{p0, p1}, {g0, p0}, {m0, m1}, {v0, v1}},   // a parameter as another's gradient
                    {{p0, p1}, {g0, g1}, {m0, m0}, {v0, v1}},   // a first moment twice
                    {{p0, p1}, {g0, g1}, {m0, m1}, {v0, m1}},   // a second moment that is a first moment
                    {{p0, p1}, {g0, g1}, {m0, m1}, {p1, v1}},   // a second moment that is a parameter
                    {{p0, p1}, {g0, g1}, {g1, m1}, {v0, v1}},   // a first moment that is a gradient
                    {{p0, p1}, {g0}, {m0, m1}, {v0, v1}},       // one gradient short
                    {{}, {}, {}, {}}};                          // no tensor
            for (Tensor[][] a : bad) {
                float[] d = new float[a[0].length];
                assertThrows(IllegalArgumentException.class, () -> engine.adamSteps(a[0], a[1], a[2], a[3], 0.01f, 0.9f, 0.999f, 1e-8f, d,
                        false, 1), () -> "group of " + a[0].length + " parameters, " + a[1].length + " gradients");
            }
            assertThrows(IllegalArgumentException.class, () -> engine.adamSteps(new Tensor[]{p0, p1}, new Tensor[]{g0, g1},
                    new Tensor[]{m0, m1}, new Tensor[]{v0, v1}, 0.01f, 0.9f, 0.999f, 1e-8f, new float[1], false, 1), "one weight decay short");
        }
    }

    // ------------------------------------------------------------------ memory and lifecycle

    @ParameterizedTest(name = "upload, copy, fill, download {0}×{1}")
    @MethodSource("shapeCases")
    void memoryRoundTrips(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows + 99L * cols);
        float[] x = random(rnd, rows * cols, 10f);
        float[] padded = new float[x.length + 5];
        System.arraycopy(x, 0, padded, 3, x.length);
        try (Tensor A = engine.allocate(rows, cols); Tensor B = engine.allocate(rows, cols)) {
            float[] zeros = engine.download(A);
            for (float f : zeros) {
                assertEquals(0f, f, "allocate must zero-fill");
            }
            engine.upload(padded, 3, A);
            engine.copy(A, B);
            engine.fill(A, 2.5f);
            float[] out = new float[x.length + 4];
            engine.download(B, out, 4);
            assertEquals(x[x.length - 1], out[out.length - 1]);
            assertClose(x, java.util.Arrays.copyOfRange(out, 4, out.length), 0, "upload→copy→download");
            for (float f : engine.download(A)) {
                assertEquals(2.5f, f);
            }
        }
    }

    /** The mini-batch gather: named rows (repeated, out of order), consecutive rows, and what it refuses. */
    @Test
    void uploadRowsCopiesTheNamedRowsOfTheSource() {
        int cols = 19, srcRows = 40;
        float[] src = random(new SplittableRandom(5), srcRows * cols, 3f);
        int[] order = {7, 39, 0, 7, 12, 3, 25, 1, 38, 2, 11};
        try (Tensor A = engine.allocate(6, cols); Tensor B = engine.allocate(4, cols)) {
            engine.fill(A, Float.NaN);
            engine.uploadRows(src, order, 3, A);
            float[] got = engine.download(A);
            for (int r = 0; r < 6; r++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(src[order[3 + r] * cols + j], got[r * cols + j], "row " + r + " (source row " + order[3 + r] + ")");
                }
            }
            engine.uploadRows(src, null, 36, B);
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(src, 36 * cols, 40 * cols)),
                    java.util.Arrays.toString(engine.download(B)), "consecutive rows from 36");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, null, 37, B), "rows past the source");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, order, 8, B), "indices past the array");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, new int[] {0, 1, 40, 2}, 0, B), "a row outside");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, new int[] {0, -1, 2, 3}, 0, B), "a negative row");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, order, -1, B));
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(null, order, 0, B));
        }
    }

    /**
     * The byte gather: every byte value at several divisors and row widths (vector loops and their tails), each element
     * the bits of Java's {@code (b & 0xff) / divisor}; named and consecutive rows; and what it refuses.
     */
    @Test
    void uploadRowsOfBytesConvertsAsJavaDivides() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int cols : new int[] {1, 5, 16, 19, 37, 256, 784}) {
            int srcRows = 40;
            byte[] src = new byte[srcRows * cols];
            rnd.nextBytes(src);
            for (int i = 0; i < Math.min(256, src.length); i++) {
                src[i] = (byte) i; // every value once, in the first rows
            }
            int[] order = {7, 39, 0, 7, 12, 3, 25, 1, 38, 2, 11, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10};
            for (float divisor : new float[] {255f, 1f, 3.7f, 1e-30f}) {
                try (Tensor A = engine.allocate(order.length - 2, cols); Tensor B = engine.allocate(4, cols)) {
                    engine.fill(A, Float.NaN);
                    engine.uploadRows(src, divisor, order, 2, A);
                    float[] got = engine.download(A);
                    for (int r = 0; r < A.rows(); r++) {
                        for (int j = 0; j < cols; j++) {
                            int b = src[order[2 + r] * cols + j] & 0xff;
                            assertEquals(Float.floatToRawIntBits(b / divisor), Float.floatToRawIntBits(got[r * cols + j]),
                                    "byte " + b + " / " + divisor + " at row " + r + ", column " + j + " of " + cols);
                        }
                    }
                    engine.uploadRows(src, divisor, null, 36, B);
                    got = engine.download(B);
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(Float.floatToRawIntBits((src[36 * cols + i] & 0xff) / divisor), Float.floatToRawIntBits(got[i]),
                                "consecutive rows from 36, element " + i + " of " + cols + " columns");
                    }
                }
            }
        }
        byte[] src = new byte[40 * 3];
        try (Tensor B = engine.allocate(4, 3)) {
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, 255f, null, 37, B), "rows past the source");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, 255f, new int[] {0, 1, 40, 2}, 0, B), "a row outside");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, 255f, new int[] {0, 1, 2}, 0, B), "too few indices");
            assertThrows(IllegalArgumentException.class, () -> engine.uploadRows((byte[]) null, 255f, null, 0, B));
            for (float divisor : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, 1e-40f}) {
                assertThrows(IllegalArgumentException.class, () -> engine.uploadRows(src, divisor, null, 0, B), "divisor " + divisor);
            }
        }
    }

    /**
     * A training batch of wide rows, floats and bytes: large enough that an engine may split the gather among its
     * threads, by rows or by blocks of columns (the cpu engine on two threads gathers a width of two GEMM k blocks by
     * columns); every element lands where it belongs.
     */
    @Test
    void aBatchOfWideRowsIsGatheredWhole() {
        SplittableRandom rnd = new SplittableRandom(13);
        int rows = 128, srcRows = 300;
        for (int cols : new int[] {600, 784, 1030}) {
            float[] src = random(rnd, srcRows * cols, 3f);
            byte[] bytes = new byte[srcRows * cols];
            rnd.nextBytes(bytes);
            int[] order = new int[rows + 5];
            for (int i = 0; i < order.length; i++) {
                order[i] = rnd.nextInt(srcRows);
            }
            try (Tensor A = engine.allocate(rows, cols)) {
                engine.fill(A, Float.NaN);
                engine.uploadRows(src, order, 5, A);
                float[] got = engine.download(A);
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < cols; j++) {
                        assertEquals(src[order[5 + r] * cols + j], got[r * cols + j], "floats: row " + r + ", column " + j + " of " + cols);
                    }
                }
                engine.fill(A, Float.NaN);
                engine.uploadRows(bytes, 255f, order, 5, A);
                got = engine.download(A);
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < cols; j++) {
                        assertEquals(Float.floatToRawIntBits((bytes[order[5 + r] * cols + j] & 0xff) / 255f),
                                Float.floatToRawIntBits(got[r * cols + j]), "bytes: row " + r + ", column " + j + " of " + cols);
                    }
                }
            }
        }
    }

    @Test
    void shapeMistakesAreIllegalArguments() {
        try (Tensor a = engine.allocate(3, 4); Tensor b = engine.allocate(5, 6); Tensor c = engine.allocate(3, 6)) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> engine.gemm(false, false, 1f, a, b, 0f, c));
            assertTrue(ex.getMessage().contains("3×4") || ex.getMessage().contains("4"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> engine.copy(a, b));
            assertThrows(IllegalArgumentException.class, () -> engine.upload(new float[5], 0, a));
            assertThrows(IllegalArgumentException.class, () -> engine.allocate(0, 3));
            assertThrows(IllegalArgumentException.class, () -> engine.columnSum(1f, a, c));
        }
    }

    @Test
    void closedTensorsAndForeignTensorsAreRejected() {
        Tensor t = engine.allocate(2, 2);
        t.close();
        t.close(); // idempotent
        assertTrue(t.isClosed());
        assertThrows(IllegalStateException.class, () -> engine.fill(t, 1f));
        try (Tensor foreign = ref.allocate(2, 2); Tensor mine = engine.allocate(2, 2)) {
            if (engine != ref && !(engine instanceof ReferenceEngine && foreign.engine() == engine)) {
                assertThrows(IllegalArgumentException.class, () -> engine.copy(foreign, mine));
            }
        }
    }

    @Test
    void closingAnEngineClosesItsTensors() {
        Engine fresh = createEngine();
        Tensor t = fresh.allocate(4, 4);
        fresh.close();
        fresh.close(); // idempotent
        assertTrue(fresh.isClosed());
        assertTrue(t.isClosed(), "tensors must be closed with their engine");
        assertThrows(IllegalStateException.class, () -> fresh.allocate(1, 1));
    }

    // ------------------------------------------------------------------ whole training steps

    Stream<Arguments> trainingCases() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Optimizer.Kind o : Optimizer.Kind.values()) {
                out.add(Arguments.of(o, new int[]{33, 17, 7}, Activation.TANH, Loss.MSE, Activation.IDENTITY, 64, p));
                out.add(Arguments.of(o, new int[]{64, 255, 33, 10}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, 17, p));
            }
            out.add(Arguments.of(Optimizer.Kind.SGD, new int[]{3, 1025, 2}, Activation.SIGMOID, Loss.MSE, Activation.SIGMOID, 33, p));
            out.add(Arguments.of(Optimizer.Kind.ADAM, new int[]{7, 64, 64, 64, 3}, Activation.LEAKY_RELU, Loss.MSE, Activation.TANH, 255, p));
            out.add(Arguments.of(Optimizer.Kind.ADAMW, new int[]{33, 64, 17, 7}, Activation.GELU, Loss.MSE, Activation.IDENTITY, 64, p));
            out.add(Arguments.of(Optimizer.Kind.NESTEROV, new int[]{64, 255, 33, 10}, Activation.SILU, Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, 17, p));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "3 training steps, {0}, layers {1}, {2} hidden, {3}, batch {5}, {6}")
    @MethodSource("trainingCases")
    void threeTrainingStepsMatchReference(Optimizer.Kind optimizer, int[] sizes, Activation hidden, Loss loss, Activation output, int batch,
                                          Precision precision) {
        Engine engine = engineAt(precision);
        double tol = TRAINING_TOL + (precision == Precision.FP32 ? 0 : TRAINING_ROUNDING_UNITS * precision.unitRoundoff());
        double lossTol = 1e-4 + (precision == Precision.FP32 ? 0 : TRAINING_ROUNDING_UNITS * precision.unitRoundoff());
        SplittableRandom rnd = new SplittableRandom(sizes.length * 100L + batch);
        int n = 3 * batch;
        float[] x = random(rnd, n * sizes[0], 1f);
        int outs = sizes[sizes.length - 1];
        float[] t = new float[n * outs];
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            for (int i = 0; i < n; i++) {
                t[i * outs + rnd.nextInt(outs)] = 1f;
            }
        } else {
            t = random(rnd, n * outs, 0.5f);
        }
        delta4j.data.Dataset data = new delta4j.data.Dataset(n, sizes[0], outs, x, t);
        delta4j.model.Mlp.Builder b = delta4j.model.Mlp.builder(sizes[0]).seed(7).loss(loss);
        for (int l = 1; l < sizes.length; l++) {
            b.dense(sizes[l], l == sizes.length - 1 ? output : hidden);
        }
        delta4j.model.Mlp mine = b.build(), theirs = mine.copy();
        delta4j.model.TrainingConfig cfg = delta4j.model.TrainingConfig.builder()
                .optimizer(trainingOptimizer(optimizer))
                .weightDecay(0.001f).batchSize(batch).maxEpochs(1).seed(3).build();
        var ours = new delta4j.model.Trainer(engine, cfg).fit(mine, data);
        var ref = new delta4j.model.Trainer(refAt(precision), cfg).fit(theirs, data);
        assertEquals(ref.finalTrainLoss(), ours.finalTrainLoss(), lossTol * Math.abs(ref.finalTrainLoss()) + 1e-6, "mean loss of the 3 steps");
        for (int l = 0; l < mine.depth(); l++) {
            assertClose(theirs.weights(l), mine.weights(l), tol, "W[" + l + "] after 3 " + optimizer + " steps");
            assertClose(theirs.biases(l), mine.biases(l), tol, "b[" + l + "] after 3 " + optimizer + " steps");
        }
    }

    /**
     * The optimizers of the training-step cases. Adam runs with ε = 1e-6 rather than 1e-8: for a weight
     * whose gradient is round-off-sized (a nearly dead unit), m̂/(√v̂ + ε) is ±1 whatever the gradient's
     * value, so with ε = 1e-8 two correct engines that round differently move it by different whole steps.
     * The kernel-level Adam test keeps ε = 1e-8 on O(1) gradients.
     */
    static Optimizer trainingOptimizer(Optimizer.Kind kind) {
        return switch (kind) {
            case SGD, MOMENTUM, NESTEROV -> kind.create(0.05f);
            case ADAM -> new Optimizer.Adam(0.01f, 0.9f, 0.999f, 1e-6f, false);
            case ADAMW -> new Optimizer.Adam(0.01f, 0.9f, 0.999f, 1e-6f, true);
        };
    }

    @Test
    void predictionsMatchReferenceOnAnyBatchSize() {
        delta4j.model.Mlp mlp = delta4j.model.Mlp.builder(5).dense(9, Activation.TANH).dense(4, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(11).build();
        for (int rows : new int[]{1, 2, 17, 300}) {
            float[] x = random(new SplittableRandom(rows), rows * 5, 2f);
            assertClose(mlp.predict(ref, x), mlp.predict(engine, x), ELEMENT_TOL * 10, "predict " + rows + " rows");
        }
    }

    @Test
    void softmaxStaysFiniteForHugeLogits() {
        float[] z = {1e4f, -1e4f, 0f, 3e4f, 3e4f, -3e4f};
        try (Tensor Z = engine.tensor(2, 3, z); Tensor B = engine.allocate(1, 3); Tensor A = engine.allocate(2, 3)) {
            engine.biasActivation(Z, B, Activation.SOFTMAX, A);
            assertClose(new float[]{1, 0, 0, 0.5f, 0.5f, 0}, engine.download(A), 1e-6, "softmax of ±1e4 logits");
        }
    }

    // ------------------------------------------------------------------ saturated inputs: exact values

    /**
     * The smallest float whose tanh, rounded to float, is 1 (9.010914): from here on the exact answer is ±1
     * and φ' = 1 − a² is exactly 0. Just below it the exact answer is 0.99999994, which an engine may round
     * either way.
     */
    public static final float TANH_SATURATES_AT = 9.010914f;

    /**
     * Inputs far past saturation that every element-wise φ must map to its exact limit: huge values, the
     * largest float, infinity, and for tanh and sigmoid the knife edge where their float value first
     * becomes exact (tanh from {@link #TANH_SATURATES_AT}; sigmoid is 1 from 17.33 on and 0 from −103.98 on).
     */
    static float[] saturatedInputs(Activation act) {
        float[] finite = {1e6f, -1e6f, 1e3f, -1e3f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE};
        float[] infinite = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        // z·Φ(z) and z·σ(z) at −∞ are −∞·0, NaN in IEEE arithmetic (as in PyTorch): GELU and SiLU are held to
        // their limits at finite inputs only.
        float[] huge = switch (act) {
            case GELU, SILU -> finite;
            case IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTMAX -> concat(finite, infinite);
        };
        float[] edge = switch (act) {
            case TANH -> new float[]{TANH_SATURATES_AT, -TANH_SATURATES_AT, Math.nextUp(TANH_SATURATES_AT),
                    -Math.nextUp(TANH_SATURATES_AT), 10f, -10f, 20f, -20f, 88f, -88f, 89f, -89f};
            case SIGMOID -> new float[]{17.4f, 20f, 88f, 89f, -104f, -200f};
            case IDENTITY, RELU, LEAKY_RELU -> new float[]{20f, -20f, 1e38f, -1e38f};
            // Past |z| ≈ 89 e^{−|z|} underflows in float and both are z or −0 exactly (SiLU's true value at −89
            // is still −2e-37, so the edge stays well beyond).
            case GELU, SILU -> new float[]{200f, -200f, 1e38f, -1e38f};
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise: softmaxOfHugeLogitsIsExact");
        };
        return concat(huge, edge);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** φ(z) on {@link #saturatedInputs}: the exact limit. */
    static float saturatedPhi(Activation act, float z) {
        return switch (act) {
            case IDENTITY -> z;
            case SIGMOID -> z > 0 ? 1f : 0f;
            case TANH -> z > 0 ? 1f : -1f;
            case RELU -> z > 0 ? z : 0f;
            case LEAKY_RELU -> z > 0 ? z : Activation.LEAKY_SLOPE * z;
            case GELU, SILU -> z > 0 ? z : 0f;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise");
        };
    }

    /** φ'(z) on {@link #saturatedInputs}: exactly 0 where φ is flat in float. */
    static float saturatedPhiPrime(Activation act, float z) {
        return switch (act) {
            case IDENTITY -> 1f;
            case SIGMOID, TANH -> 0f;
            case RELU -> z > 0 ? 1f : 0f;
            case LEAKY_RELU -> z > 0 ? 1f : Activation.LEAKY_SLOPE;
            case GELU, SILU -> z > 0 ? 1f : 0f;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise");
        };
    }

    /**
     * Saturated inputs give exact values, not values an ulp away: tanh(±1e6) = ±1 with φ' = 0, sigmoid(1e3) = 1
     * and sigmoid(−1e3) = 0 with φ' = 0, the rectifiers and identity pass huge values through. An engine whose
     * tanh stops at 0.99999994 gives φ' = 1.2e-7 where the true derivative is 0, and a first-layer weight
     * gradient far from 0 for inputs far outside the training data. Checked through biasActivation,
     * activationBackward (G = 1 and G = −2.5) and the MSE output δ on a 3 × 37 tensor (whole vectors and tails).
     */
    @ParameterizedTest(name = "saturated inputs, {0}")
    @MethodSource("elementwiseActivations")
    void saturatedInputsGiveExactValues(Activation act) {
        float[] pattern = saturatedInputs(act);
        int rows = 3, cols = 37;
        float[] z = new float[rows * cols], wantA = new float[z.length], wantPrime = new float[z.length];
        for (int e = 0; e < z.length; e++) {
            z[e] = pattern[e % pattern.length];
            wantA[e] = saturatedPhi(act, z[e]);
            wantPrime[e] = saturatedPhiPrime(act, z[e]);
        }
        float[] target = new float[z.length], ones = new float[z.length], minus = new float[z.length];
        java.util.Arrays.fill(target, 0.25f);
        java.util.Arrays.fill(ones, 1f);
        java.util.Arrays.fill(minus, -2.5f);
        float[] wantMinus = new float[z.length], wantDelta = new float[z.length];
        double wantLoss = 0;
        for (int e = 0; e < z.length; e++) {
            wantMinus[e] = -2.5f * wantPrime[e];
            float diff = wantA[e] - target[e];
            wantDelta[e] = diff * wantPrime[e];
            wantLoss += 0.5 * (double) diff * diff;
        }
        try (Tensor Z = engine.tensor(rows, cols, z); Tensor B = engine.allocate(1, cols); Tensor A = engine.allocate(rows, cols);
             Tensor G = engine.tensor(rows, cols, ones); Tensor D = engine.allocate(rows, cols); Tensor T = engine.tensor(rows, cols, target);
             Tensor L = engine.allocate(1, 1)) {
            engine.biasActivation(Z, B, act, A);
            assertExact(z, engine.download(Z), act + ": Zin + 0", z);
            assertExact(wantA, engine.download(A), act + ": φ(z)", z);
            engine.activationBackward(G, Z, A, act, D);
            assertExact(wantPrime, engine.download(D), act + ": φ'(z) (G = 1)", z);
            engine.upload(minus, G);
            engine.activationBackward(G, Z, A, act, G);
            assertExact(wantMinus, engine.download(G), act + ": −2.5·φ'(z), in place", z);
            engine.outputDelta(Loss.MSE, act, Z, A, T, D, L, 0);
            assertExact(wantDelta, engine.download(D), act + ": MSE δ = (φ(z) − 0.25)·φ'(z)", z);
            assertEquals((float) wantLoss, engine.download(L)[0], act + ": MSE loss Σ ½(φ(z) − 0.25)²");
        }
    }

    /**
     * Softmax of logits far apart is exactly one-hot, or exactly 1/k over k tied maxima (k = 1, 2, 4: powers of
     * two, so no division rounds); its cross-entropy δ = A − T is exact and its loss is −(z_t − max) + log k
     * (2e6 for a target 2e6 below the maximum), rounded once to float. Rows of 3 and of 37 logits.
     */
    @ParameterizedTest(name = "softmax of huge logits, {0} columns")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 37})
    void softmaxOfHugeLogitsIsExact(int cols) {
        int rows = 5;
        float[] z = new float[rows * cols], wantA = new float[z.length], t = new float[z.length];
        int[] targetOf = new int[rows];
        // row 0: 1e6, −1e6, 0, 0, ... → one-hot at 0; target at 1 (loss 2e6)
        z[0] = 1e6f;
        z[1] = -1e6f;
        wantA[0] = 1f;
        targetOf[0] = 1;
        // row 1: −1e6 everywhere but the last, −0.99e6 → one-hot at the last; target there (loss 0)
        for (int k = 0; k < cols; k++) {
            z[cols + k] = k == cols - 1 ? -0.99e6f : -1e6f;
        }
        wantA[cols + cols - 1] = 1f;
        targetOf[1] = cols - 1;
        // row 2: 3e4 at 0 and 1, −3e4 elsewhere → ½, ½; target at 0 (loss log 2)
        for (int k = 0; k < cols; k++) {
            z[2 * cols + k] = k < 2 ? 3e4f : -3e4f;
            wantA[2 * cols + k] = k < 2 ? 0.5f : 0f;
        }
        targetOf[2] = 0;
        // row 3: the largest float at 0 and at the last, its negative elsewhere (z − max = −∞ in float) → ½, ½
        for (int k = 0; k < cols; k++) {
            boolean top = k == 0 || k == cols - 1;
            z[3 * cols + k] = top ? Float.MAX_VALUE : -Float.MAX_VALUE;
            wantA[3 * cols + k] = top ? 0.5f : 0f;
        }
        targetOf[3] = cols - 1;
        // row 4: with 37 columns, 1e30 at four places and −1e30 elsewhere → ¼ each; with 3, all equal → 1/3 is not
        // exact, so 1e30 at 0 and 2 (½ each)
        int[] tops = cols >= 37 ? new int[]{1, 10, 20, 36} : new int[]{0, 2};
        for (int k = 0; k < cols; k++) {
            z[4 * cols + k] = -1e30f;
        }
        for (int k : tops) {
            z[4 * cols + k] = 1e30f;
            wantA[4 * cols + k] = 1f / tops.length;
        }
        targetOf[4] = tops[0];
        double wantLoss = 2e6 + Math.log(2) + Math.log(2) + Math.log(tops.length);
        float[] wantDelta = wantA.clone();
        for (int i = 0; i < rows; i++) {
            t[i * cols + targetOf[i]] = 1f;
            wantDelta[i * cols + targetOf[i]] -= 1f;
        }
        try (Tensor Z = engine.tensor(rows, cols, z); Tensor B = engine.allocate(1, cols); Tensor A = engine.allocate(rows, cols);
             Tensor T = engine.tensor(rows, cols, t); Tensor D = engine.allocate(rows, cols); Tensor L = engine.allocate(1, 1)) {
            engine.biasActivation(Z, B, Activation.SOFTMAX, A);
            assertExact(wantA, engine.download(A), "softmax of huge logits", z);
            engine.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, Z, A, T, D, L, 0);
            assertExact(wantDelta, engine.download(D), "cross-entropy δ = A − T", z);
            float loss = engine.download(L)[0];
            assertEquals((float) wantLoss, loss, Math.ulp((float) wantLoss), "cross-entropy loss of huge logits");
        }
    }

    /** want[i] == got[i] for every element (+0 and −0 equal, NaN equal to NaN), the first miss named with its input. */
    static void assertExact(float[] want, float[] got, String what, float[] input) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (!(want[i] == got[i]) && !(Float.isNaN(want[i]) && Float.isNaN(got[i]))) {
                fail(what + ": element " + i + " (input " + input[i] + ") is " + got[i] + ", exactly " + want[i] + " expected");
            }
        }
    }

    @Test
    void concurrentPredictionsOnTheEngineAgreeWithSequentialOnes() throws Exception {
        delta4j.model.Mlp mlp = delta4j.model.Mlp.builder(8).dense(33, Activation.RELU).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inputs.add(random(new SplittableRandom(i), (1 + 5 * i) * 8, 1f));
        }
        ConcurrentPredictions.assertAgreeWithSequential(mlp, engine, inputs, 3, 6, "");
    }

    @Test
    void aPredictorGivesTheOneShotPredictionsFromManyThreads() throws Exception {
        delta4j.model.Mlp mlp = delta4j.model.Mlp.builder(8).dense(33, Activation.RELU).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inputs.add(random(new SplittableRandom(50 + i), (1 + 7 * (i % 4)) * 8, 1f));
        }
        try (delta4j.model.Predictor p = mlp.predictor(engine)) {
            List<float[]> oneShot = new ArrayList<>();
            for (float[] x : inputs) {
                oneShot.add(mlp.predict(engine, x));
                assertArrayEquals(oneShot.getLast(), p.predict(x), "predictor, " + x.length / 8 + " rows");
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (float[] x : inputs) {
                        futures.add(pool.submit(() -> {
                            float[] out = new float[x.length / 8 * 3];
                            p.predict(x, out);
                            return out;
                        }));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(oneShot.get(i % inputs.size()), futures.get(i).get(), "concurrent predictor call " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void concurrentKernelCallsOnOwnTensorsAgreeWithSequentialOnes() throws Exception {
        int threads = 4, rounds = 25;
        float[][] a = new float[threads][], b = new float[threads][], want = new float[threads][];
        for (int t = 0; t < threads; t++) {
            a[t] = random(new SplittableRandom(100 + t), 33 * 65, 1f);
            b[t] = random(new SplittableRandom(200 + t), 65 * 17, 1f);
            try (Tensor A = engine.tensor(33, 65, a[t]); Tensor B = engine.tensor(65, 17, b[t]); Tensor C = engine.allocate(33, 17);
                 Tensor bias = engine.allocate(1, 17)) {
                engine.gemm(false, false, 1f, A, B, 0f, C);
                engine.biasActivation(C, bias, Activation.TANH, C);
                want[t] = engine.download(C);
            }
        }
        onThreads(threads, me -> {
            try (Tensor A = engine.tensor(33, 65, a[me]); Tensor B = engine.tensor(65, 17, b[me]);
                 Tensor C = engine.allocate(33, 17); Tensor bias = engine.allocate(1, 17)) {
                for (int r = 0; r < rounds; r++) {
                    engine.gemm(false, false, 1f, A, B, 0f, C);
                    engine.biasActivation(C, bias, Activation.TANH, C);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(want[me], engine.download(C), "thread " + me + " round " + r);
                }
            }
        });
    }

    /**
     * Tensors are allocated and closed from several threads at once (as a server's request threads do); the engine's
     * record of live tensors must stay whole, so that closing the engine closes exactly those left open.
     */
    @Test
    void tensorsAllocatedAndClosedFromManyThreadsAreAllAccountedFor() throws Exception {
        int threads = 4, rounds = 400;
        Engine fresh = createEngine();
        List<Tensor> kept = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            onThreads(threads, me -> {
                for (int r = 0; r < rounds; r++) {
                    Tensor x = fresh.allocate(1, 1 + r % 7);
                    if (r % 10 == 0) {
                        kept.add(x);
                    } else {
                        x.close();
                    }
                }
            });
        } finally {
            fresh.close();
        }
        assertEquals(threads * rounds / 10, kept.size());
        for (Tensor x : kept) {
            assertTrue(x.isClosed(), "a tensor left open must be closed with its engine: " + x);
        }
    }

    // ------------------------------------------------------------------ dropout

    Stream<Arguments> dropoutCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : matrixShapes()) {
            for (float p : new float[]{0f, 0.2f, 0.5f, 0.9f}) {
                out.add(Arguments.of(s[0], s[1], p));
            }
        }
        return out.stream();
    }

    /**
     * Dropout is exact: the mask is {@link delta4j.engine.DropoutMask}'s, so every element equals the reference's bit
     * for bit, dropped ones +0 (whatever the sign of x, −0 or NaN included) and kept ones x·scale(p) rounded once;
     * out of place, in place (Y = X) and as the backward pass (the same key on G gives the same zeros). Keys from two
     * seeds, so that an engine that ignores part of the key fails.
     */
    @ParameterizedTest(name = "dropout {0}×{1} p={2}")
    @MethodSource("dropoutCases")
    void dropoutIsExactlyTheReferenceMask(int rows, int cols, float p) {
        SplittableRandom rnd = new SplittableRandom(rows * 41L + cols * 3L + Float.floatToIntBits(p));
        float[] x = random(rnd, rows * cols, 3f);
        for (int e = 0; e < x.length; e += 11) {
            x[e] = switch (e / 11 % 4) {
                case 0 -> -0f;
                case 1 -> Float.NaN;
                case 2 -> Float.NEGATIVE_INFINITY;
                default -> -1e38f;
            };
        }
        for (long key : new long[]{delta4j.engine.DropoutMask.key(7, 0, 3, 1), delta4j.engine.DropoutMask.key(-123456789L, 41, 0, 0)}) {
            float[] want = dropoutOn(ref, rows, cols, x, p, key, false);
            int threshold = delta4j.engine.DropoutMask.threshold(p);
            float scale = delta4j.engine.DropoutMask.scale(p);
            for (int e = 0; e < x.length; e++) { // the oracle itself keeps the definition
                float expect = delta4j.engine.DropoutMask.keep(key, e, threshold) ? x[e] * scale : 0f;
                assertEquals(Float.floatToIntBits(expect), Float.floatToIntBits(want[e]), "reference dropout element " + e);
            }
            assertBits(want, dropoutOn(engine, rows, cols, x, p, key, false), "dropout p=" + p, x);
            assertBits(want, dropoutOn(engine, rows, cols, x, p, key, true), "dropout p=" + p + " in place", x);
        }
    }

    /** Y = dropout(X) with the engine, out of place or in place. */
    static float[] dropoutOn(Engine e, int rows, int cols, float[] x, float p, long key, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor Y = e.tensor(rows, cols, nan(rows * cols))) {
            Tensor out = inPlace ? X : Y;
            e.dropout(X, p, key, out);
            return e.download(out);
        }
    }

    /** The fraction of dropped elements is p to within 5 standard deviations, and masks of different keys differ. */
    @Test
    void dropoutDropsAboutAFractionP() {
        int rows = 255, cols = 64;
        float[] ones = new float[rows * cols];
        java.util.Arrays.fill(ones, 1f);
        for (float p : new float[]{0.2f, 0.5f, 0.9f}) {
            float[] a = dropoutOn(engine, rows, cols, ones, p, delta4j.engine.DropoutMask.key(1, 0, 0, 0), false);
            float[] b = dropoutOn(engine, rows, cols, ones, p, delta4j.engine.DropoutMask.key(1, 0, 1, 0), false);
            int dropped = 0, differ = 0;
            for (int e = 0; e < a.length; e++) {
                dropped += a[e] == 0f ? 1 : 0;
                differ += (a[e] == 0f) != (b[e] == 0f) ? 1 : 0;
            }
            double sd = Math.sqrt(a.length * p * (1 - p));
            assertEquals(a.length * p, dropped, 5 * sd, "dropped elements at p=" + p);
            assertEquals(a.length * 2 * p * (1 - p), differ, 5 * Math.sqrt(a.length * 2 * p * (1 - p)), "masks of two steps at p=" + p);
        }
    }

    /**
     * Fails unless {@code got} holds the same raw bits as {@code want}, element by element, NaN payloads included
     * ({@link #assertBits} counts every NaN as one, for kernels whose NaNs may differ in payload).
     *
     * @param want the expected floats
     * @param got the floats to check
     * @param what what they are and where the expected ones came from, for the message
     */
    public static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ": element " + i + " = " + got[i] + ", expected " + want[i]);
            }
        }
    }

    /** want and got hold the same bits, every NaN counted as one. */
    static void assertBits(float[] want, float[] got, String what, float[] input) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                fail(what + ": element " + i + " (input " + input[i] + ") is " + got[i] + ", exactly " + want[i] + " expected (bit for bit)");
            }
        }
    }

    // ------------------------------------------------------------------ layer and batch normalisation

    /**
     * (rows, cols) pairs for the normalisation kernels: one sample or unit, a few, and 1025 of them, in both
     * directions (batch normalisation skips the single-row shapes).
     */
    static List<int[]> normShapes() {
        List<int[]> s = new ArrayList<>();
        for (int r : new int[]{1, 2, 3, 17, 64, 255}) {
            for (int c : new int[]{1, 2, 7, 33, 64, 1025}) {
                s.add(new int[]{r, c});
            }
        }
        s.add(new int[]{1025, 3});
        s.add(new int[]{1025, 17});
        return s;
    }

    Stream<Arguments> layerNormCases() {
        return normShapes().stream().map(s -> Arguments.of(s[0], s[1]));
    }

    Stream<Arguments> batchNormCases() {
        return normShapes().stream().filter(s -> s[0] >= 2).map(s -> Arguments.of(s[0], s[1]));
    }

    /**
     * Inputs whose statistics differ by group (a row for layer normalisation, a column for batch normalisation): a
     * scale log-uniform in [0.1, 10] and a mean up to ±3 scales, so every group has its own rstd.
     */
    static float[] normInput(SplittableRandom rnd, int rows, int cols, boolean byColumn) {
        int groups = byColumn ? cols : rows;
        double[] scale = new double[groups], offset = new double[groups];
        for (int g = 0; g < groups; g++) {
            scale[g] = Math.pow(10, rnd.nextDouble() * 2 - 1);
            offset[g] = (rnd.nextDouble() * 6 - 3) * scale[g];
        }
        float[] x = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int g = byColumn ? j : i;
                x[i * cols + j] = (float) (offset[g] + scale[g] * (rnd.nextDouble() * 2 - 1));
            }
        }
        return x;
    }

    /** Gains γ in ±[0.5, 1.5]. */
    static float[] gains(SplittableRandom rnd, int n) {
        float[] g = new float[n];
        for (int j = 0; j < n; j++) {
            g[j] = (float) ((0.5 + rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1));
        }
        return g;
    }

    /** {x̂, rstd, y} of layerNorm on an engine; y in place (Y = X) when asked. */
    static float[][] layerNormOn(Engine e, int rows, int cols, float[] x, float[] gamma, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor H = e.tensor(rows, cols, nan(rows * cols));
             Tensor R = e.tensor(rows, 1, nan(rows)); Tensor Y = e.tensor(rows, cols, nan(rows * cols))) {
            Tensor out = inPlace ? X : Y;
            e.layerNorm(X, G, NORM_EPSILON, H, R, out);
            return new float[][]{e.download(H), e.download(R), e.download(out)};
        }
    }

    /** {x̂, rstd, y, running mean, running variance} after {@code xs.length} batchNorm calls on an engine. */
    static float[][] batchNormOn(Engine e, int rows, int cols, float[][] xs, float[] gamma, float[] rm, float[] rv, boolean inPlace) {
        try (Tensor G = e.tensor(1, cols, gamma); Tensor RM = e.tensor(1, cols, rm); Tensor RV = e.tensor(1, cols, rv);
             Tensor H = e.tensor(rows, cols, nan(rows * cols)); Tensor R = e.tensor(1, cols, nan(cols));
             Tensor Y = e.tensor(rows, cols, nan(rows * cols))) {
            float[] y = null;
            for (float[] x : xs) {
                try (Tensor X = e.tensor(rows, cols, x)) {
                    Tensor out = inPlace ? X : Y;
                    e.batchNorm(X, G, NORM_EPSILON, NORM_MOMENTUM, RM, RV, H, R, out);
                    y = e.download(out);
                }
            }
            return new float[][]{e.download(H), e.download(R), y, e.download(RM), e.download(RV)};
        }
    }

    /**
     * Checks a forward normalisation against the reference's: rstd relative, x̂ and y = γ x̂ absolute, with the bounds
     * of the class comment. m is the number of terms of each statistic; {@code byColumn} for batch normalisation.
     */
    static void assertNormForward(float[] x, float[] gamma, float[][] want, float[][] got, int rows, int cols, boolean byColumn, String what) {
        int m = byColumn ? rows : cols;
        double reduce = 1 + Math.sqrt(m);
        float[] rstd = want[1];
        double[] mean = new double[rstd.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                mean[byColumn ? j : i] += x[i * cols + j] / (double) m;
            }
        }
        for (int g = 0; g < rstd.length; g++) {
            double allowed = (ELEMENT_TOL + NORM_MEAN_TOL * reduce * (1 + Math.abs(mean[g]) * rstd[g])) * rstd[g];
            if (!(Math.abs(rstd[g] - got[1][g]) <= allowed)) {
                fail(what + ": rstd[" + g + "] is " + got[1][g] + ", reference " + rstd[g] + " (allowed ±" + allowed + ")");
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int e = i * cols + j, g = byColumn ? j : i;
                double allowed = ELEMENT_TOL * (1 + Math.abs(want[0][e])) + NORM_MEAN_TOL * reduce * (Math.abs(mean[g]) + Math.abs(x[e])) * rstd[g];
                if (!(Math.abs(want[0][e] - got[0][e]) <= allowed)) {
                    fail(what + ": x̂[" + i + "][" + j + "] is " + got[0][e] + ", reference " + want[0][e] + " (allowed ±" + allowed + ")");
                }
                double allowedY = allowed * Math.abs(gamma[j]) + 1e-30;
                if (!(Math.abs(want[2][e] - got[2][e]) <= allowedY)) {
                    fail(what + ": y[" + i + "][" + j + "] is " + got[2][e] + ", reference " + want[2][e] + " (allowed ±" + allowedY + ")");
                }
            }
        }
    }

    @ParameterizedTest(name = "layerNorm {0}×{1}")
    @MethodSource("layerNormCases")
    void layerNormMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 1013L + cols);
        float[] x = normInput(rnd, rows, cols, false), gamma = gains(rnd, cols);
        float[][] want = layerNormOn(ref, rows, cols, x, gamma, false);
        assertNormForward(x, gamma, want, layerNormOn(engine, rows, cols, x, gamma, false), rows, cols, false, "layerNorm");
        assertNormForward(x, gamma, want, layerNormOn(engine, rows, cols, x, gamma, true), rows, cols, false, "layerNorm in place");
    }

    @ParameterizedTest(name = "batchNorm {0}×{1}, 3 calls")
    @MethodSource("batchNormCases")
    void batchNormMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 2027L + cols);
        float[][] xs = {normInput(rnd, rows, cols, true), normInput(rnd, rows, cols, true), normInput(rnd, rows, cols, true)};
        float[] gamma = gains(rnd, cols), rm = random(rnd, cols, 1f), rv = new float[cols];
        for (int j = 0; j < cols; j++) {
            rv[j] = (float) (0.5 + rnd.nextDouble());
        }
        float[][] want = batchNormOn(ref, rows, cols, xs, gamma, rm, rv, false);
        for (boolean inPlace : new boolean[]{false, true}) {
            float[][] got = batchNormOn(engine, rows, cols, xs, gamma, rm, rv, inPlace);
            String what = "batchNorm" + (inPlace ? " in place" : "");
            assertNormForward(xs[2], gamma, want, got, rows, cols, true, what);
            // Three updates with momentum 0.1 of statistics whose means are up to 30 and variances up to 100.
            assertClose(want[3], got[3], ELEMENT_TOL * (1 + Math.sqrt(rows)), what + ": running mean after 3 calls");
            assertRelative(want[4], got[4], ELEMENT_TOL * (1 + Math.sqrt(rows)), what + ": running variance after 3 calls");
        }
    }

    /**
     * A large mean (1000 ± 1) costs a float engine only the rounding of x − μ, not the variance: a one-pass
     * E[x²] − μ² in float loses it entirely here, and fails.
     */
    @ParameterizedTest(name = "normalisation of inputs 1000 ± 1, {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void normalisationOfALargeMeanKeepsItsVariance(boolean batch) {
        int rows = batch ? 1025 : 17, cols = batch ? 17 : 1025;
        SplittableRandom rnd = new SplittableRandom(batch ? 3 : 4);
        float[] x = random(rnd, rows * cols, 1f);
        for (int e = 0; e < x.length; e++) {
            x[e] += 1000f;
        }
        float[] gamma = gains(rnd, cols), rm = new float[cols], rv = new float[cols];
        java.util.Arrays.fill(rv, 1f);
        if (batch) {
            float[][] want = batchNormOn(ref, rows, cols, new float[][]{x}, gamma, rm, rv, false);
            float[][] got = batchNormOn(engine, rows, cols, new float[][]{x}, gamma, rm, rv, false);
            assertNormForward(x, gamma, want, got, rows, cols, true, "batchNorm of 1000 ± 1");
            assertRelative(want[4], got[4], 1e-3, "running variance of 1000 ± 1");
        } else {
            assertNormForward(x, gamma, layerNormOn(ref, rows, cols, x, gamma, false), layerNormOn(engine, rows, cols, x, gamma, false),
                    rows, cols, false, "layerNorm of 1000 ± 1");
        }
    }

    /** {dx, dγ} of a normalisation's backward twin on an engine; dx in place (dx = δ) when asked. */
    static float[][] normBackwardOn(Engine e, boolean batch, int rows, int cols, float[] dy, float[] xhat, float[] rstd, float[] gamma,
                                    float alpha, boolean inPlace) {
        try (Tensor DY = e.tensor(rows, cols, dy); Tensor H = e.tensor(rows, cols, xhat);
             Tensor R = batch ? e.tensor(1, cols, rstd) : e.tensor(rows, 1, rstd); Tensor G = e.tensor(1, cols, gamma);
             Tensor DX = e.tensor(rows, cols, nan(rows * cols)); Tensor DG = e.tensor(1, cols, nan(cols))) {
            Tensor out = inPlace ? DY : DX;
            if (batch) {
                e.batchNormBackward(DY, H, R, G, alpha, out, DG);
            } else {
                e.layerNormBackward(DY, H, R, G, alpha, out, DG);
            }
            return new float[][]{e.download(out), e.download(DG)};
        }
    }

    /**
     * Checks a backward normalisation against the reference's, each element within {@value #ELEMENT_TOL}·(1 + √m) of
     * its scale: the same expression with every term replaced by its absolute value (see the class comment).
     */
    static void assertNormBackward(boolean batch, int rows, int cols, float[] dy, float[] xhat, float[] rstd, float[] gamma, float alpha,
                                   float[][] want, float[][] got, String what) {
        int m = batch ? rows : cols;
        int groups = batch ? cols : rows;
        double[] meanG = new double[groups], meanGH = new double[groups], dg = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int e = i * cols + j, g = batch ? j : i;
                double gij = Math.abs((double) gamma[j] * dy[e]);
                meanG[g] += gij / m;
                meanGH[g] += gij * Math.abs(xhat[e]) / m;
                dg[j] += Math.abs((double) dy[e] * xhat[e]) * Math.abs(alpha);
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int e = i * cols + j, g = batch ? j : i;
                double scale = rstd[g] * (Math.abs((double) gamma[j] * dy[e]) + meanG[g] + Math.abs(xhat[e]) * meanGH[g]);
                double allowed = ELEMENT_TOL * (1 + Math.sqrt(m)) * scale + 1e-30;
                if (!(Math.abs(want[0][e] - got[0][e]) <= allowed)) {
                    fail(what + ": dx[" + i + "][" + j + "] is " + got[0][e] + ", reference " + want[0][e] + " (allowed ±" + allowed + ")");
                }
            }
        }
        for (int j = 0; j < cols; j++) {
            double allowed = ELEMENT_TOL * (1 + Math.sqrt(rows)) * dg[j] + 1e-30;
            if (!(Math.abs(want[1][j] - got[1][j]) <= allowed)) {
                fail(what + ": dγ[" + j + "] is " + got[1][j] + ", reference " + want[1][j] + " (allowed ±" + allowed + ")");
            }
        }
    }

    @ParameterizedTest(name = "layerNormBackward {0}×{1}")
    @MethodSource("layerNormCases")
    void layerNormBackwardMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 3001L + cols);
        float[] x = normInput(rnd, rows, cols, false), gamma = gains(rnd, cols), dy = random(rnd, rows * cols, 1f);
        float[][] fwd = layerNormOn(ref, rows, cols, x, gamma, false);
        float alpha = 1f / rows;
        float[][] want = normBackwardOn(ref, false, rows, cols, dy, fwd[0], fwd[1], gamma, alpha, false);
        for (boolean inPlace : new boolean[]{false, true}) {
            assertNormBackward(false, rows, cols, dy, fwd[0], fwd[1], gamma, alpha, want,
                    normBackwardOn(engine, false, rows, cols, dy, fwd[0], fwd[1], gamma, alpha, inPlace),
                    "layerNormBackward" + (inPlace ? " in place" : ""));
        }
    }

    @ParameterizedTest(name = "batchNormBackward {0}×{1}")
    @MethodSource("batchNormCases")
    void batchNormBackwardMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 4003L + cols);
        float[] x = normInput(rnd, rows, cols, true), gamma = gains(rnd, cols), dy = random(rnd, rows * cols, 1f);
        float[][] fwd = batchNormOn(ref, rows, cols, new float[][]{x}, gamma, new float[cols], new float[cols], false);
        float alpha = 1f / rows;
        float[][] want = normBackwardOn(ref, true, rows, cols, dy, fwd[0], fwd[1], gamma, alpha, false);
        for (boolean inPlace : new boolean[]{false, true}) {
            assertNormBackward(true, rows, cols, dy, fwd[0], fwd[1], gamma, alpha, want,
                    normBackwardOn(engine, true, rows, cols, dy, fwd[0], fwd[1], gamma, alpha, inPlace),
                    "batchNormBackward" + (inPlace ? " in place" : ""));
        }
    }

    /** y of batchNormInference on an engine; in place (Y = X) when asked. */
    static float[] batchNormInferenceOn(Engine e, int rows, int cols, float[] x, float[] gamma, float[] rm, float[] rv, boolean inPlace) {
        try (Tensor X = e.tensor(rows, cols, x); Tensor G = e.tensor(1, cols, gamma); Tensor RM = e.tensor(1, cols, rm);
             Tensor RV = e.tensor(1, cols, rv); Tensor Y = e.tensor(rows, cols, nan(rows * cols))) {
            Tensor out = inPlace ? X : Y;
            e.batchNormInference(X, G, NORM_EPSILON, RM, RV, out);
            return e.download(out);
        }
    }

    /** Running variances from 0 (y = γ(x − μ)/√ε) to 100; each element within {@value #ELEMENT_TOL} of its scale. */
    @ParameterizedTest(name = "batchNormInference {0}×{1}")
    @MethodSource("layerNormCases")
    void batchNormInferenceMatchesReference(int rows, int cols) {
        SplittableRandom rnd = new SplittableRandom(rows * 5003L + cols);
        float[] x = normInput(rnd, rows, cols, true), gamma = gains(rnd, cols), rm = random(rnd, cols, 3f), rv = new float[cols];
        for (int j = 0; j < cols; j++) {
            rv[j] = j % 5 == 0 ? 0f : (float) Math.pow(10, rnd.nextDouble() * 4 - 2);
        }
        float[] want = batchNormInferenceOn(ref, rows, cols, x, gamma, rm, rv, false);
        for (boolean inPlace : new boolean[]{false, true}) {
            float[] got = batchNormInferenceOn(engine, rows, cols, x, gamma, rm, rv, inPlace);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    int e = i * cols + j;
                    double scale = Math.abs(gamma[j]) * (Math.abs(x[e]) + Math.abs(rm[j])) / Math.sqrt(rv[j] + (double) NORM_EPSILON);
                    if (!(Math.abs(want[e] - got[e]) <= ELEMENT_TOL * scale + 1e-30)) {
                        fail("batchNormInference" + (inPlace ? " in place" : "") + ": y[" + i + "][" + j + "] is " + got[e] + ", reference "
                                + want[e] + " (allowed ±" + ELEMENT_TOL * scale + ")");
                    }
                }
            }
        }
    }

    /**
     * Constant samples (layer normalisation) and constant units (batch normalisation) have no variance: x̂ and y are
     * exactly 0 (the mean of equal values is that value), rstd is 1/√ε, and the backward twins give finite gradients
     * that match the reference's (dγ exactly 0). The constants are sums of few powers of two, so any summation order
     * adds them exactly.
     */
    @ParameterizedTest(name = "constant inputs, {0}×{1}")
    @MethodSource("batchNormCases")
    void constantInputsNormaliseToZero(int rows, int cols) {
        float[] constants = {0f, -3f, 0.5f, 2.25f, 1024f, -0.375f};
        SplittableRandom rnd = new SplittableRandom(rows * 7919L + cols);
        float[] gamma = gains(rnd, cols), dy = random(rnd, rows * cols, 1f);
        for (boolean batch : new boolean[]{false, true}) {
            float[] x = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    x[i * cols + j] = constants[(batch ? j : i) % constants.length];
                }
            }
            String what = (batch ? "batchNorm of constant columns" : "layerNorm of constant rows");
            float[][] want = batch ? batchNormOn(ref, rows, cols, new float[][]{x}, gamma, new float[cols], new float[cols], false)
                    : layerNormOn(ref, rows, cols, x, gamma, false);
            float[][] got = batch ? batchNormOn(engine, rows, cols, new float[][]{x}, gamma, new float[cols], new float[cols], false)
                    : layerNormOn(engine, rows, cols, x, gamma, false);
            float[] zeros = new float[rows * cols];
            assertExact(zeros, want[0], "reference " + what + ": x̂", x);
            assertExact(zeros, got[0], what + ": x̂", x);
            assertExact(zeros, got[2], what + ": y", x);
            float[] rstd = new float[want[1].length];
            java.util.Arrays.fill(rstd, (float) (1 / Math.sqrt(NORM_EPSILON)));
            assertRelative(rstd, got[1], ELEMENT_TOL, what + ": rstd = 1/√ε");
            float[][] wantBack = normBackwardOn(ref, batch, rows, cols, dy, want[0], want[1], gamma, 1f / rows, false);
            float[][] gotBack = normBackwardOn(engine, batch, rows, cols, dy, got[0], got[1], gamma, 1f / rows, false);
            for (float v : gotBack[0]) {
                assertTrue(Float.isFinite(v), what + ": dx must be finite, got " + v);
            }
            assertExact(new float[cols], gotBack[1], what + ": dγ", gamma);
            assertNormBackward(batch, rows, cols, dy, want[0], want[1], gamma, 1f / rows, wantBack, gotBack, what + " backward");
        }
    }

    @Test
    void normalisationAndDropoutRejectBadArguments() {
        try (Tensor x = engine.allocate(3, 4); Tensor y = engine.allocate(3, 4); Tensor h = engine.allocate(3, 4);
             Tensor g = engine.tensor(1, 4, new float[]{1, 1, 1, 1}); Tensor rowStd = engine.allocate(3, 1); Tensor colStd = engine.allocate(1, 4);
             Tensor rm = engine.allocate(1, 4); Tensor rv = engine.allocate(1, 4); Tensor dg = engine.allocate(1, 4);
             Tensor one = engine.allocate(1, 4); Tensor oneH = engine.allocate(1, 4); Tensor oneY = engine.allocate(1, 4)) {
            IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
                    () -> engine.batchNorm(one, g, NORM_EPSILON, NORM_MOMENTUM, rm, rv, oneH, colStd, oneY));
            assertTrue(single.getMessage().contains("at least 2") && single.getMessage().contains("batch"),
                    "batchNorm with N = 1 must say that it needs a batch of 2 or more: " + single.getMessage());
            for (float p : new float[]{1f, -0.1f, 1.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> engine.dropout(x, p, 1L, y), "p = " + p);
                assertTrue(bad.getMessage().contains("[0, 1)"), bad.getMessage());
            }
            try (Tensor wrong = engine.allocate(4, 3)) {
                assertThrows(IllegalArgumentException.class, () -> engine.dropout(x, 0.5f, 1L, wrong));
                assertThrows(IllegalArgumentException.class, () -> engine.layerNorm(x, g, NORM_EPSILON, h, colStd, y), "layerNorm rstd 1×n");
                assertThrows(IllegalArgumentException.class, () -> engine.batchNorm(x, g, NORM_EPSILON, NORM_MOMENTUM, rm, rv, h, rowStd, y),
                        "batchNorm rstd N×1");
            }
            // x̂ of its own: not X, not Y
            for (Tensor alias : new Tensor[]{x, y}) {
                IllegalArgumentException ln = assertThrows(IllegalArgumentException.class, () -> engine.layerNorm(x, g, NORM_EPSILON, alias, rowStd, y));
                assertTrue(ln.getMessage().contains("x̂"), ln.getMessage());
                IllegalArgumentException bn = assertThrows(IllegalArgumentException.class,
                        () -> engine.batchNorm(x, g, NORM_EPSILON, NORM_MOMENTUM, rm, rv, alias, colStd, y));
                assertTrue(bn.getMessage().contains("x̂"), bn.getMessage());
            }
            for (float eps : new float[]{0f, -1e-5f, Float.NaN, Float.POSITIVE_INFINITY}) {
                assertThrows(IllegalArgumentException.class, () -> engine.layerNorm(x, g, eps, h, rowStd, y), "ε = " + eps);
                assertThrows(IllegalArgumentException.class, () -> engine.batchNorm(x, g, eps, NORM_MOMENTUM, rm, rv, h, colStd, y), "ε = " + eps);
                assertThrows(IllegalArgumentException.class, () -> engine.batchNormInference(x, g, eps, rm, rv, y), "ε = " + eps);
            }
            for (float m : new float[]{-0.1f, 1.5f, Float.NaN}) {
                assertThrows(IllegalArgumentException.class, () -> engine.batchNorm(x, g, NORM_EPSILON, m, rm, rv, h, colStd, y), "momentum " + m);
            }
            // dx may be δ itself, never x̂; dγ a tensor of its own
            assertThrows(IllegalArgumentException.class, () -> engine.layerNormBackward(y, h, rowStd, g, 1f, h, dg));
            assertThrows(IllegalArgumentException.class, () -> engine.batchNormBackward(y, h, colStd, g, 1f, h, dg));
            assertThrows(IllegalArgumentException.class, () -> engine.batchNormBackward(y, h, colStd, g, 1f, x, g));
            assertThrows(IllegalArgumentException.class, () -> engine.layerNormBackward(y, h, colStd, g, 1f, x, dg), "layerNormBackward rstd 1×n");
        }
    }

    // ------------------------------------------------------------------ L1, Huber and binary cross-entropy

    /** The output activations an element-wise loss is tried with. */
    static final Activation[] REGRESSION_OUTPUTS = {Activation.IDENTITY, Activation.SIGMOID, Activation.TANH, Activation.RELU};

    Stream<Arguments> newLossCases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : matrixShapes()) {
            for (Activation a : REGRESSION_OUTPUTS) {
                out.add(Arguments.of(s[0], s[1], Loss.L1, 0f, a, 3f));
            }
            for (float delta : new float[]{0.1f, 1f, 3f}) {
                out.add(Arguments.of(s[0], s[1], Loss.HUBER, delta, Activation.IDENTITY, 3f));
            }
            out.add(Arguments.of(s[0], s[1], Loss.HUBER, 0.5f, Activation.TANH, 3f));
            out.add(Arguments.of(s[0], s[1], Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, 3f));
            out.add(Arguments.of(s[0], s[1], Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, 1e4f));
        }
        return out.stream();
    }

    /**
     * L1 (with residuals exactly 0, whose sign is 0), Huber (residuals up to ±6 either side of δ, and exactly ±δ) and
     * binary cross-entropy (soft targets in [0, 1] and hard 0 and 1, logits up to ±3 and ±1e4: the loss stays finite
     * and equal to the reference's) as {@link #outputDeltaMatchesReference} holds MSE and cross-entropy.
     */
    @ParameterizedTest(name = "outputDelta {0}×{1} {2}({3}) {4} z±{5}")
    @MethodSource("newLossCases")
    void newLossesMatchReference(int rows, int cols, Loss loss, float parameter, Activation act, float logitScale) {
        SplittableRandom rnd = new SplittableRandom(rows * 1013L + cols * 7L + loss.code());
        float[] z = random(rnd, rows * cols, logitScale);
        float[] a = biasActivationOn(ref, rows, cols, z, new float[cols], act)[1];
        float[] t = new float[rows * cols];
        for (int e = 0; e < t.length; e++) {
            t[e] = switch (loss) {
                case BINARY_CROSS_ENTROPY -> e % 4 == 0 ? (e % 8 == 0 ? 1f : 0f) : (float) rnd.nextDouble();
                case L1 -> e % 5 == 0 ? a[e] : a[e] + (float) (rnd.nextDouble() * 4 - 2);
                case HUBER -> e % 7 == 0 ? a[e] + (e % 14 == 0 ? parameter : -parameter) : a[e] + (float) (rnd.nextDouble() * 12 - 6);
                case MSE, SOFTMAX_CROSS_ENTROPY -> throw new IllegalArgumentException(loss.id());
            };
        }
        float[][] want = outputDeltaOn(ref, rows, cols, loss, parameter, act, z, a, t);
        float[][] got = outputDeltaOn(engine, rows, cols, loss, parameter, act, z, a, t);
        assertClose(want[0], got[0], ELEMENT_TOL, loss.id() + " output Δ");
        assertTrue(Float.isFinite(want[1][2]) && Float.isFinite(got[1][2]), "loss sum must be finite, got " + got[1][2] + ", reference " + want[1][2]);
        assertEquals(want[1][2], got[1][2], 1e-4 * Math.abs(want[1][2]) + 1e-5, loss.id() + " loss sum");
        assertEquals(-7f, got[1][0], "lossOut elements other than lossIndex must be left alone");
        if (loss == Loss.L1) {
            for (int e = 0; e < t.length; e += 5) {
                assertEquals(0f, got[0][e], 0f, "L1 Δ of a residual exactly 0 is sign(0) = 0");
            }
        }
    }

    /**
     * {@return Δ and a 1 × 4 lossOut, filled with −7 before, of {@code outputDelta} on an engine with lossIndex 2}: what an
     * engine's own kernel tests compare with the reference engine's.
     */
    public static float[][] outputDeltaOn(Engine e, int rows, int cols, Loss loss, float parameter, Activation act, float[] z, float[] a,
                                          float[] t) {
        try (Tensor Z = e.tensor(rows, cols, z); Tensor A = e.tensor(rows, cols, a); Tensor T = e.tensor(rows, cols, t);
             Tensor D = e.allocate(rows, cols); Tensor L = e.allocate(1, 4)) {
            e.fill(L, -7f);
            e.outputDelta(loss, parameter, act, Z, A, T, D, L, 2);
            return new float[][]{e.download(D), e.download(L)};
        }
    }

    /**
     * Binary cross-entropy at logits far past saturation: σ(±1e4) is exactly 1 or 0, Δ = σ(z) − t exactly, and the loss
     * is max(z, 0) − z·t + log(1 + e^{−|z|}) rounded once, finite, where log σ(z) of the naive form is −∞.
     */
    @Test
    void binaryCrossEntropyOfHugeLogitsIsFinite() {
        float[] z = {1e4f, -1e4f, 1e4f, -1e4f, 1e30f, -1e30f, 0f, 88f, -104f};
        float[] t = {1f, 0f, 0f, 1f, 0.25f, 0.75f, 0.5f, 1f, 0f};
        int n = z.length;
        float[] a = biasActivationOn(ref, 1, n, z, new float[n], Activation.SIGMOID)[1];
        float[][] want = outputDeltaOn(ref, 1, n, Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, z, a, t);
        float[][] got = outputDeltaOn(engine, 1, n, Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, z, a, t);
        double exact = 0;
        for (int e = 0; e < n; e++) {
            exact += Math.max(z[e], 0) - (double) z[e] * t[e] + Math.log1p(Math.exp(-Math.abs((double) z[e])));
        }
        assertEquals((float) exact, want[1][2], Math.ulp((float) exact), "reference binary cross-entropy of huge logits");
        assertExact(want[0], got[0], "binary cross-entropy Δ = σ(z) − t", z);
        assertEquals(want[1][2], got[1][2], 1e-6 * Math.abs(want[1][2]), "binary cross-entropy of huge logits");
    }

    @Test
    void newLossesRejectBadParametersAndActivations() {
        try (Tensor z = engine.allocate(2, 3); Tensor a = engine.allocate(2, 3); Tensor t = engine.allocate(2, 3);
             Tensor d = engine.allocate(2, 3); Tensor l = engine.allocate(1, 1)) {
            for (float delta : new float[]{0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                        () -> engine.outputDelta(Loss.HUBER, delta, Activation.IDENTITY, z, a, t, d, l, 0), "Huber δ = " + delta);
                assertTrue(bad.getMessage().contains("δ"), bad.getMessage());
            }
            for (Activation act : new Activation[]{Activation.IDENTITY, Activation.SOFTMAX, Activation.TANH}) {
                assertThrows(IllegalArgumentException.class, () -> engine.outputDelta(Loss.BINARY_CROSS_ENTROPY, 0f, act, z, a, t, d, l, 0),
                        "binary cross-entropy with " + act);
            }
            assertThrows(IllegalArgumentException.class, () -> engine.outputDelta(Loss.L1, 0f, Activation.SOFTMAX, z, a, t, d, l, 0));
            assertThrows(IllegalArgumentException.class, () -> engine.outputDelta(Loss.HUBER, 1f, Activation.SOFTMAX, z, a, t, d, l, 0));
            assertThrows(IllegalArgumentException.class, () -> engine.outputDelta(Loss.BINARY_CROSS_ENTROPY, 0f, Activation.SIGMOID, z, a, t, a, l, 0),
                    "Δ must not be A");
        }
    }

    // ------------------------------------------------------------------ PyTorch's layers

    /**
     * The new kernels against PyTorch's own values ({@link TorchLayers}: nn.LayerNorm, nn.BatchNorm1d in training and
     * eval mode, dropout with DropoutMask's mask, nn.L1Loss, nn.HuberLoss, nn.BCEWithLogitsLoss), within
     * {@link TorchLayers#ENGINE_TOL} of each group's largest value: the conventions (biased variance in x̂, unbiased in
     * the running variance, ε inside the root, momentum, the shift added by the next bias) are the engine's too.
     */
    @Test
    void layerNormMatchesPyTorch() {
        TorchLayers.checkLayerNorm(engine, TorchLayers.ENGINE_TOL);
    }

    @Test
    void batchNormMatchesPyTorch() {
        TorchLayers.checkBatchNorm(engine, TorchLayers.ENGINE_TOL);
    }

    @Test
    void dropoutMatchesPyTorch() {
        TorchLayers.checkDropout(engine, TorchLayers.ENGINE_TOL);
    }

    @Test
    void newLossesMatchPyTorch() {
        TorchLayers.checkLosses(engine, TorchLayers.ENGINE_TOL);
    }

    /**
     * A 4-5-3 network with batch normalisation, ReLU and dropout trained 3 SGD steps through the model's training pass
     * ({@link TorchLayers#checkModel}): parameters and running statistics within {@value #TRAINING_TOL} of the largest of
     * their tensor, the loss within {@value #TRAINING_TOL} relative, as for {@link #threeTrainingStepsMatchReference}.
     */
    @Test
    void aNormalisedDropoutNetworkTrainsAsInPyTorch() {
        TorchLayers.checkModel(engine, TRAINING_TOL);
    }

    /** |want − got| ≤ tol·|want| element by element (for statistics whose groups differ in scale). */
    static void assertRelative(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            double allowed = tol * Math.abs(want[i]) + 1e-30;
            if (!(Math.abs(want[i] - got[i]) <= allowed) && !(Float.compare(want[i], got[i]) == 0)) {
                fail(what + ": element " + i + " is " + got[i] + ", reference " + want[i] + " (allowed ±" + allowed + ")");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** One thread's part of {@link #onThreads}. */
    @FunctionalInterface
    interface ThreadJob {
        void run(int thread) throws Exception;
    }

    /** Runs {@code job} on {@code threads} threads at once, waits for all of them and rethrows the first failure. */
    static void onThreads(int threads, ThreadJob job) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                jobs.add(pool.submit(() -> {
                    job.run(me);
                    return null;
                }));
            }
            for (Future<?> j : jobs) {
                j.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    public static float[] random(SplittableRandom rnd, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    static float[] nan(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, Float.NaN);
        return x;
    }

    /** |want − got| ≤ tol·(|want| + max|want|·tol-scale floor) element by element, with the first miss named. */
    public static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double maxAbs = 0;
        for (float w : want) {
            maxAbs = Math.max(maxAbs, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            double allowed = tol * (Math.abs(want[i]) + maxAbs) + 1e-30;
            if (!(Math.abs(want[i] - got[i]) <= allowed) && !(Float.compare(want[i], got[i]) == 0)) {
                fail(what + ": element " + i + " is " + got[i] + ", reference " + want[i] + " (allowed ±" + allowed + ")");
            }
        }
    }
}
