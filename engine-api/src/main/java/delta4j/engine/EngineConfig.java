package delta4j.engine;

/**
 * How to create an engine.
 *
 * @param threads worker threads for CPU engines; 0 means all available cores
 * @param device  device selector for device engines: an index ("0"), a name fragment ("h100"),
 *                a type ("gpu", "cpu"), or null for the engine's default
 */
public record EngineConfig(int threads, String device) {

    public EngineConfig {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all cores) or positive, got " + threads);
        }
    }

    /** {@return all cores, default device} */
    public static EngineConfig defaults() {
        return new EngineConfig(0, null);
    }

    public EngineConfig withThreads(int n) {
        return new EngineConfig(n, device);
    }

    public EngineConfig withDevice(String d) {
        return new EngineConfig(threads, d);
    }

    /** {@return the thread count to use: {@code threads}, or the number of available processors when 0} */
    public int resolvedThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
