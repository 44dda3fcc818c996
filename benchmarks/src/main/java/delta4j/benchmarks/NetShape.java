package delta4j.benchmarks;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MLP's layer sizes and batch size, written as a JMH parameter such as {@code "784-256-128-10@128"}:
 * input width, hidden widths, output width, then the batch size.
 *
 * @param sizes the layer widths, input first (at least two)
 * @param batch samples per training step
 */
public record NetShape(int[] sizes, int batch) {

    private static final Pattern FORM = Pattern.compile("(\\d+(?:-\\d+)+)@(\\d+)");

    /** The Fashion-MNIST network of the epoch benchmark: 784-256-128-10, batch 128. */
    public static final String FASHION = "784-256-128-10@128";

    /** The larger network whose three backprop products the sgemm benchmark measures: 784-512-512-10, batch 256. */
    public static final String WIDE = "784-512-512-10@256";

    public NetShape {
        sizes = sizes.clone();
        if (sizes.length < 2 || batch <= 0 || Arrays.stream(sizes).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("a network needs at least two positive layer sizes and a positive batch, got "
                    + Arrays.toString(sizes) + " @" + batch);
        }
    }

    /** Parses {@code in-hidden...-out@batch}, e.g. "784-256-128-10@128". */
    public static NetShape parse(String text) {
        Matcher mt = FORM.matcher(text.trim());
        if (!mt.matches()) {
            throw new IllegalArgumentException("bad network '" + text + "': write the layer sizes and batch as in 784-256-128-10@128");
        }
        int[] s = Arrays.stream(mt.group(1).split("-")).mapToInt(Integer::parseInt).toArray();
        return new NetShape(s, Integer.parseInt(mt.group(2)));
    }

    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    /** Number of weight layers. */
    public int layers() {
        return sizes.length - 1;
    }

    /** FLOPs of the forward products A[l-1]·W[l] for one batch: Σ 2·N·in·out. */
    public double forwardFlops() {
        double f = 0;
        for (int l = 0; l < layers(); l++) {
            f += 2.0 * batch * sizes[l] * sizes[l + 1];
        }
        return f;
    }

    /**
     * FLOPs of the backward products for one batch: every weight gradient A[l-1]ᵀ·Δ[l], and δ propagation
     * Δ[l+1]·W[l+1]ᵀ for every layer but the first (the input needs no δ).
     */
    public double backwardFlops() {
        double f = 0;
        for (int l = 0; l < layers(); l++) {
            double product = 2.0 * batch * sizes[l] * sizes[l + 1];
            f += l == 0 ? product : 2 * product;
        }
        return f;
    }

    /** The parameter form, e.g. "784-256-128-10@128". */
    public String id() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            sb.append(i == 0 ? "" : "-").append(sizes[i]);
        }
        return sb.append('@').append(batch).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetShape other && other.batch == batch && Arrays.equals(other.sizes, sizes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(sizes) + batch;
    }

    @Override
    public String toString() {
        return id();
    }
}
