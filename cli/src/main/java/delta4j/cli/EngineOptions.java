package delta4j.cli;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import picocli.CommandLine.Option;

/** The engine choice shared by every command that computes: --engine, --device, --threads. */
public final class EngineOptions {

    @Option(names = "--engine", paramLabel = "E", defaultValue = "auto",
            description = "Engine: auto (the best available), reference, cpu, opencl, or a third party's (see 'delta4j devices'). Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(names = "--device", paramLabel = "N",
            description = "Device of a device engine: an index (0, 1, ...), a name fragment or a type (gpu, cpu). Default: the engine's choice.")
    String device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads of a CPU engine; 0 uses every core. Default: ${DEFAULT-VALUE}.")
    int threads;

    /** The configuration the options describe. */
    EngineConfig config() {
        try {
            return new EngineConfig(threads, device);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--threads: " + e.getMessage());
        }
    }

    /** Creates the engine; an unknown name is a usage error, an unavailable engine a runtime error. */
    Engine create() {
        EngineConfig c = config();
        try {
            return Engines.create(engine, c);
        } catch (delta4j.engine.EngineUnavailableException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
