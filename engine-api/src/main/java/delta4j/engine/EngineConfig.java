package delta4j.engine;

/**
 * How to create an engine.
 *
 * @param threads   worker threads for CPU engines; 0 means all available cores
 * @param device    device selector for device engines: an index ("0"), a name fragment ("h100"),
 *                  a type ("gpu", "cpu"), or null for the engine's default
 * @param precision the arithmetic of the engine's products ({@link Engine#gemm} only; see {@link Precision}):
 *                  fp32 by default
 */
public record EngineConfig(int threads, String device, Precision precision) {

    /**
     * Checks the thread count.
     *
     * @throws IllegalArgumentException if {@code threads} is negative
     */
    public EngineConfig {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all cores) or positive, got " + threads);
        }
        if (precision == null) {
            throw new IllegalArgumentException("precision must be given (Precision.FP32 for plain fp32 products)");
        }
    }

    /**
     * A configuration with fp32 products.
     *
     * @param threads worker threads for CPU engines; 0 means all available cores
     * @param device  device selector for device engines, or null for the engine's default
     */
    public EngineConfig(int threads, String device) {
        this(threads, device, Precision.FP32);
    }

    /** {@return the configuration of all cores, the engine's default device and fp32 products} */
    public static EngineConfig defaults() {
        return new EngineConfig(0, null, Precision.FP32);
    }

    /**
     * {@return this configuration with another thread count}
     *
     * @param n worker threads; 0 means all available cores
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public EngineConfig withThreads(int n) {
        return new EngineConfig(n, device, precision);
    }

    /**
     * {@return this configuration with another device selector}
     *
     * @param d an index ("0"), a name fragment ("h100"), a type ("gpu", "cpu"), or null for the default
     */
    public EngineConfig withDevice(String d) {
        return new EngineConfig(threads, d, precision);
    }

    /**
     * {@return this configuration with another precision of the products}
     *
     * @param p fp32, tf32 or bf16 ({@link Precision})
     */
    public EngineConfig withPrecision(Precision p) {
        return new EngineConfig(threads, device, p);
    }

    /** {@return the thread count to use: {@code threads}, or the number of available processors when 0} */
    public int resolvedThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
