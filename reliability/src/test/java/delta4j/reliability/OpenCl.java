package delta4j.reliability;

import delta4j.engine.EngineProvider;
import delta4j.engine.Engines;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whether the OpenCL engine can run here: tests that need it are skipped with the reason printed, or
 * failed when {@code DELTA4J_REQUIRE_OPENCL=true} (system property or environment variable, as CI sets it).
 */
final class OpenCl {

    private OpenCl() {
    }

    static boolean required() {
        String v = System.getProperty("DELTA4J_REQUIRE_OPENCL", System.getenv("DELTA4J_REQUIRE_OPENCL"));
        return "true".equalsIgnoreCase(v == null ? "" : v.trim());
    }

    /** The reason OpenCL is unavailable, or null when it is available. */
    static String unavailable() {
        for (Engines.Found f : Engines.list()) {
            if (f.name().equals("opencl")) {
                EngineProvider.Availability a = f.availability();
                return a.available() ? null : a.reason();
            }
        }
        return "no opencl engine on the class path";
    }

    /** Skips (or, when required, fails) the calling test unless OpenCL is available. */
    static void require() {
        String why = unavailable();
        if (why != null) {
            if (required()) {
                fail("DELTA4J_REQUIRE_OPENCL=true but OpenCL is not available: " + why);
            }
            System.out.println("OpenCL part skipped: " + why);
            Assumptions.abort("OpenCL is not available: " + why);
        }
    }
}
