package delta4j.cpu;

import delta4j.engine.Engine;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Engines;

/**
 * Run by {@link VectorModuleMissingTest} in a child JVM started without {@code --add-modules
 * jdk.incubator.vector}: prints what selecting the cpu engine says, and what "auto" falls back to (twice; its warning goes to
 * standard error).
 */
public final class NoVectorModuleMain {

    private NoVectorModuleMain() {
    }

    public static void main(String[] args) {
        System.out.println("module present: " + CpuEngineProvider.vectorModulePresent());
        new CpuEngineProvider().prepare(); // does nothing here, and must not load a Vector API class either
        System.out.println("prepared");
        System.out.println("probe: " + new CpuEngineProvider().probe());
        try (Engine e = Engines.create("cpu")) {
            System.out.println("created: " + e.device());
        } catch (EngineUnavailableException e) {
            System.out.println("unavailable: " + e.getMessage());
        }
        for (int i = 0; i < 2; i++) { // "auto" says once per JVM that it fell back, however often it is asked
            try (Engine e = Engines.create("auto")) {
                System.out.println("auto: " + e.name());
            }
        }
    }
}
