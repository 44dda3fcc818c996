package delta4j.benchmarks;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Engines;

import java.util.LinkedHashMap;
import java.util.Map;

/** Opens engines for benchmarks by name and thread count, and says which engines can run here and why not. */
public final class BenchEngines {

    /** The engines the suite benchmarks, in report order. */
    public static final String[] ENGINES = {"cpu", "opencl", "reference"};

    private BenchEngines() {
    }

    /**
     * Creates the named engine. {@code threads} follows {@link EngineConfig}: 0 lets the engine use all cores
     * (the suite passes 0 to the opencl engine, whose device decides its own parallelism).
     *
     * @throws EngineUnavailableException when the engine is unknown here or cannot run, with the reason
     */
    public static Engine open(String name, int threads) {
        try {
            return Engines.create(name, new EngineConfig(threads, null));
        } catch (IllegalArgumentException e) {
            throw new EngineUnavailableException(e.getMessage() + " (is its module on the class path?)", e);
        }
    }

    /** For each engine the suite knows, null when it can run here, otherwise the reason it cannot. */
    public static Map<String, String> availability() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : ENGINES) {
            out.put(name, "not on the class path (its module is not built into benchmarks.jar)");
        }
        for (Engines.Found f : Engines.list()) {
            out.put(f.name(), f.availability().available() ? null : f.availability().reason());
        }
        return out;
    }

    /** Whether the named engine is available and its default device is a GPU. */
    public static boolean onGpu(String name) {
        return Engines.list().stream().anyMatch(f -> f.name().equals(name) && f.availability().available() && f.availability().gpu());
    }

    /** For each engine, the device it reports when available, otherwise "not available: " and the reason. */
    public static Map<String, String> devices() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : ENGINES) {
            out.put(name, "not available: not on the class path (its module is not built into benchmarks.jar)");
        }
        for (Engines.Found f : Engines.list()) {
            out.put(f.name(), f.availability().available() ? f.availability().device() : "not available: " + f.availability().reason());
        }
        return out;
    }
}
