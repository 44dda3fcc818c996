package delta4j.engine;

/**
 * How to create an engine.
 *
 * @param threads worker threads for CPU engines; 0 means all available cores
 * @param device  device selector for device engines: an index ("0"), a name fragment ("h100"),
 *                a type ("gpu", "cpu"), or null for the engine's default
 */
public record EngineConfig(int threads, String device) {

    /**
     * Checks the thread count.
     *
     * @throws IllegalArgumentException if {@code threads} is negative
     */
    public EngineConfig {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all cores) or positive, got " + threads);
        }
    }

    /** {@return the configuration of all cores and the engine's default device} */
    public static EngineConfig defaults() {
        return new EngineConfig(0, null);
    }

    /**
     * {@return this configuration with another thread count}
     *
     * @param n worker threads; 0 means all available cores
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public EngineConfig withThreads(int n) {
        return new EngineConfig(n, device);
    }

    /**
     * {@return this configuration with another device selector}
     *
     * @param d an index ("0"), a name fragment ("h100"), a type ("gpu", "cpu"), or null for the default
     */
    public EngineConfig withDevice(String d) {
        return new EngineConfig(threads, d);
    }

    /** {@return the thread count to use: {@code threads}, or the number of available processors when 0} */
    public int resolvedThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
