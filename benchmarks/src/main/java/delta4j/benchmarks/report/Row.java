package delta4j.benchmarks.report;

/**
 * One measured result, from JMH or from a peer, in the report's common terms.
 *
 * @param benchmark the question: "sgemm", "forward", "backward", "step" or "epoch"
 * @param impl      who ran it: an engine ("cpu", "opencl", "reference") or a peer ("openblas", "pytorch",
 *                  "vectorblas", "dl4j")
 * @param key       what was run: a gemm shape id ("nn:1024x1024x1024"), a network id ("784-256-128-10@128"),
 *                  or for epochs the network id and the sample count ("784-256-128-10@128/60000")
 * @param threads   threads used; 0 = the implementation's default (an OpenCL device's own parallelism)
 * @param seconds   time per operation: the median of the measured iterations ({@link Stats})
 * @param error     half the interquartile range of the iterations' times (NaN when unknown)
 * @param flops     floating-point operations per operation, NaN when the work has no FLOP count
 */
public record Row(String benchmark, String impl, String key, int threads, double seconds, double error, double flops) {

    /** The delta4j engines; everything else is a peer. */
    public static boolean isEngine(String impl) {
        return impl.equals("cpu") || impl.equals("opencl") || impl.equals("reference");
    }

    /** Whether JMH measured it (everything but the peer script's OpenBLAS and PyTorch). */
    public static boolean isJmh(String impl) {
        return !impl.equals("openblas") && !impl.equals("pytorch");
    }

    public boolean isEngine() {
        return isEngine(impl);
    }

    /** GFLOP/s, or NaN without a FLOP count. */
    public double gflops() {
        return flops / seconds / 1e9;
    }

    /** The GFLOP/s error to first order: F·err / t². */
    public double gflopsError() {
        return flops * error / (seconds * seconds) / 1e9;
    }

    /** Whether the score is a usable positive number. */
    public boolean valid() {
        return seconds > 0 && Double.isFinite(seconds);
    }
}
