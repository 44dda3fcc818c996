package delta4j.engine;

/**
 * The service-provider interface through which engines are found ({@link java.util.ServiceLoader}).
 * A third-party engine implements this, registers it (module-info {@code provides} and
 * META-INF/services), and proves itself by extending the conformance kit.
 */
public interface EngineProvider {

    /** {@return the name users select the engine by, e.g. "cpu"} Lower case, unique. */
    String name();

    /**
     * Probes the machine without creating an engine: whether the engine can run here, on what, and
     * if not, why (naming the fix). Must not throw.
     *
     * @return what the probe found
     */
    Availability probe();

    /**
     * How strongly "auto" should prefer this engine for training, or a negative number to never pick it
     * automatically. The cpu engine uses 100, an OpenCL GPU 1000, the reference engine 0.
     *
     * <p>"auto" also asks an unavailable engine: when its answer is above the chosen engine's, "auto" warns once
     * that it fell back, with the probe's reason. Answer negative for an unavailable engine whose absence is
     * normal (the opencl engine on a machine without OpenCL), the usual priority for one that should be fixed
     * (the cpu engine without its JVM flag).
     *
     * @param availability what {@link #probe()} found
     * @return the priority; larger wins, negative never chosen by "auto"
     */
    int autoPriority(Availability availability);

    /**
     * Every device this engine could run on here, in the order {@link EngineConfig#device()} indexes
     * them (an engine with one device, or none, needs not override this).
     *
     * @return the devices, each as a probe would describe it; empty when the engine cannot run
     */
    default java.util.List<Availability> devices() {
        Availability a = probe();
        return a.available() ? java.util.List.of(a) : java.util.List.of();
    }

    /**
     * Does ahead of time the part of the first {@link #probe()} and {@link #create} that no configuration changes
     * (loading and initialising the engine's classes, detecting the machine), so that a program with other work to do
     * first, such as a command line to parse, can have it done on another thread ({@link Engines#prepareInBackground}).
     * It may run at the same time as {@link #probe()} and {@link #create} on other threads, must leave nothing that
     * needs closing, and must not throw; an engine that cannot run here does nothing. The default does nothing.
     */
    default void prepare() {
    }

    /**
     * Creates an engine.
     *
     * @param config the thread count, device index and other settings
     * @return a new, open engine, which the caller closes
     * @throws EngineUnavailableException with the reason, when the engine cannot run here
     */
    Engine create(EngineConfig config);

    /**
     * What a probe found.
     *
     * @param available whether {@link #create} is expected to succeed
     * @param device    what it would run on (or "" when unavailable)
     * @param gpu       whether the default device is a GPU
     * @param reason    when unavailable, why, and what to do; else ""
     */
    record Availability(boolean available, String device, boolean gpu, String reason) {

        /**
         * {@return a probe that found the engine usable}
         *
         * @param device what it would run on
         * @param gpu whether that device is a GPU
         */
        public static Availability yes(String device, boolean gpu) {
            return new Availability(true, device, gpu, "");
        }

        /**
         * {@return a probe that found the engine unusable}
         *
         * @param reason why, and what to do about it
         */
        public static Availability no(String reason) {
            return new Availability(false, "", false, reason);
        }
    }
}
