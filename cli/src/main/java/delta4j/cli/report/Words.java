package delta4j.cli.report;

import java.math.BigDecimal;
import java.math.MathContext;

/** Numbers in the tool's messages as a reader expects them: "1 sample", "2 samples", "0.0001" rather than "1.0E-4". */
public final class Words {

    private Words() {
    }

    /** "1 sample", "3 samples": the noun takes an "s" unless n is 1. */
    public static String count(long n, String noun) {
        return count(n, noun, noun + "s");
    }

    /** "1 class", "3 classes". */
    public static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }

    /**
     * A float as a plain decimal with at most 6 significant digits and no exponent: 1e-4f is "0.0001", the
     * float nearest 0.001 / 10 (1.00000005E-4) is "0.0001" too, 0.01f is "0.01", 50f is "50". A value this
     * rounding would turn into 0 (below 1e-6 or so) keeps its exponent ("1.0E-9").
     */
    public static String decimal(float v) {
        if (v == 0 || !Float.isFinite(v)) {
            return v == 0 ? "0" : Float.toString(v);
        }
        BigDecimal d = new BigDecimal(Float.toString(v)).round(new MathContext(6)).stripTrailingZeros();
        if (Math.abs(v) < 1e-6 || Math.abs(v) >= 1e15) {
            return Float.toString(v);
        }
        return d.toPlainString();
    }
}
