package delta4j.engine;

import java.util.Locale;

/**
 * The arithmetic of the products ({@link Engine#gemm}): what happens to the operands before they are
 * multiplied. Every precision accumulates in (at least) fp32; it applies to gemm only: activations,
 * losses, reductions and optimizer updates stay fp32, and parameters and optimizer state are kept in
 * fp32 ("master weights") whatever the precision.
 *
 * <p>Each precision is defined by a rounding of each operand element, {@link #round(float)}, applied to
 * every element of op(A) and op(B) before the product; then {@code C ← α·Σ_p ã_ip·b̃_pj + β·C} with the
 * sum accumulated in fp32 or wider. Products of rounded operands are exact in fp32 (11 × 11 and 8 × 8
 * significant bits), so the only other rounding is the accumulation's. The {@link delta4j.engine.reference
 * reference engine} emulates each precision exactly (rounded operands, sums in double); engines round the
 * same way in hardware (NVIDIA tensor cores) or in software while staging the operands.
 *
 * <ul>
 * <li>{@link #FP32}: operands used as they are (IEEE binary32, 24 significant bits). Unit roundoff 2^-24.</li>
 * <li>{@link #TF32}: operands rounded to TensorFloat-32: fp32's 8-bit exponent and 10 explicit mantissa
 *     bits (11 significant), round to nearest with ties <em>away from zero</em>, as PTX
 *     {@code cvt.rna.tf32.f32}. Unit roundoff 2^-11.</li>
 * <li>{@link #BF16}: operands rounded to bfloat16: fp32's 8-bit exponent and 7 explicit mantissa bits
 *     (8 significant), round to nearest with ties to <em>even</em>, as PTX {@code cvt.rn.bf16.f32} and
 *     PyTorch's {@code tensor.bfloat16()}. Unit roundoff 2^-8.</li>
 * </ul>
 *
 * <p>Both reduced formats share fp32's exponent range, so rounding never underflows where fp32 does not:
 * subnormals round at the same bit position as normal numbers. A value whose rounding carries past the
 * largest finite number becomes ±∞ (IEEE round to nearest); ±∞ stay ±∞, NaN stays NaN (quiet), ±0 stay ±0.
 */
public enum Precision {
    /** Operands as they are: today's fp32 product. */
    FP32("fp32", 24),
    /** Operands rounded to TF32 (10 mantissa bits, round to nearest, ties away from zero). */
    TF32("tf32", 11),
    /** Operands rounded to bfloat16 (7 mantissa bits, round to nearest, ties to even). */
    BF16("bf16", 8);

    private final String cliName;
    private final int significantBits;

    Precision(String cliName, int significantBits) {
        this.cliName = cliName;
        this.significantBits = significantBits;
    }

    /** {@return the name on the command line ({@code --precision}) and in messages: "fp32", "tf32", "bf16"} */
    public String cliName() {
        return cliName;
    }

    /** {@return the significant bits of an operand, the implicit leading bit included: 24, 11, 8} */
    public int significantBits() {
        return significantBits;
    }

    /** {@return the unit roundoff of an operand, 2^-significantBits: 2^-24, 2^-11, 2^-8} */
    public double unitRoundoff() {
        return Math.scalb(1.0, -significantBits);
    }

    /**
     * An operand element rounded to this precision, returned as the float of the same value (the low
     * mantissa bits zero). The definition every engine follows, on the bits of x:
     * <ul>
     * <li>FP32: x itself;</li>
     * <li>TF32: add 2^12 to the bits (half a unit in the last TF32 place, carrying into the exponent when
     *     the mantissa overflows), then clear the low 13 bits: round to nearest, ties away from zero;</li>
     * <li>BF16: add 2^15 − 1 plus bit 16 of x, then clear the low 16 bits: round to nearest, ties to even;</li>
     * </ul>
     * except that NaN is returned as a quiet NaN of the same sign (its rounded bits would otherwise carry
     * into the sign, or clear every mantissa bit and make it ∞).
     *
     * @param x an operand element
     * @return x rounded to this precision, as a float
     */
    public float round(float x) {
        return switch (this) {
            case FP32 -> x;
            case TF32 -> Float.intBitsToFloat(roundTf32Bits(Float.floatToRawIntBits(x)));
            case BF16 -> Float.intBitsToFloat(roundBf16Bits(Float.floatToRawIntBits(x)));
        };
    }

    /**
     * {@return the bits of a float rounded to TF32 ({@link #round})}
     *
     * @param bits the float's bits ({@link Float#floatToRawIntBits})
     */
    public static int roundTf32Bits(int bits) {
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (bits | 0x00400000) & 0xFFFFE000;
        }
        return (bits + 0x1000) & 0xFFFFE000;
    }

    /**
     * {@return the bits of a float rounded to bfloat16 ({@link #round})}
     *
     * @param bits the float's bits ({@link Float#floatToRawIntBits})
     */
    public static int roundBf16Bits(int bits) {
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (bits | 0x00400000) & 0xFFFF0000;
        }
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
    }

    /**
     * {@return the precision named, case-insensitively, by its {@link #cliName()}}
     *
     * @param name "fp32", "tf32" or "bf16"
     * @throws IllegalArgumentException naming the three when {@code name} is none of them
     */
    public static Precision parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.cliName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name + "': use one of fp32, tf32, bf16");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
