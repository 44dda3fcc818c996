package delta4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shape every kernel uses: the machine's preferred float species (16 lanes with AVX-512, 8 with
 * AVX2, 4 with SSE or NEON). Only classes loaded after {@link CpuEngineProvider} has found the
 * jdk.incubator.vector module may touch this class.
 */
final class Simd {

    private Simd() {
    }

    /**
     * The preferred species, never a hard-coded width: a 512-bit species on a JVM that uses only AVX2 is
     * emulated and ran 150× slower in measurement.
     */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Float lanes per vector. */
    static final int L = F.length();

    /**
     * Σ of the lanes of a[at..at+L) in a fixed order, a halving tree: lanes i and i + L/2 first, then the halves'
     * sums alike (for 16 lanes ((b0 + b4) + (b2 + b6)) + ((b1 + b5) + (b3 + b7)) with bi = ai + a(i+8)), the order
     * of the vector rotations that summed them before, so the same bits (SimdScalarTwinTest).
     * {@code reduceLanes(ADD)} leaves the order open, and measured here it summed differently before and after C2
     * compiled the caller, so the same input gave results one ulp apart within one run; this order is the same in
     * every tier.
     *
     * <p>Scalar code, not vector shuffles: a kernel calls it once a row or an output element, after its vector loop,
     * and as scalar code it brings no shuffle into the C1 code that runs until C2 has compiled the kernel, nor the
     * Vector API's shuffle methods into what C1 and C2 compile before the first epoch (engine-cpu/README.md, "The
     * first epoch"). Written out for 16, 8 and 4 lanes, so that the sums stay in registers: an in-place loop over
     * the array was several times slower inside the narrow product's reduction, each level waiting on the last
     * one's stores.
     *
     * <p>Like every helper here it takes an array and an offset, never a vector: a vector passed to a method that
     * C2 does not inline is boxed, and C2 declines to inline a callee whenever the caller is past its node budget
     * ({@code NodeCountInliningCutoff}) or the callee was compiled on its own first into more than
     * {@code InlineSmallCode} bytes, both of which depend on the order in which methods were compiled. A kernel
     * stores its accumulator into its per-thread scratch and sums that. {@code VectorSignatureTest} keeps vector
     * types out of every method signature of this module.
     */
    static float sum(float[] a, int at) {
        return switch (L) { // a constant: C2 keeps one case
            case 16 -> sum8(a[at] + a[at + 8], a[at + 1] + a[at + 9], a[at + 2] + a[at + 10], a[at + 3] + a[at + 11],
                    a[at + 4] + a[at + 12], a[at + 5] + a[at + 13], a[at + 6] + a[at + 14], a[at + 7] + a[at + 15]);
            case 8 -> sum8(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7]);
            case 4 -> (a[at] + a[at + 2]) + (a[at + 1] + a[at + 3]);
            default -> tree(a, at, 0, 1);
        };
    }

    /**
     * The halving tree for any L, allocating nothing: lane i of the sums left at width h is lane i plus lane i + h of
     * those at width 2h, and at width L the lanes themselves. The written-out cases above are this for 16, 8 and 4.
     */
    static float tree(float[] a, int at, int i, int h) {
        return h == L ? a[at + i] : tree(a, at, i, 2 * h) + tree(a, at, i + h, 2 * h);
    }

    /** The last three levels of the halving tree over eight values. */
    private static float sum8(float b0, float b1, float b2, float b3, float b4, float b5, float b6, float b7) {
        return ((b0 + b4) + (b2 + b6)) + ((b1 + b5) + (b3 + b7));
    }

    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = 0.693145752f;      // ln 2 split so n·LN2_HI is exact for |n| ≤ 2^10
    static final float LN2_LO = 1.42860677e-6f;
    static final float ROUND = 12582912f;          // 1.5·2^23: adding it rounds to an integer
    static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * e^x for each lane of a[at..at+L), in place (an array and an offset, as {@link #sum} explains), from fused multiply-adds, multiplies and integer adds only, so every JIT tier gives the
     * same bits ({@code lanewise(EXP)} did not: the interpreter's and C2's results differed by an ulp).
     * x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial to r⁷ in Horner form (relative error
     * below 2e-7), then scaled by 2^n through the exponent bits. x is first clamped to [−88, 88.7]: below
     * about −87.3 n reaches −127, whose scale has exponent bits 0, so the result is 0 as float exp's
     * (subnormal) answer rounds to for the kernels' purposes; above about 88.4 n = 128 gives +∞.
     * Kept to few operations, without compares or blends: C2 turns a method's vector operations into
     * instructions only while the method stays within its node budget, and callers inline this.
     */
    static void exp(float[] a, int at) {
        FloatVector x = FloatVector.fromArray(F, a, at);
        FloatVector xc = x.max(-88f).min(88.7f);
        FloatVector t = xc.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.mul(-LN2_HI).add(xc).sub(n.mul(LN2_LO));
        FloatVector p = r.fma(1f / 5040, 1f / 720).fma(r, C5).fma(r, C4).fma(r, C3).fma(r, C2).fma(r, C1).fma(r, C1);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
        p.mul(bits.reinterpretAsFloats()).intoArray(a, at);
    }

    /**
     * {@link #exp}'s arithmetic on one float: the same clamp, fused multiply-adds, multiplies and exponent bits in the
     * same order, so each lane of {@code exp} and this give the same bits (SimdScalarTwinTest). For the narrow
     * kernels (a softmax row of a few classes), whose scalar code C1 runs fast and C2 compiles in a fraction of the
     * time of their vector code.
     */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, -88f), 88.7f);
        float t = Math.fma(xc, LOG2E, ROUND);
        float n = t - ROUND;
        float r = n * -LN2_HI + xc - n * LN2_LO;
        float p = Math.fma(r, 1f / 5040, 1f / 720);
        p = Math.fma(p, r, 1f / 120);
        p = Math.fma(p, r, 1f / 24);
        p = Math.fma(p, r, 1f / 6);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int bits = (Float.floatToRawIntBits(t) + (127 - ROUND_BITS)) << 23;
        return p * Float.intBitsToFloat(bits);
    }

    // Taylor coefficients 1/5!, 1/4!, 1/3!, 1/2!, 1 as vectors for exp's fused multiply-adds.
    static final FloatVector C5 = FloatVector.broadcast(F, 1f / 120);
    static final FloatVector C4 = FloatVector.broadcast(F, 1f / 24);
    static final FloatVector C3 = FloatVector.broadcast(F, 1f / 6);
    static final FloatVector C2 = FloatVector.broadcast(F, 0.5f);
    static final FloatVector C1 = FloatVector.broadcast(F, 1f);

    /**
     * The smallest float whose tanh rounds to 1 (9.010914): from here on {@link #tanh} returns ±1 exactly, the
     * correctly rounded value, so φ' = 1 − a² is exactly 0 for saturated units.
     */
    static final float TANH_SATURATES_AT = 9.010914f;

    private static final int SIGN_BIT = 0x80000000;
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(F, -LN2_HI);
    private static final FloatVector MINUS_LN2_LO = FloatVector.broadcast(F, -LN2_LO);

    // tanh x ≈ x + x³·(T0 + T1·x² + ... + T5·x¹⁰) on |x| < 0.75 (T4 and T5 go in as scalars).
    private static final FloatVector T0 = FloatVector.broadcast(F, -0.3333333134651184f);
    private static final FloatVector T1 = FloatVector.broadcast(F, 0.1333317905664444f);
    private static final FloatVector T2 = FloatVector.broadcast(F, -0.05393585190176964f);
    private static final FloatVector T3 = FloatVector.broadcast(F, 0.021615318953990936f);
    private static final float T4 = -0.00793380755931139f;
    private static final float T5 = 0.0019095024326816201f;

    /**
     * tanh for each lane of a[at..at+L), in place, from the same fixed-order arithmetic as {@link #exp} (fused multiply-adds, multiplies, one
     * division, integer adds, compares), so every JIT tier gives the same bits: {@code lanewise(TANH)} did not
     * (C2's and the interpreter's results were an ulp apart on some inputs), so a tanh network trained on in a
     * new process ended with other weights. Two formulas, both computed for every lane and blended:
     * <ul>
     * <li>|x| &lt; 0.75: x + x³·P(x²), P of degree 5 fitted to (tanh x − x)/x³ (a Chebyshev fit), so small |x|
     *     keep full relative accuracy (1 − 2/(e^{2x} + 1) would cancel);</li>
     * <li>otherwise (d − 1)/d with d = (e^{2|x|} + 1)/2 rounded once: 2|x| = n·ln2 + r with |r| ≤ ln2/2 as in exp,
     *     d = 2^{n−1}·(e^r − 1) + (2^{n−1} + ½) in one fused multiply-add, e^r − 1 = r + r²·(1/2 + r/6 + ... +
     *     r⁵/5040). d − 1 is exact while d &lt; 2^24, so the division is the only other rounding.</li>
     * </ul>
     * 2|x| is clamped to 17, which keeps d below 2^24 and gives 0.99999994, the correctly rounded tanh from 8.5 up
     * to {@link #TANH_SATURATES_AT}; from there on the result is 1. The sign is copied from x, so tanh is odd and
     * tanh(−0) = −0; NaN stays NaN. Its error against tanh in double is bounded by {@code TanhAccuracyTest}.
     */
    static void tanh(float[] a, int at) {
        FloatVector x = FloatVector.fromArray(F, a, at);
        FloatVector ax = x.abs();
        FloatVector y = ax.add(ax).min(17f);
        FloatVector t = y.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(MINUS_LN2_LO, n.fma(MINUS_LN2_HI, y));
        FloatVector p = r.fma(1f / 5040, 1f / 720).fma(r, C5).fma(r, C4).fma(r, C3).fma(r, C2);
        FloatVector expm1r = p.fma(r.mul(r), r);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).add(126 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
        FloatVector half = bits.reinterpretAsFloats();                    // 2^(n−1)
        FloatVector d = expm1r.fma(half, half.add(0.5f));                 // (e^{2|x|} + 1) / 2, rounded once
        FloatVector u = ax.mul(ax);
        FloatVector small = u.fma(T5, T4).fma(u, T3).fma(u, T2).fma(u, T1).fma(u, T0).fma(ax.mul(u), ax);
        FloatVector th = d.sub(1f).div(d).blend(small, ax.compare(VectorOperators.LT, 0.75f))
                .blend(1f, ax.compare(VectorOperators.GE, TANH_SATURATES_AT));
        IntVector sign = ((IntVector) x.reinterpretAsInts()).and(SIGN_BIT);
        ((IntVector) th.reinterpretAsInts()).or(sign).reinterpretAsFloats().intoArray(a, at);
    }

    /** "AVX-512 (16 float lanes)" and the like, for {@link CpuEngine#device()}. */
    static String describe() {
        return describe(System.getProperty("os.arch", ""), F.vectorBitSize(), GemmBlocking.MACHINE.facts().avx512f());
    }

    /**
     * The instruction set the JVM's vectors map to: by the vector width, which on x86 names the ISA, except on an AVX-512
     * CPU whose JVM was held to 256 or 128 bits ({@code -XX:MaxVectorSize}), where the width alone would name AVX2.
     */
    static String describe(String osArch, int bits, boolean avx512f) {
        String arch = osArch.toLowerCase(java.util.Locale.ROOT);
        boolean x86 = arch.contains("amd64") || arch.contains("x86");
        String isa;
        if (x86) {
            isa = switch (bits) {
                case 512 -> "AVX-512";
                case 256 -> avx512f ? "AVX-512 CPU at 256 bits" : "AVX2";
                case 128 -> avx512f ? "AVX-512 CPU at 128 bits" : "SSE";
                default -> bits + "-bit SIMD";
            };
        } else if (arch.contains("aarch64") || arch.contains("arm")) {
            isa = bits == 128 ? "NEON" : "SVE " + bits + "-bit";
        } else {
            isa = bits + "-bit SIMD";
        }
        return isa + " (" + bits / Float.SIZE + " float lanes)";
    }
}
