package delta4j.cpu;

import delta4j.engine.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The fused element-wise kernels of a layer, each one pass over its tensors, each forward kernel beside its
 * backward twin. All take a range (rows or flat elements) so that {@link CpuEngine} can split them over
 * threads; tails are masked vectors, never scalar loops. The softmax rows of a few classes are scalar code with the
 * vector code's bits ({@link #NARROW_ROW}).
 *
 * <p>exp (sigmoid, softmax, cross-entropy) is {@link Simd#exp} and tanh is {@link Simd#tanh}, both built from
 * adds, multiplies and a division so that interpreted and compiled code give the same bits
 * (JitTierDeterminismTest); the Vector API's {@code lanewise(EXP)} and {@code lanewise(TANH)} did not.
 */
final class Elementwise {

    private Elementwise() {
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    // ==================================================================== forward: Zin ← Zin + 1·bᵀ, A ← φ(Zin)

    // forward:  Zin (N×n) += b (1×n); A (N×n) = φ(Zin)
    /** Rows [r0, r1) of N × n: {@code Zin += b} then {@code A = φ(Zin)}; {@code a} may be {@code z}. */
    static void biasActivation(Activation act, float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        try {
            FORWARD[act.ordinal()].invokeExact(z, b, a, n, r0, r1, lanes);
        } catch (Throwable t) {
            throw KernelHandles.unchecked(t);
        }
    }

    /**
     * Each activation's forward kernel, called through a handle so that C2 compiles each one on its own: a switch
     * calling them directly was compiled with every activation a JVM had used inlined into it ({@link KernelHandles}).
     * All take (z, b, a, n, r0, r1, lanes).
     */
    private static final MethodHandle[] FORWARD = KernelHandles.table(MethodHandles.lookup(), Activation.class,
            act -> switch (act) { // exhaustive: every activation names its kernel
                case IDENTITY -> "biasIdentity";
                case RELU -> "biasRelu";
                case LEAKY_RELU -> "biasLeakyRelu";
                case SIGMOID -> "biasSigmoid";
                case TANH -> "biasTanh";
                case GELU -> "biasGelu";
                case SILU -> "biasSilu";
                case SOFTMAX -> "biasSoftmax";
            },
            MethodType.methodType(void.class, float[].class, float[].class, float[].class, int.class, int.class, int.class,
                    float[].class));

    private static void biasIdentity(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        int bound = F.loopBound(n);
        for (int i = r0; i < r1; i++) {
            int off = i * n, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, z, off + j).add(FloatVector.fromArray(F, b, j));
                v.intoArray(z, off + j);
                v.intoArray(a, off + j);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m));
                v.intoArray(z, off + j, m);
                v.intoArray(a, off + j, m);
            }
        }
    }

    private static void biasRelu(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        biasRectifier(z, b, a, n, r0, r1, 0f);
    }

    private static void biasLeakyRelu(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        biasRectifier(z, b, a, n, r0, r1, Activation.LEAKY_SLOPE);
    }

    /** relu (slope 0) and leaky relu: φ(z) = z for z &gt; 0, else slope·z (relu: exactly 0). */
    private static void biasRectifier(float[] z, float[] b, float[] a, int n, int r0, int r1, float slope) {
        int bound = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        for (int i = r0; i < r1; i++) {
            int off = i * n, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, z, off + j).add(FloatVector.fromArray(F, b, j));
                v.intoArray(z, off + j);
                FloatVector neg = slope == 0f ? zero : v.mul(slope);
                neg.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, off + j);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m));
                v.intoArray(z, off + j, m);
                FloatVector neg = slope == 0f ? zero : v.mul(slope);
                neg.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, off + j, m);
            }
        }
    }

    /**
     * φ(z) = 1 / (1 + e^−z). e^−z goes through {@code lanes} (one vector of per-thread scratch), as every use of
     * {@link Simd#exp} does: the helpers take arrays, never vectors (see {@link Simd#sum}).
     */
    private static void biasSigmoid(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        int bound = F.loopBound(n);
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = r0; i < r1; i++) {
            int off = i * n, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, z, off + j).add(FloatVector.fromArray(F, b, j));
                v.intoArray(z, off + j);
                v.neg().intoArray(lanes, 0);
                Simd.exp(lanes, 0);
                one.div(FloatVector.fromArray(F, lanes, 0).add(one)).intoArray(a, off + j);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m));
                v.intoArray(z, off + j, m);
                v.neg().intoArray(lanes, 0);
                Simd.exp(lanes, 0);
                one.div(FloatVector.fromArray(F, lanes, 0).add(one)).intoArray(a, off + j, m);
            }
        }
    }

    /** φ(z) = tanh z, whole vectors in place in A, the last partial one through {@code lanes}. */
    private static void biasTanh(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        int bound = F.loopBound(n);
        for (int i = r0; i < r1; i++) {
            int off = i * n, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, z, off + j).add(FloatVector.fromArray(F, b, j));
                v.intoArray(z, off + j);
                v.intoArray(a, off + j);
                Simd.tanh(a, off + j);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m));
                v.intoArray(z, off + j, m);
                v.intoArray(lanes, 0);
                Simd.tanh(lanes, 0);
                FloatVector.fromArray(F, lanes, 0).intoArray(a, off + j, m);
            }
        }
    }

    /** GELU: φ(z) = z·Φ(z), one vector at a time by {@link #gelu}. */
    private static void biasGelu(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        int bound = F.loopBound(n);
        Tail t = TAIL.get();
        for (int i = r0; i < r1; i++) {
            int off = i * n, j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(F, z, off + j).add(FloatVector.fromArray(F, b, j)).intoArray(z, off + j);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m)).intoArray(z, off + j, m);
            }
            geluRange(z, null, a, off, off + n, t);
        }
    }

    /** SiLU: φ(z) = z / (1 + e^−z); e^−z = +∞ for z below about −88 gives −0, the float limit. */
    private static void biasSilu(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        int bound = F.loopBound(n);
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = r0; i < r1; i++) {
            int off = i * n, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, z, off + j).add(FloatVector.fromArray(F, b, j));
                v.intoArray(z, off + j);
                v.neg().intoArray(lanes, 0);
                Simd.exp(lanes, 0);
                v.div(FloatVector.fromArray(F, lanes, 0).add(one)).intoArray(a, off + j);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m));
                v.intoArray(z, off + j, m);
                v.neg().intoArray(lanes, 0);
                Simd.exp(lanes, 0);
                v.div(FloatVector.fromArray(F, lanes, 0).add(one)).intoArray(a, off + j, m);
            }
        }
    }

    /** Softmax by rows: {@link #biasSoftmaxRow} on each, or its scalar twin on rows of at most {@link #NARROW_ROW}. */
    private static void biasSoftmax(float[] z, float[] b, float[] a, int n, int r0, int r1, float[] lanes) {
        if (n <= NARROW_ROW) {
            for (int i = r0; i < r1; i++) {
                biasSoftmaxRowScalar(z, b, a, i * n, n, lanes);
            }
        } else {
            for (int i = r0; i < r1; i++) {
                biasSoftmaxRow(z, b, a, i * n, n, lanes);
            }
        }
    }

    /**
     * The widest row (classes) that the softmax kernels take in scalar code. A classifier's output row is a few
     * classes, a vector or two: there the scalar twins cost a little more a step than the vector code, but
     * until C2 has compiled them they run in C1 code without the Vector API's Java methods (an object per vector, a
     * call per operation, each made hot enough for C2 to compile on its own), and C2 compiles them in a fraction of
     * the vector kernels' time, on the cores that the first epoch shares with the compilers (engine-cpu/README.md,
     * "The first epoch"). Both forms give the same bits, so the choice changes no result.
     */
    static final int NARROW_ROW = 32;

    /**
     * {@link #biasSoftmaxRow} in scalar code, the same operations in the same order: the max, e^{z − max} by
     * {@link Simd#exp(float)}, the sum accumulated per lane (element j into lane j mod L), as the vector code's
     * masked adds do, and then summed by {@link Simd#sum}; then the division.
     */
    static void biasSoftmaxRowScalar(float[] z, float[] b, float[] a, int off, int n, float[] lanes) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float v = z[off + j] + b[j];
            z[off + j] = v;
            max = Math.max(max, v);
        }
        java.util.Arrays.fill(lanes, 0, L, 0f);
        for (int j = 0; j < n; j++) {
            float e = Simd.exp(z[off + j] - max);
            a[off + j] = e;
            lanes[j % L] += e;
        }
        float sum = Simd.sum(lanes, 0);
        for (int j = 0; j < n; j++) {
            a[off + j] = a[off + j] / sum;
        }
    }

    /**
     * One row: z += b, then a = e^{z − max} / Σ e^{z − max}. Three sweeps of one row (max, exp and sum,
     * divide), all from L1. Safe in place (a = z): each sweep reads an element before writing it.
     *
     * <p>Each sweep is one masked loop rather than a vector loop plus a masked tail, so exp is inlined once,
     * not twice: a compile of this kernel once stopped inlining at C2's node budget
     * ({@code NodeCountInliningCutoff}), and the vector operations it left as calls ran their allocating
     * Java fallbacks. Rows of at most {@link #NARROW_ROW} take {@link #biasSoftmaxRowScalar} instead.
     * e^{z − max} and the row sum go through {@code lanes}, never a vector argument (see {@link Simd#sum}).
     */
    static void biasSoftmaxRow(float[] z, float[] b, float[] a, int off, int n, float[] lanes) {
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector v = FloatVector.fromArray(F, z, off + j, m).add(FloatVector.fromArray(F, b, j, m));
            v.intoArray(z, off + j, m);
            vmax = vmax.lanewise(VectorOperators.MAX, v, m);
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        FloatVector vsum = FloatVector.zero(F);
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector.fromArray(F, z, off + j, m).sub(max).intoArray(lanes, 0);
            Simd.exp(lanes, 0);
            FloatVector e = FloatVector.fromArray(F, lanes, 0);
            e.intoArray(a, off + j, m);
            vsum = vsum.add(e, m);
        }
        vsum.intoArray(lanes, 0);
        float sum = Simd.sum(lanes, 0);
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector.fromArray(F, a, off + j, m).div(sum).intoArray(a, off + j, m);
        }
    }

    // ==================================================================== backward twin: Δ ← G ⊙ φ'(Zin or A)

    // backward: Δ (N×n) = G (N×n) ⊙ φ'(Zin or A, N×n)
    /**
     * Flat elements [e0, e1): {@code Δ = G ⊙ φ'}, φ' from A for sigmoid (a(1−a)) and tanh (1−a²), from Zin
     * for the rectifiers. {@code d} may be {@code g}. Shapes: all four N × n.
     */
    static void activationBackward(Activation act, float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        try {
            BACKWARD[act.ordinal()].invokeExact(g, z, a, d, e0, e1);
        } catch (Throwable t) {
            throw KernelHandles.unchecked(t);
        }
    }

    /** Each activation's backward kernel, called through a handle as {@link #FORWARD}; all take (g, z, a, d, e0, e1). */
    private static final MethodHandle[] BACKWARD = KernelHandles.table(MethodHandles.lookup(), Activation.class,
            act -> switch (act) { // exhaustive: every activation names its kernel
                case IDENTITY -> "backwardIdentity";
                case RELU -> "backwardRelu";
                case LEAKY_RELU -> "backwardLeakyRelu";
                case SIGMOID -> "backwardSigmoid";
                case TANH -> "backwardTanh";
                case GELU -> "backwardGelu";
                case SILU -> "backwardSilu";
                case SOFTMAX -> "backwardSoftmax";
            },
            MethodType.methodType(void.class, float[].class, float[].class, float[].class, float[].class, int.class, int.class));

    private static void backwardIdentity(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        if (g != d) {
            System.arraycopy(g, e0, d, e0, e1 - e0);
        }
    }

    private static void backwardSoftmax(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        throw new IllegalArgumentException("softmax has no element-wise derivative");
    }

    private static void backwardRelu(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        backwardRectifier(g, z, d, e0, e1, 0f);
    }

    private static void backwardLeakyRelu(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        backwardRectifier(g, z, d, e0, e1, Activation.LEAKY_SLOPE);
    }

    private static void backwardSigmoid(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            FloatVector av = FloatVector.fromArray(F, a, e);
            FloatVector.fromArray(F, g, e).mul(av.mul(one.sub(av))).intoArray(d, e);
        }
        if (e < e1) {
            VectorMask<Float> m = F.indexInRange(e, e1);
            FloatVector av = FloatVector.fromArray(F, a, e, m);
            FloatVector.fromArray(F, g, e, m).mul(av.mul(one.sub(av))).intoArray(d, e, m);
        }
    }

    private static void backwardTanh(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            FloatVector av = FloatVector.fromArray(F, a, e);
            FloatVector.fromArray(F, g, e).mul(one.sub(av.mul(av))).intoArray(d, e);
        }
        if (e < e1) {
            VectorMask<Float> m = F.indexInRange(e, e1);
            FloatVector av = FloatVector.fromArray(F, a, e, m);
            FloatVector.fromArray(F, g, e, m).mul(one.sub(av.mul(av))).intoArray(d, e, m);
        }
    }

    /** relu: φ' = [z &gt; 0]; leaky relu: 1 or slope. */
    private static void backwardRectifier(float[] g, float[] z, float[] d, int e0, int e1, float slope) {
        FloatVector zero = FloatVector.zero(F);
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            FloatVector gv = FloatVector.fromArray(F, g, e);
            FloatVector neg = slope == 0f ? zero : gv.mul(slope);
            neg.blend(gv, FloatVector.fromArray(F, z, e).compare(VectorOperators.GT, 0f)).intoArray(d, e);
        }
        if (e < e1) {
            VectorMask<Float> m = F.indexInRange(e, e1);
            FloatVector gv = FloatVector.fromArray(F, g, e, m);
            FloatVector neg = slope == 0f ? zero : gv.mul(slope);
            neg.blend(gv, FloatVector.fromArray(F, z, e, m).compare(VectorOperators.GT, 0f)).intoArray(d, e, m);
        }
    }

    /** GELU: φ' = Φ(z) + z·e^{−z²/2}/√(2π), from Zin, one vector at a time by {@link #gelu}. */
    private static void backwardGelu(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        geluRange(z, g, d, e0, e1, TAIL.get());
    }

    /**
     * SiLU: φ' = σ(z)(1 + z(1 − σ(z))), from Zin. e^−z goes through one vector of per-thread scratch, not through
     * D, which may be G.
     */
    private static void backwardSilu(float[] g, float[] z, float[] a, float[] d, int e0, int e1) {
        float[] s = TAIL.get().exp;
        FloatVector one = FloatVector.broadcast(F, 1f);
        int e = e0;
        for (int bound = e0 + F.loopBound(e1 - e0); e < bound; e += L) {
            FloatVector zv = FloatVector.fromArray(F, z, e);
            zv.neg().intoArray(s, 0);
            Simd.exp(s, 0);
            FloatVector sigma = one.div(FloatVector.fromArray(F, s, 0).add(one));
            FloatVector.fromArray(F, g, e).mul(zv.mul(one.sub(sigma)).add(one).mul(sigma)).intoArray(d, e);
        }
        if (e < e1) {
            VectorMask<Float> m = F.indexInRange(e, e1);
            FloatVector zv = FloatVector.fromArray(F, z, e, m);
            zv.neg().intoArray(s, 0);
            Simd.exp(s, 0);
            FloatVector sigma = one.div(FloatVector.fromArray(F, s, 0).add(one));
            FloatVector.fromArray(F, g, e, m).mul(zv.mul(one.sub(sigma)).add(one).mul(sigma)).intoArray(d, e, m);
        }
    }

    // ==================================================================== the standard normal distribution (GELU)

    // Φ(x) = ½ erfc(−x/√2) with neither erf (the Vector API has none) nor lanewise(EXP) (its last bit differs
    // between JIT tiers): adds, multiplies, fused multiply-adds, one division and Simd.exp, so every tier gives
    // the same bits. For q = |x|/√2: erfc(q) = t·R(t)·e^{−x²/2} with t = 1/(1 + q/2) and R a degree-10
    // polynomial fitted to erfcx(q)/t (relative error 3e-8 with float coefficients; fitted by
    // engine-cpu/src/test/python/gelu_erfc_fit.py). e^{−x²/2} takes x² as x·x plus its exact fma residual, so the
    // tail keeps its relative accuracy; |x| is clamped to 20, beyond which Φ is 0 or 1 in float (and x·x stays finite).

    private static final FloatVector ERFC_C0 = FloatVector.broadcast(F, 0.28209308f);
    private static final FloatVector ERFC_C1 = FloatVector.broadcast(F, 0.28214106f);
    private static final FloatVector ERFC_C2 = FloatVector.broadcast(F, 0.24634115f);
    private static final FloatVector ERFC_C3 = FloatVector.broadcast(F, 0.17874837f);
    private static final FloatVector ERFC_C4 = FloatVector.broadcast(F, 0.08016589f);
    private static final FloatVector ERFC_C5 = FloatVector.broadcast(F, -0.02595766f);
    private static final FloatVector ERFC_C6 = FloatVector.broadcast(F, 0.07742748f);
    private static final FloatVector ERFC_C7 = FloatVector.broadcast(F, -0.39601713f);
    private static final FloatVector ERFC_C8 = FloatVector.broadcast(F, 0.45374113f);
    private static final FloatVector ERFC_C9 = FloatVector.broadcast(F, -0.2192755f);
    private static final FloatVector ERFC_C10 = FloatVector.broadcast(F, 0.040592145f);
    private static final float HALF_SQRT_HALF = 0.35355339f;     // 1/(2√2): t = 1/(1 + |x|/(2√2))
    private static final float INV_SQRT_2PI = 0.39894228f;       // 1/√(2π)

    /**
     * GELU on the L elements from {@code e}: with {@code g} null, {@code out = z·Φ(z)} (forward); otherwise
     * {@code out = g ⊙ φ'(z)} with φ'(z) = Φ(z) + z·e^{−z²/2}/√(2π) (backward; {@code out} may be {@code g}).
     *
     * <p>It takes arrays and an offset, never vectors, and is the one home of the formula. A vector passed to or
     * returned from a method that C2 does not inline is boxed, and C2 declines to inline a callee that it has
     * already compiled on its own into a large method: the helpers this replaced (Φ and φ' as vector functions)
     * sat near that size, so whether training allocated megabytes per call depended on the order in which the
     * JIT compiled them (SteadyStateAllocationTest failed that way on a loaded machine, and always with
     * -XX:InlineSmallCode=1000). Here no method is called with a vector, not even {@link Simd#exp} (written out), the
     * formula runs in two halves of moderate size ({@link #geluGauss}, {@link #geluOut}) that pass e^{−x²/2} through
     * the thread's scratch {@code gauss}, and no mask is passed or merged: the last partial vector goes through
     * {@link #geluRange}.
     *
     * <p>Φ(x) = ½ erfc(−x/√2) for |x| clamped to 20 (beyond, Φ is 0 or 1 in float): for q = |x|/√2,
     * erfc(q) = t·R(t)·e^{−x²/2} with t = 1/(1 + q/2) and R the polynomial above; e^{−x²/2} takes x² as x·x
     * plus its exact fma residual r, e^{−p/2}·(1 − r/2), so the tail keeps its relative accuracy.
     */
    private static void gelu(float[] z, float[] g, float[] out, int e, float[] gauss) {
        geluGauss(z, e, gauss);
        geluOut(z, g, out, e, gauss);
    }

    // The formula in two halves, each a method of its own that passes arrays, never vectors: e^{−x²/2} through the
    // thread's one-vector scratch {@code gauss}. As one method (with exp written out or called) GELU was the largest
    // element-wise kernel, and in some runs C2 left its vector operations as allocating Java (1.3 MB per call,
    // SteadyStateAllocationTest) depending on what it had compiled before; each half is the size of the kernels that
    // never did. Storing and reloading a vector keeps its bits, so the result is the one-method result.

    /** gauss[0..L) = e^{−x²/2} for the L elements of z from e (x clamped to ±20), Simd.exp written out. */
    private static void geluGauss(float[] z, int e, float[] gauss) {
        FloatVector xc = FloatVector.fromArray(F, z, e).max(-20f).min(20f);
        FloatVector p = xc.mul(xc);
        FloatVector r = xc.fma(xc, p.neg());
        FloatVector ex = p.mul(-0.5f).max(-88f).min(88.7f);
        FloatVector et = ex.fma(Simd.LOG2E, Simd.ROUND);
        FloatVector en = et.sub(Simd.ROUND);
        FloatVector er = en.mul(-Simd.LN2_HI).add(ex).sub(en.mul(Simd.LN2_LO));
        FloatVector ep = er.fma(1f / 5040, 1f / 720).fma(er, Simd.C5).fma(er, Simd.C4).fma(er, Simd.C3).fma(er, Simd.C2)
                .fma(er, Simd.C1).fma(er, Simd.C1);
        IntVector scale = ((IntVector) et.reinterpretAsInts()).add(127 - Simd.ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
        ep.mul(scale.reinterpretAsFloats()).mul(r.fma(-0.5f, 1f)).intoArray(gauss, 0);
    }

    /** Φ from the erfc polynomial and {@code gauss}, then out = z·Φ (g null) or g·(Φ + z·gauss/√(2π)). */
    private static void geluOut(float[] z, float[] g, float[] out, int e, float[] gaussLanes) {
        FloatVector x = FloatVector.fromArray(F, z, e);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector xc = x.max(-20f).min(20f);
        FloatVector gauss = FloatVector.fromArray(F, gaussLanes, 0);
        FloatVector t = one.div(xc.abs().fma(HALF_SQRT_HALF, 1f));
        FloatVector poly = ERFC_C10.fma(t, ERFC_C9).fma(t, ERFC_C8).fma(t, ERFC_C7).fma(t, ERFC_C6).fma(t, ERFC_C5)
                .fma(t, ERFC_C4).fma(t, ERFC_C3).fma(t, ERFC_C2).fma(t, ERFC_C1).fma(t, ERFC_C0);
        FloatVector tail = t.mul(poly).mul(gauss).mul(0.5f);
        FloatVector cdf = one.sub(tail).blend(tail, xc.compare(VectorOperators.LT, 0f));
        FloatVector y = g == null ? x.mul(cdf) : FloatVector.fromArray(F, g, e).mul(x.fma(gauss.mul(INV_SQRT_2PI), cdf));
        y.intoArray(out, e);
    }

    /** z, g and out of one zero-padded vector, per thread, for {@link #geluRange}. */
    private static final class Tail {
        final float[] z = new float[L], g = new float[L], out = new float[L], gauss = new float[L], exp = new float[L];
    }

    private static final ThreadLocal<Tail> TAIL = ThreadLocal.withInitial(Tail::new);

    /**
     * {@link #gelu} on elements [e0, e1), whole vectors in place and the last partial one through the thread's
     * zero-padded copy. {@code gelu} has this one call site, so C2 inlines one copy of its vector code into a kernel,
     * not two (a second call site for the tail doubled the kernel's size, and in some runs the kernel then ran as
     * allocating Java).
     */
    private static void geluRange(float[] z, float[] g, float[] out, int e0, int e1, Tail t) {
        for (int e = e0; e < e1; e += L) {
            int count = Math.min(L, e1 - e);
            float[] zz = z, gg = g, oo = out;
            int at = e;
            if (count < L) {
                java.util.Arrays.fill(t.z, 0f);
                System.arraycopy(z, e, t.z, 0, count);
                if (g != null) {
                    java.util.Arrays.fill(t.g, 0f);
                    System.arraycopy(g, e, t.g, 0, count);
                    gg = t.g;
                }
                zz = t.z;
                oo = t.out;
                at = 0;
            }
            gelu(zz, gg, oo, at, t.gauss);
            if (count < L) {
                System.arraycopy(t.out, 0, out, e, count);
            }
        }
    }

    // ==================================================================== output δ fused with the loss

    // output:   Δ (N×n) = (A − T) ⊙ φ'(Zin) or softmax(Zin) − T; loss sum → 1 float
    /**
     * MSE on flat elements [e0, e1): {@code Δ = (A − T) ⊙ φ'(Zin, A)}; returns {@code Σ ½(a − t)²} over the
     * range. Partial sums are float vectors over chunks of {@link #CHUNK} elements, added up in double.
     * Each chunk is two passes from L1: Δ ← A − T with the loss, then φ' by {@link #activationBackward} in
     * place, so every activation's derivative is written once, in its backward kernel. (Inlined here instead,
     * the derivatives of all activations a JVM had used took this method past C2's node budget, and its
     * vector operations ran as allocating Java.) Δ must therefore not be Zin or A (Engine#outputDelta).
     */
    static double outputDeltaMse(Activation act, float[] z, float[] a, float[] t, float[] d, int e0, int e1,
                                 float[] lanes) {
        double loss = 0;
        for (int c0 = e0; c0 < e1; c0 += CHUNK) {
            int c1 = Math.min(e1, c0 + CHUNK);
            FloatVector sq = FloatVector.zero(F);
            int e = c0;
            for (int bound = c0 + F.loopBound(c1 - c0); e < bound; e += L) {
                FloatVector diff = FloatVector.fromArray(F, a, e).sub(FloatVector.fromArray(F, t, e));
                diff.intoArray(d, e);
                sq = diff.fma(diff, sq);
            }
            if (e < c1) {
                VectorMask<Float> m = F.indexInRange(e, c1);
                FloatVector diff = FloatVector.fromArray(F, a, e, m).sub(FloatVector.fromArray(F, t, e, m));
                diff.intoArray(d, e, m);
                sq = diff.fma(diff, sq); // inactive lanes loaded as 0 on both sides: diff = 0
            }
            sq.intoArray(lanes, 0);
            loss += 0.5 * Simd.sum(lanes, 0);
            activationBackward(act, d, z, a, d, c0, c1);
        }
        return loss;
    }

    /**
     * L1 on flat elements [e0, e1): {@code Δ = sign(A − T)} with sign(±0) = ±0 and sign(NaN) = NaN (Math.signum);
     * returns {@code Σ |a − t|} over the range, summed as {@link #outputDeltaMse} sums. The caller multiplies by
     * φ' with the activationBackward job afterwards, so the derivatives keep the one caller they are compiled for
     * (each further caller is another place where C2 may decline to inline GELU's or exp's vector code, and a
     * kernel that does not inline them boxes every vector).
     */
    static double outputDeltaL1(float[] a, float[] t, float[] d, int e0, int e1, float[] lanes) {
        double loss = 0;
        for (int c0 = e0; c0 < e1; c0 += CHUNK) {
            int c1 = Math.min(e1, c0 + CHUNK);
            FloatVector abs = FloatVector.zero(F);
            for (int e = c0; e < c1; e += L) {
                VectorMask<Float> m = F.indexInRange(e, c1);
                FloatVector r = FloatVector.fromArray(F, a, e, m).sub(FloatVector.fromArray(F, t, e, m));
                // r·0 is ±0 for finite r and NaN for NaN; the blends set ±1 where r is non-zero.
                r.mul(0f).blend(1f, r.compare(VectorOperators.GT, 0f)).blend(-1f, r.compare(VectorOperators.LT, 0f))
                        .intoArray(d, e, m);
                abs = abs.add(r.abs()); // inactive lanes loaded as 0 on both sides: r = 0
            }
            abs.intoArray(lanes, 0);
            loss += Simd.sum(lanes, 0);
        }
        return loss;
    }

    /**
     * Huber with threshold δ on flat elements [e0, e1): {@code Δ = clamp(A − T, −δ, δ)}; returns {@code Σ h(a − t)}
     * over the range, each term as q·(|r| − q/2) with q = min(|r|, δ), which is ½r² for |r| ≤ δ and δ(|r| − ½δ)
     * beyond without a branch. φ' is applied afterwards as for {@link #outputDeltaL1}.
     */
    static double outputDeltaHuber(float delta, float[] a, float[] t, float[] d, int e0, int e1, float[] lanes) {
        double loss = 0;
        for (int c0 = e0; c0 < e1; c0 += CHUNK) {
            int c1 = Math.min(e1, c0 + CHUNK);
            FloatVector sum = FloatVector.zero(F);
            for (int e = c0; e < c1; e += L) {
                VectorMask<Float> m = F.indexInRange(e, c1);
                FloatVector r = FloatVector.fromArray(F, a, e, m).sub(FloatVector.fromArray(F, t, e, m));
                r.max(-delta).min(delta).intoArray(d, e, m);
                FloatVector ar = r.abs();
                FloatVector q = ar.min(delta);
                sum = q.fma(ar.sub(q.mul(0.5f)), sum); // inactive lanes: r = 0, q = 0
            }
            sum.intoArray(lanes, 0);
            loss += Simd.sum(lanes, 0);
        }
        return loss;
    }

    // log(1 + u) = 2·atanh(s), s = u/(2 + u) ∈ [0, 1/3] for u ∈ [0, 1]: 2s·(1 + s²/3 + ... + s¹²/13), truncation
    // error below 2e-8 relative; no cancellation for small u, so the loss of large logits keeps its accuracy.
    private static final FloatVector ATANH_C13 = FloatVector.broadcast(F, 1f / 13);
    private static final FloatVector ATANH_C11 = FloatVector.broadcast(F, 1f / 11);
    private static final FloatVector ATANH_C9 = FloatVector.broadcast(F, 1f / 9);
    private static final FloatVector ATANH_C7 = FloatVector.broadcast(F, 1f / 7);
    private static final FloatVector ATANH_C5 = FloatVector.broadcast(F, 1f / 5);
    private static final FloatVector ATANH_C3 = FloatVector.broadcast(F, 1f / 3);

    /**
     * Binary cross-entropy on flat elements [e0, e1): {@code Δ = A − T} (A = σ(Zin) from the forward pass) and
     * returns {@code Σ max(z, 0) − z·t + log(1 + e^{−|z|})} over the range, from the logits, so every term is
     * finite for logits of any size (e^{−|z|} ≤ 1; log1p by the atanh series above, built like {@link Simd#exp}
     * from fused multiply-adds and one division, so every JIT tier gives the same bits). Chunked like
     * {@link #outputDeltaMse}, one pass per chunk.
     */
    static double outputDeltaBinaryCrossEntropy(float[] z, float[] a, float[] t, float[] d, int e0, int e1, float[] lanes) {
        FloatVector one = FloatVector.broadcast(F, 1f), two = FloatVector.broadcast(F, 2f);
        double loss = 0;
        for (int c0 = e0; c0 < e1; c0 += CHUNK) {
            int c1 = Math.min(e1, c0 + CHUNK);
            FloatVector sum = FloatVector.zero(F);
            for (int e = c0; e < c1; e += L) {
                VectorMask<Float> m = F.indexInRange(e, c1);
                FloatVector tv = FloatVector.fromArray(F, t, e, m);
                FloatVector.fromArray(F, a, e, m).sub(tv).intoArray(d, e, m);
                FloatVector zv = FloatVector.fromArray(F, z, e, m);
                zv.abs().neg().intoArray(lanes, 0);
                Simd.exp(lanes, 0);
                FloatVector u = FloatVector.fromArray(F, lanes, 0);
                FloatVector s = u.div(u.add(two));
                FloatVector w = s.mul(s);
                FloatVector log1p = ATANH_C13.fma(w, ATANH_C11).fma(w, ATANH_C9).fma(w, ATANH_C7).fma(w, ATANH_C5)
                        .fma(w, ATANH_C3).fma(w, one).mul(s.add(s));
                FloatVector term = tv.neg().fma(zv, zv.max(0f)).add(log1p);
                sum = sum.add(term, m); // inactive lanes would add log 2
            }
            sum.intoArray(lanes, 0);
            loss += Simd.sum(lanes, 0);
        }
        return loss;
    }

    /** Elements per float partial sum before it is added to a double: bounds the float round-off. */
    static final int CHUNK = 4096;

    /**
     * Softmax cross-entropy on rows [r0, r1), one row at a time from L1: {@code Δ = A − T} (A = softmax(Zin)
     * from the forward pass) and the loss {@code −Σ t·(z − max − log Σ e^{z − max})}, log-softmax taken from
     * Zin so it stays finite for logits of any size. Returns the loss over the rows.
     */
    static double outputDeltaSoftmaxCrossEntropy(float[] z, float[] a, float[] t, float[] d, int n, int r0, int r1,
                                                  float[] lanes) {
        return n <= NARROW_ROW
                ? outputDeltaSoftmaxCrossEntropyScalar(z, a, t, d, n, r0, r1, lanes)
                : outputDeltaSoftmaxCrossEntropyVector(z, a, t, d, n, r0, r1, lanes);
    }

    /** {@link #outputDeltaSoftmaxCrossEntropy} in vector code, for rows wider than {@link #NARROW_ROW}. */
    static double outputDeltaSoftmaxCrossEntropyVector(float[] z, float[] a, float[] t, float[] d, int n, int r0,
                                                       int r1, float[] lanes) {
        // One masked loop per sweep, as in biasSoftmaxRow and for the same reason (C2's node budget).
        double loss = 0;
        for (int i = r0; i < r1; i++) {
            int off = i * n;
            FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = F.indexInRange(j, n);
                vmax = vmax.lanewise(VectorOperators.MAX, FloatVector.fromArray(F, z, off + j, m), m);
            }
            float max = vmax.reduceLanes(VectorOperators.MAX);
            FloatVector vsum = FloatVector.zero(F);
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector.fromArray(F, z, off + j, m).sub(max).intoArray(lanes, 0);
                Simd.exp(lanes, 0);
                vsum = vsum.add(FloatVector.fromArray(F, lanes, 0), m);
            }
            vsum.intoArray(lanes, 0);
            float lse = (float) Math.log(Simd.sum(lanes, 0));
            // Δ = A − T and Σ t·(z − max − lse); terms with t = 0 are skipped (masked) so −∞ logits cannot make NaN.
            FloatVector vloss = FloatVector.zero(F);
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector tv = FloatVector.fromArray(F, t, off + j, m);
                FloatVector.fromArray(F, a, off + j, m).sub(tv).intoArray(d, off + j, m);
                FloatVector logp = FloatVector.fromArray(F, z, off + j, m).sub(max).sub(lse);
                vloss = vloss.add(tv.mul(logp), tv.compare(VectorOperators.NE, 0f)); // t = 0 past n (masked load)
            }
            vloss.intoArray(lanes, 0);
            loss -= Simd.sum(lanes, 0);
        }
        return loss;
    }

    /**
     * {@link #outputDeltaSoftmaxCrossEntropy} in scalar code for rows of at most {@link #NARROW_ROW}: the same
     * operations in the same order, sums accumulated per lane (element j into lane j mod L) and summed by
     * {@link Simd#sum}, so the same bits.
     */
    static double outputDeltaSoftmaxCrossEntropyScalar(float[] z, float[] a, float[] t, float[] d, int n, int r0,
                                                       int r1, float[] lanes) {
        double loss = 0;
        for (int i = r0; i < r1; i++) {
            int off = i * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                max = Math.max(max, z[off + j]);
            }
            java.util.Arrays.fill(lanes, 0, L, 0f);
            for (int j = 0; j < n; j++) {
                lanes[j % L] += Simd.exp(z[off + j] - max);
            }
            float lse = (float) Math.log(Simd.sum(lanes, 0));
            java.util.Arrays.fill(lanes, 0, L, 0f);
            for (int j = 0; j < n; j++) {
                float tj = t[off + j];
                d[off + j] = a[off + j] - tj;
                if (tj != 0f) { // terms with t = 0 are skipped so −∞ logits cannot make NaN
                    lanes[j % L] += tj * (z[off + j] - max - lse);
                }
            }
            loss -= Simd.sum(lanes, 0);
        }
        return loss;
    }
}
