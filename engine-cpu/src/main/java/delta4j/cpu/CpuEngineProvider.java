package delta4j.cpu;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.EngineProvider;
import delta4j.engine.EngineUnavailableException;

/**
 * Finds and creates the cpu engine ("cpu", auto priority 100).
 *
 * <p>The engine needs the incubating Vector API. On the class path the JVM resolves jdk.incubator.vector only
 * when asked with {@code --add-modules jdk.incubator.vector}; without it the engine reports itself unavailable
 * and says which flag to add. This class must not touch any Vector API type (nor any class that does) before
 * that check, or loading it would fail with a bare NoClassDefFoundError instead.
 */
public final class CpuEngineProvider implements EngineProvider {

    /** The module the engine's kernels are written in. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** Why the engine is unavailable when the module is missing, naming the fix. */
    static final String MISSING_MODULE_REASON = "the cpu engine needs the Java Vector API, which this JVM was started "
            + "without: add the JVM flag --add-modules jdk.incubator.vector (e.g. java --add-modules jdk.incubator.vector "
            + "-cp ... or JDK_JAVA_OPTIONS=\"--add-modules jdk.incubator.vector\"), or choose another engine";

    /** Called by {@link java.util.ServiceLoader}; it touches no Vector API type. */
    public CpuEngineProvider() {
    }

    /** Whether the JVM's boot layer has the Vector API module (resolved, so its classes can load). */
    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** Throws {@link EngineUnavailableException} naming the missing flag unless the Vector API is there. */
    static void requireVectorModule() {
        if (!vectorModulePresent()) {
            throw new EngineUnavailableException(MISSING_MODULE_REASON);
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Availability probe() {
        if (!vectorModulePresent()) {
            return Availability.no(MISSING_MODULE_REASON);
        }
        try {
            int threads = EngineConfig.defaults().resolvedThreads();
            return Availability.yes(CpuEngine.describe(threads), false);
        } catch (LinkageError e) {
            return Availability.no("the Java Vector API failed to load (" + e + "): use a JDK 25 or newer with "
                    + "--add-modules jdk.incubator.vector, or choose another engine");
        }
    }

    /**
     * Creates and closes an engine of one thread (no workers to start): its classes load and initialise, the vector
     * species and the GEMM's per-CPU choices are settled, and the kernels' method handles are linked, which is most
     * of what the first {@link #probe()} and {@link #create} of the command line's engine would otherwise do in turn.
     */
    @Override
    public void prepare() {
        if (vectorModulePresent()) {
            try {
                new CpuEngine(new EngineConfig(1, null)).close();
            } catch (RuntimeException | LinkageError e) {
                // The engine cannot run here: probe and create say why, in the words a user needs.
            }
        }
    }

    @Override
    public int autoPriority(Availability availability) {
        return 100;
    }

    @Override
    public Engine create(EngineConfig config) {
        requireVectorModule();
        return new CpuEngine(config == null ? EngineConfig.defaults() : config);
    }
}
