package delta4j.opencl;

import delta4j.engine.EngineConfig;
import delta4j.engine.EngineProvider;
import delta4j.engine.Precision;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * How the OpenCL tests get an engine: skipped, with the reason printed, on a machine without OpenCL;
 * failed instead when {@code DELTA4J_REQUIRE_OPENCL=true} (system property or environment variable, as CI
 * sets it). The device comes from the system property {@code delta4j.opencl.device} (default device if unset).
 */
final class OpenClTestSupport {

    private OpenClTestSupport() {
    }

    static boolean required() {
        String v = System.getProperty("DELTA4J_REQUIRE_OPENCL", System.getenv("DELTA4J_REQUIRE_OPENCL"));
        return "true".equalsIgnoreCase(v == null ? "" : v.trim());
    }

    /** Skips (or, when required, fails) the calling test unless OpenCL is available. */
    static void requireOpenCl() {
        EngineProvider.Availability a = new OpenClEngineProvider().probe();
        if (!a.available()) {
            String reason = "OpenCL tests skipped: " + a.reason();
            if (required()) {
                fail("DELTA4J_REQUIRE_OPENCL=true but OpenCL is not available: " + a.reason());
            }
            System.out.println(reason);
            Assumptions.abort(reason);
        }
    }

    /** A fresh engine on the configured device, or a skip. */
    static OpenClEngine engine() {
        return engine(Precision.FP32);
    }

    /** A fresh engine on the configured device with products at a precision, or a skip. */
    static OpenClEngine engine(Precision precision) {
        requireOpenCl();
        return (OpenClEngine) new OpenClEngineProvider().create(
                new EngineConfig(0, System.getProperty("delta4j.opencl.device"), precision));
    }
}
