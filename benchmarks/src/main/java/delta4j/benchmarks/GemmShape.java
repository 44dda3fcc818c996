package delta4j.benchmarks;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One matrix product {@code C = op(A)·op(B)}, with op(A) m × k and op(B) k × n, written as a JMH parameter
 * such as {@code "nn:1024x1024x1024"} or {@code "tn:784x256x512"}: the two letters say whether A and B are
 * transposed (n = as stored, t = transposed), then m × k × n.
 *
 * @param transA whether A is stored k × m and used transposed
 * @param transB whether B is stored n × k and used transposed
 * @param m      rows of C
 * @param k      the inner dimension
 * @param n      columns of C
 */
public record GemmShape(boolean transA, boolean transB, int m, int k, int n) {

    private static final Pattern FORM = Pattern.compile("([nt])([nt]):(\\d+)x(\\d+)x(\\d+)");

    public GemmShape {
        if (m <= 0 || k <= 0 || n <= 0) {
            throw new IllegalArgumentException("gemm sizes must be positive, got m=" + m + " k=" + k + " n=" + n);
        }
    }

    /** Parses the parameter form {@code [nt][nt]:MxKxN}, e.g. "nt:256x512x784". */
    public static GemmShape parse(String text) {
        Matcher mt = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!mt.matches()) {
            throw new IllegalArgumentException("bad gemm shape '" + text
                    + "': write [nt][nt]:MxKxN, e.g. nn:1024x1024x1024 (A·B) or tn:784x256x512 (Aᵀ·B)");
        }
        return new GemmShape(mt.group(1).equals("t"), mt.group(2).equals("t"),
                Integer.parseInt(mt.group(3)), Integer.parseInt(mt.group(4)), Integer.parseInt(mt.group(5)));
    }

    /** A square product n × n · n × n. */
    public static GemmShape square(int n) {
        return new GemmShape(false, false, n, n, n);
    }

    /** Floating-point operations of one product: a multiply and an add per inner step, 2·m·k·n. */
    public double flops() {
        return 2.0 * m * k * n;
    }

    /** Whether this is an untransposed square product. */
    public boolean isSquare() {
        return !transA && !transB && m == k && k == n;
    }

    /** Rows of A as stored. */
    public int aRows() {
        return transA ? k : m;
    }

    /** Columns of A as stored. */
    public int aCols() {
        return transA ? m : k;
    }

    /** Rows of B as stored. */
    public int bRows() {
        return transB ? n : k;
    }

    /** Columns of B as stored. */
    public int bCols() {
        return transB ? k : n;
    }

    /** The parameter form, e.g. "nn:1024x1024x1024". */
    public String id() {
        return (transA ? "t" : "n") + (transB ? "t" : "n") + ":" + m + "x" + k + "x" + n;
    }

    /** A readable label: "1024²" for squares, otherwise e.g. "Aᵀ·B 784×256·256×512". */
    public String label() {
        if (isSquare()) {
            return m + "²";
        }
        String op = (transA ? "Aᵀ" : "A") + "·" + (transB ? "Bᵀ" : "B");
        return op + " " + m + "×" + k + "·" + k + "×" + n;
    }

    @Override
    public String toString() {
        return id();
    }
}
